"""The evaluation protocol a run follows: ``project`` (the default) or ``paper`` (the benchmark's
own evaluation, item by item: docs/protocol.md lists every difference).

The benchmark's judge prompt is bundled data quoted from its repository (``bundled/paper/``,
as is the FigStep instruction both protocols send: ``records.items.FIGSTEP_INSTRUCTION``); the
two refusal sentences its evaluation scripts put in place of an empty or failed response are
quoted here.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from vscbench_pytest.records.items import Item

PROJECT, PAPER = "project", "paper"
PROTOCOLS = (PROJECT, PAPER)

# What upstream's evaluation puts in place of an empty or failed response, per track
# (utils_eval.process_row; text_centric_eval.process_row).
FAILURE_TEXT = {
    "image": "I am sorry, I cannot help with that request.",
    "text": "Sorry, I cannot help with that request.",
}
PAPER_MAX_NEW_TOKENS = 4096  # upstream's max_tokens for GPT and Claude
PROJECT_MAX_NEW_TOKENS = 128
PAPER_JUDGE_KIND, PAPER_JUDGE_MODEL = "vscbench-gpt", "gpt-4o-mini"  # judges/paper.py; upstream's model
PAPER_JUDGE = f"{PAPER_JUDGE_KIND}:{PAPER_JUDGE_MODEL}"  # the paper protocol's default judge
PAPER_JUDGE_KINDS = (PAPER_JUDGE_KIND, "vscbench-sm")  # judges that follow upstream exactly


@cache
def judge_template() -> str:
    """Upstream's GPT-judge prompt with ``{query}`` and ``{resp}`` left in (bundled, exact)."""
    from vscbench_pytest.bundled import paper_text

    return paper_text("judge_prompt.txt")


@dataclass(frozen=True)
class EvalProtocol:
    """How a run asks, judges and scores: ``project`` or ``paper``."""

    name: str = PROJECT

    @property
    def paper(self) -> bool:
        return self.name == PAPER

    @property
    def default_max_new_tokens(self) -> int:
        """Tokens to generate when ``--vsc-max-new-tokens`` is not given."""
        return PAPER_MAX_NEW_TOKENS if self.paper else PROJECT_MAX_NEW_TOKENS

    @property
    def keeps_empty_prompts(self) -> bool:
        """Whether an image-centric row with an empty Prompt cell is asked (image, no text)."""
        return self.paper

    @property
    def scores_failures(self) -> bool:
        """Whether an empty or failed response is scored (as upstream's refusal sentence)
        instead of becoming an ``error`` item."""
        return self.paper

    def judge_query(self, item: Item) -> str:
        """The query a judge sees beside the response: the prompt the model saw (project), or
        upstream's query (paper: the sheet's ``prompt_origin`` for every text-centric variant,
        the ``Prompt`` for the image-centric track)."""
        return (item.origin or item.prompt) if self.paper else item.prompt

    def failure_text(self, item: Item) -> str:
        """The sentence upstream scores in place of an empty or failed response to ``item``."""
        return FAILURE_TEXT["image" if item.track == "image" else "text"]
