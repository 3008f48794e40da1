"""Per-session state: settings, dataset, judge, collected results, and the final report.

No pytest import: ``plugin.py`` feeds it from hooks; the controller alone calls ``finish``.
"""
from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from vscbench_pytest.backends import Backend, GenerationSettings, make_backend, parse_spec
from vscbench_pytest.backends.openai_api import ApiSettings
from vscbench_pytest.calibration.methods import (
    STEER_INPUTS_PER_LABEL,
    STEERING,
    Heldout,
    Prompting,
    heldout_source,
)
from vscbench_pytest.data.release import Dataset
from vscbench_pytest.data.selection import select, split_heldout
from vscbench_pytest.data.sources import describe, load_data
from vscbench_pytest.errors import VscError
from vscbench_pytest.judges.keyword import JudgeOptions, make_judges
from vscbench_pytest.records.items import UTILITY_TRACK, Item
from vscbench_pytest.records.results import ItemResult, error_result
from vscbench_pytest.report.build import (
    build_report,
    default_report_path,
    model_key,
    read_report,
    write_report,
)
from vscbench_pytest.runtime.cache import ResponseCache
from vscbench_pytest.scoring.agreement import judge_section
from vscbench_pytest.scoring.consistency import consistency
from vscbench_pytest.scoring.gate import Failure, build_rules, evaluate
from vscbench_pytest.session.settings import Settings

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
class Outcome:
    """What the controller made of the session: the report, where it went, the gate."""

    report: dict
    path: Path | None
    failures: list[Failure]


