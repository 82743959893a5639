"""A short version of benchmarks/load_test.py: every question gets exactly one valid reply."""

from pathlib import Path

from benchmarks.load_test import run_load


async def test_many_users_and_groups_with_429s(bundled_index: Path) -> None:
    report = await run_load(bundled_index, users=30, groups=4, questions=90, group_share=0.2, inject_every=30)
    assert report.replies == report.questions == len(report.latencies_ms)
    assert report.wrong_counts == {}
    assert report.failed_requests == []
    assert report.injected_429 >= 3
    assert len(report.processing_ms) > 0
