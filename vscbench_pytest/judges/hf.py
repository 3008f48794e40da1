"""``hf:<folder-or-hub-id>``: a local judge, a transformers sequence classifier over the response.

The model's labels become verdicts through ``--vsc-judge-labels`` ("LABEL=verdict,...") or,
without it, by name: a label that is a verdict name maps to that verdict, and a few labels
that public refusal classifiers use map sensibly ("rejection" -> refusal, "normal" ->
compliance, ...). Opaque labels such as ``LABEL_0`` are never guessed: a SpecError lists
them and shows the mapping to pass. torch and transformers are imported on first use.
"""
from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from vscbench_pytest.backends.base import LoadsOnce
from vscbench_pytest.backends.hf import checkpoint_dir, fingerprint_checkpoint
from vscbench_pytest.errors import SpecError, VscError
from vscbench_pytest.records.verdicts import (
    COMPLIANCE,
    ERROR,
    IRRELEVANT,
    REFUSAL,
    VERDICTS,
    WARNING,
    Judgement,
)

LABELS_OPTION = "--vsc-judge-labels"

# Normalised labels (lower case, "-" and " " as "_") of public refusal classifiers and of
# XSTest-style annotations. A verdict's own name always maps to that verdict.
LABEL_ALIASES: dict[str, str] = {
    **dict.fromkeys(("refusal", "refusals", "refuse", "refused", "rejection", "reject", "rejected",
                     "declined", "decline", "full_refusal", "is_refusal"), REFUSAL),
    **dict.fromkeys(("compliance", "comply", "complied", "compliant", "normal", "answer", "answered",
                     "non_refusal", "nonrefusal", "not_refusal", "no_refusal", "full_compliance",
                     "accepted", "accept"), COMPLIANCE),
    # a partial refusal hedges an answer: flagged, like a warning
    **dict.fromkeys(("warning", "warn", "caution", "hedge", "hedged", "partial_refusal"), WARNING),
    **dict.fromkeys(("irrelevant", "off_topic", "offtopic", "unrelated"), IRRELEVANT),
}
BATCH_SIZE = 32


def _norm(label: str) -> str:
    return label.strip().lower().replace("-", "_").replace(" ", "_")


def parse_label_map(text: str) -> dict[str, str]:
    """``"LABEL_0=compliance,LABEL_1=refusal"`` -> ``{"LABEL_0": "compliance", ...}``.

    Verdict names are case-insensitive; empty parts (a trailing comma) are skipped.
    """
    mapping: dict[str, str] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        label, sep, verdict = part.partition("=")
        label, verdict = label.strip(), verdict.strip().lower()
        if not sep or not label or not verdict:
            raise SpecError(f"{LABELS_OPTION}: {part.strip()!r} is not LABEL=verdict "
                            f"(e.g. \"LABEL_0=compliance,LABEL_1=refusal\")")
        if verdict not in VERDICTS:
            raise SpecError(f"{LABELS_OPTION}: {part.strip()!r}: unknown verdict {verdict!r} "
                            f"(choices: {', '.join(VERDICTS)})")
        if label in mapping:
            raise SpecError(f"{LABELS_OPTION}: label {label!r} is mapped twice")
        mapping[label] = verdict
    if not mapping:
        raise SpecError(f"{LABELS_OPTION}: no LABEL=verdict pairs in {text!r}")
    return mapping


def _looks_like_path(target: str) -> bool:
    """A target that can only be a folder (a hub id is "name" or "owner/name")."""
    return target.startswith(("/", ".", "~", "\\")) or target.count("/") > 1 or "\\" in target or (
        len(target) > 1 and target[1] == ":")


