"""The ``vscbench`` command: look at reports and at what the plugin knows, outside pytest."""
from __future__ import annotations

import argparse
import os
import sys

from vscbench_pytest.cli import data, export, judges, models, reports, sweep
from vscbench_pytest.errors import VscError

DESCRIPTION = "Look at vscbench reports and at what the plugin knows, outside pytest."


def package_version() -> str:
    """The installed vscbench-pytest's version (the package's own when not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("vscbench-pytest")
    except PackageNotFoundError:
        import vscbench_pytest

        return vscbench_pytest.__version__


def build_parser() -> argparse.ArgumentParser:
    """The parser of every subcommand; each sets ``func``, the handler it runs."""
    parser = argparse.ArgumentParser(prog="vscbench", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}",
                        help="print the version of vscbench-pytest and exit")
    sub = parser.add_subparsers(dest="command", required=True)
    for group in (reports, models, judges, sweep, data, export):
        group.register(sub)
    return parser


def _input_paths(args: argparse.Namespace) -> list[str]:
    """The files and folders named on the command line, in argument order."""
    paths = []
    for name in ("report", "reports", "a", "b", "root", "to", "data", "path"):
        value = getattr(args, name, None)
        if isinstance(value, str):
            paths.append(value)
        elif isinstance(value, list):
            paths += value
    return paths


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``vscbench`` console script: the handler's exit status; 2 with one
    ``vscbench: `` line for a VscError (a bad file, option or missing extra)."""
    for stream in (sys.stdout, sys.stderr):  # report text may hold a lone surrogate: show it escaped
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    argv = data.legacy_argv(list(sys.argv[1:] if argv is None else argv))
    args = build_parser().parse_args(argv)
    try:
        status: int = args.func(args)
    except VscError as exc:
        print(f"vscbench: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader stopped early (`vscbench ... | head`): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 1
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        # read_report validates, so this is a gap in that check: name every file involved
        print(f"vscbench: {', '.join(_input_paths(args)) or 'input'}: malformed input "
              f"({type(exc).__name__}: {exc})", file=sys.stderr)
        return 2
    return status


if __name__ == "__main__":
    sys.exit(main())
