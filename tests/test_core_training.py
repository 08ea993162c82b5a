"""attention_core.training: the hand-written gradient against finite differences,
the forward pass against plain definitions, the training run (loss, seeds,
held-out accuracy, learned vs random projections), and the shipped word-sense data.

Training is run once per module (d_k=16, steps=300, seed=0: ~0.5 s per run) and
reused. Figures measured when these tests were written (GloVe 6B 50d, seed 0):
learned held-out accuracy 1.00 / cue attention 0.79; random-projection baseline
0.97 / 0.17; loss 0.568 -> 0.0128 over 300 steps.
"""

from __future__ import annotations

import csv
import math
import warnings

import numpy as np
import pytest

from attention_core import (
    AttentionLabError,
    Projections,
    ShapeError,
    self_attention,
    tokenize,
    train_projections,
)
from attention_core.training import (
    DATA,
    Params,
    TrainingConfig,
    evaluate,
    forward,
    load_word_senses,
    loss_and_grad,
    make_batch,
    sense_pairs,
)

D_K, STEPS, SEED = 16, 300, 0


def finite(*arrays) -> bool:
    return all(np.all(np.isfinite(np.asarray(a, dtype=np.float64))) for a in arrays)


# --- fixtures -------------------------------------------------------------------

@pytest.fixture(scope="module")
def examples():
    return load_word_senses()


@pytest.fixture(scope="module")
def pairs(examples):
    return sense_pairs(examples)


@pytest.fixture(scope="module")
def small_batch(glove, examples, pairs):
    """Seven real train sentences: three targets, both senses, different lengths (so there is padding)."""
    picked = []
    for target in ("apple", "bank", "mouse"):
        for sense in pairs[target]:
            picked.append(next(e for e in examples if e.split == "train" and e.target == target and e.sense == sense))
    picked.append(next(e for e in examples if e.split == "train" and e.target == "bat"))
    batch = make_batch(picked, glove, pairs)
    lengths = batch.mask.sum(axis=1)
    assert lengths.min() < lengths.max(), "the batch must contain padding"
    assert set(batch.label.tolist()) == {0.0, 1.0}
    return batch


def random_params(d_model: int, d_k: int, n_targets: int, seed: int = 7) -> Params:
    """A random, non-zero point: W entries large enough that attention is far from uniform."""
    rng = np.random.default_rng(seed)
    return Params(
        W_Q=rng.normal(0.0, 0.4, size=(d_model, d_k)),
        W_K=rng.normal(0.0, 0.4, size=(d_model, d_k)),
        beta=1.7,
        bias=rng.normal(0.0, 0.5, size=n_targets),
    )


@pytest.fixture(scope="module")
def learned(glove):
    return train_projections(glove, d_k=D_K, steps=STEPS, seed=SEED)


@pytest.fixture(scope="module")
def baseline(glove):
    return train_projections(glove, d_k=D_K, steps=STEPS, seed=SEED, learn_projections=False)


# --- 1. gradient check ----------------------------------------------------------

def _shifted(params: Params, name: str, index, delta: float) -> Params:
    p = params.copy()
    if name == "beta":
        p.beta = p.beta + delta
    else:
        getattr(p, name)[index] += delta
    return p


def numerical_gradient(params: Params, batch, name: str, weight_decay: float, eps: float = 1e-6) -> np.ndarray:
    """Central differences of the loss for every entry of one parameter."""
    if name == "beta":
        up, _ = loss_and_grad(_shifted(params, "beta", None, eps), batch, weight_decay)
        down, _ = loss_and_grad(_shifted(params, "beta", None, -eps), batch, weight_decay)
        return np.array((up - down) / (2 * eps))
    value = getattr(params, name)
    grad = np.zeros_like(value)
    for index in np.ndindex(value.shape):
        up, _ = loss_and_grad(_shifted(params, name, index, eps), batch, weight_decay)
        down, _ = loss_and_grad(_shifted(params, name, index, -eps), batch, weight_decay)
        grad[index] = (up - down) / (2 * eps)
    return grad


