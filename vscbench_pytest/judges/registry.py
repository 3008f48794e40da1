"""``--vsc-judge`` names to judges: ``keyword``, ``keyword+minilm`` (judges/minilm.py), ``vscbench-sm``, ``llm:<model>`` (judges/llm.py),
``vscbench-gpt[:<model>]`` (the benchmark's own GPT judge, judges/paper.py) and
``hf:<id-or-path>`` (judges/hf.py), with the options the server and classifier judges need."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from vscbench_pytest.errors import SpecError, VscError
from vscbench_pytest.judges.base import Judge
from vscbench_pytest.judges.keyword import KeywordJudge
from vscbench_pytest.judges.minilm import KeywordMiniLMJudge
from vscbench_pytest.judges.string_match import StringMatchJudge
from vscbench_pytest.records.protocol import PAPER_JUDGE
from vscbench_pytest.records.protocol import PAPER_JUDGE_KIND as PAPER_KIND
from vscbench_pytest.util.extras import require_installed

JUDGES: dict[str, type[Judge]] = {"keyword": KeywordJudge, "keyword+minilm": KeywordMiniLMJudge,
                                  "vscbench-sm": StringMatchJudge}
SERVER_KINDS = ("llm", PAPER_KIND)  # judges that ask an OpenAI-compatible server


@dataclass(frozen=True)
class JudgeOptions:
    """What ``llm:`` and ``hf:`` judges need besides their name."""

    base_url: str = field(default="", repr=False)  # may hold user:password@
    api_key: str = field(default="", repr=False)  # never shown
    concurrency: int = 8
    timeout_s: float = 60.0
    retries: int = 5
    labels: str = ""
    option: str = "--vsc-judge"  # how the caller's messages name the judge option
    base_url_option: str = "--vsc-judge-base-url"  # ... and the judge server option


def judge_server(base_url: str | None, api_key: str | None) -> tuple[str, str]:
    """An llm: judge's server URL and key: the given ones, else ``$VSCBENCH_JUDGE_BASE_URL`` /
    ``$VSCBENCH_JUDGE_API_KEY``, else ``$OPENAI_BASE_URL`` / ``$OPENAI_API_KEY``."""
    env = os.environ
    return (base_url or env.get("VSCBENCH_JUDGE_BASE_URL") or env.get("OPENAI_BASE_URL", ""),
            api_key or env.get("VSCBENCH_JUDGE_API_KEY") or env.get("OPENAI_API_KEY", ""))


def make_judge(name: str, options: JudgeOptions | None = None) -> Judge:
    """The judge for one ``--vsc-judge`` name; a SpecError names the choices."""
    options = options or JudgeOptions()
    flag = options.option
    if name == PAPER_KIND:
        name = PAPER_JUDGE
    kind, sep, target = name.partition(":")
    if sep and kind in SERVER_KINDS + ("hf",) and not target:
        raise SpecError(f"{flag}: {name!r} names no model after '{kind}:'")
    if sep and kind in SERVER_KINDS + ("hf",):
        require_installed(("openai",) if kind in SERVER_KINDS else ("torch", "transformers"),
                          f"{flag} {name}")
    if sep and kind in SERVER_KINDS:
        from vscbench_pytest.backends.openai_api import ApiSettings
        from vscbench_pytest.judges.llm import LLMJudge
        from vscbench_pytest.judges.paper import PaperJudge

        if not options.base_url:
            raise SpecError(f"{flag} {name}: no server: pass {options.base_url_option} or set "
                            f"VSCBENCH_JUDGE_BASE_URL (or OPENAI_BASE_URL)")
        api = ApiSettings(options.base_url, options.api_key, options.timeout_s, options.retries)
        judge_class = PaperJudge if kind == PAPER_KIND else LLMJudge
        try:
            return judge_class(target, api, concurrency=options.concurrency)
        except VscError as exc:
            raise SpecError(f"{flag} {name}: {exc}") from None
    if sep and kind == "hf":
        from vscbench_pytest.judges.hf import HFClassifierJudge, parse_label_map

        labels = parse_label_map(options.labels) if options.labels else None
        return HFClassifierJudge(target, labels)
    try:
        return JUDGES[name]()
    except KeyError:
        raise SpecError(
            f"{flag}: unknown judge {name!r} (choices: {', '.join(sorted(JUDGES))}, "
            f"llm:<model>, vscbench-gpt[:<model>] (the paper's GPT judge), hf:<id-or-path>)"
        ) from None


def make_judges(names: tuple[str, ...], options: JudgeOptions | None = None) -> list[Judge]:
    """The judges of ``--vsc-judge=a,b,...`` in order (the first scores the run)."""
    if len(set(names)) != len(names):
        raise SpecError(f"--vsc-judge: a judge is named twice ({', '.join(names)})")
    return [make_judge(name, options) for name in names]
