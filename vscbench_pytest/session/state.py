"""One pytest process's vscbench session: the plan, the runtime, the tally, and the outcome
once the controller has finished. No pytest import: the plugin feeds it from its hooks."""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass

from vscbench_pytest.errors import VscError
from vscbench_pytest.session.finish import Outcome, finish
from vscbench_pytest.session.plan import Plan
from vscbench_pytest.session.runtime import Runtime
from vscbench_pytest.session.settings import Settings
from vscbench_pytest.session.tally import Tally


@dataclass
class VscState:
    """Everything the plugin keeps for one pytest process."""

    plan: Plan
    runtime: Runtime
    tally: Tally
    outcome: Outcome | None = None
    load_failure: str | None = None  # why the model could not load: the run never started
    nothing_collected: str | None = None  # the session collected no suite input: why it says so

    @classmethod
    def from_settings(cls, settings: Settings) -> VscState:
        """A session for ``settings``; a VscError names a bad value (model, judge, gate rule)."""
        plan = Plan(settings)
        return cls(plan, Runtime(plan), Tally())

    @property
    def active(self) -> bool:
        """Whether a model was chosen (without one, the suite skips)."""
        return self.plan.active

    @property
    def settings(self) -> Settings:
        return self.plan.settings

    def check_outputs(self) -> None:
        """Stop before any model call when the report or the cache cannot be written there."""
        path = self.plan.report_path()
        if path.is_dir():
            raise VscError(f"--vsc-report: {path} is a folder; name the report file, e.g. {path / 'report.json'}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe", dir=path.parent)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise VscError(f"--vsc-report: cannot write the report at {path}: {exc}") from None
        if self.runtime.uses_cache():
            self.runtime.open_cache().close()

    def finish(self, *, interrupted: bool, write: bool = True) -> Outcome:
        """Score what arrived, write the report, evaluate the gate (controller only)."""
        self.outcome = finish(self.plan, self.runtime, self.tally, interrupted=interrupted,
                              write=write)
        return self.outcome

    def close(self) -> None:
        """Stop a child process that no test used, and the judges' request threads."""
        self.runtime.close()