@pytest.mark.parametrize("weight_decay", [0.0, 0.05])
@pytest.mark.parametrize("name", ["W_Q", "W_K", "beta", "bias"])
def test_gradient_matches_central_finite_differences(small_batch, pairs, name, weight_decay):
    # tiny problem (d_k = 4: 200 entries per matrix), so every entry is checked
    params = random_params(small_batch.X.shape[2], 4, len(pairs))
    f = forward(params, small_batch)
    # a real check only if the softmax is far from uniform and the predictions are not saturated
    assert finite(f.attention_weights, f.p_sense_a)
    assert f.attention_weights[small_batch.mask].max() > 0.5
    assert np.all((f.p_sense_a > 0.01) & (f.p_sense_a < 0.99)), f.p_sense_a

    loss, grad = loss_and_grad(params, small_batch, weight_decay)
    analytic = np.asarray(getattr(grad, name), dtype=np.float64)
    numeric = numerical_gradient(params, small_batch, name, weight_decay)
    assert np.isfinite(loss)
    assert finite(analytic, numeric)
    assert analytic.shape == numeric.shape == np.shape(getattr(params, name))
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric))
    assert scale > 1e-3, "gradient too small for the check to mean anything"
    rel = np.linalg.norm(analytic - numeric) / scale
    assert rel < 1e-5, (name, weight_decay, rel)
    # entry by entry too, relative to the largest entry
    assert np.max(np.abs(analytic - numeric)) / np.max(np.abs(numeric)) < 1e-5


def test_bias_gradient_is_exactly_zero_for_targets_not_in_the_batch(small_batch, pairs):
    params = random_params(small_batch.X.shape[2], 4, len(pairs))
    _, grad = loss_and_grad(params, small_batch, 0.0)
    targets = list(pairs)
    present = set(small_batch.group.tolist())
    absent = [i for i in range(len(targets)) if i not in present]
    assert absent, "the small batch should leave some targets out"
    assert finite(grad.bias)
    assert np.all(grad.bias[absent] == 0.0)
    assert np.all(grad.bias[sorted(present)] != 0.0)


