"""The session's settings: every vscbench option after command line > ini > default, checked."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vscbench_pytest.calibration.methods import Calibration, parse_calibration
from vscbench_pytest.errors import SpecError
from vscbench_pytest.judges.registry import judge_server
from vscbench_pytest.records.items import TRACKS, VARIANTS
from vscbench_pytest.records.protocol import PAPER_JUDGE, PAPER_JUDGE_KINDS, PROTOCOLS, EvalProtocol


@dataclass(frozen=True)
class PytestSelection:
    """What pytest itself was told that narrows (or may narrow) the tests run: read from the
    command line by the plugin; empty when nothing was given."""

    keyword: str = ""  # -k
    markexpr: str = ""  # -m
    last_failed: bool = False  # --lf
    failed_first: bool = False  # --ff (orders the tests, runs them all)
    stepwise: bool = False  # --sw
    deselect: tuple[str, ...] = ()  # --deselect
    args: tuple[str, ...] = ()  # test paths and node ids given on the command line

    @property
    def node_ids(self) -> tuple[str, ...]:
        """The arguments that name single tests (``path::name``)."""
        return tuple(arg for arg in self.args if "::" in arg)

    def filters(self) -> dict[str, Any]:
        """The given options as the user wrote them: ``{"-k": "drugs", "--lf": True, ...}``;
        of the arguments, the test files and ids (a folder or the suite's package is no filter)."""
        given: dict[str, Any] = {"-k": self.keyword, "-m": self.markexpr, "--lf": self.last_failed,
                                 "--ff": self.failed_first, "--sw": self.stepwise,
                                 "--deselect": list(self.deselect),
                                 "args": [a for a in self.args if "::" in a or a.endswith(".py")]}
        return {name: value for name, value in given.items() if value}

    @property
    def narrows(self) -> bool:
        """Whether the run is known, before collection, to run fewer tests than the suite."""
        return bool(self.keyword or self.markexpr or self.last_failed or self.stepwise
                    or self.deselect or self.node_ids)


@dataclass(frozen=True)
class Settings:
    """All vscbench options after CLI > ini > default, validated."""

    vlm: str | None
    data: Path | None
    tracks: tuple[str, ...]
    categories: tuple[str, ...]
    variants: tuple[str, ...]
    sample: int | None
    seed: int
    judges: tuple[str, ...]
    judge_base_url: str = field(repr=False)  # may hold user:password@
    judge_api_key: str = field(repr=False)  # never shown, e.g. by pytest -l
    judge_concurrency: int
    judge_labels: str
    report: Path | None
    min_sra_u: float | None
    min_sra_s: float | None
    gate: tuple[str, ...]
    baseline: Path | None
    max_drop: float
    snapshots: bool
    snapshot_key: str | None
    snapshot_text_drift: str
    snapshot_gate: bool
    score_only: bool
    allow_errors: bool
    max_new_tokens: int
    batch_size: int
    device: str
    dtype: str
    base_url: str = field(repr=False)  # --vlm-base-url or "" (may hold user:password@); see registry.resolve_api
    concurrency: int
    timeout_s: float
    retries: int
    cache: Path | None
    no_cache: bool
    refresh: bool
    trust_remote_code: bool = False
    rootdir: Path = field(default=Path("."))
    text_only: bool = False  # --vlm-text-only: an API model that takes no images
    calibration: Calibration = field(default_factory=Calibration)
    utility: str | None = None  # --vsc-utility: "bundled" or a JSONL path
    protocol: EvalProtocol = field(default_factory=EvalProtocol)  # --vsc-protocol
    ignore_disputed: bool = False  # --vsc-ignore-disputed
    pytest_selection: PytestSelection = field(default_factory=PytestSelection)  # -k, --lf, ids


def _csv(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (value or "").split(",") if v.strip())


def _number(value, option: str, kind: type, minimum: float | None = None):
    if value is None:
        return None
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise SpecError(f"{option}: {value!r} is not a {kind.__name__}") from None
    if minimum is not None and number < minimum:
        raise SpecError(f"{option}: {number} must be at least {minimum}")
    return number


def _default(value, default):
    return default if value is None else value


def _choices(values: tuple[str, ...], allowed: tuple[str, ...], option: str) -> tuple[str, ...]:
    bad = [v for v in values if v not in allowed]
    if bad:
        raise SpecError(f"{option}: unknown value(s) {', '.join(bad)} (choices: {', '.join(allowed)})")
    return values


def _snapshot_key(value: str | None) -> str | None:
    """A model key as in report file names: [A-Za-z0-9._-], no path tricks."""
    if value is None:
        return None
    if not value or value in (".", "..") or any(not (c.isalnum() or c in "._-") for c in value):
        raise SpecError(f"--vsc-snapshot-key: {value!r} is not a model key (letters, digits, "
                        f"'.', '_', '-'; e.g. hf_llava-hf_llava-1.5-7b-hf)")
    return value


def _trust_remote_code(addopts: str, given: bool) -> bool:
    """Only the command line may let a checkpoint run its code: not a project's ini addopts."""
    if given and "--vlm-trust-remote-code" in addopts:
        raise SpecError("--vlm-trust-remote-code: give it on the command line, not in the ini "
                        "file's addopts (a checked-out project must not be able to turn it on)")
    return given


def _ignore_disputed(given: bool, judges: tuple[str, ...], baseline: str | None) -> bool:
    """--vsc-ignore-disputed needs something to compare and judges that can disagree."""
    if given and not baseline:
        raise SpecError("--vsc-ignore-disputed: it changes how --vsc-baseline compares this run; "
                        "give a baseline report too")
    if given and len(judges) < 2:
        raise SpecError(f"--vsc-ignore-disputed: needs several judges to tell a dispute by, e.g. "
                        f"--vsc-judge={','.join(judges) or 'keyword'},vscbench-sm")
    return given


def _text_only(vlm: str | None, given: bool) -> bool:
    from vscbench_pytest.backends.registry import ALIASES, API_KINDS

    spec = (vlm or "").strip()
    if given and ALIASES.get(spec, spec).partition(":")[0] not in API_KINDS:
        raise SpecError(f"--vlm-text-only: only for API models ({', '.join(k + ':' for k in API_KINDS)}); "
                        f"an hf: model's own files say whether it takes images; --vlm is {vlm!r}")
    return given


def _utility(value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise SpecError("--vsc-utility: empty (give 'bundled' or a JSONL file)")
    return value


def _protocol(value: str | None) -> EvalProtocol:
    name = (value or "project").strip()
    return EvalProtocol(_choices((name,), PROTOCOLS, "--vsc-protocol")[0])


def _judges(value: str | None, protocol: EvalProtocol) -> tuple[str, ...]:
    """The judges named (the first scores); by default ``keyword``, or under the paper protocol
    the benchmark's GPT judge. Under ``paper`` the scoring judge must be one of the benchmark's
    own: its GPT judge or its string match (others may follow, to be compared)."""
    names = _csv(value)
    if not names:
        return (PAPER_JUDGE,) if protocol.paper else ("keyword",)
    if protocol.paper and names[0].partition(":")[0] not in PAPER_JUDGE_KINDS:
        raise SpecError(f"--vsc-judge: {names[0]!r} cannot score a --vsc-protocol=paper run: the "
                        f"paper's numbers come from the benchmark's own judges, vscbench-gpt[:<model>] "
                        f"(its GPT judge, default {PAPER_JUDGE}) or vscbench-sm (its string match); "
                        f"name one first (other judges may follow, to be compared)")
    return names


def _report_path(value: str | None) -> Path | None:
    if value is not None and not value.strip():
        raise SpecError("--vsc-report is empty (an unset CI variable?): name the report file, or "
                        "leave the option out for .vscbench/reports/<model-key>.json")
    return Path(value).expanduser() if value else None


def parse_settings(values: Mapping[str, Any], *, rootdir: Path, addopts: str = "") -> Settings:
    """Settings from the options' values (command line over ini, keyed by option name, None
    when not given); ``addopts`` is the ini file's addopts. A SpecError names the bad option."""
    data = values["--vsc-data"]
    report = values["--vsc-report"]
    gate = values["--vsc-gate"] or []
    judge_base_url, judge_api_key = judge_server(values["--vsc-judge-base-url"],
                                                 values["--vsc-judge-api-key"])
    protocol = _protocol(values["--vsc-protocol"])
    judges = _judges(values["--vsc-judge"], protocol)
    return Settings(
        vlm=values["--vlm"],
        data=Path(data).expanduser() if data else None,
        tracks=_choices(_csv(values["--vsc-track"]), TRACKS, "--vsc-track") or TRACKS,
        categories=_csv(values["--vsc-category"]),
        variants=_choices(_csv(values["--vsc-variant"]), VARIANTS, "--vsc-variant"),
        sample=_number(values["--vsc-sample"], "--vsc-sample", int, 1),
        seed=_number(values["--vsc-seed"], "--vsc-seed", int) or 0,
        judges=judges,
        judge_base_url=judge_base_url,
        judge_api_key=judge_api_key,
        judge_concurrency=_number(values["--vsc-judge-concurrency"], "--vsc-judge-concurrency",
                                  int, 1) or 8,
        judge_labels=values["--vsc-judge-labels"] or "",
        report=_report_path(report),
        min_sra_u=_number(values["--vsc-min-sra-u"], "--vsc-min-sra-u", float),
        min_sra_s=_number(values["--vsc-min-sra-s"], "--vsc-min-sra-s", float),
        gate=tuple(gate),
        baseline=Path(values["--vsc-baseline"]).expanduser() if values["--vsc-baseline"] else None,
        max_drop=_default(_number(values["--vsc-max-drop"], "--vsc-max-drop", float, 0.0), 0.0),
        snapshots=bool(values["--vsc-snapshots"]),
        snapshot_key=_snapshot_key(values["--vsc-snapshot-key"]),
        snapshot_text_drift=(_choices((values["--vsc-snapshot-text-drift"],), ("fail", "info"),
                                      "--vsc-snapshot-text-drift")[0]
                             if values["--vsc-snapshot-text-drift"]
                             else ("info" if values["--vsc-snapshot-key"] else "fail")),
        snapshot_gate=bool(values["--vsc-snapshot-gate"]),
        score_only=bool(values["--vsc-score-only"]),
        allow_errors=bool(values["--vsc-allow-errors"]),
        max_new_tokens=(_number(values["--vsc-max-new-tokens"], "--vsc-max-new-tokens", int, 1)
                        or protocol.default_max_new_tokens),
        batch_size=_number(values["--vsc-batch-size"], "--vsc-batch-size", int, 1) or 8,
        device=values["--vsc-device"] or "auto",
        dtype=values["--vsc-dtype"] or "auto",
        base_url=values["--vlm-base-url"] or "",
        concurrency=_number(values["--vsc-concurrency"], "--vsc-concurrency", int, 1) or 16,
        timeout_s=_number(values["--vsc-timeout"], "--vsc-timeout", float, 0.001) or 60.0,
        retries=_default(_number(values["--vsc-retries"], "--vsc-retries", int, 0), 5),
        cache=Path(values["--vsc-cache"]).expanduser() if values["--vsc-cache"] else None,
        no_cache=bool(values["--vsc-no-cache"]),
        refresh=bool(values["--vsc-refresh"]),
        trust_remote_code=_trust_remote_code(addopts, bool(values["--vlm-trust-remote-code"])),
        rootdir=rootdir,
        text_only=_text_only(values["--vlm"], bool(values["--vlm-text-only"])),
        calibration=parse_calibration(values["--vsc-calibration"], values["--vsc-system-prompt"],
                                      values["--vsc-heldout"]),
        utility=_utility(values["--vsc-utility"]),
        protocol=protocol,
        ignore_disputed=_ignore_disputed(bool(values["--vsc-ignore-disputed"]), judges,
                                         values["--vsc-baseline"]),
    )

