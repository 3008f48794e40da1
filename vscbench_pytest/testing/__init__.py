"""Test doubles for users' own tests: an OpenAI-compatible server with fixed latency and injected
faults, to test a release gate without a model (``python -m vscbench_pytest.testing.server``)::

    from vscbench_pytest.testing import FakeServer, Faults

    with FakeServer(latency_s=0.01, faults=Faults(error_500=0.1)) as server:
        ...  # pytest --vlm=openai:fake --vlm-base-url={server.base_url}
"""
from __future__ import annotations

from typing import Any

__all__ = ["FakeServer", "Faults"]


def __getattr__(name: str) -> Any:
    # imported on first use, so that ``python -m vscbench_pytest.testing.server`` runs the
    # module once (as __main__), not also as an attribute of this package
    if name in __all__:
        from vscbench_pytest.testing import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
