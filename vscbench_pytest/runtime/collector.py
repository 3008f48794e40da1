"""Keep Python's garbage collector off what a session builds and keeps (``gc.freeze``).

A run of 2,000 tests holds a few hundred thousand objects from collection to exit. Each full
collection walks them all: pytest's during the run took 0.7 s, its five at cleanup and the
interpreter's at exit 0.3 s more. What collection built is frozen; at the end of the session
the garbage is collected once, while pytest still reports what a finalizer raises, and what is
still alive is frozen until the process exits. The next vscbench session in the same process
gives it back first. Code that calls ``pytest.main()`` in a long-lived process and runs no
other session can call ``gc.unfreeze()`` afterwards.
"""
from __future__ import annotations

import gc

_left_frozen = False  # a vscbench session of this process froze objects and left them so


def freeze_collected() -> None:
    """After collection: freeze what it built (it lives to the end of the session)."""
    global _left_frozen
    gc.freeze()
    _left_frozen = True


def thaw_earlier_session() -> None:
    """At the start of a session: give back what an earlier vscbench session here froze."""
    global _left_frozen
    if _left_frozen:
        gc.unfreeze()
        _left_frozen = False


def freeze_what_lives_on() -> None:
    """At the end of a session: collect its garbage, then freeze what is still alive."""
    gc.unfreeze()
    gc.collect()
    freeze_collected()
