"""The plan of a session: its settings, the model it tests, the inputs it scores and the ones
it holds out, the utility questions, and the checks that stop a bad run before any model call.

Everything here is decided from options and files alone, identically in every process, so
collection, the engine and the report always agree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vscbench_pytest.backends.registry import BackendSpec, check_installed, parse_spec
from vscbench_pytest.calibration.methods import STEERING, Heldout, Prompting, heldout_source
from vscbench_pytest.data.release import Dataset
from vscbench_pytest.data.selection import draw_sample, select, split_heldout
from vscbench_pytest.data.sources import describe, load_data
from vscbench_pytest.errors import VscError
from vscbench_pytest.records.items import UTILITY_TRACK, Item
from vscbench_pytest.report.build import default_report_path, model_key
from vscbench_pytest.scoring.gate import Rule, build_rules
from vscbench_pytest.session.settings import Settings

# Every model is asked greedily, under both protocols (upstream's GPT calls used 0). An int:
# the cache keys hash it as "0".
TEMPERATURE = 0

if TYPE_CHECKING:
    from vscbench_pytest.data.utility import Question


def _content(item: Item) -> tuple[str, str]:
    """What an input is, wherever its files are: the prompt and the image's content."""
    from vscbench_pytest.data.images import image_digest
    from vscbench_pytest.errors import ItemError

    if item.image is None:
        return item.prompt, ""
    try:
        return item.prompt, image_digest(item.image)
    except ItemError:
        return item.prompt, str(item.image.path)


