"""A JSON Lines file cut into chunks (index/lines.py): the records numbered as reading the file
line by line in text mode numbers them, whatever the chunk size, line endings and blank lines."""

from __future__ import annotations

import codecs
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citebot.index import lines
from citebot.index.articles import ArticleError, chunk_records, jsonl_chunks, jsonl_records

# Lines of JSON objects, blank ones, white space only (Unicode's too: text mode does not end a line
# there, and such a line is blank), and endings of every kind, "\r\n" cut anywhere by a chunk.
_PIECES = st.sampled_from(['{"id": "a", "text": "Alpha."}', '{"text": "ü ☃"}', "", "  ", "\t", "\u3000", "\x85",
                           " {}", "[1]", '{"text": "a\u2028b\x0cc"}', "x" * 40])
_ENDINGS = st.sampled_from(["\n", "\r\n", "\r"])


def _expected(data: bytes) -> list[tuple[int, int, str]]:
    """(line number, record number, line) as text mode reads them (universal newlines)."""
    found, position = [], 0
    for number, line in enumerate(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline=None), 1):
        if line and not line.isspace():
            position += 1
            found.append((number, position, line.removesuffix("\n")))
    return found


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_PIECES, _ENDINGS), max_size=12), st.booleans(), st.booleans(), st.integers(1, 40))
def test_chunks_number_records_as_text_mode_reads_them(tmp_path_factory: pytest.TempPathFactory,
                                                        pieces: list[tuple[str, str]], last_ended: bool, bom: bool,
                                                        size: int) -> None:
    text = "".join(piece + ending for piece, ending in pieces)
    if pieces and not last_ended:
        text = text.removesuffix(pieces[-1][1])
    data = (codecs.BOM_UTF8 if bom else b"") + text.encode()
    path = tmp_path_factory.mktemp("lines") / "feed.jsonl"
    path.write_bytes(data)
    chunks = list(jsonl_chunks(path, size))
    # Each chunk's own records, read from the file as a worker reads them, make the file's records.
    assert [record for chunk, _ in chunks for record in chunk_records(path, chunk)] == _expected(data)
    assert list(jsonl_records(path)) == _expected(data)
    start = len(codecs.BOM_UTF8) if bom else 0
    for chunk, chunk_data in chunks:
        assert chunk.start == start and data[chunk.start : chunk.end] == chunk_data
        start = chunk.end
    assert start == len(data)


@pytest.mark.parametrize("data", [b"", b"{}", b"{}\n{}\n", b"{}\r\n\n{}", b"\n\n", b" \r{}\r", b"{}\n {}\n"])
def test_count_gives_lines_and_records(data: bytes) -> None:
    expected = _expected(data)
    number_of_lines = sum(1 for _ in io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline=None))
    assert lines.count(data) == (number_of_lines, len(expected))


def test_a_line_longer_than_the_chunk_size_is_read_on_until_it_ends() -> None:
    long_line = b'{"text": "' + b"x" * 1000 + b'"}\r\n'
    data = long_line + b"{}\n" * 20
    chunks = list(lines.cut(io.BytesIO(data), 16))
    assert chunks[0][1].startswith(long_line) and b"".join(chunk_data for _, chunk_data in chunks) == data
    assert len(chunks) > 2 and all(chunk_data.endswith(b"\n") for _, chunk_data in chunks)
    assert chunks[1][0].lines == chunks[0][1].count(b"\n") == chunks[1][0].records


def test_bytes_that_are_not_utf8_come_after_the_whole_lines_before_them(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_bytes(b'{"id": "a"}\n\n{"id": "b"}\n{"id": "\xff"}\n{"id": "c"}\n')
    records = jsonl_records(path)
    assert next(records) == (1, 1, '{"id": "a"}') and next(records) == (3, 2, '{"id": "b"}')
    with pytest.raises(ArticleError, match=r"feed\.jsonl: not valid UTF-8 text \(byte offset 33\)"):
        next(records)


def test_a_chunk_the_file_no_longer_holds_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_bytes(b'{"id": "a"}\n{"id": "b"}\n')
    chunk, _ = next(iter(jsonl_chunks(path)))
    path.write_bytes(b'{"id": "a"}\n')  # cut short after it was cut into chunks
    with pytest.raises(ArticleError, match="changed while it was indexed"):
        list(chunk_records(path, chunk))
