"""Word order: the sinusoidal encoding against the paper's formula, its rotation and distance
properties, permutation equivariance without positions (and its failure with them), and the
"the dog bit the man" / "the man bit the dog" experiment on real GloVe vectors.

The causal mask (zero weight on later words) and a fully masked row (zeros, never NaN) are
already covered by tests/test_core_attention.py (test_causal_mask_is_lower_triangular_...,
test_fully_masked_row_gives_zeros_and_is_flagged); only the causal mask's effect on word order
is added here.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from attention_core import (
    MAX_POSITIONS,
    AttentionLabError,
    NonFiniteError,
    OutOfRangeError,
    Projections,
    SettingsError,
    ShapeError,
    add_positions,
    encoding_scale,
    match_reordering,
    offset_rotation,
    order_experiment,
    position_similarity,
    self_attention,
    sinusoidal_encoding,
    tokenize,
    word_order_differences,
)
from tests.numerics import assert_close, strict

SETTINGS = settings(max_examples=100, deadline=None)
finite = st.floats(min_value=-10, max_value=10, allow_nan=False, allow_infinity=False, width=64)


def assert_finite(*arrays_):
    for a in arrays_:
        assert np.all(np.isfinite(a)), a


# --- the formula, entry by entry -------------------------------------------------------

def test_hand_computed_entries_d50():
    with strict():
        PE = sinusoidal_encoding(10, 50)
    assert PE.shape == (10, 50) and PE.dtype == np.float64
    assert_close(PE[0, 0::2], np.zeros(25), rtol=0, atol=0)  # sin 0
    assert_close(PE[0, 1::2], np.ones(25), rtol=0, atol=0)  # cos 0
    assert_close(PE[1, 0], math.sin(1.0), rtol=1e-15)
    assert_close(PE[1, 1], math.cos(1.0), rtol=1e-15)
    assert_close(PE[2, 2], math.sin(2 / 10000 ** (2 / 50)), rtol=1e-14)
    assert_close(PE[2, 3], math.cos(2 / 10000 ** (2 / 50)), rtol=1e-14)
    assert_close(PE[7, 48], math.sin(7 / 10000 ** (48 / 50)), rtol=1e-14)
    assert_close(PE[7, 49], math.cos(7 / 10000 ** (48 / 50)), rtol=1e-14)


def test_two_dimensions_is_sin_pos_cos_pos():
    with strict():
        PE = sinusoidal_encoding(6, 2)
    pos = np.arange(6)
    assert_close(PE, np.stack([np.sin(pos), np.cos(pos)], axis=1), rtol=0, atol=1e-15)


@pytest.mark.parametrize("d_model", [1, 2, 3, 7, 50, 51])
def test_interleaved_layout_matches_the_formula_for_every_entry(d_model):
    n = 40
    with strict():
        PE = sinusoidal_encoding(n, d_model)
    expected = np.empty((n, d_model))
    for pos in range(n):  # the paper's formula, one entry at a time
        for col in range(d_model):
            i = col // 2
            angle = pos / 10000 ** (2 * i / d_model)
            expected[pos, col] = math.sin(angle) if col % 2 == 0 else math.cos(angle)
    assert PE.shape == (n, d_model)
    assert_close(PE, expected, rtol=0, atol=1e-14)
    assert np.all(np.abs(PE) <= 1.0)


def test_odd_d_model_drops_the_last_cosine():
    with strict():
        odd, even = sinusoidal_encoding(9, 5), sinusoidal_encoding(9, 6)
    # the first two pairs use 2i/5 and 2i/6 (different frequencies); the layout is what is shared:
    assert_close(odd[:, 4], np.sin(np.arange(9) / 10000 ** (4 / 5)), rtol=0, atol=1e-15)
    assert_close(odd[:, :2], even[:, :2], rtol=0, atol=0)  # pair 0 is sin(pos), cos(pos) for any d_model


def test_custom_base():
    with strict():
        PE = sinusoidal_encoding(4, 4, base=100.0)
    assert_close(PE[3, 2], math.sin(3 / 100 ** (2 / 4)), rtol=1e-14)


# --- why sines and cosines: offsets are rotations, dot products depend on distance ------

@pytest.mark.parametrize("d_model", [2, 8, 50])
@pytest.mark.parametrize("k", [1, 3, 17, -5])
def test_offset_is_a_rotation_that_does_not_depend_on_the_position(d_model, k):
    n = 60
    with strict():
        PE = sinusoidal_encoding(n, d_model)
        R = offset_rotation(k, d_model)
    assert_finite(R)
    assert_close(R @ R.T, np.eye(d_model), rtol=0, atol=1e-13)  # orthogonal: keeps lengths
    off_blocks = R.copy()
    for j in range(0, d_model, 2):
        block = R[j:j + 2, j:j + 2]
        assert_close(np.linalg.det(block), 1.0, rtol=0, atol=1e-13)  # a rotation, not a reflection
        off_blocks[j:j + 2, j:j + 2] = 0.0
    assert np.all(off_blocks == 0.0)  # block diagonal
    positions = range(max(0, -k), min(n, n - k))
    for pos in positions:  # one matrix for every position
        assert_close(PE[pos + k], R @ PE[pos], rtol=0, atol=1e-12)
    # and the same matrix is what a least-squares fit over all positions finds
    src = PE[list(positions)]
    dst = PE[[p + k for p in positions]]
    fitted, *_ = np.linalg.lstsq(src, dst, rcond=None)
    assert_close(src @ fitted, dst, rtol=0, atol=1e-10)


def test_offset_rotation_refuses_odd_d_model():
    with pytest.raises(ShapeError, match="even d_model"):
        offset_rotation(1, 5)


@pytest.mark.parametrize("d_model", [2, 16, 50])
def test_dot_product_depends_only_on_distance(d_model):
    n = 80
    with strict():
        PE = sinusoidal_encoding(n, d_model)
        distances, dots = position_similarity(d_model, n - 1)
    gram = PE @ PE.T
    assert_finite(gram, dots)
    assert distances.tolist() == list(range(n))
    for p in range(n):
        for q in range(n):
            assert_close(gram[p, q], dots[abs(p - q)], rtol=0, atol=1e-12)
    w = 10000.0 ** (-2 * np.arange(d_model // 2) / d_model)
    assert_close(dots, np.cos(np.outer(distances, w)).sum(axis=1), rtol=0, atol=1e-12)
    assert_close(dots[0], d_model / 2, rtol=1e-15)
    assert_close(np.linalg.norm(PE, axis=1), np.full(n, math.sqrt(d_model / 2)), rtol=1e-14)


def test_neighbours_look_more_alike_than_far_positions_for_glove_size():
    with strict():
        _, dots = position_similarity(50, 40)
    assert_finite(dots)
    assert dots[0] > dots[1] > dots[2] > dots[3] > dots[40]


# --- add_positions and encoding_scale --------------------------------------------------

def test_add_positions_is_x_plus_strength_times_pe():
    X = np.arange(15, dtype=np.float64).reshape(5, 3) / 7
    with strict():
        off = add_positions(X, 0.0)
        on = add_positions(X, 1.5)
    assert_close(off, X, rtol=0, atol=0)
    assert off is not X
    assert_close(on, X + 1.5 * sinusoidal_encoding(5, 3), rtol=0, atol=0)


def test_encoding_scale_glove_is_about_one(glove):
    X = glove.lookup(tokenize("the dog bit the man").keys).vectors
    with strict():
        s = encoding_scale(X)
    assert s["d_model"] == 50
    assert_close(s["encoding_norm"], 5.0, rtol=1e-15)
    assert_close(s["encoding_norm_measured"], 5.0, rtol=1e-14)
    assert_close(s["embedding_norm"], np.linalg.norm(X, axis=1).mean(), rtol=1e-15)
    assert_close(s["equal_strength"], s["embedding_norm"] / 5.0, rtol=1e-15)
    assert 0.5 < s["equal_strength"] < 2.0  # GloVe rows are ~5 long: strength 1 is "as long as a word"


@pytest.mark.parametrize("strength, error", [
    (-0.1, OutOfRangeError), (10.5, OutOfRangeError), (float("nan"), NonFiniteError),
    (float("inf"), NonFiniteError), (True, OutOfRangeError), ("1", OutOfRangeError),
])
def test_bad_strength_is_refused_with_the_range(strength, error):
    with pytest.raises(error, match="strength"):
        add_positions(np.ones((2, 2)), strength)


@pytest.mark.parametrize("n_positions, d_model, base, error", [
    (0, 4, 10000.0, ShapeError), (MAX_POSITIONS + 1, 4, 10000.0, ShapeError), (3, 0, 10000.0, ShapeError),
    (2.5, 4, 10000.0, ShapeError), (3, 4, 1.0, OutOfRangeError), (3, 4, 0.5, OutOfRangeError),
    (3, 4, float("inf"), NonFiniteError), (3, 4, float("nan"), NonFiniteError),
])
def test_bad_encoding_arguments_are_lab_errors(n_positions, d_model, base, error):
    with pytest.raises(error):
        sinusoidal_encoding(n_positions, d_model, base)


def test_bad_embeddings_for_positions():
    with pytest.raises(NonFiniteError):
        add_positions(np.array([[1.0, np.nan]]), 1.0)
    with pytest.raises(ShapeError):
        add_positions(np.ones(3), 1.0)
    with strict():  # the largest float64 plus 10 rounds back to itself: no overflow, no warning
        huge = add_positions(np.full((2, 2), np.finfo(np.float64).max), 10.0)
    assert_finite(huge)


# --- permutation equivariance without positions, and its failure with them -------------

@st.composite
def sentence_and_permutation(draw):
    n_tokens = draw(st.integers(1, 8))
    d_model = draw(st.integers(1, 8))
    X = draw(arrays(np.float64, (n_tokens, d_model), elements=finite))
    perm = np.array(draw(st.permutations(range(n_tokens))), dtype=np.intp)
    return X, perm


@SETTINGS
@given(sentence_and_permutation(), st.booleans(), st.integers(0, 2**32 - 1))
def test_without_positions_a_permutation_permutes_outputs_and_weights(xp, random_projections, seed):
    X, perm = xp
    P = Projections.random(X.shape[1], 4, seed=seed) if random_projections else None
    with strict():
        tr = self_attention(add_positions(X, 0.0), P)
        tp = self_attention(add_positions(X[perm], 0.0), P)
        biggest = order_experiment(X, X[perm], perm, 0.0, P)
    scale = max(1.0, float(np.abs(tr.contextual_embeddings).max()))
    assert_close(tp.contextual_embeddings, tr.contextual_embeddings[perm], rtol=0, atol=1e-12 * scale)
    assert_close(tp.attention_weights, tr.attention_weights[np.ix_(perm, perm)], rtol=0, atol=1e-12)
    assert math.isfinite(biggest) and biggest <= 1e-12 * scale


@SETTINGS
@given(
    arrays(np.float64, st.tuples(st.integers(2, 6), st.integers(2, 8)),
           elements=st.floats(-3, 3, allow_nan=False, allow_infinity=False)),
    st.floats(0.25, 2.0),
)
def test_with_positions_some_swap_of_two_different_words_changes_the_outputs(X, strength):
    n_tokens = X.shape[0]
    pairs = [(i, j) for i, j in itertools.combinations(range(n_tokens), 2) if np.any(X[i] != X[j])]
    assume(pairs)
    worst = 0.0
    with strict():
        for i, j in pairs:
            perm = np.arange(n_tokens)
            perm[[i, j]] = perm[[j, i]]
            worst = max(worst, order_experiment(X, X[perm], perm, strength))
    assert math.isfinite(worst)
    assert worst > 1e-3  # far above rounding (~1e-15): the encoding tells the two orders apart


# --- the experiment: "the dog bit the man" / "the man bit the dog" ---------------------

@pytest.fixture(scope="module")
def dog_man(glove):
    a, b = tokenize("the dog bit the man"), tokenize("the man bit the dog")
    perm = match_reordering(a.keys, b.keys)
    return glove.lookup(a.keys).vectors, glove.lookup(b.keys).vectors, perm, a.keys, b.keys


def test_match_reordering_pairs_each_word_with_itself(dog_man):
    X_a, X_b, perm, keys_a, keys_b = dog_man
    assert perm.tolist() == [0, 4, 2, 3, 1]
    assert [keys_a[p] for p in perm] == list(keys_b)
    assert np.array_equal(X_b, X_a[perm])
    with pytest.raises(SettingsError, match="only in the first: dog; only in the second: cat"):
        match_reordering(["the", "dog"], ["the", "cat"])
    with pytest.raises(SettingsError, match="only in the first: the; only in the second: none"):
        match_reordering(["the", "dog", "the"], ["dog", "the"])


def test_without_positions_man_leaves_attention_the_same_whoever_bit_whom(dog_man):
    X_a, X_b, perm, keys_a, keys_b = dog_man
    with strict():
        out_a = self_attention(X_a).contextual_embeddings
        out_b = self_attention(X_b).contextual_embeddings
        biggest = order_experiment(X_a, X_b, perm, 0.0)
    man_a, man_b = keys_a.index("man"), keys_b.index("man")
    assert_close(out_b[man_b], out_a[man_a], rtol=0, atol=1e-12)
    assert_close(out_b, out_a[perm], rtol=0, atol=1e-12)
    assert math.isfinite(biggest) and biggest <= 1e-12


def test_with_positions_the_outputs_differ_and_more_so_with_strength(dog_man):
    X_a, X_b, perm, keys_a, keys_b = dog_man
    with strict():
        biggest = [order_experiment(X_a, X_b, perm, s) for s in (0.5, 1.0, 2.0)]
        per_word = word_order_differences(X_a, X_b, perm, 1.0)
    assert all(math.isfinite(d) for d in biggest) and np.all(np.isfinite(per_word))
    # measured: 0.39, 1.03, 2.92 (GloVe 6B 50d, projections off, scaled by sqrt(50))
    assert biggest[0] > 0.1
    assert biggest[0] < biggest[1] < biggest[2]
    # "dog" and "man" traded places: they move most; "bit" stayed at position 2 and moves least
    assert per_word.shape == (5,)
    assert set(np.argsort(per_word)[-2:]) == {keys_b.index("man"), keys_b.index("dog")}
    assert np.argmin(per_word) == keys_b.index("bit")


def test_a_causal_mask_alone_already_sees_word_order(dog_man):
    X_a, X_b, perm, _, _ = dog_man
    with strict():
        biggest = order_experiment(X_a, X_b, perm, 0.0, causal=True)
    assert math.isfinite(biggest) and biggest > 0.1  # "dog" first sees only "the dog", later all five


def test_order_experiment_refuses_a_wrong_permutation(dog_man):
    X_a, X_b, perm, _, _ = dog_man
    with pytest.raises(ShapeError, match="direction"):
        order_experiment(X_a, X_b, np.array([0, 4, 2, 1, 3]), 1.0)
    with pytest.raises(ShapeError, match="each of the 5 positions"):
        order_experiment(X_a, X_b, [0, 0, 2, 3, 1], 1.0)
    with pytest.raises(ShapeError):
        order_experiment(X_a, X_b[:4], perm[:4], 1.0)
    with pytest.raises(AttentionLabError):
        order_experiment(X_a, X_b, perm, -1.0)
