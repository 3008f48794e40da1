"""Test doubles for users' own tests: fake API servers with fixed latency and injected faults, to
test a release gate without a model: an OpenAI-compatible one (``python -m
vscbench_pytest.testing.server``), Anthropic's Messages API (``...testing.anthropic_server``) and
the Gemini API (``...testing.gemini_server``)::

    from vscbench_pytest.testing import FakeServer, Faults

    with FakeServer(latency_s=0.01, faults=Faults(error_500=0.1)) as server:
        ...  # pytest --vlm=openai:fake --vlm-base-url={server.base_url}

    from vscbench_pytest.testing import AnthropicServer

    with AnthropicServer(block_words=("vsc-block",)) as server:
        ...  # pytest --vlm=anthropic:claude-x --vlm-base-url={server.base_url}
"""
from __future__ import annotations

from typing import Any

__all__ = ["AnthropicServer", "FakeServer", "Faults", "GeminiServer"]
_HOMES = {"FakeServer": "server", "Faults": "server", "AnthropicServer": "anthropic_server",
          "GeminiServer": "gemini_server"}


def __getattr__(name: str) -> Any:
    # imported on first use, so that ``python -m vscbench_pytest.testing.server`` runs the
    # module once (as __main__), not also as an attribute of this package
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(f"vscbench_pytest.testing.{_HOMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
