"""The progress a download or an unpacking reports on a text stream: a progress line, sizes
in binary units, and one-line notes."""
from __future__ import annotations

import time
from typing import TextIO


class Progress:
    """A progress line on ``stream`` at most once a second: bytes, percent, rate."""

    def __init__(self, stream: TextIO | None, total: int | None, start: int) -> None:
        self.stream = stream
        self.total = total
        self.start = start
        self.began = time.monotonic()
        self.last = 0.0
        self.shown = -1
        self.tty = bool(stream is not None and getattr(stream, "isatty", lambda: False)())

    def update(self, done: int, final: bool = False) -> None:
        """Show ``done`` bytes (at most once a second, always when ``final``)."""
        now = time.monotonic()
        if self.stream is None or done == self.shown or (not final and now - self.last < 1.0):
            return
        self.last, self.shown = now, done
        rate = (done - self.start) / max(now - self.began, 1e-6)
        line = f"  {format_size(done)}"
        if self.total:
            line += f" / {format_size(self.total)} ({100 * done / self.total:5.1f}%)"
        line += f"  {format_size(rate)}/s"
        end = "\n" if final or not self.tty else ""
        self.stream.write(("\r" if self.tty else "") + line + end)
        self.stream.flush()


def format_size(n: float) -> str:
    """``n`` bytes as ``123 B``, ``4.5 KiB``, ``6.7 MiB`` or ``8.9 GiB``."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def say(stream: TextIO | None, text: str) -> None:
    """Write ``text`` as a line on ``stream`` (nothing when it is None)."""
    if stream is not None:
        stream.write(text + "\n")
        stream.flush()
