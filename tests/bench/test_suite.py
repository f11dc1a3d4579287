"""The suite bench reads pytest's own figures: the last summary line of a run, in every form pytest prints."""

from __future__ import annotations

import pytest

from tests.bench import scripts

BENCH = scripts.load("suite")


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("....\n1632 passed, 7 skipped in 54.71s\n", ("1632", "7", "54.71")),
        ("=== 1632 passed, 7 skipped in 64.48s (0:01:04) ===\n", ("1632", "7", "64.48")),
        ("12 passed in 3.10s\n", ("12", "", "3.10")),
        ("1632 passed, 7 skipped, 2 warnings in 40.02s\n", ("1632", "7", "40.02")),
        # -q prints the slowest durations first; the summary is what counts
        ("0.95s call tests/x.py::t\n1 passed in 0.99s\n", ("1", "", "0.99")),
    ],
)
def test_the_summary_gives_the_counts_and_pytests_seconds(output, expected):
    assert BENCH.SUMMARY.findall(output)[-1] == expected


def test_a_failed_run_has_no_summary_it_could_report():
    assert BENCH.SUMMARY.findall("1 failed, 1631 passed, 7 skipped in 68.90s\n") == []
