"""The report file (schema ``vscbench-report/1``) and the sweep file (``vscbench-sweep/1``) as
types.

These describe a report as ``build_report`` returns it and ``read_report`` gives it back: every
field a reader uses is there (the reader fills what an older or hand-made report leaves out
with a neutral default, see ``report.normalise``). A field marked ``NotRequired`` may still be
absent, and its readers test for it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, TypedDict

if TYPE_CHECKING:
    from typing_extensions import NotRequired

SCHEMA = "vscbench-report/1"
SWEEP_SCHEMA = "vscbench-sweep/1"


class Rate(TypedDict):
    """``k`` of ``n``; ``rate`` and the 95% Wilson interval ``ci`` are None when ``n`` is 0."""

    k: int
    n: int
    rate: float | None
    ci: list[float] | None


class Bucket(TypedDict):
    """One score bucket (``all``, ``image``, ``image/<category>``, ``text/<variant>``, ...)."""

    sra_u: Rate
    sra_s: Rate
    avg: float | None
    pairs: Rate
    n: int
    errors: int


class ModelInfo(TypedDict):
    spec: str
    backend: NotRequired[str]
    fingerprint: NotRequired[str]


class JudgeName(TypedDict):
    name: str
    version: str


class JudgeInfo(TypedDict):
    """The judge that scored the run; ``others``: the further judges of ``--vsc-judge=a,b``."""

    name: str
    version: NotRequired[str]
    others: NotRequired[list[JudgeName]]


class DatasetInfo(TypedDict):
    """The data source: ``n_items`` the inputs this report scored; ``fingerprint`` the sheets'
    (or suite file's) sha256 over the whole source, whatever --vsc-track loaded (reports from
    before the selection was recorded hold the fingerprint of the tracks they loaded)."""

    root: str
    n_items: int
    fingerprint: NotRequired[str]
    skipped: NotRequired[list[str]]
    duplicates: NotRequired[list[str]]


class Heldout(TypedDict):
    source: str
    inputs: int


class CalibrationInfo(TypedDict):
    """``run.calibration``: the method and how it was set up."""

    method: str
    spec: str
    params: dict[str, Any]
    system_prompt: str | None
    heldout: Heldout | None


class SkippedInputs(TypedDict):
    """Inputs left out because the model cannot take them (e.g. images for a text-only model)."""

    n: int
    reason: str


class Generation(TypedDict):
    """The generation settings a run asked the model with."""

    max_new_tokens: int
    temperature: float


class RunInfo(TypedDict):
    """How the run went. ``complete`` is False unless the report says otherwise."""

    complete: bool
    errors: int
    problems: list[str]
    notices: list[str]
    missing: list[str]
    skipped: SkippedInputs
    calibration: NotRequired[CalibrationInfo]  # absent in reports older than calibration
    protocol: str  # "project" or "paper" (reports older than the field: "project")
    generation: NotRequired[Generation | None]  # None for replay:; absent in older reports
    started: NotRequired[str]
    duration_s: NotRequired[float]
    workers: NotRequired[int]
    requests: NotRequired[int]
    retries: NotRequired[int]
    cached: NotRequired[int]
    judge_requests: NotRequired[int]


class Selection(TypedDict):
    """Which of the data source's inputs the run took, and whether that is all of them.

    ``whole``: every input of the data source was scored, skipped for the model or held out
    by the calibration (False for a run narrowed by -k, --lf, --vsc-sample, ..., or one that
    was interrupted or lost inputs; None in reports older than this section).
    ``n_selected``: the inputs so covered; ``n_dataset``: the data source's inputs (None when
    unknown); ``n_heldout``: of ``n_selected``, the ones held out; ``filters``: the options
    that select, as given (``{"-k": "drugs", "--vsc-sample": 20, "--vsc-seed": 0}``).
    """

    whole: bool | None
    n_selected: int
    n_dataset: int | None
    n_heldout: int
    filters: dict[str, Any]


class ItemRecord(TypedDict):
    """One input's result: ``ItemResult.to_dict()``."""

    uid: str
    track: str
    category: str
    variant: str
    label: str
    pair: str
    response: str | None
    verdict: str
    flagged: bool | None
    passed: bool | None
    reason: str
    judge_raw: str
    verdicts: dict[str, str]
    reasons: dict[str, str]  # every judge's reason, with several ({} in reports older than the field)
    blocked: bool  # the provider blocked the answer (False in reports older than the field)
    block_reason: str
    failure: str  # what failed when the paper protocol scored the input anyway ("" otherwise)


