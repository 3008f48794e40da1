"""Reading and writing report files: ``read_report`` (load, validate, normalise) and
``write_report`` (atomic)."""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vscbench_pytest.errors import VscError
from vscbench_pytest.report.normalise import normalise_report
from vscbench_pytest.report.schema import SCHEMA, Report
from vscbench_pytest.report.validate import SECTIONS, shown, validate_report
from vscbench_pytest.util.files import write_atomic

REQUIRED_KEYS = (*SECTIONS, "items")


def write_json(document: Mapping[str, Any], path: Path) -> Path:
    """Write ``document`` as indented JSON to ``path`` atomically: a temp file in the same
    folder, then a rename."""
    # ASCII escapes: a lone surrogate in a response still writes and reads back
    return write_atomic(path, json.dumps(document, indent=2, ensure_ascii=True) + "\n")


def write_report(report: Report, path: Path) -> Path:
    """Write ``report`` to ``path`` atomically (``write_json``)."""
    return write_json(report, path)


def _load(path: Path) -> object:
    """The JSON in ``path``; a VscError names the file and why it cannot be read."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise VscError(f"{path}: no such report") from None
    except IsADirectoryError:
        raise VscError(f"{path}: is a folder, not a report file") from None
    except RecursionError:
        raise VscError(f"{path}: not a readable JSON report (nested too deeply)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VscError(f"{path}: not a readable JSON report ({exc})") from None
    except ValueError:  # an integer longer than Python's digit limit
        raise VscError(f"{path}: not a readable JSON report (a number too long to read)") from None


def read_report(path: Path) -> Report:
    """Load a report, check it (``validate_report``) and fill what it leaves out
    (``normalise_report``), so that every field ``Report`` requires is there.

    A VscError names the file and the problem, and the field when one is at fault.
    """
    data = _load(path)
    if not isinstance(data, dict):
        raise VscError(f"{path}: found {shown(data)}, expected a report object "
                       f"with schema {SCHEMA!r}")
    if "schema" not in data:
        raise VscError(f"{path}: no schema field, expected a report with schema {SCHEMA!r}")
    if data["schema"] != SCHEMA:
        raise VscError(f"{path}: schema is {shown(data['schema'])}, expected {SCHEMA!r}")
    missing = [key for key in REQUIRED_KEYS if key not in data]
    if missing:
        raise VscError(f"{path}: report lacks {', '.join(missing)}")
    validate_report(data, str(path))
    return normalise_report(data)
