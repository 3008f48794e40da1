"""The progress line."""
from __future__ import annotations

from vscbench_pytest.render.progress import duration, progress_line


def test_progress_shows_done_total_rate_and_time_left():
    assert progress_line(120, 4038, 40.0) == "vscbench: 120/4038 inputs answered, 3.0/s, about 21m 46s left"
    assert progress_line(0, 10, 5.0) == "vscbench: 0/10 inputs answered, 0.0/s, about ? left"
    assert progress_line(7, 0, 2.0) == "vscbench: 7 inputs answered, 3.5/s"


def test_the_rate_counts_only_answers_after_the_start_up():
    # 1 answer after a 12 s start-up, then 40 more in 10 s: 4/s, not 41/22 s
    assert progress_line(41, 228, 10.0, counted=40) == "vscbench: 41/228 inputs answered, 4.0/s, about 46s left"
    # only the first answer so far: no pace yet, rather than hours from the start-up
    assert progress_line(1, 228, 0.0, counted=0) == "vscbench: 1/228 inputs answered, 0.0/s, about ? left"


def test_duration():
    assert [duration(s) for s in (0, 59.9, 61, 3600, float("inf"))] == ["0s", "59s", "1m 01s", "60m 00s", "?"]