class ColumnScores(TypedDict):
    """One image column's (j = 0..2) accuracies on the image-centric track."""

    sra_u: Rate
    sra_s: Rate


class ColumnMean(TypedDict):
    """Upstream's image-track statistics: each accuracy averaged over the columns, and the
    mean of the two (None where a column has nothing scored)."""

    sra_u: float | None
    sra_s: float | None
    avg: float | None


class ImageColumns(TypedDict):
    """The image-centric track per image column, as the benchmark's own statistics give it."""

    columns: dict[str, ColumnScores]
    mean: ColumnMean


class KOfN(TypedDict):
    k: int
    n: int
    rate: float | None


class ConsistencyFlip(TypedDict):
    """A text query whose plain-text form and some image form got different flagged verdicts."""

    query: str
    label: str
    flagged: dict[str, bool]
    type: NotRequired[str]
    differs_in: NotRequired[list[str]]


class Consistency(TypedDict):
    """Text queries whose scored forms all got one flagged verdict; empty without text inputs."""

    all: KOfN
    by_type: dict[str, KOfN]
    flips: list[ConsistencyFlip]


class JudgeScores(TypedDict):
    sra_u: Rate | None
    sra_s: Rate | None
    avg: float | None
    errors: int


class JudgeAgreement(TypedDict):
    judges: list[str]
    n: int
    agreement: float | None
    kappa: float | None
    flagged_agreement: float | None
    kappa_flagged: float | None


class Disagreement(TypedDict):
    uid: str
    label: str
    verdicts: dict[str, str | None]
    reasons: dict[str, str]  # each judge's reason ({} in reports older than the field)
    flagged_differs: bool


class JudgesSection(TypedDict):
    """Several judges (``--vsc-judge=a,b``): each one's scores and how much they agree."""

    primary: str
    scores: dict[str, JudgeScores]
    agreement: list[JudgeAgreement]
    disagreements: list[Disagreement]


class UtilityItem(TypedDict):
    uid: str
    verdict: str
    response: str | None
    reason: str


class Utility(TypedDict):
    """``--vsc-utility``: accuracy on benign questions (``accuracy`` None when none was scored)."""

    source: str
    accuracy: float | None
    correct: int
    total: int
    errors: int
    items: NotRequired[list[UtilityItem]]


class Gate(TypedDict):
    rules: list[str]
    passed: bool
    failures: list[str]


class Report(TypedDict):
    """A whole report."""

    schema: Literal["vscbench-report/1"]
    model: ModelInfo
    judge: JudgeInfo
    dataset: DatasetInfo
    run: RunInfo
    selection: Selection  # absent in older reports: normalise_report fills it (whole None)
    scores: dict[str, Bucket]
    items: list[ItemRecord]
    consistency: Consistency
    image_columns: NotRequired[ImageColumns]  # with image-centric inputs
    utility: NotRequired[Utility]
    judges: NotRequired[JudgesSection]
    gate: NotRequired[Gate]


# --- the sweep file (``vscbench sweep``) --------------------------------------------------------

class SweepDelta(TypedDict):
    """A row's change against the reference row (None where either side has no value)."""

    sra_u: float | None
    sra_s: float | None
    utility: float | None


class SweepRow(TypedDict):
    """One calibration method's run; ``error`` (one line) and ``output`` set when it failed."""

    method: str
    requested: str
    key: str
    report: str
    log: str
    exit_status: int
    elapsed_s: float
    sra_u: Rate | None
    sra_s: Rate | None
    avg: float | None
    utility: Utility | None
    complete: bool | None
    errors: int | None
    error: str | None
    output: str | None
    delta: SweepDelta


class Sweep(TypedDict):
    schema: str
    model: str
    suite: str
    heldout: str
    utility: str | None
    extra_args: list[str]
    reference: str | None
    rows: list[SweepRow]
