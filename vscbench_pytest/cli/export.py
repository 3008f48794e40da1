"""``vscbench export``: the inputs a run would ask, one JSON object a line, to be answered
elsewhere and scored with ``pytest --vlm=replay:<file.jsonl>`` (the format: docs/replay.md).

The selection is the plugin's own (``Plan.selected``: the same flags, the same seeded sample,
the same held-out split), and each row is built from the request the engine sends
(``runtime.requests.build_request``): the prompt, the system prompt, and the image the model
sees. An image the release lacks and the engine renders from the sheet's text (typography,
FigStep) is written to ``--images-dir`` as PNG or embedded with ``--embed-images``.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, TypedDict

from vscbench_pytest.errors import ItemError, VscError

if TYPE_CHECKING:
    from PIL import Image

    from vscbench_pytest.calibration.methods import Prompting
    from vscbench_pytest.records.items import Item
    from vscbench_pytest.session.plan import Plan

PROGRESS_EVERY_S = 1.0  # a progress line on stderr at most this often
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


class ExportRow(TypedDict, total=False):
    """One line of the export (docs/replay.md lists every field)."""

    uid: str
    track: str
    category: str
    variant: str
    label: str
    pair: str
    source: str
    prompt: str
    system: str | None
    image: str | None  # a file of the data, relative to its root (POSIX separators)
    image_rendered: str | None  # "typography" | "figstep": drawn from the sheet's text
    image_file: str | None  # the rendered PNG's name in --images-dir
    image_url: str  # --embed-images: the PNG data URL an openai: model is sent
    image_error: str | None  # why the image cannot be had (the run scores it as an error)


class _Given(dict):
    """The plugin options export sets, by option name; every other option is not given."""

    def __missing__(self, key: str) -> None:
        return None


def export_plan(args: argparse.Namespace) -> Plan:
    """The plan of a run with the same selection flags (no model): its inputs are exported."""
    from vscbench_pytest.session.plan import Plan
    from vscbench_pytest.session.settings import parse_settings

    given = _Given({
        "--vsc-data": args.data, "--vsc-track": args.track, "--vsc-category": args.category,
        "--vsc-variant": args.variant, "--vsc-sample": args.sample, "--vsc-seed": args.seed,
        "--vsc-utility": args.utility, "--vsc-calibration": args.calibration,
        "--vsc-system-prompt": args.system_prompt, "--vsc-heldout": args.heldout,
    })
    try:
        return Plan(parse_settings(given, rootdir=Path.cwd()))
    except VscError as exc:
        raise _ours(exc) from None


def _ours(exc: VscError) -> VscError:
    """The message with export's flag names (``--track``, not pytest's ``--vsc-track``)."""
    return type(exc)(str(exc).replace("--vsc-", "--"))


def selected_inputs(plan: Plan) -> list[Item]:
    """The inputs to export: the selection's scored inputs, then the --utility questions; a
    VscError (naming export's flag) when the data or the selection holds none."""
    from vscbench_pytest.data.sources import describe
    from vscbench_pytest.records.items import UTILITY_TRACK

    try:
        if not plan.dataset.items:
            raise VscError(f"--data: no inputs in {describe(plan.settings.data)}"
                           + "".join(f"; {row}" for row in plan.dataset.skipped[:3]))
        items = plan.selected() + plan.items_for(UTILITY_TRACK)
    except VscError as exc:
        raise _ours(exc) from None
    if not items:
        raise VscError("the selection matches no input (see --track, --category, --variant, "
                       "--heldout)")
    return items


def _file_name(uid: str) -> str:
    """A file name for ``uid``'s rendered image: the uid itself when it is a safe name."""
    safe = _SAFE_NAME.sub("_", uid)
    if safe != uid or safe.startswith("."):
        safe = f"{safe.lstrip('.')}-{hashlib.sha256(uid.encode()).hexdigest()[:8]}"
    return f"{safe}.png"


def _rendered(item: Item) -> bool:
    """Whether the engine draws this input's image from the sheet's text (no file to point at)."""
    from vscbench_pytest.data.images import image_file

    if item.image is None or not item.image.render:
        return False
    try:
        return image_file(item.image) is None
    except ItemError:
        return False


def _image_fields(item: Item, image: Image.Image | None, embed: bool, images_dir: Path | None
                  ) -> ExportRow:
    """Where the row's image is: a file of the data, a rendered PNG, or embedded."""
    from vscbench_pytest.data.images import image_file

    assert item.image is not None and image is not None
    fields: ExportRow = {}
    path = image_file(item.image)
    if path is not None:
        fields["image"] = path.relative_to(item.image.root.resolve()).as_posix()
    else:
        fields["image_rendered"] = item.image.render
        if images_dir is not None:
            name = _file_name(item.uid)
            try:
                image.save(images_dir / name, format="PNG")
            except OSError as exc:
                raise VscError(f"--images-dir: cannot write {images_dir / name}: "
                               f"{exc.strerror or exc}") from None
            fields["image_file"] = name
    if embed:
        from vscbench_pytest.backends.openai_api import image_data_url

        fields["image_url"] = image_data_url(image)
    return fields


def export_row(item: Item, prompting: Prompting, *, embed: bool = False,
               images_dir: Path | None = None) -> ExportRow:
    """The export line of ``item``, from the request the engine would send for it. An image
    that cannot be had gives ``image_error`` (the message the run's error item carries)."""
    from vscbench_pytest.runtime.requests import build_request

    row: ExportRow = {"uid": item.uid, "track": item.track, "category": item.category,
                      "variant": item.variant, "label": item.label, "pair": item.pair,
                      "source": item.source, "prompt": item.prompt, "system": None,
                      "image": None, "image_rendered": None, "image_file": None,
                      "image_error": None}
    try:
        request = build_request(item, prompting)
    except ItemError as exc:
        row["system"] = prompting.system()
        row["image_error"] = f"{exc} ({item.source})"
        return row
    row["prompt"], row["system"] = request.prompt, request.system
    if item.image is not None:
        row.update(_image_fields(item, request.image, embed, images_dir))
    return row


def export_rows(items: list[Item], prompting: Prompting, *, embed: bool = False,
                images_dir: Path | None = None, progress: IO[str] | None = None
                ) -> Iterator[ExportRow]:
    """Every item's export line, in order; a progress line on ``progress`` at most once a
    second once the export has run for a second."""
    began = last = time.monotonic()
    for done, item in enumerate(items, start=1):
        yield export_row(item, prompting, embed=embed, images_dir=images_dir)
        now = time.monotonic()
        if progress is not None and now - last >= PROGRESS_EVERY_S and now - began >= PROGRESS_EVERY_S:
            last = now
            progress.write(f"vscbench export: {done}/{len(items)} inputs\n")
            progress.flush()


def _write(rows: Iterator[ExportRow], output: str | None) -> dict[str, int]:
    """Write the lines to ``output`` (a file, replaced only once complete) or stdout; counts."""
    counts = {"inputs": 0, "rendered": 0, "errors": 0}

    def lines(handle: IO[str]) -> None:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            counts["inputs"] += 1
            counts["rendered"] += row.get("image_rendered") is not None
            counts["errors"] += row.get("image_error") is not None

    if output in (None, "-"):
        lines(sys.stdout)
        sys.stdout.flush()
        return counts
    path = Path(str(output)).expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise VscError(f"--output: cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as handle:
            lines(handle)
        os.replace(tmp, path)
    except OSError as exc:
        raise VscError(f"--output: cannot write {path}: {exc.strerror or exc}") from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    return counts


def run(args: argparse.Namespace) -> int:
    """Write the selected inputs as JSONL: 0, or 1 when an input's image cannot be had (its
    row says why; the file is complete); 2 (a VscError) for a bad flag or data."""
    from vscbench_pytest.calibration.methods import Prompting

    plan = export_plan(args)
    items = selected_inputs(plan)
    for notice in plan.sample_notices():  # the size a sample gave when it is not the size asked
        print(f"vscbench export: {notice.replace('--vsc-', '--')}", file=sys.stderr)
    images_dir = Path(args.images_dir).expanduser() if args.images_dir else None
    rendered = [item for item in items if _rendered(item)]
    if rendered and images_dir is None and not args.embed_images:
        raise VscError(f"{len(rendered)} selected input(s) have an image the release lacks, drawn "
                       f"from the sheet's text (first: {rendered[0].uid}, {rendered[0].source}); "
                       f"give --images-dir DIR to write them as PNG, or --embed-images")
    if images_dir is not None:
        try:
            images_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise VscError(f"--images-dir: cannot create {images_dir}: {exc.strerror or exc}") from None
    prompting = Prompting(plan.settings.calibration, None)
    counts = _write(export_rows(items, prompting, embed=args.embed_images, images_dir=images_dir,
                                progress=sys.stderr), args.output)
    roots = sorted({str(i.image.root) for i in items if i.image is not None})
    notes = [f"image paths are relative to {', '.join(roots)}"] if roots else []
    if counts["rendered"]:
        notes.append(f"{counts['rendered']} image(s) rendered from the sheets' text"
                     + (f", written to {images_dir}" if images_dir is not None else ", embedded"))
    where = "stdout" if args.output in (None, "-") else args.output
    print(f"vscbench export: {counts['inputs']} input(s) to {where}"
          + "".join(f"; {note}" for note in notes), file=sys.stderr)
    if counts["errors"]:
        print(f"vscbench export: {counts['errors']} input(s) have no usable image: their rows carry "
              f"image_error, and a run (replay included) scores them as errors; fix the data "
              f"(vscbench data check ROOT) and export again", file=sys.stderr)
        return 1
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``export`` to the ``vscbench`` command."""
    p = sub.add_parser(
        "export", help="write the selected inputs (uid, label, prompt, system prompt, image) as "
        "JSONL, to answer elsewhere and score with --vlm=replay:FILE",
        description="Write the inputs a run with the same selection asks, one JSON object a line "
        "(uid, track, category, variant, label, pair, source, prompt, system, image, ...). Answer "
        "each with {\"uid\": ..., \"response\": ...} and score the answers with pytest "
        "--vlm=replay:FILE and the same selection. Fields and replay rules: docs/replay.md.")
    p.add_argument("-o", "--output", metavar="FILE", help="write here (default: stdout)")
    p.add_argument("--data", metavar="SOURCE", help="a release root, a suite file (.jsonl/.csv) "
                   "or NAME:PATH, as --vsc-data takes (default: the bundled mini benchmark)")
    p.add_argument("--track", metavar="TRACKS", help="image,text (as --vsc-track)")
    p.add_argument("--category", metavar="CATEGORIES", help="comma-separated (as --vsc-category)")
    p.add_argument("--variant", metavar="VARIANTS", help="comma-separated (as --vsc-variant)")
    p.add_argument("--sample", metavar="N", help="the seeded stratified sample a run with "
                   "--vsc-sample=N takes")
    p.add_argument("--seed", metavar="S", help="the sample's seed (as --vsc-seed; default 0)")
    p.add_argument("--utility", metavar="SOURCE", help="also the utility questions: 'bundled' or "
                   "a JSONL file (as --vsc-utility)")
    p.add_argument("--heldout", metavar="H", help="leave out the held-out split, as a run with "
                   "--vsc-heldout=H does (a fraction or a data source)")
    p.add_argument("--calibration", choices=("none", "reminder"), help="reminder: the 'system' "
                   "field holds the reminder's system prompt (as --vsc-calibration=reminder)")
    p.add_argument("--system-prompt", metavar="TEXT", help="the 'system' field (as "
                   "--vsc-system-prompt)")
    p.add_argument("--embed-images", action="store_true", help="add image_url: each image as "
                   "the PNG data URL an openai: model is sent")
    p.add_argument("--images-dir", metavar="DIR", help="write the images drawn from the sheet's "
                   "text (the release lacks their files) here as <uid>.png")
    p.set_defaults(func=run)
