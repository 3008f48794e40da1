"""``vscbench data counts|check|fetch``: the benchmark data (``vscbench data [ROOT]`` counts)."""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from vscbench_pytest.errors import DatasetError

if TYPE_CHECKING:
    from vscbench_pytest.data.check import CheckResult

ACTIONS = ("counts", "check", "fetch")


def counts(args: argparse.Namespace) -> int:
    """Count the inputs of a release root (default: the bundled one) per category and per
    variant, as ``data check`` does (a table; ``--json`` for JSON). Opens no image."""
    from collections import Counter

    from vscbench_pytest.bundled import bundled_data
    from vscbench_pytest.data.check import count_table, label_counts
    from vscbench_pytest.data.release import load_release

    with _data_errors("counts"):
        dataset = load_release(Path(args.root) if args.root else bundled_data())
    by_category = label_counts(dataset.items, "category")
    by_variant = label_counts(dataset.items, "variant")
    skipped = [str(r) for r in dataset.skipped]
    if args.json:
        tally = Counter((i.track, i.category if i.track == "image" else i.variant, i.label)
                        for i in dataset.items)
        print(json.dumps({
            "root": str(dataset.root), "fingerprint": dataset.fingerprint,
            "n_items": len(dataset.items), "skipped": skipped,
            "duplicates": list(dataset.duplicates), "by_category": by_category, "by_variant": by_variant,
            "counts": {"/".join(k): v for k, v in sorted(tally.items())},
        }, indent=2))
        return 0
    lines = [f"release {dataset.root} (sheets sha256 {dataset.fingerprint[:12]})",
             f"items {len(dataset.items)} (images not opened: `vscbench data check` does)"]
    lines += count_table("counts per category:", by_category)
    lines += count_table("counts per variant:", by_variant)
    if skipped:
        lines.append(f"rows left out of a run ({len(skipped)}, not a problem):")
        lines += [f"  {row}" for row in skipped]
    if dataset.duplicates:
        lines.append(f"repeated rows ({len(dataset.duplicates)}, both run):")
        lines += [f"  {row}" for row in dataset.duplicates]
    print("\n".join(lines))
    return 0


@contextmanager
def _data_errors(command: str) -> Iterator[None]:
    """A release root that cannot be read, named as the ``data`` commands' own argument, not
    as the pytest option (``--vsc-data``) the loader names."""
    try:
        yield
    except DatasetError as exc:
        message = str(exc)
        if message.startswith("--vsc-data: "):
            raise DatasetError(f"data {command}: {message[len('--vsc-data: '):]}") from None
        raise


def _print_check(result: CheckResult, as_json: bool) -> int:
    from vscbench_pytest.data.check import format_check

    if as_json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        print("\n".join(format_check(result)))
    return result.exit_code


def check(args: argparse.Namespace) -> int:
    """Check a release root: 1 when files are missing or unreadable."""
    from vscbench_pytest.data.check import check_release

    with _data_errors("check"):
        result = check_release(Path(args.root))
    return _print_check(result, args.json)


def fetch(args: argparse.Namespace) -> int:
    """Download and unpack the release (resumable), then check it."""
    from vscbench_pytest.data.check import check_release
    from vscbench_pytest.data.fetch import fetch_release

    try:
        result = fetch_release(Path(args.to), file_id=args.id, url=args.url, timeout=args.timeout,
                               retries=args.retries, progress=sys.stderr)
    except KeyboardInterrupt:
        print("\nvscbench: interrupted; run the same command again to resume the download",
              file=sys.stderr)
        return 130
    print(f"release root {result.root} ({result.members} files from {result.size} bytes"
          + (f", resumed at byte {result.resumed_from}" if result.resumed_from else "") + ")",
          file=sys.stderr)
    try:
        checked = check_release(result.root)
    except DatasetError as exc:  # e.g. an archive of the image trees without the sheets
        raise DatasetError(f"unpacked the release into {result.root}, but it cannot be read: "
                           f"{exc}") from None
    return _print_check(checked, args.json)


def legacy_argv(argv: list[str]) -> list[str]:
    """``vscbench data [ROOT]`` (before fetch and check existed) means ``vscbench data counts``."""
    if argv[:1] == ["data"] and (len(argv) == 1 or argv[1] not in ACTIONS + ("-h", "--help")):
        return ["data", "counts", *argv[1:]]
    return argv


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``data counts|check|fetch`` to the ``vscbench`` command."""
    from vscbench_pytest.data.fetch import DRIVE_URL, RELEASE_FILE_ID, URL_ENV

    p = sub.add_parser("data", help="the benchmark data: fetch the release, check a release "
                       "root, count its inputs ('vscbench data [ROOT]' counts)")
    data = p.add_subparsers(dest="action", required=True)
    q = data.add_parser("counts", help="count the inputs of a release root (default: bundled) "
                        "per category and variant, without opening images")
    q.add_argument("root", nargs="?")
    q.add_argument("--json", action="store_true", help="print the counts as JSON")
    q.set_defaults(func=counts)
    q = data.add_parser("check", help="every image the sheets name exists and decodes; counts; "
                        "exit 1 when files are missing or unreadable")
    q.add_argument("root")
    q.add_argument("--json", action="store_true", help="print the result as JSON")
    q.set_defaults(func=check)
    q = data.add_parser("fetch", help="download the release archive from Google Drive (resumable), "
                        "unpack it safely into DIR and check it")
    q.add_argument("--to", required=True, metavar="DIR", help="unpack here (created if needed)")
    q.add_argument("--id", default=RELEASE_FILE_ID, help="Google Drive file id (default: the "
                   "VSCBench release, %(default)s)")
    q.add_argument("--url", help=f"download endpoint instead of Drive's (default ${URL_ENV}, "
                   f"else {DRIVE_URL}); export=download&id=ID is added")
    q.add_argument("--timeout", type=float, default=60.0, help="socket timeout in seconds "
                   "(default %(default)s)")
    q.add_argument("--retries", type=int, default=3, help="resume an interrupted download this "
                   "many times (default %(default)s)")
    q.add_argument("--json", action="store_true", help="print the layout check as JSON")
    q.set_defaults(func=fetch)