@dataclass
class VscState:
    """Everything the plugin keeps for one pytest process."""

    settings: Settings
    started: float = field(default_factory=time.time)
    results: dict[str, ItemResult] = field(default_factory=dict)
    expected: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)  # the run is incomplete: the gate fails
    notices: list[str] = field(default_factory=list)  # worth knowing; the scores are whole
    workers: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=lambda: {"requests": 0, "retries": 0, "cached": 0,
                                                             "judge_requests": 0})
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    snapshots: Counter = field(default_factory=Counter)  # flip / drift / new / same
    cache_path: Path | None = None
    outcome: Outcome | None = None
    _dataset: Dataset | None = None
    _selected: list[Item] | None = None
    _fingerprint: str | None = None
    _early: Backend | None = None  # an API backend's child process, started before collection
    _skip_reason: tuple[str] | None = None  # image_skip_reason, once known ("" when none)
    _heldout: Heldout | None = None  # the calibration's held-out split (selected() sets it)
    _utility: list[Question] | None = None

    def __post_init__(self) -> None:
        s = self.settings
        self.judges = make_judges(s.judges, JudgeOptions(
            s.judge_base_url, s.judge_api_key, s.judge_concurrency, s.timeout_s, s.retries,
            s.judge_labels))
        self.judge = self.judges[0]  # scores the run
        self.rules = build_rules(s.min_sra_u, s.min_sra_s, list(s.gate))
        self.spec = parse_spec(s.vlm) if s.vlm else None

    @property
    def active(self) -> bool:
        return self.spec is not None

    @property
    def dataset(self) -> Dataset:
        if self._dataset is None:
            self._dataset = load_data(self.settings.data, self.settings.tracks)
        return self._dataset

    def selected(self) -> list[Item]:
        """The scored items: the dataset's after --vsc-track/-category/-variant/-sample, in
        sheet order, less the held-out split when the calibration takes one from them."""
        if self._selected is None:
            s = self.settings
            chosen = select(
                self.dataset.items, tracks=s.tracks, categories=s.categories,
                variants=s.variants, sample=s.sample, seed=s.seed,
            )
            self._selected, self._heldout = self._split(chosen)
        return self._selected

    def _split(self, chosen: list[Item]) -> tuple[list[Item], Heldout | None]:
        calibration = self.settings.calibration
        if not calibration.excludes_heldout:
            return chosen, None
        source = heldout_source(calibration.heldout)
        if isinstance(source, float):
            heldout, scored = split_heldout(chosen, source)
            return scored, Heldout(heldout, f"{source:g} of the selected pairs")
        try:
            items = load_data(source, self.settings.tracks).items
        except VscError as exc:
            raise VscError(f"--vsc-heldout: {exc}") from None
        seen = {_content(i) for i in items}
        overlap = [i for i in chosen if _content(i) in seen]
        if overlap:
            raise VscError(f"--vsc-heldout: {source} shares {len(overlap)} input(s) with the scored "
                           f"data (first: {overlap[0].source}); held-out inputs are never scored")
        return chosen, Heldout(items, str(source))

    def _check_scored(self) -> None:
        """A held-out split that takes every selected input is a usage error (a selection that
        matches nothing on its own still runs, and the gate says so)."""
        heldout = self.heldout()
        if not self.selected() and heldout is not None and heldout.items:
            raise VscError(f"--vsc-heldout: the held-out split ({heldout.source}) "
                           f"takes every selected input; nothing is left to score (a smaller "
                           f"fraction, or more data)")

    def describe_calibration(self) -> dict:
        """The report's ``run.calibration``: method, parameters, system prompt, held-out split."""
        c = self.settings.calibration
        heldout = self.heldout()
        return {"method": c.method, "spec": c.spec, "params": c.params(), "system_prompt": c.system(),
                "heldout": heldout.describe() if heldout is not None else None}

    def utility_section(self, results: list[ItemResult]) -> dict:
        """The report's ``utility``: accuracy on the questions, and each question's outcome."""
        from vscbench_pytest.data.utility import score_utility

        assert self.settings.utility is not None
        questions = self.utility_questions()
        by_uid = {r.uid: r for r in results}
        # a question that was not collected (-k) has no result and is left out
        responses = {uid: None if r.is_error else r.response for uid, r in by_uid.items()}
        section = score_utility(questions, responses, self.settings.utility)
        section["items"] = [{"uid": r.uid, "verdict": r.verdict, "response": r.response,
                             "reason": r.reason} for r in sorted(results, key=lambda r: r.uid)]
        return section

    def heldout(self) -> Heldout | None:
        """The held-out split (demonstrations and steering directions come from it), if any."""
        self.selected()
        return self._heldout

    def prompting(self) -> Prompting:
        """What the calibration adds to each request."""
        return Prompting(self.settings.calibration, self.heldout(),
                         takes_images=self.image_skip_reason() is None)

    def _check_calibration(self) -> None:
        """The method fits the backend, and the held-out split has what the method draws on."""
        assert self.spec is not None
        calibration = self.settings.calibration
        method = calibration.method
        if self.spec.kind == "replay" and (method != "none" or calibration.system_prompt is not None):
            raise VscError(f"--vsc-calibration={calibration.spec}: a replay: model answers from "
                           f"its file; record the responses with the method instead")
        if method in STEERING and self.spec.kind != "hf":
            raise VscError(f"--vsc-calibration={calibration.spec}: steering reads and changes the "
                           f"model's hidden states, so it needs an hf: model ({self.spec.spec} is "
                           f"{self.spec.kind}:)")
        if method in STEERING and calibration.layer is not None:
            from vscbench_pytest.backends.hf import config_layers
            from vscbench_pytest.backends.steering import check_layer

            count = config_layers(self.spec.target)
            if count is not None:  # before the model loads; SteerPlan checks the loaded blocks
                check_layer(calibration.layer, count, f"--vsc-calibration={calibration.spec}",
                            self.spec.spec)
        heldout = self.heldout()
        if heldout is None or not calibration.needs_heldout:
            return
        lacking = sorted({"safe", "unsafe"} - {item.label for item in heldout.items})
        if lacking and (method in STEERING or not heldout.items):
            raise VscError(f"--vsc-heldout: the held-out split ({heldout.source}, "
                           f"{len(heldout.items)} input(s)) has no {' or '.join(lacking)} input; "
                           f"{method} needs {'both' if method in STEERING else 'some'} "
                           f"(a larger fraction, or more data)")

    def validate(self) -> None:
        """Load the sheets and read a replay file now, so bad input stops the run at once."""
        if not self.dataset.items:
            skipped = self.dataset.skipped
            why = (f"; all {len(skipped)} row(s) were left out: "
                   + "; ".join(str(row) for row in skipped[:5]) + ("; ..." if len(skipped) > 5 else "")
                   if skipped else "")
            raise VscError(f"--vsc-data: no inputs in {describe(self.settings.data)}{why}")
        self.selected()  # a selection that matches nothing stops here, naming the option
        self._check_scored()
        self._check_calibration()
        self.utility_questions()
        self._check_image_folders()
        if self.spec is not None and self.spec.kind == "replay":
            from vscbench_pytest.backends.replay import read_replay

            path = Path(self.spec.target).expanduser()
            known = {item.uid for item in self.dataset.items}
            unknown = sorted(set(read_replay(path)) - known)
            if unknown:
                shown = ", ".join(unknown[:5]) + (", ..." if len(unknown) > 5 else "")
                self.notices.append(f"the replay file {path} has {len(unknown)} uid(s) that are "
                                    f"not inputs of {self.dataset.root}: {shown}")

    def image_skip_reason(self) -> str | None:
        """Why this model's image inputs are skipped (it is text-only), or None. Decided once
        per process (it may read the checkpoint's config), so collection, the engine and the
        report always agree."""
        if self._skip_reason is None:
            from vscbench_pytest.backends.registry import accepts_images

            assert self.spec is not None
            text_only = not accepts_images(self.spec, self.settings.text_only)
            self._skip_reason = (f"{self.spec.spec} is text-only (it takes no images): image "
                                 f"inputs are skipped" if text_only else "",)
        return self._skip_reason[0] or None

    def skipped_inputs(self) -> list[Item]:
        """The selected inputs (and utility questions) this model cannot take: never run,
        never scored, counted."""
        if not self.image_skip_reason():
            return []
        return [item for item in self.selected() + self.items_for(UTILITY_TRACK) if item.image is not None]

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
        return {q.item.uid: q.answers for q in self.utility_questions()}

    def generation(self, cpu_threads: int | None = None, worker_index: int | None = None
                   ) -> GenerationSettings:
        s = self.settings
        return GenerationSettings(s.max_new_tokens, s.device, s.dtype, cpu_threads, worker_index,
                                  s.trust_remote_code)

    def api(self) -> ApiSettings:
        s = self.settings
        return ApiSettings(s.base_url, os.environ.get("OPENAI_API_KEY", ""), s.timeout_s, s.retries)

    def settings_key(self) -> dict:
        """The generation settings that change a response (part of every cache key)."""
        s = self.settings
        key: dict = {"max_new_tokens": s.max_new_tokens, "temperature": 0}
        if self.spec is not None and self.spec.kind == "hf":
            key.update(device=s.device, dtype=s.dtype)
        return key

    def report_path(self) -> Path:
        assert self.spec is not None
        return self.settings.report or default_report_path(self.spec.spec + self._method_suffix(),
                                                             self.settings.rootdir)

    def check_outputs(self) -> None:
        """Stop before any model call when the report or the cache cannot be written there."""
        path = self.report_path()
        if path.is_dir():
            raise VscError(f"--vsc-report: {path} is a folder; name the report file, e.g. {path / 'report.json'}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe", dir=path.parent)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise VscError(f"--vsc-report: cannot write the report at {path}: {exc}") from None
        if self.spec.kind != "replay" or any(hasattr(j, "use_cache") for j in self.judges):
            self.open_cache().close()

    def cache_file(self) -> Path:
        """Where the response cache is (steering directions are kept beside it)."""
        s = self.settings
        return self.cache_path or s.cache or s.rootdir / ".vscbench" / "cache.sqlite"

    def open_cache(self) -> ResponseCache:
        """The response cache this process shares with the run's other processes."""
        return ResponseCache(self.cache_file(), self.run_id, refresh=self.settings.refresh)

    def add_counts(self, requests: int, retries: int, cached: bool) -> None:
        self.counts["requests"] += requests
        self.counts["retries"] += retries
        self.counts["cached"] += int(cached)

    def make_backend(self, workers: int = 0, worker_index: int | None = None
                     ) -> tuple[Backend | None, str | None]:
        """The loaded backend, or None and the reason it could not be loaded.

        With ``workers`` xdist workers on one machine, each takes its share of the CPU cores
        (torch's default of all cores per worker oversubscribes them several times over).
        """
        assert self.spec is not None
        threads = max(1, (os.cpu_count() or 1) // workers) if workers else None
        try:
            if self._early is not None:
                backend, self._early = self._early.ready(), None
            else:
                backend = make_backend(self.spec, self.generation(threads, worker_index),
                                       self.api(), concurrency=self.settings.concurrency)
        except VscError as exc:
            return None, str(exc)
        except Exception as exc:  # a broken install or checkpoint: every item becomes an error
            return None, f"--vlm {self.spec.spec}: cannot load the model: {type(exc).__name__}: {exc}"
        self._fingerprint = backend.fingerprint  # the report reuses it instead of hashing again
        calibration = self.settings.calibration
        heldout = self.heldout()
        if calibration.method in STEERING and heldout is not None and hasattr(backend, "use_steering"):
            from vscbench_pytest.backends.hf import SteerPlan

            backend.use_steering(SteerPlan(
                calibration.method, calibration.layer, calibration.steer_alpha, tuple(heldout.items),
                heldout.digest(), self.cache_file().parent / "directions",
                per_label=STEER_INPUTS_PER_LABEL, refresh=self.settings.refresh))
        return backend, None

    def start_backend_early(self) -> None:
        """Start an API backend's child process now, so its start-up overlaps collection."""
        if self.spec is None or self.spec.kind != "openai" or self._early is not None:
            return
        try:
            self._early = make_backend(self.spec, self.generation(), self.api(),
                                       concurrency=self.settings.concurrency, wait=False)
        except VscError:
            pass  # make_backend() meets the same error again and reports it

    def close(self) -> None:
        """Stop a child process that no test used, and the judges' request threads."""
        if self._early is not None:
            self._early.close()
            self._early = None
        for judge in self.judges:
            close = getattr(judge, "close", None)
            if close is not None:
                close()

    def baseline_failures(self, report: dict) -> list[Failure]:
        """Buckets that dropped significantly, by more than --vsc-max-drop, from --vsc-baseline."""
        if self.settings.baseline is None:
            return []
        from vscbench_pytest.report.diff import diff_reports, regressions

        try:
            baseline = read_report(self.settings.baseline)
        except VscError as exc:
            return [Failure("baseline", f"--vsc-baseline: {exc}")]
        messages = regressions(diff_reports(baseline, report), self.settings.max_drop)
        return [Failure("baseline", f"against {self.settings.baseline.name}: {m}") for m in messages]

    def snapshot_key(self) -> str:
        """Whose snapshots this run reads and writes: --vsc-snapshot-key, else this model's."""
        assert self.spec is not None
        return self.settings.snapshot_key or model_key(self.spec.spec + self._method_suffix())

    def _method_suffix(self) -> str:
        """``-<method>`` for a calibrated run, so it never overwrites the plain run's report or
        snapshots by default."""
        calibration = self.settings.calibration
        return "" if calibration.method == "none" else f"-{calibration.spec}"

    def judge_calls(self) -> int:
        """Requests this process's judges made to a judge server."""
        return sum(getattr(judge, "calls", 0) for judge in self.judges)

    def add_result(self, result: ItemResult) -> None:
        self.results[result.uid] = result

    def model_fingerprint(self) -> str:
        """The fingerprint of the backend this process built, else computed from files."""
        from vscbench_pytest.backends.registry import fingerprint_for

        assert self.spec is not None
        if self._fingerprint is not None:
            return self._fingerprint
        try:
            return fingerprint_for(self.spec, self.settings.base_url)
        except VscError as exc:
            return f"unknown ({exc})"

    def _missing_results(self, missing: list[str], interrupted: bool) -> list[ItemResult]:
        """An ``error`` item for each expected input whose result never arrived."""
        why = ("the session was interrupted before it ran" if interrupted else
               "no result reached the controller (the process running it died)")
        by_uid = {item.uid: item for item in self.selected() + self.items_for(UTILITY_TRACK)}
        return [error_result(by_uid[uid], why) for uid in missing if uid in by_uid]

    def finish(self, *, interrupted: bool, write: bool = True) -> Outcome:
        """Score what arrived, write the report, evaluate the gate (controller only)."""
        assert self.spec is not None
        skipped = self.skipped_inputs()
        missing = sorted(self.expected - set(self.results) - {item.uid for item in skipped})
        problems = list(self.problems)
        if missing:
            problems.append(f"{len(missing)} input(s) have no result")
        if interrupted:
            problems.append("the session was interrupted")
        answered = list(self.results.values()) + self._missing_results(missing, interrupted)
        results = [r for r in answered if r.track != UTILITY_TRACK]
        errors = sum(1 for r in results if r.is_error)
        complete = not problems and not errors
        dataset = self.dataset
        report = build_report(
            model={"spec": self.spec.spec, "backend": self.spec.kind,
                   "fingerprint": self.model_fingerprint()},
            judge={"name": self.judge.name, "version": self.judge.version,
                   "others": [{"name": j.name, "version": j.version} for j in self.judges[1:]]},
            dataset={"root": str(dataset.root.resolve()), "fingerprint": dataset.fingerprint,
                     "n_items": len({r.uid for r in results}),
                     "skipped": [str(row) for row in dataset.skipped],
                     "duplicates": list(dataset.duplicates)},
            run={"started": datetime.fromtimestamp(self.started, timezone.utc).isoformat(),
                 "duration_s": round(time.time() - self.started, 3),
                 "workers": len(self.workers), "complete": complete, "errors": errors,
                 "requests": self.counts["requests"], "retries": self.counts["retries"],
                 "cached": self.counts["cached"], "judge_requests": self.counts["judge_requests"] + self.judge_calls(),
                 "problems": problems, "missing": missing,
                 "notices": sorted(set(self.notices)),
                 "skipped": {"n": len(skipped), "reason": self.image_skip_reason() if skipped else ""},
                 "calibration": self.describe_calibration()},
            results=results,
        )
        if self.settings.utility is not None:
            report["utility"] = self.utility_section([r for r in answered if r.track == UTILITY_TRACK])
        report["consistency"] = consistency(results)
        if len(self.judges) > 1:
            report["judges"] = judge_section(results, [j.name for j in self.judges])
        failures = evaluate(report["scores"], self.rules, errors=errors,
                            allow_errors=self.settings.allow_errors, problems=problems)
        failures += self.baseline_failures(report)
        rules = [str(r) for r in self.rules]
        if self.settings.baseline is not None:
            rules.append(f"baseline {self.settings.baseline}: drop <= {self.settings.max_drop:g} "
                         f"or not significant")
        report["gate"] = {"rules": rules, "passed": not failures,
                          "failures": [f.message for f in failures]}
        path = None
        if write:
            path = self.report_path()
            write_report(report, path)
        self.outcome = Outcome(report, path, failures)
        return self.outcome
