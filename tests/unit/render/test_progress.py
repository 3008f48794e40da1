"""The progress line."""
from __future__ import annotations

from vscbench_pytest.render.progress import duration, progress_line


def test_progress_shows_done_total_rate_and_time_left():
    assert progress_line(120, 4038, 40.0) == "vscbench: 120/4038 inputs answered, 3.0/s, about 21m 46s left"
    assert progress_line(0, 10, 5.0) == "vscbench: 0/10 inputs answered, 0.0/s, about ? left"
    assert progress_line(7, 0, 2.0) == "vscbench: 7 inputs answered, 3.5/s"


def test_duration():
    assert [duration(s) for s in (0, 59.9, 61, 3600, float("inf"))] == ["0s", "59s", "1m 01s", "60m 00s", "?"]
