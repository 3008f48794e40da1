"""The runtime of a session: the judges, the model backend (an API child process started
early), the response cache, and the engine they make together.

One per pytest process; xdist workers share the cache file and this run's id.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

from vscbench_pytest.backends.base import Backend, GenerationSettings
from vscbench_pytest.backends.openai_api import ApiSettings
from vscbench_pytest.backends.registry import API_KINDS, make_backend, resolve_api
from vscbench_pytest.calibration.methods import STEER_INPUTS_PER_LABEL, STEERING
from vscbench_pytest.errors import VscError
from vscbench_pytest.judges.base import Judge
from vscbench_pytest.judges.registry import JudgeOptions, make_judges
from vscbench_pytest.records.items import Item
from vscbench_pytest.runtime.cache import ResponseCache
from vscbench_pytest.runtime.engine import Engine
from vscbench_pytest.session.plan import Plan
from vscbench_pytest.util.cores import share_of_cores
from vscbench_pytest.util.extras import explain_import_error

if TYPE_CHECKING:
    from vscbench_pytest.backends.child import ChildBackend


@dataclass
class Runtime:
    """The judges, backend and cache of one pytest process."""

    plan: Plan
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    cache_path: Path | None = None  # this run's private cache (--vsc-no-cache), else None
    _judges: list[Judge] | None = None
    _fingerprint: str | None = None
    _early: ChildBackend | None = None  # an API backend's child process, started before collection

    @property
    def judges(self) -> list[Judge]:
        """The judges of --vsc-judge, built on first use (a SpecError names a bad one or a
        judge server that is not configured; ``--co`` never builds them)."""
        if self._judges is None:
            s = self.plan.settings
            self._judges = make_judges(s.judges, JudgeOptions(
                s.judge_base_url, s.judge_api_key, s.judge_concurrency, s.timeout_s, s.retries,
                s.judge_labels))
        return self._judges

    def check_judges(self) -> None:
        """Build the judges now, so that a bad one is a usage error before anything runs."""
        self.judges  # noqa: B018

    @property
    def judge(self) -> Judge:
        """The judge that scores the run (the first one named)."""
        return self.judges[0]

    def judge_calls(self) -> int:
        """Requests this process's judges made to a judge server."""
        return sum(getattr(judge, "calls", 0) for judge in self.judges)

    # --- the model -----------------------------------------------------------------------------

    def generation(self, cpu_threads: int | None = None, worker_index: int | None = None
                   ) -> GenerationSettings:
        s = self.plan.settings
        return GenerationSettings(s.max_new_tokens, s.device, s.dtype, cpu_threads, worker_index,
                                  s.trust_remote_code)

    def api(self) -> ApiSettings:
        """Where and how to call an API model: ``--vlm-base-url`` or the kind's environment
        variable or public URL, and the kind's key (``registry.resolve_api``)."""
        s = self.plan.settings
        base_url, api_key = resolve_api(self.plan.model, s.base_url)
        return ApiSettings(base_url, api_key, s.timeout_s, s.retries)

    def start_backend_early(self) -> None:
        """Start an API backend's child process now, so its start-up overlaps collection."""
        spec = self.plan.spec
        if spec is None or spec.kind not in API_KINDS or self._early is not None:
            return
        try:
            early = make_backend(spec, self.generation(), self.api(),
                                 concurrency=self.plan.settings.concurrency, wait=False)
            self._early = cast("ChildBackend", early)  # wait=False: the child, not yet ready
        except VscError:
            pass  # make_backend() meets the same error again and reports it

    def make_backend(self, workers: int = 0, worker_index: int | None = None
                     ) -> tuple[Backend | None, str | None]:
        """The loaded backend, or None and the reason it could not be loaded.

        With ``workers`` xdist workers on one machine, each takes its share of the CPU cores
        (torch's default of all cores per worker oversubscribes them several times over).
        """
        spec = self.plan.model
        threads = share_of_cores(workers) if workers else None
        backend: Backend
        try:
            if self._early is not None:
                backend, self._early = self._early.ready(), None
            else:
                backend = make_backend(spec, self.generation(threads, worker_index), self.api(),
                                       concurrency=self.plan.settings.concurrency)
        except VscError as exc:
            return None, str(exc)
        except ImportError as exc:  # an optional dependency is not installed
            return None, explain_import_error(exc, f"--vlm {spec.spec}") or (
                f"--vlm {spec.spec}: cannot load the model: {type(exc).__name__}: {exc}")
        except Exception as exc:  # a broken install or checkpoint: every item becomes an error
            return None, f"--vlm {spec.spec}: cannot load the model: {type(exc).__name__}: {exc}"
        self._fingerprint = backend.fingerprint  # the report reuses it instead of hashing again
        self._use_steering(backend)
        return backend, None

    def _use_steering(self, backend: Backend) -> None:
        calibration = self.plan.settings.calibration
        heldout = self.plan.heldout()
        if calibration.method not in STEERING or heldout is None or not hasattr(backend, "use_steering"):
            return
        from vscbench_pytest.backends.hf import SteerPlan

        backend.use_steering(SteerPlan(
            calibration.method, calibration.layer, calibration.steer_alpha, tuple(heldout.items),
            heldout.digest(), self.cache_file().parent / "directions",
            per_label=STEER_INPUTS_PER_LABEL, refresh=self.plan.settings.refresh))

    def model_fingerprint(self) -> str:
        """The fingerprint of the backend this process built, else computed from files."""
        from vscbench_pytest.backends.registry import fingerprint_for

        if self._fingerprint is not None:
            return self._fingerprint
        try:
            return fingerprint_for(self.plan.model, self.plan.settings.base_url)
        except VscError as exc:
            return f"unknown ({exc})"

    # --- the cache and the engine ------------------------------------------------------------

    def cache_file(self) -> Path:
        """Where the response cache is (steering directions are kept beside it)."""
        s = self.plan.settings
        return self.cache_path or s.cache or s.rootdir / ".vscbench" / "cache.sqlite"

    def open_cache(self) -> ResponseCache:
        """The response cache this process shares with the run's other processes."""
        return ResponseCache(self.cache_file(), self.run_id, refresh=self.plan.settings.refresh)

    def uses_cache(self) -> bool:
        """Whether anything in this run reads or writes the cache (a replay model with no
        judge server does not)."""
        return self.plan.model.kind != "replay" or any(hasattr(j, "use_cache") for j in self.judges)

    def start_engine(self, order: list[Item], backend: Backend | None, error: str | None
                     ) -> tuple[Engine, ResponseCache | None]:
        """The engine answering ``order`` ahead of the tests, started, and the cache it uses
        (the caller closes both: ``stop_engine``)."""
        try:
            cache = self.open_cache()
        except VscError as exc:
            backend, error, cache = None, str(exc), None
        for judge in self.judges:
            if hasattr(judge, "use_cache"):
                judge.use_cache(cache)  # verdicts of judge servers are cached too
        s = self.plan.settings
        engine = Engine(backend, self.judge, order, cache, settings_key=self.plan.settings_key(),
                        batch_size=s.batch_size, concurrency=s.concurrency, backend_error=error,
                        others=self.judges[1:], prompting=self.plan.prompting(),
                        references=self.plan.references(), protocol=s.protocol)
        return engine.start(), cache

    @staticmethod
    def stop_engine(engine: Engine, cache: ResponseCache | None) -> str | None:
        """Close the engine (after the requests under way and the judges' work end), then the
        cache; what went wrong with the cache, if anything."""
        try:
            engine.close()
        finally:
            if cache is not None:
                cache.close()  # the engine keeps none for a replay backend; its judges used it
        return engine.cache_problem

    def close(self) -> None:
        """Stop a child process that no test used, and the judges' request threads."""
        if self._early is not None:
            self._early.close()
            self._early = None
        for judge in self._judges or ():
            close = getattr(judge, "close", None)
            if close is not None:
                close()
