"""Check a release root before a run: every image the sheets name exists and decodes.

``vscbench data check ROOT`` (and ``vscbench data fetch`` after unpacking) reads both sheets
with :func:`vscbench_pytest.data.release.load_release`, opens every named image once with
:func:`vscbench_pytest.data.images.load_image`, and reports counts per track, category, variant and
label, the missing and unreadable files with the sheet rows that name them, and the rows left
out. A typography or FigStep image that is absent is not a problem: the run renders it from the
sheet's text (counted as ``rendered``).
"""
from __future__ import annotations

import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from vscbench_pytest.data.images import load_image, resolve_inside_root
from vscbench_pytest.data.release import load_release
from vscbench_pytest.errors import ItemError
from vscbench_pytest.records.items import ImageSource, Item


@dataclass
class FileProblem:
    """One image file that cannot be used, with every sheet cell that names it."""

    kind: str  # "missing" | "unreadable"
    path: str  # relative to the release root when inside it
    reason: str
    rows: list[str] = field(default_factory=list)  # "vscbench_image_centric.xlsx row 5, column safe_img_0"


@dataclass
class CheckResult:
    """What ``check_release`` found under one release root."""

    root: str
    fingerprint: str
    n_items: int
    files_named: int  # distinct image files the sheets name
    files_ok: int  # of those, present and decoded
    rendered: int  # absent typography/FigStep files that the run renders from the sheet's text
    by_category: dict[str, dict[str, int]]  # "image/drugs" -> {"safe": n, "unsafe": m}
    by_variant: dict[str, dict[str, int]]  # "text/figstep" -> {"safe": n, "unsafe": m}
    missing: list[FileProblem] = field(default_factory=list)
    unreadable: list[FileProblem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # rows left out of a run (not a problem)
    duplicates: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every named file exists and decodes."""
        return not self.missing and not self.unreadable

    @property
    def exit_code(self) -> int:
        """0 when the release is usable as is, 1 when files are missing or unreadable."""
        return 0 if self.ok else 1

    def to_json(self) -> dict:
        """A JSON-ready dict of every field, plus ``ok``."""
        return {**asdict(self), "ok": self.ok}


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _check_file(source: ImageSource) -> tuple[str, str]:
    """("ok" | "rendered" | "missing" | "unreadable", reason) for one image."""
    try:
        path = resolve_inside_root(source) if source.name else None
        if source.render and (path is None or not path.exists()):
            return "rendered", ""  # the run draws it from the sheet's text: nothing to open
        load_image(source)
        return "ok", ""
    except ItemError as exc:
        absent = not source.name or not source.path.exists()
        return ("missing" if absent and not source.path.is_symlink() else "unreadable"), str(exc)


def label_counts(items: list[Item], key: str) -> dict[str, dict[str, int]]:
    """Safe and unsafe inputs per ``track/<key>`` (key: ``category`` or ``variant``), sorted."""
    counter = Counter((f"{i.track}/{getattr(i, key)}", i.label) for i in items)
    table: dict[str, dict[str, int]] = {}
    for (bucket, label), n in sorted(counter.items()):
        table.setdefault(bucket, {"safe": 0, "unsafe": 0})[label] = n
    return table


def check_release(root: Path, workers: int | None = None) -> CheckResult:
    """Open every image the sheets under ``root`` name; a DatasetError when the root or a sheet
    cannot be read at all (the caller reports it as a usage error)."""
    dataset = load_release(Path(root))
    base = dataset.root
    # one check per file, even when several rows name it
    sources: dict[Path, ImageSource] = {}
    rows: dict[Path, list[str]] = {}
    for item in dataset.items:
        if item.image is None:
            continue
        key = item.image.path if item.image.name else base / f"<no file: {item.source}>"
        sources.setdefault(key, item.image)
        rows.setdefault(key, []).append(item.source)
    workers = workers or min(8, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:  # Pillow decodes outside the GIL
        outcomes = dict(zip(sources, pool.map(_check_file, sources.values())))
    missing: list[FileProblem] = []
    unreadable: list[FileProblem] = []
    for key, (kind, reason) in outcomes.items():
        if kind in ("missing", "unreadable"):
            name = _display(key, base) if sources[key].name else ""
            reason = reason.replace(str(base.resolve()) + os.sep, "")
            if name:  # "missing image <path>" -> "missing image": the path is shown beside it
                reason = reason.replace(f" {name}", "", 1)
            problem = FileProblem(kind, name, reason, rows[key])
            (missing if kind == "missing" else unreadable).append(problem)
    return CheckResult(
        root=str(base),
        fingerprint=dataset.fingerprint,
        n_items=len(dataset.items),
        files_named=len(sources),
        files_ok=sum(1 for kind, _ in outcomes.values() if kind == "ok"),
        rendered=sum(1 for kind, _ in outcomes.values() if kind == "rendered"),
        by_category=label_counts(dataset.items, "category"),
        by_variant=label_counts(dataset.items, "variant"),
        missing=missing,
        unreadable=unreadable,
        skipped=[str(row) for row in dataset.skipped],
        duplicates=list(dataset.duplicates),
    )


def count_table(title: str, table: dict[str, dict[str, int]]) -> list[str]:
    """``title``, then one aligned line of safe, unsafe and total per bucket of ``table``."""
    lines = [title]
    width = max((len(bucket) for bucket in table), default=0)
    for bucket, labels in table.items():
        lines.append(f"  {bucket:<{width}}  safe {labels['safe']:>5}  unsafe {labels['unsafe']:>5}"
                     f"  total {labels['safe'] + labels['unsafe']:>5}")
    return lines


def format_check(result: CheckResult, max_listed: int = 50) -> list[str]:
    """The check as text lines: counts, then every problem with its sheet rows."""
    lines = [f"release {result.root} (sheets sha256 {result.fingerprint[:12]})",
             f"items {result.n_items}; image files named {result.files_named}: {result.files_ok} ok, "
             f"{result.rendered} absent but rendered from the sheet's text, {len(result.missing)} "
             f"missing, {len(result.unreadable)} unreadable"]
    lines += count_table("counts per category:", result.by_category)
    lines += count_table("counts per variant:", result.by_variant)
    for title, problems in (("missing", result.missing), ("unreadable", result.unreadable)):
        if not problems:
            continue
        lines.append(f"{title} files ({len(problems)}):")
        for problem in problems[:max_listed]:
            lines.append(f"  {problem.path or '(no file named)'}: {problem.reason}")
            lines += [f"    named in {row}" for row in problem.rows]
        if len(problems) > max_listed:
            lines.append(f"  ... and {len(problems) - max_listed} more (--json lists all)")
    if result.skipped:
        lines.append(f"rows left out of a run ({len(result.skipped)}, not a problem):")
        lines += [f"  {row}" for row in result.skipped]
    if result.duplicates:
        lines.append(f"repeated rows ({len(result.duplicates)}, both run):")
        lines += [f"  {row}" for row in result.duplicates]
    if result.ok:
        lines.append("OK: every image the sheets name exists and decodes")
    else:
        lines.append(f"PROBLEMS: {len(result.missing)} missing, {len(result.unreadable)} unreadable "
                     f"image file(s); their inputs would be error items")
    return lines
