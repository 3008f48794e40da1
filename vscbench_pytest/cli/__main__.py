"""``python -m vscbench_pytest.cli``: the ``vscbench`` command."""
from __future__ import annotations

import sys

from vscbench_pytest.cli.main import main

sys.exit(main())
