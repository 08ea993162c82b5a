"""The transformer block: layer norm per word, the feed-forward network, each stage against an
independent recomputation, parameter counts by formula (the paper's 512 / 64 / 2048), the
residual stream's effect measured on GloVe, and bad settings."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from attention_core import (
    STAGES,
    BlockTrace,
    FeedForward,
    NonFiniteError,
    OutOfRangeError,
    Projections,
    SettingsError,
    ShapeError,
    block_parameter_counts,
    layer_norm,
    self_attention,
    stage_similarity,
    tokenize,
    transformer_block,
)
from tests.numerics import assert_close, strict

SETTINGS = settings(max_examples=100, deadline=None)
finite = st.floats(min_value=-100, max_value=100, allow_nan=False, allow_infinity=False, width=64)


def assert_finite(*arrays_):
    for a in arrays_:
        assert np.all(np.isfinite(a)), a


@pytest.fixture(scope="module")
def dog_bit_man(glove):
    return glove.lookup(tokenize("the dog bit the man").keys).vectors  # (5, 50)


# --- layer norm --------------------------------------------------------------------------

@SETTINGS
@given(arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(2, 16)), elements=finite))
def test_layer_norm_gives_mean_0_and_variance_1_per_word(X):
    spread = X.std(axis=1)
    assume(np.all(spread >= 1e-3 * np.maximum(np.abs(X).max(axis=1), 1.0)))  # not a (nearly) constant row
    eps = 1e-5
    with strict():
        Y = layer_norm(X, eps)
    assert_finite(Y)
    assert_close(Y.mean(axis=1), np.zeros(X.shape[0]), rtol=0, atol=1e-10)
    variance = X.var(axis=1)
    assert_close(Y.var(axis=1), variance / (variance + eps), rtol=1e-10, atol=0)  # 1, up to eps
    # each word on its own: normalising one row does not depend on the others
    assert_close(layer_norm(X[:1], eps), Y[:1], rtol=0, atol=0)


def test_layer_norm_of_a_glove_sentence_is_variance_one_to_1e5(dog_bit_man):
    with strict():
        Y = layer_norm(dog_bit_man)
    assert_finite(Y)
    assert_close(Y.var(axis=1), np.ones(5), rtol=1e-4)  # GloVe rows have variance ~0.5 >> eps
    assert_close(Y.mean(axis=1), np.zeros(5), rtol=0, atol=1e-12)


def test_layer_norm_of_a_constant_row_is_zeros_not_nan():
    X = np.array([[3.0, 3.0, 3.0], [0.0, 0.0, 0.0], [1.0, 2.0, 3.0]])
    with strict():
        Y = layer_norm(X)
        one_column = layer_norm(np.array([[5.0], [-2.0]]))
    assert_finite(Y, one_column)
    assert np.array_equal(Y[:2], np.zeros((2, 3)))
    assert np.array_equal(one_column, np.zeros((2, 1)))  # d_model = 1: every row is constant
    assert_close(Y[2], np.array([-1.0, 0.0, 1.0]) / math.sqrt(2 / 3 + 1e-5), rtol=1e-15)


def test_layer_norm_refuses_bad_eps_and_overflow():
    for bad in (0.0, -1e-5, 2.0):
        with pytest.raises(OutOfRangeError, match="eps"):
            layer_norm(np.ones((2, 3)), bad)
    with pytest.raises(NonFiniteError):
        layer_norm(np.ones((2, 3)), float("nan"))
    with pytest.raises(NonFiniteError, match="too large"):
        layer_norm(np.array([[1e200, -1e200, 0.0]]))


# --- the block, stage by stage -----------------------------------------------------------

def relu(a):
    return np.maximum(a, 0.0)


def reference_block(X, ffn: FeedForward, residual: bool, causal: bool = False) -> np.ndarray:
    """The block written out again from the equations, with its own layer norm."""
    def ln(A):
        centred = A - A.mean(axis=1, keepdims=True)
        return centred / np.sqrt((centred**2).mean(axis=1, keepdims=True) + 1e-5)

    n = X.shape[0]
    scores = X @ X.T / math.sqrt(X.shape[1])
    if causal:
        scores = np.where(np.tril(np.ones((n, n), dtype=bool)), scores, -np.inf)
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    a = weights @ X
    h = ln(X + a if residual else a)
    f = relu(h @ ffn.W_1 + ffn.b_1) @ ffn.W_2 + ffn.b_2
    return ln(h + f if residual else f)


@pytest.mark.parametrize("residual", [True, False])
@pytest.mark.parametrize("causal", [True, False])
def test_every_stage_has_its_shape_and_follows_the_equations(dog_bit_man, residual, causal):
    X = dog_bit_man
    with strict():
        tr = transformer_block(X, residual=residual, causal=causal, ffn_seed=3)
    assert isinstance(tr, BlockTrace) and tr.residual is residual
    n, d = X.shape
    for stage in ("X", *STAGES):
        assert getattr(tr, stage).shape == (n, d), stage
    assert tr.ffn_hidden.shape == (n, 4 * d)
    assert tr.ffn.W_1.shape == (d, 4 * d) and tr.ffn.b_1.shape == (4 * d,)
    assert tr.ffn.W_2.shape == (4 * d, d) and tr.ffn.b_2.shape == (d,)
    assert_finite(*(getattr(tr, s) for s in STAGES), tr.ffn_hidden)

    assert_close(tr.after_attention, self_attention(X, causal=causal).contextual_embeddings, rtol=0, atol=0)
    assert_close(tr.after_add_1, X + tr.after_attention if residual else tr.after_attention, rtol=0, atol=0)
    assert_close(tr.after_norm_1, layer_norm(tr.after_add_1), rtol=0, atol=0)
    assert_close(tr.ffn_hidden, relu(tr.after_norm_1 @ tr.ffn.W_1 + tr.ffn.b_1), rtol=0, atol=0)
    assert np.all(tr.ffn_hidden >= 0.0)
    assert_close(tr.ffn_out, tr.ffn_hidden @ tr.ffn.W_2 + tr.ffn.b_2, rtol=0, atol=0)
    assert_close(tr.after_add_2, tr.after_norm_1 + tr.ffn_out if residual else tr.ffn_out, rtol=0, atol=0)
    assert_close(tr.output, layer_norm(tr.after_add_2), rtol=0, atol=0)
    assert_close(tr.output, reference_block(X, tr.ffn, residual, causal), rtol=1e-9, atol=1e-9)
    assert_close(tr.output.var(axis=1), np.ones(n), rtol=1e-3)


def test_causal_block_first_word_depends_on_nothing_after_it(glove):
    a = glove.lookup(tokenize("the dog bit the man").keys).vectors
    b = glove.lookup(tokenize("the cat sat on mats").keys).vectors
    with strict():
        ta, tb = transformer_block(a, causal=True), transformer_block(b, causal=True)
    # the feed-forward network and layer norm work word by word, so the mask's promise holds for the block
    assert_close(ta.output[0], tb.output[0], rtol=0, atol=0)
    assert np.all(np.triu(ta.attention.attention_weights, k=1) == 0.0)
    assert not np.allclose(ta.output[1], tb.output[1])


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 6)),
              elements=st.floats(-5, 5, allow_nan=False, allow_infinity=False)),
       st.randoms(use_true_random=False), st.booleans())
def test_block_without_positions_is_permutation_equivariant(X, rnd, residual):
    perm = list(range(X.shape[0]))
    rnd.shuffle(perm)
    with strict():
        tr = transformer_block(X, residual=residual)
        tp = transformer_block(X[perm], residual=residual)
    assert_close(tp.output, tr.output[perm], rtol=0, atol=1e-9)


def test_random_projections_with_square_w_v_run_and_others_are_refused(dog_bit_man):
    with strict():
        tr = transformer_block(dog_bit_man, Projections.random(50, 8, seed=1))
    assert tr.attention.queries.shape == (5, 8)
    assert_finite(tr.output)
    for residual in (True, False):
        with pytest.raises(SettingsError, match="d_v = d_model"):
            transformer_block(dog_bit_man, Projections.random(50, 8, d_v=8, seed=1), residual=residual)


def test_same_seed_same_block_other_seed_other_block(dog_bit_man):
    with strict():
        a = transformer_block(dog_bit_man, ffn_seed=7)
        b = transformer_block(dog_bit_man, ffn_seed=7)
        c = transformer_block(dog_bit_man, ffn_seed=8)
    for stage in (*STAGES, "ffn_hidden"):
        assert np.array_equal(getattr(a, stage), getattr(b, stage)), stage
    assert np.array_equal(a.after_norm_1, c.after_norm_1)  # the seed only draws the feed-forward weights
    assert not np.allclose(a.ffn_out, c.ffn_out)


def test_feed_forward_weights_have_variance_one_over_fan_in():
    ffn = FeedForward.random(256, seed=0)
    assert (ffn.d_model, ffn.d_ff) == (256, 1024)
    assert_finite(ffn.W_1, ffn.W_2)
    assert_close(ffn.W_1.var(), 1 / 256, rtol=0.02)  # 262,144 draws: sampling error ~0.3%
    assert_close(ffn.W_2.var(), 1 / 1024, rtol=0.02)
    assert_close(ffn.b_1.var(), 1 / 256, rtol=0.15)  # 1024 draws: ~4.4%
    assert abs(ffn.W_1.mean()) < 1e-3


def test_bad_block_inputs():
    with pytest.raises(ShapeError, match="1,024"):
        transformer_block(np.ones((2, 1025)))
    with pytest.raises(OutOfRangeError, match="ffn_seed"):
        transformer_block(np.ones((2, 3)), ffn_seed=-1)
    with pytest.raises(NonFiniteError):
        transformer_block(np.array([[1.0, np.inf]]))
    with pytest.raises(ShapeError):
        transformer_block(np.ones((0, 3)))


# --- parameter counts ----------------------------------------------------------------------

def test_parameter_counts_of_the_papers_sizes():
    counts = block_parameter_counts(512, 64, 64)
    assert counts["W_Q"] == counts["W_K"] == counts["W_V"] == 512 * 64
    assert counts["attention"] == 3 * 512 * 64
    assert counts["W_1"] == counts["W_2"] == 512 * 2048
    assert (counts["b_1"], counts["b_2"]) == (2048, 512)
    assert counts["ffn"] == 2 * 512 * 2048 + 2048 + 512 == 2_099_712
    assert counts["layer_norm_1"] == counts["layer_norm_2"] == 0  # no learned gain or bias here
    assert counts["total"] == 3 * 512 * 64 + 2_099_712 == 2_198_016


def test_the_papers_eight_heads_and_w_o_make_the_network_two_thirds_of_the_block():
    """One head (the tutorial's, the table's): the network is 95.5 % of the block. The paper's 8 heads of 64
    and W_O (512 x 512) give attention 4 x 512² parameters, and the network is 2/3 of the block."""
    one, eight = block_parameter_counts(512, 64, 64), block_parameter_counts(512, 64, 64, heads=8)
    assert one["W_O"] == 0 and one["ffn"] / one["total"] == pytest.approx(0.9553, abs=1e-4)
    assert eight["W_Q"] == eight["W_V"] == eight["W_O"] == 512 * 512
    assert eight["attention"] == 4 * 512 * 512 == 1_048_576 and eight["ffn"] == one["ffn"]
    assert eight["ffn"] / eight["total"] == pytest.approx(2 / 3, abs=0.001)
    with pytest.raises(ShapeError):
        block_parameter_counts(512, 64, 64, heads=0)


def test_parameter_counts_match_the_arrays_the_block_uses(dog_bit_man):
    P = Projections.random(50, 16, seed=0)
    tr = transformer_block(dog_bit_man, P)
    counts = block_parameter_counts(50, 16, 50)
    assert counts["W_Q"] == P.W_Q.size and counts["W_V"] == P.W_V.size
    assert counts["ffn"] == tr.ffn.W_1.size + tr.ffn.b_1.size + tr.ffn.W_2.size + tr.ffn.b_2.size
    with pytest.raises(ShapeError):
        block_parameter_counts(0, 1, 1)


# --- how much of each word survives: with and without the residual stream ---------------

def test_stage_similarity_is_a_cosine_per_word_per_stage(dog_bit_man):
    with strict():
        tr = transformer_block(dog_bit_man)
        sims = stage_similarity(tr)
    assert tuple(sims) == STAGES
    for stage, cos in sims.items():
        assert cos.shape == (5,)
        assert_finite(cos)
        assert np.all(np.abs(cos) <= 1.0)
        X, V = dog_bit_man, getattr(tr, stage)
        expected = np.sum(X * V, axis=1) / (np.linalg.norm(X, axis=1) * np.linalg.norm(V, axis=1))
        assert_close(cos, expected, rtol=1e-12, atol=1e-15)


def test_an_all_zero_word_has_similarity_zero_not_nan():
    X = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 0.5]])
    with strict():
        sims = stage_similarity(transformer_block(X))
    for cos in sims.values():
        assert_finite(cos)
        assert cos[0] == 0.0


@pytest.mark.parametrize("ffn_seed", [0, 1, 2])
def test_the_residual_stream_keeps_each_word_after_the_block(dog_bit_man, ffn_seed):
    # measured (GloVe 6B 50d, projections off, scaled; the, dog, bit, the, man), ffn_seed 0:
    #   with the residual stream:    output cosines 0.82 0.79 0.86 0.82 0.85 (mean 0.83)
    #   without it:                  output cosines -0.07 -0.12 0.08 -0.07 0.07 (mean -0.02)
    # seeds 1 and 2: means 0.80 / 0.80 with, 0.11 / 0.10 without.
    with strict():
        kept = stage_similarity(transformer_block(dog_bit_man, residual=True, ffn_seed=ffn_seed))
        lost = stage_similarity(transformer_block(dog_bit_man, residual=False, ffn_seed=ffn_seed))
    for sims in (kept, lost):
        assert_finite(*sims.values())
    assert np.all(kept["output"] > 0.7)
    assert np.all(np.abs(lost["output"]) < 0.3)
    assert np.all(kept["output"] > lost["output"] + 0.4)
    # after the first add the word is itself plus its context: closer to itself than the attention output alone
    assert np.all(kept["after_add_1"] > lost["after_add_1"])
    assert_close(lost["after_add_1"], lost["after_attention"], rtol=0, atol=0)
