"""A JSON Lines file's bytes cut into chunks of whole lines, and a chunk's lines.

A big file is indexed chunk by chunk in worker processes, each reading its own chunk from the file:
the indexer only finds where each chunk starts and how many lines and records come before it (for
the line numbers of errors and the default ids of records), counting bytes without decoding them.
It used to read and decode every line and pickle it to a worker: about a tenth of the time of the
indexing process, which every batch waits on (README: the thirteenth session).

Lines end as in Python's text mode (universal newlines): at "\n", "\r\n" or a lone "\r". A record is
a line that is not blank (empty, or white space only).
"""

from __future__ import annotations

from typing import BinaryIO, Iterator, NamedTuple

import numpy as np

_NEWLINE, _BRACE = ord("\n"), ord("{")


class Chunk(NamedTuple):
    """Whole lines of a file: its byte range, and the lines and records before it in the file."""

    start: int
    end: int
    lines: int
    records: int


def cut(file: BinaryIO, size: int, start: int = 0) -> Iterator[tuple[Chunk, bytes]]:
    """The file's chunks from byte start on, each about size bytes (more where one line is longer),
    with their bytes."""
    file.seek(start)
    lines = records = 0
    held: list[bytes] = []  # the start of a line longer than a block, read on until it ends
    while True:
        block = file.read(size)
        if not block:
            data = b"".join(held)
            if data:
                yield Chunk(start, start + len(data), lines, records), data
            return
        end = _last_line_end(block)
        if end == 0:
            held.append(block)
            continue
        data = b"".join([*held, block[:end]]) if held else block[:end]
        held = [block[end:]] if end < len(block) else []
        yield Chunk(start, start + len(data), lines, records), data
        start += len(data)
        counted = count(data)
        lines += counted[0]
        records += counted[1]


def _last_line_end(block: bytes) -> int:
    """Where the last line ending in block ends (0 if none is sure to be one): after its last "\n";
    failing that, after a "\r" that is not its last byte (a "\r" at the end may be a "\r\n" cut in two)."""
    newline = block.rfind(b"\n")
    if newline >= 0:
        return newline + 1
    return block.rfind(b"\r", 0, len(block) - 1) + 1


def count(data: bytes) -> tuple[int, int]:
    """How many lines and records data holds (whole lines, the last of a file may lack its ending).

    Without decoding when no line ends in "\r" and every line opens with "{" (a JSON object's, as
    nearly always): then no line is blank. The newlines are found in one vectorised comparison: a
    count of b"\n{" took 0.85 ms a 512 KB chunk, 1.8 s of a 1M-article build. Otherwise the lines are
    decoded and looked at (undecodable bytes only replaced: reading the chunk reports them)."""
    if b"\r" not in data:
        codes = np.frombuffer(data, np.uint8)
        ends = np.flatnonzero(codes == _NEWLINE)
        lines = len(ends) + int(len(data) > 0 and codes[-1] != _NEWLINE)
        starts = ends[:-1] + 1 if len(data) and codes[-1] == _NEWLINE else ends + 1
        if len(data) and codes[0] == _BRACE and bool((codes[starts] == _BRACE).all()):
            return lines, lines
    else:
        lines = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
        lines += int(len(data) > 0 and not data.endswith((b"\n", b"\r")))
    return lines, sum(1 for line in split(data.decode("utf-8", "replace")) if line and not line.isspace())


def split(text: str) -> list[str]:
    """The lines of text (whole lines), without their endings."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    pieces = text.split("\n")
    if pieces[-1] == "":  # what follows the last line's ending
        pieces.pop()
    return pieces


def numbered(text: str, chunk: Chunk) -> Iterator[tuple[int, int, str]]:
    """(line number, record number, line) of each record of a chunk's text, counted from the file's start."""
    number, position = chunk.lines, chunk.records
    for line in split(text):
        number += 1
        if line and not line.isspace():
            position += 1
            yield number, position, line
