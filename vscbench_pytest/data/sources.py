"""Where ``--vsc-data`` points: a VSCBench release root (default: the bundled mini benchmark),
your own suite (``.jsonl`` / ``.csv``), or a sister benchmark as ``<name>:<path>``."""
from __future__ import annotations

from pathlib import Path

from vscbench_pytest.data.release import Dataset, load_release
from vscbench_pytest.errors import DatasetError

SISTER_NAMES = ("xstest", "mssbench", "mm-safetybench", "mossbench")


def describe(data: Path | str | None) -> str:
    """The data as the user named it, for messages."""
    return "the bundled mini benchmark" if data is None else str(data)


def load_data(data: Path | str | None, tracks: tuple[str, ...] = ("image", "text"),
              keep_empty_prompts: bool = False) -> Dataset:
    """The Dataset that ``--vsc-data`` names; a DatasetError says what is wrong with it.
    ``keep_empty_prompts``: a release's image-centric rows with an empty Prompt are asked
    (the paper protocol) instead of left out."""
    if data is None:
        from vscbench_pytest.bundled import bundled_data

        return load_release(bundled_data(), tracks, keep_empty_prompts)
    text = str(data)
    name, colon, rest = text.partition(":")
    if colon and name in SISTER_NAMES:
        from vscbench_pytest.data.sisters import SISTERS

        return SISTERS[name](Path(rest).expanduser())
    path = Path(text).expanduser()
    if path.suffix in (".jsonl", ".csv") and not path.exists():
        raise DatasetError(f"--vsc-data: no suite file at {path}")
    if path.is_file():
        from vscbench_pytest.data.own_suite import SUFFIXES, load_suite

        if path.suffix not in SUFFIXES:
            raise DatasetError(f"--vsc-data: {path} is a file but not a suite (.jsonl or .csv); "
                               f"a VSCBench release is a folder; a sister benchmark is "
                               f"{'|'.join(SISTER_NAMES)}:<path>")
        return load_suite(path)
    return load_release(path, tracks, keep_empty_prompts)