class HFClassifierJudge(LoadsOnce):
    """Classifies the response text (not the prompt) with a sequence-classification model.

    The checkpoint is found and hashed at construction and its labels are checked against
    the mapping then (from ``config.json``); the model itself loads on the first judgement.
    """

    batch_size = BATCH_SIZE

    def __init__(self, target: str, label_map: dict[str, str] | None = None, *,
                 device: str = "cpu", max_length: int = 512) -> None:
        self.target = target
        self.name = f"hf:{target}"
        self.device = device
        self.max_length = max_length
        self.folder = self._resolve(target)
        config = self._read_config()
        self.labels = self._labels(config)
        self.verdicts = self._map_labels(self.labels, label_map)
        self.version = fingerprint_checkpoint(self.folder).removeprefix("sha256:")[:16]
        self._lock = threading.Lock()
        self._load_error: SpecError | None = None
        self.model: Any = None
        self.tokenizer: Any = None

    # ------------------------------------------------------------------ setup
    def _fail(self, cause: str) -> SpecError:
        return SpecError(f"--vsc-judge {self.name}: {cause}")

    def _resolve(self, target: str) -> Path:
        path = Path(target).expanduser()
        if path.is_dir():
            return path
        if path.exists():
            raise self._fail(f"{path} is not a folder")
        if _looks_like_path(target):
            raise self._fail(f"no such folder {path}")
        try:
            return checkpoint_dir(target)
        except VscError as exc:
            raise self._fail(str(exc).removeprefix(f"--vlm hf:{target}: ")) from None

    def _read_config(self) -> dict:
        config_path = self.folder / "config.json"
        try:
            config = json.loads(config_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise self._fail(f"cannot load {self.folder}: no config.json "
                             f"(not a transformers checkpoint)") from None
        except (OSError, ValueError) as exc:
            raise self._fail(f"cannot read {config_path}: {exc}") from None
        if not isinstance(config, dict):
            raise self._fail(f"cannot read {config_path}: not a JSON object")
        return config

    def _labels(self, config: dict) -> list[str]:
        """Label names by class index, as transformers would give them."""
        id2label = config.get("id2label")
        if not id2label:
            return [f"LABEL_{i}" for i in range(int(config.get("num_labels", 2)))]
        try:
            by_index = {int(k): str(v) for k, v in id2label.items()}
        except (AttributeError, ValueError):
            raise self._fail("config.json: id2label is not a mapping of class ids") from None
        return [by_index.get(i, f"LABEL_{i}") for i in range(max(by_index) + 1)]

    def _map_labels(self, labels: list[str], label_map: dict[str, str] | None) -> list[str]:
        """The verdict of each class index; a SpecError names labels that cannot be mapped."""
        given: dict[str, str] = {}
        for key, verdict in (label_map or {}).items():
            if verdict.lower() not in VERDICTS:
                raise SpecError(f"{LABELS_OPTION}: {key}={verdict}: unknown verdict {verdict!r} "
                                f"(choices: {', '.join(VERDICTS)})")
            matches = ([lab for lab in labels if lab == key]
                       or [lab for lab in labels if _norm(lab) == _norm(key)])
            if not matches:
                raise SpecError(f"{LABELS_OPTION}: {key!r} is not a label of {self.name} "
                                f"(its labels: {', '.join(labels)})")
            for lab in matches:
                given[lab] = verdict.lower()
        verdicts: list[str] = []
        missing: list[str] = []
        for lab in labels:
            found: str | None = given.get(lab) or LABEL_ALIASES.get(_norm(lab)) or (
                _norm(lab) if _norm(lab) in VERDICTS else None)
            verdicts.append(found or "")
            if found is None:
                missing.append(lab)
        if missing:
            examples = (COMPLIANCE, REFUSAL, WARNING, IRRELEVANT)
            example = ",".join(f"{lab}={v}" for lab, v in zip(labels, examples))
            raise self._fail(
                f"cannot map the model's label(s) {', '.join(missing)} to a verdict "
                f"(its labels: {', '.join(labels)}; verdicts: {', '.join(VERDICTS)}); pass a mapping "
                f"such as {LABELS_OPTION} \"{example}\"")
        return verdicts

    def _load(self) -> None:
        try:
            import torch
            from transformers import AutoModelForSequenceClassification, AutoTokenizer
            from transformers.utils import logging as hf_logging
        except ImportError as exc:
            raise self._fail(f"needs torch and transformers ({exc})") from None
        hf_logging.disable_progress_bar()
        try:
            # no checkpoint code runs and no pickled .bin weights are read
            tokenizer = AutoTokenizer.from_pretrained(self.folder, trust_remote_code=False)
            model = AutoModelForSequenceClassification.from_pretrained(
                self.folder, use_safetensors=True, trust_remote_code=False)
            model = model.to(self.device).eval()
        except Exception as exc:
            raise self._fail(f"cannot load {self.folder} ({type(exc).__name__}: {exc})") from None
        if model.config.num_labels != len(self.labels):
            raise self._fail(f"the model has {model.config.num_labels} classes but config.json "
                             f"names {len(self.labels)} labels")
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
        tokenizer.padding_side = "right"
        self._torch = torch
        self.tokenizer = tokenizer
        self.model = model

    # ------------------------------------------------------------------ judging
    def _token_limit(self) -> int:
        limit = self.max_length
        model_max = getattr(self.tokenizer, "model_max_length", None)
        if isinstance(model_max, int) and 0 < model_max < limit:
            limit = model_max
        return limit

    def _classify(self, texts: list[str]) -> list[Judgement]:
        """One padded batch; the label with the highest probability wins (lowest index on ties)."""
        enc = self.tokenizer(texts, padding=True, truncation=True, max_length=self._token_limit(),
                             return_tensors="pt").to(self.device)
        with self._torch.no_grad():
            probs = self._torch.softmax(self.model(**enc).logits.float(), dim=-1).cpu()
        out = []
        for row in probs:
            index = int(row.argmax())
            label = self.labels[index]
            out.append(Judgement(self.verdicts[index], f"{label} {float(row[index]):.2f}"))
        return out

    def judge(self, prompt: str, response: str, image: bool = False) -> Judgement:
        """The verdict on one response; the prompt and ``image`` do not enter the classifier."""
        return self.judge_many([(prompt, response, image)])[0]

    def judge_many(self, items: list[tuple[str, str, bool]]) -> list[Judgement]:
        """Verdicts in input order; similar lengths are batched together to save padding."""
        results: list[Judgement | None] = [None] * len(items)
        todo = []
        for i, (_prompt, response, _image) in enumerate(items):
            if not response.strip():
                results[i] = Judgement(ERROR, "empty response")
            else:
                todo.append(i)
        if todo:
            self.load()
            todo.sort(key=lambda i: len(items[i][1]))
            for start in range(0, len(todo), self.batch_size):
                chunk = todo[start:start + self.batch_size]
                for i, judgement in zip(chunk, self._classify([items[i][1] for i in chunk])):
                    results[i] = judgement
        return results  # type: ignore[return-value]
