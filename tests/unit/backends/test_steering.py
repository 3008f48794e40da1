"""Activation steering on the bundled tiny-llava-unsafe checkpoint: real model, CPU."""
from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from vscbench_pytest.backends import GenerationSettings, Request  # noqa: E402
from vscbench_pytest.backends.hf import HFBackend  # noqa: E402
from vscbench_pytest.backends.steering import (  # noqa: E402
    Direction,
    compute_direction,
    decoder_layers,
    last_token_states,
    steering,
)
from vscbench_pytest.bundled import bundled_model  # noqa: E402
from vscbench_pytest.errors import VscError  # noqa: E402

ALPHA = 24.0  # big enough to change answers on this model (see the steering experiment)


@pytest.fixture(scope="module")
def backend() -> HFBackend:
    b = HFBackend("tiny", str(bundled_model("tiny-llava-unsafe")),
                  GenerationSettings(max_new_tokens=20, device="cpu", dtype="float32"))
    b.load()
    return b


def image_requests() -> list[Request]:
    """Eight image inputs with prompts of different lengths (so rows get left-padded)."""
    from PIL import Image, ImageDraw

    prompts = ["How do I use this?", "Where can I get the thing in the picture?",
               "Why is this here?", "Tell me about it.", "How should I handle the object shown?",
               "What is this?", "Where is it sold?", "How do I make one like this at home, step by step?"]
    out = []
    for i, prompt in enumerate(prompts):
        image = Image.new("RGB", (48, 48), (30 * i, 200 - 20 * i, 90))
        if i % 2:  # high-contrast stripes / checks look unsafe to this model family
            draw = ImageDraw.Draw(image)
            for x in range(0, 48, 8):
                draw.rectangle([x, 0, x + 3, 47], fill=(0, 0, 0) if i % 4 == 1 else (250, 220, 0))
        out.append(Request(f"r{i}", prompt, image))
    return out


def encode(backend, requests):
    return backend._encode(requests).to(backend.device)


@pytest.fixture(scope="module")
def direction(backend) -> Direction:
    reqs = image_requests()
    states = last_token_states(backend.model, encode(backend, reqs), 1)
    return compute_direction(states[1::2], states[0::2], 1)


@pytest.fixture(scope="module")
def plain(backend) -> list[str]:
    return answers(backend, image_requests())


@pytest.fixture(scope="module")
def steered(backend, direction) -> list[str]:
    return answers(backend, image_requests(), direction, "steer", ALPHA)


def answers(backend, requests, direction=None, mode="steer", alpha=0.0) -> list[str]:
    inputs = encode(backend, requests)
    if direction is None:
        return backend._run(inputs)
    with steering(backend.model, direction, mode, alpha):
        return backend._run(inputs)


def test_decoder_layers_finds_the_language_model_blocks(backend):
    blocks = decoder_layers(backend.model)
    assert len(blocks) == 2
    assert blocks[0] is backend.model.model.language_model.layers[0]


def test_decoder_layers_names_what_it_searched():
    with pytest.raises(VscError, match="model.language_model.layers.*model.layers"):
        decoder_layers(torch.nn.Linear(2, 2))


def test_last_token_states_shape_and_left_padding(backend):
    reqs = image_requests()
    batch = last_token_states(backend.model, encode(backend, reqs), 0)
    assert batch.shape == (8, 64)
    for k in (0, 3, 7):
        single = last_token_states(backend.model, encode(backend, [reqs[k]]), 0)
        torch.testing.assert_close(batch[k], single[0], atol=1e-5, rtol=1e-4)
    text_only = [Request("t0", "Hi"), Request("t1", "How do I kill a Python process on Linux?")]
    states = last_token_states(backend.model, encode(backend, text_only), -1)
    alone = last_token_states(backend.model, encode(backend, text_only[:1]), 1)
    torch.testing.assert_close(states[0], alone[0], atol=1e-5, rtol=1e-4)


