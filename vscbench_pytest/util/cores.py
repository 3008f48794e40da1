"""How many CPU threads one of several worker processes on this machine should use."""
from __future__ import annotations

import os


def share_of_cores(workers: int) -> int:
    """This machine's cores divided among ``workers`` processes, at least 1 each (torch's default
    of every core per process oversubscribes them ``workers`` times over)."""
    return max(1, (os.cpu_count() or 1) // workers)
