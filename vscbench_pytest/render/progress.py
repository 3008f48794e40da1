"""The progress line shown while a long run answers its inputs."""
from __future__ import annotations


def duration(seconds: float) -> str:
    """``42s``, ``3m 05s``, or ``?`` when unknown."""
    if seconds != seconds or seconds == float("inf"):
        return "?"
    minutes, secs = divmod(int(max(seconds, 0)), 60)
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def pace(done: int, total: int, elapsed_s: float, counted: int) -> tuple[float, str]:
    """The rate of ``counted`` items over ``elapsed_s`` and the time left for the rest of
    ``total`` at that rate (``?`` with no rate yet)."""
    rate = counted / elapsed_s if elapsed_s > 0 else 0.0
    return rate, duration((total - done) / rate if rate else float("inf"))


def progress_line(done: int, total: int, elapsed_s: float, counted: int | None = None) -> str:
    """Done/total, rate and time left (total 0: not known yet). The rate is ``counted`` answers
    (default all ``done``) over ``elapsed_s``: the caller times from the first answer, so the
    start-up (loading the model and judge) does not pass for the pace of the run."""
    rate, left = pace(done, total, elapsed_s, done if counted is None else counted)
    if not total:
        return f"vscbench: {done} inputs answered, {rate:.1f}/s"
    return f"vscbench: {done}/{total} inputs answered, {rate:.1f}/s, about {left} left"
