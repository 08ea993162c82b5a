"""softmax / attention / self_attention: the "Numbers reaching the core" rows of
bad-inputs.md, the tutorial's hand-computed example, and the sentence-level rows
that end in attention ("hello", "the the", all out of vocabulary).
"""

from __future__ import annotations

import contextlib
import math
import warnings

import numpy as np
import pytest

from attention_core import (
    AttentionLabError,
    MaskError,
    NonFiniteError,
    Projections,
    ShapeError,
    attention,
    resolve_scale,
    self_attention,
    softmax,
    tokenize,
    toy_embeddings,
)


def assert_close(actual, expected, rtol=1e-12, atol=1e-12):
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert np.all(np.isfinite(actual)), actual
    assert np.all(np.isfinite(expected)), expected
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


def assert_equal(actual, expected):
    actual = np.asarray(actual, dtype=np.float64)
    assert np.all(np.isfinite(actual)), actual
    np.testing.assert_array_equal(actual, np.asarray(expected, dtype=np.float64))


@contextlib.contextmanager
def strict():
    """Any warning (RuntimeWarning included) inside the block becomes an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# --- softmax -----------------------------------------------------------------

def test_softmax_large_gap_is_one_hot_without_warning():
    with strict():
        p = softmax([1000.0, 0.0])
    # exp(-1000) underflows to exactly 0 in float64 (smallest subnormal ~ 4.9e-324)
    assert_equal(p, [1.0, 0.0])


def test_softmax_very_negative_equal_scores_is_uniform_without_warning():
    with strict():
        p = softmax([-1000.0, -1000.0])
    assert_equal(p, [0.5, 0.5])


def test_softmax_extreme_finite_spread_has_no_overflow_warning():
    # 1e308 - (-1e308) overflows float64; the true weight of the low score is 0.
    with strict():
        p = softmax([1e308, -1e308])
    assert_equal(p, [1.0, 0.0])


def test_softmax_matches_definition_and_rows_sum_to_one():
    scores = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, -1.0]])
    expected = np.array([[math.exp(v) for v in row] for row in scores.tolist()])
    expected /= expected.sum(axis=1, keepdims=True)
    with strict():
        p = softmax(scores)
    assert_close(p, expected, rtol=1e-14)
    assert_close(p.sum(axis=1), [1.0, 1.0])


def test_softmax_axis_0():
    scores = np.array([[1.0, 5.0], [3.0, 5.0]])
    with strict():
        p = softmax(scores, axis=0)
    e = math.exp(-2.0)
    assert_close(p, [[e / (1 + e), 0.5], [1 / (1 + e), 0.5]], rtol=1e-14)


def test_softmax_fully_masked_row_is_zeros_never_nan():
    scores = np.array([[-np.inf, -np.inf, -np.inf], [0.0, -np.inf, 0.0]])
    with strict():
        p = softmax(scores)
    assert_equal(p, [[0.0, 0.0, 0.0], [0.5, 0.0, 0.5]])


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_softmax_refuses_nan_and_plus_inf(bad):
    with strict(), pytest.raises(NonFiniteError, match="NaN or \\+infinity"):
        softmax([0.0, bad, 1.0])


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.int8, np.int64])
def test_softmax_low_precision_and_int_inputs_computed_in_float64(dtype):
    raw = np.array([[3, -2, 0, 1]], dtype=dtype)
    with strict():
        p = softmax(raw)
    assert p.dtype == np.float64
    assert_equal(p, softmax(raw.astype(np.float64)))


def test_softmax_rejects_empty_and_non_numeric():
    with pytest.raises(ShapeError, match="at least one score"):
        softmax(np.zeros((2, 0)))
    with pytest.raises(ShapeError, match="numbers"):
        softmax(np.array([True, False]))


# --- the tutorial's numbers (toy 2-D vectors) --------------------------------------

def _toy_sentence(text, oov="zero"):
    toks = tokenize(text)
    lk = toy_embeddings().lookup(toks.keys, oov=oov)
    return toks, lk


def test_tutorial_love_apple_phones_scores_weights_output():
    toks, lk = _toy_sentence("love apple phones")
    assert toks.keys == ("love", "apple", "phones")
    assert lk.known.tolist() == [True, True, True]
    with strict():
        tr = self_attention(lk.vectors, scale=False)
    # By hand: apple=(2,2) . love=(-4,3) = -8+6 = -2; apple.apple = apple.phones = 4+4 = 8
    assert_equal(tr.scores[1], [-2.0, 8.0, 8.0])
    assert tr.divisor == 1.0
    # exact softmax of [-2, 8, 8]: divide numerator and denominator by e^8
    e = math.exp(-10.0)
    expected = np.array([e / (e + 2), 1 / (e + 2), 1 / (e + 2)])
    w = tr.attention_weights[1]
    assert_close(w, expected, rtol=1e-14, atol=0)
    # not the rounded tutorial version [0, 0.5, 0.5], but within 3e-5 of it
    assert not np.array_equal(w, [0.0, 0.5, 0.5])
    assert w[0] > 0 and w[1] < 0.5
    assert_close(w, [0.0, 0.5, 0.5], rtol=0, atol=3e-5)
    assert 2.26e-5 < w[0] < 2.28e-5
    # apple' = w_love * love + w_apple * apple + w_phones * phones, by hand
    love, apple, phones = np.array([-4.0, 3.0]), np.array([2.0, 2.0]), np.array([2.0, 2.0])
    expected_out = expected[0] * love + expected[1] * apple + expected[2] * phones
    assert_close(tr.contextual_embeddings[1], expected_out, rtol=1e-13)


def test_tutorial_I_love_Apple_phones_with_oov_i():
    toks, lk = _toy_sentence("I love Apple phones", oov="zero")
    assert toks.words == ("I", "love", "Apple", "phones")
    assert lk.known.tolist() == [False, True, True, True]  # "i" is not a toy word
    assert_equal(lk.vectors[0], [0.0, 0.0])
    with strict():
        tr = self_attention(lk.vectors, scale=False)
    assert_equal(tr.scores[2, 1:], [-2.0, 8.0, 8.0])
    assert_equal(tr.scores[2, 0], 0.0)  # a zero vector scores 0 against everything
    # apple's row is now the softmax of [0, -2, 8, 8], by hand
    ex = [math.exp(v - 8.0) for v in (0.0, -2.0, 8.0, 8.0)]
    expected = np.array(ex) / sum(ex)
    assert_close(tr.attention_weights[2], expected, rtol=1e-14, atol=0)


def test_tutorial_scaled_version_divides_by_sqrt_2():
    _, lk = _toy_sentence("love apple phones")
    with strict():
        tr = self_attention(lk.vectors, scale=True)
    assert tr.d_k == 2
    assert_close(tr.divisor, math.sqrt(2.0), rtol=0, atol=0)
    s = [v / math.sqrt(2.0) for v in (-2.0, 8.0, 8.0)]
    ex = [math.exp(v - max(s)) for v in s]
    assert_close(tr.attention_weights[1], np.array(ex) / sum(ex), rtol=1e-14)


def test_tutorial_sim_apple_juice_is_8():
    toks, lk = _toy_sentence("love apple juice")
    with strict():
        tr = self_attention(lk.vectors, scale=False)
    assert_equal(tr.scores[1, 2], 8.0)  # (2,2) . (4,0) = 8
    assert_equal(tr.scores[1, 0], -2.0)
    assert_equal(tr.scores[2, 2], 16.0)  # (4,0) . (4,0)


# --- sentence-level rows that reach attention -----------------------------------

def test_one_word_hello_weights_one_output_equals_value_row(glove):
    toks = tokenize("hello")
    lk = glove.lookup(toks.keys)
    assert lk.known.tolist() == [True]
    with strict():
        tr = self_attention(lk.vectors)
    assert_equal(tr.attention_weights, [[1.0]])
    assert_equal(tr.contextual_embeddings, tr.values)
    assert_equal(tr.values, lk.vectors)  # projections off: values are the embeddings


def test_one_word_with_random_projections_output_is_its_value_row():
    X = np.array([[0.3, -1.2, 2.0]])
    with strict():
        tr = self_attention(X, Projections.random(3, 2, d_v=4, seed=1))
    assert_equal(tr.attention_weights, [[1.0]])
    assert_close(tr.contextual_embeddings, X @ tr.projections.W_V, rtol=1e-14)


def test_the_the_gives_weights_exactly_one_half(glove):
    toks = tokenize("the the")
    lk = glove.lookup(toks.keys)
    with strict():
        tr = self_attention(lk.vectors)
    assert_equal(tr.attention_weights, [[0.5, 0.5], [0.5, 0.5]])
    assert_close(tr.contextual_embeddings, lk.vectors, rtol=1e-15)


# --- masks ------------------------------------------------------------------------

def test_fully_masked_row_gives_zeros_and_is_flagged():
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    mask = np.array([[True, True, True], [False, False, False], [True, False, True]])
    with strict():
        tr = self_attention(X, mask=mask)
    assert tr.masked_rows.tolist() == [False, True, False]
    assert_equal(tr.attention_weights[1], [0.0, 0.0, 0.0])
    assert_equal(tr.contextual_embeddings[1], [0.0, 0.0])
    assert np.isneginf(tr.scaled_scores[1]).all()
    # blocked entries of other rows get weight exactly 0, the rest renormalise
    assert tr.attention_weights[2, 1] == 0.0
    assert_close(tr.attention_weights.sum(axis=1), [1.0, 0.0, 1.0])


def test_causal_mask_is_lower_triangular_and_first_row_attends_to_itself():
    X = np.arange(12, dtype=np.float64).reshape(4, 3) / 10
    with strict():
        tr = self_attention(X, causal=True)
    w = tr.attention_weights
    assert np.all(np.isfinite(w))
    assert np.all(np.triu(w, k=1) == 0.0)
    assert_equal(w[0], [1.0, 0.0, 0.0, 0.0])
    assert_close(w.sum(axis=1), np.ones(4))
    assert not tr.masked_rows.any()


def test_mask_wrong_shape_names_expected_shape():
    X = np.ones((3, 2))
    with pytest.raises(MaskError) as info:
        self_attention(X, mask=np.ones((3, 2), dtype=bool))
    msg = str(info.value)
    assert "(3, 3)" in msg and "(3, 2)" in msg and "True = attend" in msg


@pytest.mark.parametrize("mask", [np.ones((3, 3), dtype=int), np.ones((3, 3)), [[1, 0, 1]] * 3])
def test_mask_non_boolean_says_true_means_attend(mask):
    with pytest.raises(MaskError, match="True = attend"):
        self_attention(np.ones((3, 2)), mask=mask)


def test_mask_checked_in_attention_too():
    q = np.ones((2, 3))
    with pytest.raises(MaskError, match=r"\(2, 4\)"):
        attention(q, np.ones((4, 3)), np.ones((4, 1)), mask=np.ones((4, 2), dtype=bool))


# --- non-finite numbers -------------------------------------------------------------

@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_inf_in_X_is_refused(bad):
    X = np.ones((3, 2))
    X[1, 0] = bad
    with strict(), pytest.raises(NonFiniteError, match="NaN or infinity"):
        self_attention(X)


@pytest.mark.parametrize("where", ["queries", "keys", "values"])
def test_nan_or_inf_in_attention_inputs_is_refused(where):
    arrays = {"queries": np.ones((2, 3)), "keys": np.ones((2, 3)), "values": np.ones((2, 3))}
    arrays[where][0, 1] = np.nan
    with strict(), pytest.raises(NonFiniteError, match=where):
        attention(arrays["queries"], arrays["keys"], arrays["values"])


def test_nan_in_projections_is_refused():
    W = np.eye(2)
    W[0, 0] = np.nan
    with pytest.raises(NonFiniteError, match="W_Q"):
        Projections(W, np.eye(2), np.eye(2))


def test_overflowing_scores_are_a_clear_error():
    X = np.array([[1e200, 0.0], [0.0, 1e200]])  # x.x = 1e400 overflows float64
    with strict(), pytest.raises(NonFiniteError, match="overflow"):
        self_attention(X)


def test_overflowing_projections_are_a_clear_error():
    X = np.full((2, 2), 1e300)
    P = Projections(np.full((2, 2), 1e10), np.eye(2), np.eye(2))
    with strict(), pytest.raises(NonFiniteError, match="overflow"):
        self_attention(X, P)


def test_scaled_scores_overflow_is_an_error_not_a_silently_masked_row():
    # all scores of the query are negative; a tiny (but positive, finite) divisor
    # sends them to -inf, which must not be mistaken for a masked row.
    with strict(), pytest.raises(NonFiniteError):
        attention([[1.0]], [[-1.0], [-2.0]], [[1.0, 0.0], [0.0, 1.0]], scale=1e-310)


def test_huge_but_finite_scores_do_not_warn():
    # scores +-1e308 are finite; the weights are one-hot, computed without warnings
    X = np.array([[1e154, 0.0], [-1e154, 0.0]])
    with strict():
        tr = self_attention(X, scale=False)
    assert_equal(tr.attention_weights, [[1.0, 0.0], [0.0, 1.0]])
    assert_equal(tr.contextual_embeddings, X)


# --- dtypes ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.int32, np.int64, np.uint8])
def test_low_precision_and_int_inputs_give_float64_result(dtype):
    raw = np.array([[1, 2, 0], [3, 1, 2], [0, 4, 1], [2, 2, 2]], dtype=dtype)
    with strict():
        tr = self_attention(raw)
        ref = self_attention(raw.astype(np.float64))
    for name in ("X", "scores", "attention_weights", "contextual_embeddings"):
        got = getattr(tr, name)
        assert got.dtype == np.float64, name
        assert_equal(got, getattr(ref, name))


def test_float16_fractional_values_compared_with_same_values_in_float64():
    raw = np.array([[0.1, -0.7], [1.3, 0.25], [-2.2, 0.9]], dtype=np.float16)
    with strict():
        tr = self_attention(raw, Projections.random(2, 3, seed=4))
        ref = self_attention(raw.astype(np.float64), Projections.random(2, 3, seed=4))
    assert_equal(tr.contextual_embeddings, ref.contextual_embeddings)
    assert_equal(tr.attention_weights, ref.attention_weights)


def test_boolean_or_text_inputs_are_refused():
    with pytest.raises(ShapeError, match="numbers"):
        self_attention(np.ones((2, 2), dtype=bool))
    with pytest.raises(ShapeError, match="numbers"):
        self_attention([["a", "b"], ["c", "d"]])


# --- shapes -----------------------------------------------------------------------------

def test_queries_and_keys_with_different_d_k_name_both_shapes():
    with pytest.raises(ShapeError) as info:
        attention(np.ones((3, 4)), np.ones((3, 5)), np.ones((3, 4)))
    assert "(3, 4)" in str(info.value) and "(3, 5)" in str(info.value)


def test_keys_and_values_with_different_token_counts_name_both_shapes():
    with pytest.raises(ShapeError) as info:
        attention(np.ones((3, 4)), np.ones((3, 4)), np.ones((4, 4)))
    assert "(3, 4)" in str(info.value) and "(4, 4)" in str(info.value)


@pytest.mark.parametrize("X", [np.ones(3), np.ones((2, 2, 2)), 5.0])
def test_wrong_rank_input_names_shape(X):
    with pytest.raises(ShapeError) as info:
        self_attention(X)
    assert str(np.shape(X)) in str(info.value)


def test_1d_query_in_attention_names_shape():
    with pytest.raises(ShapeError, match=r"\(4,\)"):
        attention(np.ones(4), np.ones((3, 4)), np.ones((3, 4)))


def test_d_k_zero_is_a_shape_error_naming_the_shape():
    with pytest.raises(ShapeError, match=r"\(3, 0\)"):
        attention(np.ones((3, 0)), np.ones((3, 0)), np.ones((3, 2)))
    with pytest.raises(ShapeError, match=r"\(3, 0\)"):
        self_attention(np.ones((3, 0)))
    with pytest.raises(ShapeError, match=r"\(4, 0\)"):
        Projections(np.ones((4, 0)), np.ones((4, 0)), np.eye(4))
    with pytest.raises(ShapeError):
        Projections.random(4, 0)


def test_no_tokens_is_a_shape_error():
    with pytest.raises(ShapeError, match=r"\(0, 3\)"):
        self_attention(np.ones((0, 3)))


def test_projection_shapes_must_agree():
    with pytest.raises(ShapeError, match=r"\(3, 2\).*\(3, 4\)"):
        Projections(np.ones((3, 2)), np.ones((3, 4)), np.eye(3))
    with pytest.raises(ShapeError, match=r"\(4, 4\)"):
        Projections(np.ones((3, 2)), np.ones((3, 2)), np.eye(4))


def test_embeddings_of_another_dimension_than_projections_name_both_dims():
    X = np.ones((2, 3))
    with strict(), pytest.raises(ShapeError) as info:
        self_attention(X, Projections.random(50, 8))
    msg = str(info.value)
    assert "3 dimensions" in msg and "50" in msg
    assert "broadcast" not in msg and "matmul" not in msg


def test_projections_shapes_and_identity():
    P = Projections.random(6, 3, seed=2)
    assert (P.d_model, P.d_k, P.d_v) == (6, 3, 6)
    assert_equal(P.W_V, np.eye(6))  # W_V square identity by default: outputs stay in embedding space
    P2 = Projections.random(6, 3, d_v=3, seed=2)
    assert P2.d_v == 3
    assert_equal(P2.W_Q, P.W_Q)  # same seed, same W_Q
    assert not np.array_equal(Projections.random(6, 3, seed=3).W_Q, P.W_Q)
    # values stay word vectors only with W_V = I; a random square W_V has the shape but not the space
    assert P.values_in_word_space and Projections.identity(6).values_in_word_space
    assert not P2.values_in_word_space
    assert not Projections.random(6, 3, d_v=6, seed=2).values_in_word_space
    # entries ~ N(0, 1/d_model): a loose check on the spread of many draws
    big = Projections.random(400, 50, seed=0)
    assert 0.9 / 20 < big.W_Q.std() < 1.1 / 20
    ident = Projections.identity(4)
    X = np.arange(8.0).reshape(2, 4)
    with strict():
        tr = self_attention(X, ident)
    assert_equal(tr.queries, X)
    assert_equal(tr.keys, X)
    assert_equal(tr.values, X)


# --- scale --------------------------------------------------------------------------------

@pytest.mark.parametrize("scale", [np.nan, np.inf, -np.inf, 0.0, -1.0, "abc", None])
def test_bad_scale_is_a_clear_error(scale):
    with strict(), pytest.raises(AttentionLabError, match="scale"):
        self_attention(np.ones((2, 2)), scale=scale)


def test_resolve_scale_values():
    assert resolve_scale(True, 16) == 4.0
    assert resolve_scale(False, 16) == 1.0
    assert resolve_scale(np.True_, 9) == 3.0
    assert resolve_scale(2.5, 16) == 2.5
    assert resolve_scale(np.float32(0.5), 16) == 0.5


# --- Projections.random: seeds and sizes (hostile input, round two) ---------------------------------

from attention_core import OutOfRangeError  # noqa: E402
from tests.bad_inputs import BAD_SEEDS, GOOD_SEEDS  # noqa: E402


@pytest.mark.parametrize("seed", BAD_SEEDS, ids=repr)
def test_projections_random_refuses_bad_seeds(seed):
    with pytest.raises(OutOfRangeError, match=r"seed must be a whole number from 0 to 4,294,967,295") as info:
        Projections.random(4, 2, seed=seed)
    assert isinstance(info.value, AttentionLabError)


@pytest.mark.parametrize("seed", GOOD_SEEDS)
def test_projections_random_takes_every_32_bit_seed(seed):
    P = Projections.random(4, 2, seed=seed)
    assert np.all(np.isfinite(P.W_Q)) and np.all(np.isfinite(P.W_K))
    np.testing.assert_array_equal(P.W_Q, Projections.random(4, 2, seed=np.uint32(seed)).W_Q)  # numpy ints too


@pytest.mark.parametrize("size", [1.5, 0, True], ids=repr)
def test_projections_random_refuses_non_whole_sizes(size):
    for args in ((4, size), (size, 2), (4, 2, size)):
        with pytest.raises(ShapeError, match="whole number"):
            Projections.random(*args)