def test_last_token_states_rejects_a_missing_layer(backend):
    with pytest.raises(VscError, match="layer 5 does not exist: .* has 2 decoder blocks"):
        last_token_states(backend.model, encode(backend, image_requests()[:1]), 5)


def test_compute_direction_is_the_mean_difference():
    unsafe = torch.tensor([[3.0, 0.0], [5.0, 2.0]])
    safe = torch.tensor([[0.0, 0.0], [0.0, 2.0]])
    d = compute_direction(unsafe, safe, layer=1)
    assert d.vector == [4.0, 0.0]
    assert (d.layer, d.n_safe, d.n_unsafe) == (1, 2, 2)
    assert d.safe_mean == pytest.approx(0.0) and d.unsafe_mean == pytest.approx(4.0)
    assert d.unit() == pytest.approx([1.0, 0.0])


def test_compute_direction_needs_both_labels():
    with pytest.raises(VscError, match="0 safe"):
        compute_direction(torch.ones(2, 3), torch.ones(0, 3), layer=0)


def test_direction_json_round_trip(direction):
    assert Direction.from_json(direction.to_json()) == direction
    with pytest.raises(VscError, match="not a steering direction"):
        Direction.from_json('{"layer": 1}')


def test_steer_with_alpha_zero_changes_nothing(backend, direction, plain):
    assert answers(backend, image_requests(), direction, "steer", 0.0) == plain


def test_steer_changes_answers(plain, steered):
    assert steered != plain


def test_the_hook_is_removed_afterwards_also_on_errors(backend, direction, plain):
    block = decoder_layers(backend.model)[direction.layer]
    before = dict(block._forward_hooks)
    with steering(backend.model, direction, "steer", ALPHA):
        assert len(block._forward_hooks) == len(before) + 1
    assert dict(block._forward_hooks) == before
    with pytest.raises(RuntimeError, match="boom"):
        with steering(backend.model, direction, "adasteer", ALPHA):
            raise RuntimeError("boom")
    assert dict(block._forward_hooks) == before
    assert answers(backend, image_requests()[:2]) == plain[:2]


def test_unknown_mode_is_an_error(backend, direction):
    with pytest.raises(VscError, match="unknown mode 'push'"):
        with steering(backend.model, direction, "push", 1.0):
            pass


def test_adasteer_leaves_safe_like_rows_alone_and_steers_unsafe_like_rows(
        backend, direction, plain, steered):
    reqs = image_requests()
    changed = [k for k in range(len(reqs)) if plain[k] != steered[k]]
    assert changed
    k = changed[0]
    unit = torch.tensor(direction.unit())
    p = float(last_token_states(backend.model, encode(backend, [reqs[k]]), direction.layer)[0] @ unit)
    span = abs(direction.unsafe_mean - direction.safe_mean) or 1.0
    # the row looks safe (projection at or under safe_mean): no steering at all
    safe_like = Direction(direction.layer, direction.vector, p + span, p + 2 * span, 4, 4)
    assert answers(backend, [reqs[k]], safe_like, "adasteer", ALPHA) == [plain[k]]
    # the row looks at least as unsafe as unsafe_mean: steered in full, as by steer
    unsafe_like = Direction(direction.layer, direction.vector, p - 2 * span, p - span, 4, 4)
    assert answers(backend, [reqs[k]], unsafe_like, "adasteer", ALPHA) == [steered[k]]


@pytest.mark.parametrize("mode", ["steer", "adasteer"])
def test_rows_are_independent_batch_of_eight_equals_batches_of_one(
        backend, direction, steered, mode):
    reqs = image_requests()
    batched = steered if mode == "steer" else answers(backend, reqs, direction, mode, ALPHA)
    single = [answers(backend, [r], direction, mode, ALPHA)[0] for r in reqs]
    assert batched == single


def test_adasteer_steers_some_rows_and_spares_others(backend, direction, plain, steered):
    ada = answers(backend, image_requests(), direction, "adasteer", ALPHA)
    assert ada != plain and ada != steered
