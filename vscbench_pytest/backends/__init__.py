"""Model backends: ``hf:`` (transformers), ``openai:``, ``anthropic:`` and ``gemini:`` (APIs),
``replay:`` (a JSONL of responses), and aliases."""
from __future__ import annotations

from vscbench_pytest.backends.base import Backend, GenerationSettings, Request, Response
from vscbench_pytest.backends.registry import ALIASES, BackendSpec, make_backend, parse_spec

__all__ = [
    "ALIASES", "Backend", "BackendSpec", "GenerationSettings", "Request", "Response",
    "make_backend", "parse_spec",
]