def test_weight_decay_adds_exactly_its_l2_term(small_batch, pairs):
    params = random_params(small_batch.X.shape[2], 4, len(pairs))
    wd = 0.05
    loss0, g0 = loss_and_grad(params, small_batch, 0.0)
    loss1, g1 = loss_and_grad(params, small_batch, wd)
    l2 = float(np.sum(params.W_Q**2) + np.sum(params.W_K**2))
    assert finite(loss0, loss1, g0.W_Q, g1.W_Q, g0.W_K, g1.W_K)
    assert loss1 == pytest.approx(loss0 + wd * l2, rel=1e-12)
    np.testing.assert_allclose(g1.W_Q - g0.W_Q, 2 * wd * params.W_Q, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(g1.W_K - g0.W_K, 2 * wd * params.W_K, rtol=1e-9, atol=1e-12)
    # beta and the biases are not decayed
    assert g1.beta == g0.beta
    assert np.array_equal(g1.bias, g0.bias)


# --- 2. forward -----------------------------------------------------------------

def test_forward_attention_rows_sum_to_one_and_padding_gets_zero(small_batch, pairs):
    f = forward(random_params(small_batch.X.shape[2], 4, len(pairs)), small_batch)
    a, mask = f.attention_weights, small_batch.mask
    assert finite(a)
    assert np.all(a >= 0.0)
    np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.where(mask, a, 0.0).sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert (~mask).any()
    assert np.all(a[~mask] == 0.0)  # exactly zero, not merely small
    assert np.all(a[mask] > 0.0)


def test_forward_proj_is_attention_dot_word_leans(small_batch, pairs):
    f = forward(random_params(small_batch.X.shape[2], 4, len(pairs)), small_batch)
    # m_j = x_j . d, by a plain loop
    m = np.array([[float(np.dot(x, small_batch.direction[b])) for x in small_batch.X[b]]
                  for b in range(len(small_batch.label))])
    assert finite(f.leans, f.contextual_lean, m)
    np.testing.assert_allclose(f.leans, m, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(f.contextual_lean, np.sum(f.attention_weights * m, axis=1), rtol=1e-12, atol=1e-12)


def test_forward_loss_is_plain_cross_entropy_of_p(small_batch, pairs):
    params = random_params(small_batch.X.shape[2], 4, len(pairs))
    f = forward(params, small_batch)
    p, y = f.p_sense_a.tolist(), small_batch.label.tolist()
    expected = -sum(yi * math.log(pi) + (1 - yi) * math.log(1 - pi) for pi, yi in zip(p, y)) / len(y)
    assert np.isfinite(f.loss) and math.isfinite(expected)
    assert f.loss == pytest.approx(expected, rel=1e-10)
    # and p is the sigmoid of z = beta * proj + bias[target]
    z = params.beta * f.contextual_lean + params.bias[small_batch.group]
    assert finite(z, f.logits)
    np.testing.assert_allclose(f.logits, z, rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(f.p_sense_a, [1 / (1 + math.exp(-zi)) for zi in z.tolist()], rtol=1e-12)


def test_forward_attention_row_is_the_target_row_of_self_attention(glove, examples, pairs, small_batch):
    """The training model's attention is the app's self_attention (W_V = I, scale = sqrt(d_k))."""
    params = random_params(glove.dim, 4, len(pairs))
    f = forward(params, small_batch)
    proj = Projections(params.W_Q, params.W_K, np.eye(glove.dim))
    for b in range(len(small_batch.label)):
        n = int(small_batch.mask[b].sum())
        trace = self_attention(small_batch.X[b, :n], proj, scale=True)
        row = trace.attention_weights[small_batch.target_index[b]]
        assert finite(row, f.attention_weights[b])
        np.testing.assert_allclose(f.attention_weights[b, :n], row, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("bias", [-1000.0, 1000.0])
def test_forward_extreme_logits_are_finite_and_silent(small_batch, pairs, bias):
    """A very confident prediction (|z| ~ 1000) must not overflow exp or warn."""
    params = random_params(small_batch.X.shape[2], 4, len(pairs))
    params.bias[:] = bias
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f = forward(params, small_batch)
        loss, grad = loss_and_grad(params, small_batch)
    assert finite(f.p_sense_a, f.loss, loss, grad.W_Q, grad.W_K, grad.bias, grad.beta)
    assert np.all(f.p_sense_a == (1.0 if bias > 0 else 0.0))
    # the wrong-sense sentences cost about |z| each
    assert 100 < loss < 2000


# --- 3. training ------------------------------------------------------------------

def test_training_loss_goes_down(learned):
    losses = np.array(learned.losses)
    assert len(losses) == STEPS
    assert finite(losses)
    # measured: 0.568 -> 0.0128 (44x); a tenth leaves room for data edits
    assert losses[-1] < losses[0] / 10
    assert losses[0] == pytest.approx(math.log(2), abs=0.3)  # near chance at the random start
    assert losses[-20:].max() < losses[:20].min()


def test_training_is_deterministic_for_a_seed(glove, learned):
    again = train_projections(glove, d_k=D_K, steps=STEPS, seed=SEED)
    assert finite(again.projections.W_Q, again.losses)
    assert np.array_equal(again.projections.W_Q, learned.projections.W_Q)
    assert np.array_equal(again.projections.W_K, learned.projections.W_K)
    assert np.array_equal(np.array(again.losses), np.array(learned.losses))
    assert again.heldout_accuracy == learned.heldout_accuracy


def test_training_different_seeds_differ(glove, learned):
    other = train_projections(glove, d_k=D_K, steps=STEPS, seed=SEED + 1)
    assert finite(other.projections.W_Q, other.losses)
    assert not np.array_equal(other.projections.W_Q, learned.projections.W_Q)
    assert not np.array_equal(np.array(other.losses), np.array(learned.losses))


def test_training_starts_from_projections_random(glove):
    start = Projections.random(glove.dim, D_K, seed=3)
    r = train_projections(glove, d_k=D_K, steps=0, seed=3)
    assert r.losses == []
    assert finite(r.projections.W_Q, r.projections.W_K)
    assert np.array_equal(r.projections.W_Q, start.W_Q)
    assert np.array_equal(r.projections.W_K, start.W_K)


def test_heldout_accuracy_well_above_chance(learned):
    assert np.isfinite(learned.heldout_accuracy) and np.isfinite(learned.train_accuracy)
    assert learned.heldout_accuracy >= 0.85  # chance is 0.5 (senses are balanced)
    assert learned.train_accuracy >= 0.85


def test_reported_figures_match_evaluate(glove, examples, pairs, learned):
    held = make_batch([e for e in examples if e.split == "heldout"], glove, pairs)
    ev = evaluate(learned.params, held)
    assert np.isfinite(ev.accuracy) and np.isfinite(ev.cue_attention)
    assert ev.n == sum(e.split == "heldout" for e in examples)
    assert ev.accuracy == learned.heldout_accuracy
    assert ev.cue_attention == pytest.approx(learned.heldout_cue_attention, rel=1e-12)
    assert learned.targets == tuple(pairs) and learned.pairs == pairs


def test_learned_projections_beat_random_baseline(learned, baseline):
    for r in (learned, baseline):
        assert np.isfinite(r.heldout_accuracy) and np.isfinite(r.heldout_cue_attention)
        assert 0.0 <= r.heldout_cue_attention <= 1.0
    assert learned.heldout_accuracy >= baseline.heldout_accuracy
    # measured: 0.79 vs 0.17 (~4.8x)
    assert learned.heldout_cue_attention >= 1.5 * baseline.heldout_cue_attention


def test_random_baseline_keeps_its_random_projections(glove, baseline):
    start = Projections.random(glove.dim, D_K, seed=SEED)
    assert finite(baseline.projections.W_Q, baseline.params.beta)
    assert np.array_equal(baseline.projections.W_Q, start.W_Q)
    assert np.array_equal(baseline.projections.W_K, start.W_K)
    assert baseline.projections.kind == "random"
    assert baseline.params.beta != 1.0  # the read-out was trained


def test_on_step_called_once_per_step_in_order(glove):
    calls = []
    r = train_projections(glove, d_k=4, steps=25, seed=0, on_step=lambda step, loss: calls.append((step, loss)))
    assert [s for s, _ in calls] == list(range(1, 26))
    losses = [loss for _, loss in calls]
    assert finite(losses)
    assert all(isinstance(loss, float) for loss in losses)
    assert losses == r.losses


def test_returned_projections_shape_and_identity_values(glove, learned):
    p = learned.projections
    assert isinstance(p, Projections)
    assert p.kind == "learned"
    assert p.W_Q.shape == (glove.dim, D_K) == (50, 16)
    assert p.W_K.shape == (50, 16)
    assert finite(p.W_Q, p.W_K, p.W_V)
    assert np.array_equal(p.W_V, np.eye(50))


@pytest.mark.parametrize("kwargs", [{"d_k": 0}, {"d_k": -3}, {"steps": -1}])
def test_bad_training_settings_raise(glove, kwargs):
    with pytest.raises(AttentionLabError, match="must be a whole number from"):
        train_projections(glove, **kwargs)


def test_bad_config_raises_shape_error(glove):
    with pytest.raises(ShapeError):
        train_projections(glove, config=TrainingConfig(d_k=0))


# --- 4. the shipped data ----------------------------------------------------------

def test_dataset_file_has_enough_rows_and_the_right_columns():
    with open(DATA, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        assert reader.fieldnames == ["sentence", "target", "sense", "cue", "split"]
    assert len(rows) >= 300
    assert {r["split"] for r in rows} == {"train", "heldout"}
    sentences = [r["sentence"] for r in rows]
    assert len(set(sentences)) == len(sentences), "duplicate sentences"
    for r in rows:
        assert r["sentence"] == r["sentence"].lower().strip()
        assert all(w.isalnum() for w in r["sentence"].split()), r["sentence"]


def test_every_target_has_exactly_two_senses(examples):
    senses: dict[str, set[str]] = {}
    for e in examples:
        senses.setdefault(e.target, set()).add(e.sense)
    assert len(senses) >= 2
    assert all(len(s) == 2 for s in senses.values()), senses
    assert {t: set(p) for t, p in sense_pairs(examples).items()} == senses


def test_target_and_cue_occur_exactly_once_per_sentence(examples):
    for e in examples:
        assert e.target != e.cue, e
        assert e.words.count(e.target) == 1, e
        assert e.words.count(e.cue) == 1, e


def test_heldout_cues_never_occur_in_train_sentences(examples):
    train_words = {w for e in examples if e.split == "train" for w in e.words}
    leaks = sorted({e.cue for e in examples if e.split == "heldout" and e.cue in train_words})
    assert leaks == []


def test_every_target_and_sense_has_train_and_heldout_sentences(examples, pairs):
    for target, senses in pairs.items():
        for split in ("train", "heldout"):
            have = {e.sense for e in examples if e.target == target and e.split == split}
            assert have == set(senses), (target, split, have)


def test_every_word_and_sense_anchor_is_in_glove(glove, examples, pairs):
    missing = sorted({w for e in examples for w in e.words if w not in glove})
    assert missing == []
    anchors = {w for p in pairs.values() for w in p}
    assert all(w in glove for w in anchors)
    for w in anchors:
        assert finite(glove.vector(w))


# --- 5. the sentence the app opens with -------------------------------------------

def test_apple_looks_at_watch_more_with_learned_projections(glove, learned):
    tokens = tokenize("I love Apple watch")
    look = glove.lookup(tokens.keys)
    assert look.known.all()
    i, j = tokens.keys.index("apple"), tokens.keys.index("watch")
    w_learned = self_attention(look.vectors, learned.projections, scale=True).attention_weights
    w_random = self_attention(look.vectors, Projections.random(50, D_K, seed=SEED), scale=True).attention_weights
    assert finite(w_learned, w_random)
    np.testing.assert_allclose(w_learned.sum(axis=1), 1.0, atol=1e-12)
    # measured: 0.38 learned vs 0.15 random
    assert w_learned[i, j] > w_random[i, j]


# --- arguments bounded before any work (hostile input, round two) ------------------------------------

from tests.bad_inputs import BAD_TRAINING  # noqa: E402


@pytest.mark.parametrize("kwargs, error, fragment, _test", BAD_TRAINING, ids=[str(r[0]) for r in BAD_TRAINING])
def test_training_arguments_are_bounded_before_any_work(glove, kwargs, error, fragment, _test):
    import attention_core

    def examples():  # must never be read: the check comes first
        raise AssertionError("the examples were read before the arguments were checked")
        yield

    with pytest.raises(getattr(attention_core, error)) as info:
        train_projections(glove, examples=examples(), **kwargs)
    assert isinstance(info.value, AttentionLabError) and fragment in str(info.value)


def test_training_d_k_is_at_most_d_model():
    from attention_core import toy_embeddings

    with pytest.raises(ShapeError, match="d_k must be a whole number from 1 to 2;"):
        train_projections(toy_embeddings(), d_k=3)


def test_training_config_is_bounded_too(glove):
    with pytest.raises(ShapeError, match="from 1 to 50"):
        train_projections(glove, config=TrainingConfig(d_k=64 * 8))
    from attention_core.training import MAX_TRAINING_D_K, MAX_TRAINING_STEPS

    assert (MAX_TRAINING_D_K, MAX_TRAINING_STEPS) == (64, 2000)


def test_training_has_one_way_to_say_each_setting(glove):
    """config or the keywords, never both: a config with d_k 8 beside d_k=16 was silently trained at 8."""
    from attention_core.heads_training import HeadsConfig, train_heads

    with pytest.raises(TypeError, match="either config or d_k"):
        train_projections(glove, d_k=16, config=TrainingConfig(d_k=8))
    with pytest.raises(TypeError, match="either config or steps, seed"):
        train_projections(glove, steps=0, seed=0, config=TrainingConfig(steps=0))
    with pytest.raises(TypeError, match="either config or n_heads"):
        train_heads(glove, n_heads=2, config=HeadsConfig(steps=0))
    # the keywords alone fill in the config's own defaults
    r = train_projections(glove, steps=0)
    start = Projections.random(glove.dim, TrainingConfig().d_k, seed=TrainingConfig().seed)
    assert r.projections.W_Q.shape == (glove.dim, TrainingConfig().d_k) and np.array_equal(r.projections.W_Q, start.W_Q)
    h = train_heads(glove, steps=0)
    assert (h.config.n_heads, h.config.d_k, h.config.seed) == (2, glove.dim // 2, HeadsConfig().seed)