@dataclass
class Plan:
    """What one session runs, decided from its settings (one per pytest process)."""

    settings: Settings
    spec: BackendSpec | None = field(init=False)
    rules: list[Rule] = field(init=False)
    _dataset: Dataset | None = None
    _selected: list[Item] | None = None
    _heldout: Heldout | None = None  # the calibration's held-out split (selected() sets it)
    _sample_notice: str | None = None  # what --vsc-sample gave, when not about N (selected() sets it)
    _utility: list[Question] | None = None
    _skip_reason: tuple[str] | None = None  # image_skip_reason, once known ("" when none)

    def __post_init__(self) -> None:
        s = self.settings
        self.rules = build_rules(s.min_sra_u, s.min_sra_s, list(s.gate))
        self.spec = parse_spec(s.vlm) if s.vlm else None

    @property
    def active(self) -> bool:
        """Whether a model was chosen (without one, the suite skips)."""
        return self.spec is not None

    @property
    def model(self) -> BackendSpec:
        """The model under test (only asked for in an active session)."""
        assert self.spec is not None
        return self.spec

    @property
    def dataset(self) -> Dataset:
        """The data source --vsc-data names (the bundled mini benchmark by default)."""
        if self._dataset is None:
            self._dataset = load_data(self.settings.data, self.settings.tracks,
                                      self.settings.protocol.keeps_empty_prompts)
        return self._dataset

    # --- the inputs ---------------------------------------------------------------------------

    def selected(self) -> list[Item]:
        """The scored items: the dataset's after --vsc-track/-category/-variant, less the
        held-out split when the calibration takes one from them, then --vsc-sample of the rest;
        in sheet order. The split comes before the sample, so a sample never starves it and
        every sample size shares it."""
        if self._selected is None:
            s = self.settings
            chosen = select(self.dataset.items, tracks=s.tracks, categories=s.categories,
                            variants=s.variants)
            source = (heldout_source(s.calibration.heldout) if s.calibration.excludes_heldout
                      else None)
            if isinstance(source, float):
                heldout, chosen = split_heldout(chosen, source)
                self._heldout = Heldout(heldout, f"{source:g} of the selected pairs")
            if s.sample:
                sample = draw_sample(chosen, s.sample, s.seed)
                chosen, self._sample_notice = sample.items, sample.notice
            if isinstance(source, str):
                self._heldout = self._heldout_data(source, chosen)
            self._selected = chosen
        return self._selected

    def _heldout_data(self, source: str, scored: list[Item]) -> Heldout:
        """--vsc-heldout=DATA: its inputs, which may share none with the scored ones."""
        try:
            items = load_data(source, self.settings.tracks,
                              self.settings.protocol.keeps_empty_prompts).items
        except VscError as exc:
            raise VscError(f"--vsc-heldout: {exc}") from None
        seen = {_content(i) for i in items}
        overlap = [i for i in scored if _content(i) in seen]
        if overlap:
            raise VscError(f"--vsc-heldout: {source} shares {len(overlap)} input(s) with the scored "
                           f"data (first: {overlap[0].source}); held-out inputs are never scored")
        return Heldout(items, source)

    def sample_notices(self) -> list[str]:
        """What --vsc-sample gave when it is not about the size asked for (none otherwise)."""
        self.selected()
        return [self._sample_notice] if self._sample_notice else []

    def heldout(self) -> Heldout | None:
        """The held-out split (demonstrations and steering directions come from it), if any."""
        self.selected()
        return self._heldout

    def items_for(self, track: str | None) -> list[Item]:
        """The scored items of ``track`` (all with None); ``utility``: the utility questions."""
        if track == UTILITY_TRACK:
            return [question.item for question in self.utility_questions()]
        return [item for item in self.selected() if track is None or item.track == track]

    def utility_questions(self) -> list[Question]:
        """The --vsc-utility questions (none without the option), loaded once."""
        if self.settings.utility is None:
            return []
        if self._utility is None:
            from vscbench_pytest.data.utility import load_utility, resolve_utility

            self._utility = load_utility(resolve_utility(self.settings.utility))
        return self._utility

    def references(self) -> dict[str, tuple[str, ...]]:
        """Each utility question's reference answers, by uid."""
        return {q.item.uid: q.answers for q in self.utility_questions()}

    def by_uid(self) -> dict[str, Item]:
        """Every input this session may report on (scored and utility), by uid."""
        return {item.uid: item for item in self.selected() + self.items_for(UTILITY_TRACK)}

    def image_skip_reason(self) -> str | None:
        """Why this model's image inputs are skipped (it is text-only), or None. Decided once
        per process (it may read the checkpoint's config)."""
        if self._skip_reason is None:
            from vscbench_pytest.backends.registry import accepts_images

            text_only = not accepts_images(self.model, self.settings.text_only)
            self._skip_reason = (f"{self.model.spec} is text-only (it takes no images): image "
                                 f"inputs are skipped" if text_only else "",)
        return self._skip_reason[0] or None

    def skipped_inputs(self) -> list[Item]:
        """The selected inputs (and utility questions) this model cannot take: never run,
        never scored, counted."""
        if not self.image_skip_reason():
            return []
        return [item for item in self.selected() + self.items_for(UTILITY_TRACK) if item.image is not None]

    # --- what the run is called and how it asks ---------------------------------------------

    def method_suffix(self) -> str:
        """``-<method>`` for a calibrated run and ``-paper`` for a --vsc-protocol=paper run, so
        neither overwrites the plain run's report or snapshots by default."""
        calibration = self.settings.calibration
        method = "" if calibration.method == "none" else f"-{calibration.spec}"
        return method + ("-paper" if self.settings.protocol.paper else "")

    def report_path(self) -> Path:
        """--vsc-report, else ``.vscbench/reports/<model-key>.json`` under the rootdir, and
        ``<model-key>.subset.json`` for a run its options narrow (-k, --lf, --vsc-sample, ...):
        a subset run never overwrites the full run's report unless named."""
        from vscbench_pytest.session.coverage import narrowed

        return self.settings.report or default_report_path(
            self.model.spec + self.method_suffix(), self.settings.rootdir,
            subset=narrowed(self.settings))

    def snapshot_key(self) -> str:
        """Whose snapshots this run reads and writes: --vsc-snapshot-key, else this model's."""
        return self.settings.snapshot_key or model_key(self.model.spec + self.method_suffix())

    def settings_key(self) -> dict[str, Any]:
        """The generation settings that change a response (part of every cache key)."""
        s = self.settings
        key: dict[str, Any] = {"max_new_tokens": s.max_new_tokens, "temperature": TEMPERATURE}
        if self.model.kind == "hf":
            key.update(device=s.device, dtype=s.dtype)
        return key

    def describe_generation(self) -> dict[str, Any] | None:
        """The report's ``run.generation``: the settings the model was asked with (None for a
        replay: its answers were produced elsewhere)."""
        if self.model.kind == "replay":
            return None
        return {"max_new_tokens": self.settings.max_new_tokens, "temperature": TEMPERATURE}

    def prompting(self) -> Prompting:
        """What the calibration adds to each request."""
        return Prompting(self.settings.calibration, self.heldout(),
                         takes_images=self.image_skip_reason() is None)

    def describe_calibration(self) -> dict[str, Any]:
        """The report's ``run.calibration``: method, parameters, system prompt, held-out split."""
        c = self.settings.calibration
        heldout = self.heldout()
        return {"method": c.method, "spec": c.spec, "params": c.params(), "system_prompt": c.system(),
                "heldout": heldout.describe() if heldout is not None else None}

    # --- checks before any model call ---------------------------------------------------------

    def validate(self) -> list[str]:
        """Load the sheets, read a replay file and the baseline now, so bad input stops the run
        at once (a VscError: exit 4, before any request); the notices worth printing (what
        --vsc-sample gave when not about N, a replay file's uids that match no input)."""
        if not self.dataset.items:
            skipped = self.dataset.skipped
            why = (f"; all {len(skipped)} row(s) were left out: "
                   + "; ".join(str(row) for row in skipped[:5]) + ("; ..." if len(skipped) > 5 else "")
                   if skipped else "")
            raise VscError(f"--vsc-data: no inputs in {describe(self.settings.data)}{why}")
        check_installed(self.model)  # a missing extra stops here, naming it
        self.selected()  # a selection that matches nothing stops here, naming the option
        self._check_calibration()
        self.utility_questions()
        self._check_image_folders()
        self._check_baseline()
        return self.sample_notices() + self._replay_notices()

    def _check_baseline(self) -> None:
        """--vsc-baseline readable, of this dataset, sharing inputs with the selection
        (``session.coverage.read_baseline`` says what "same dataset" means)."""
        from vscbench_pytest.session.coverage import read_baseline

        read_baseline(self)

    def _check_calibration(self) -> None:
        """The method fits the backend, and the held-out split has what the method draws on."""
        calibration = self.settings.calibration
        method, spec = calibration.method, self.model
        if spec.kind == "replay" and (method != "none" or calibration.system_prompt is not None):
            raise VscError(f"--vsc-calibration={calibration.spec}: a replay: model answers from "
                           f"its file; record the responses with the method instead")
        if method in STEERING and spec.kind != "hf":
            raise VscError(f"--vsc-calibration={calibration.spec}: steering reads and changes the "
                           f"model's hidden states, so it needs an hf: model ({spec.spec} is "
                           f"{spec.kind}:)")
        if method in STEERING and calibration.layer is not None:
            from vscbench_pytest.backends.hf import config_layers
            from vscbench_pytest.backends.steering import check_layer

            count = config_layers(spec.target)
            if count is not None:  # before the model loads; SteerPlan checks the loaded blocks
                check_layer(calibration.layer, count, f"--vsc-calibration={calibration.spec}", spec.spec)
        heldout = self.heldout()
        if heldout is None or not calibration.needs_heldout:
            return
        lacking = sorted({"safe", "unsafe"} - {item.label for item in heldout.items})
        if lacking and (method in STEERING or not heldout.items):
            raise VscError(f"--vsc-heldout: the held-out split ({heldout.source}, "
                           f"{len(heldout.items)} input(s)) has no {' or '.join(lacking)} input; "
                           f"{method} needs {'both' if method in STEERING else 'some'} "
                           f"(a larger fraction, or more data)")

    def _check_image_folders(self) -> None:
        """A missing image folder stops the run only when a selected input needs a file from
        it (the text variant, and rendered typography and FigStep, run from the sheets alone)."""
        skipped = {item.uid for item in self.skipped_inputs()} if self.dataset.missing_folders else set()
        for folder in self.dataset.missing_folders:
            needs = [item for item in self.selected() if item.image is not None and not item.image.render
                     and item.image.path.is_relative_to(folder) and item.uid not in skipped]
            if needs:
                raise VscError(f"missing image folder {folder}: {len(needs)} selected input(s) need "
                               f"files from it (first: {needs[0].source}); unpack the release's "
                               f"images there, or select --vsc-variant=text")

    def _replay_notices(self) -> list[str]:
        """A replay file's uids that are no input of the data (listed, not an error)."""
        if self.model.kind != "replay":
            return []
        from vscbench_pytest.backends.replay import read_replay

        path = Path(self.model.target).expanduser()
        known = {item.uid for item in self.dataset.items}
        known |= {question.item.uid for question in self.utility_questions()}
        unknown = sorted(set(read_replay(path)) - known)
        if not unknown:
            return []
        shown = ", ".join(unknown[:5]) + (", ..." if len(unknown) > 5 else "")
        return [f"the replay file {path} has {len(unknown)} uid(s) that are not inputs of "
                f"{self.dataset.root}: {shown}"]
