"""Test doubles for users' own tests: an OpenAI-compatible server with fixed latency and injected
faults, to test a release gate without a model (``python -m vscbench_pytest.testing.server``)::

    from vscbench_pytest.testing import FakeServer, Faults

    with FakeServer(latency_s=0.01, faults=Faults(error_500=0.1)) as server:
        ...  # pytest --vlm=openai:fake --vlm-base-url={server.base_url}
"""
from __future__ import annotations

from vscbench_pytest.testing.server import FakeServer, Faults

__all__ = ["FakeServer", "Faults"]
