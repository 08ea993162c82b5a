"""Identities of attention, checked by hypothesis on bounded, finite inputs,
plus a naive float64 triple-loop reference written from the equations."""

from __future__ import annotations

import contextlib
import math
import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from attention_core import EmptyInputError, Projections, self_attention, softmax, tokenize

SETTINGS = settings(max_examples=150, deadline=None)

finite = st.floats(min_value=-10, max_value=10, allow_nan=False, allow_infinity=False, width=64)


@st.composite
def embeddings(draw, max_tokens=8, max_dim=8):
    n_tokens = draw(st.integers(1, max_tokens))
    d_model = draw(st.integers(1, max_dim))
    return draw(arrays(np.float64, (n_tokens, d_model), elements=finite))


@st.composite
def embeddings_and_projections(draw):
    """X plus either identity (None) or seeded random projections fitting X."""
    X = draw(embeddings())
    if draw(st.booleans()):
        return X, None
    d_k = draw(st.integers(1, 8))
    d_v = draw(st.one_of(st.none(), st.integers(1, 8)))
    seed = draw(st.integers(0, 2**32 - 1))
    return X, Projections.random(X.shape[1], d_k, d_v=d_v, seed=seed)


scales = st.one_of(st.booleans(), st.floats(min_value=0.25, max_value=8.0))


@contextlib.contextmanager
def strict():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def assert_finite(*arrays_):
    for a in arrays_:
        assert np.all(np.isfinite(a)), a


def assert_close(actual, expected, rtol=1e-12, atol=1e-12):
    assert_finite(actual, expected)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


# --- weights are probability vectors --------------------------------------------

@SETTINGS
@given(embeddings_and_projections(), scales, st.booleans())
def test_weight_rows_are_probability_vectors(xp, scale, causal):
    X, P = xp
    with strict():
        tr = self_attention(X, P, scale=scale, causal=causal)
    w = tr.attention_weights
    assert w.shape == (X.shape[0], X.shape[0])
    assert_finite(w, tr.contextual_embeddings)
    assert np.all(w >= 0.0) and np.all(w <= 1.0)
    assert_close(w.sum(axis=1), np.ones(X.shape[0]), rtol=0, atol=1e-12)
    assert not tr.masked_rows.any()


@SETTINGS
@given(
    arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 8)), elements=finite),
    st.data(),
)
def test_softmax_shift_invariance(scores, data):
    shift = data.draw(arrays(np.float64, (scores.shape[0], 1), elements=st.floats(-100, 100)))
    with strict():
        a = softmax(scores)
        b = softmax(scores + shift)
    assert_close(a, b, rtol=1e-9, atol=1e-12)


# --- permutation equivariance (no position information) -----------------------------

@SETTINGS
@given(embeddings_and_projections(), scales, st.randoms(use_true_random=False))
def test_permutation_equivariance(xp, scale, rnd):
    X, P = xp
    n = X.shape[0]
    perm = list(range(n))
    rnd.shuffle(perm)
    perm = np.array(perm)
    with strict():
        tr = self_attention(X, P, scale=scale)
        tp = self_attention(X[perm], P, scale=scale)
    # token perm[i] of the original is token i of the permuted sentence
    assert_close(tp.contextual_embeddings, tr.contextual_embeddings[perm], rtol=1e-9, atol=1e-9)
    assert_close(tp.attention_weights, tr.attention_weights[np.ix_(perm, perm)], rtol=1e-9, atol=1e-12)
    assert_close(tp.scores, tr.scores[np.ix_(perm, perm)], rtol=1e-12, atol=1e-10)


# --- outputs are convex combinations of the values ------------------------------------

@SETTINGS
@given(embeddings_and_projections(), scales)
def test_outputs_inside_convex_hull_of_values(xp, scale):
    X, P = xp
    with strict():
        tr = self_attention(X, P, scale=scale)
    out, V, w = tr.contextual_embeddings, tr.values, tr.attention_weights
    assert_finite(out, V, w)
    slack = 1e-12 * (1.0 + np.abs(V).max())
    # each coordinate lies between the min and max of that value column
    assert np.all(out >= V.min(axis=0) - slack)
    assert np.all(out <= V.max(axis=0) + slack)
    # and the output is exactly the weights (a probability vector) times the values
    assert np.all(w >= 0)
    assert_close(w.sum(axis=1), np.ones(len(w)), rtol=0, atol=1e-12)
    assert_close(out, w @ V, rtol=1e-12, atol=slack)


@SETTINGS
@given(embeddings())
def test_identity_outputs_inside_axis_aligned_bounds_of_embeddings(X):
    with strict():
        tr = self_attention(X)  # projections off: values = X
    out = tr.contextual_embeddings
    assert_finite(out)
    slack = 1e-12 * (1.0 + np.abs(X).max())
    assert np.all(out >= X.min(axis=0) - slack)
    assert np.all(out <= X.max(axis=0) + slack)


# --- symmetry and scaling --------------------------------------------------------------

@SETTINGS
@given(embeddings())
def test_identity_projections_give_symmetric_scores(X):
    with strict():
        tr = self_attention(X)
    S = tr.scores
    assert_close(S, S.T, rtol=1e-12, atol=1e-10)
    # scores = X X^T: the diagonal is each word's squared length
    assert_close(np.diag(S), (X * X).sum(axis=1), rtol=1e-12, atol=1e-10)


@SETTINGS
@given(embeddings_and_projections())
def test_scaling_is_softmax_of_scores_over_sqrt_dk_and_a_temperature(xp):
    X, P = xp
    with strict():
        on = self_attention(X, P, scale=True)
        off = self_attention(X, P, scale=False)
        temp = self_attention(X, P, scale=math.sqrt(on.d_k))
    d_k = X.shape[1] if P is None else P.d_k
    assert on.d_k == d_k
    # the unscaled scores do not depend on the scale
    assert_close(on.scores, off.scores, rtol=0, atol=0)
    by_hand = softmax(off.scores / math.sqrt(d_k))
    assert_close(on.attention_weights, by_hand, rtol=1e-12, atol=1e-15)
    assert_close(on.attention_weights, temp.attention_weights, rtol=0, atol=0)
    assert_close(on.contextual_embeddings, temp.contextual_embeddings, rtol=0, atol=0)
    assert_close(off.attention_weights, softmax(off.scores), rtol=1e-12, atol=1e-15)


# --- naive reference --------------------------------------------------------------------

def naive_self_attention(X, W_Q, W_K, W_V, divisor):
    """The equations with plain Python floats and loops (float64 throughout)."""
    X, W_Q, W_K, W_V = (np.asarray(a, dtype=np.float64).tolist() for a in (X, W_Q, W_K, W_V))
    n, d_model = len(X), len(X[0])
    d_k, d_v = len(W_Q[0]), len(W_V[0])

    def project(W, cols):
        return [[math.fsum(X[t][i] * W[i][c] for i in range(d_model)) for c in range(cols)] for t in range(n)]

    Q, K, V = project(W_Q, d_k), project(W_K, d_k), project(W_V, d_v)
    weights, outputs = [], []
    for i in range(n):
        s = [math.fsum(Q[i][c] * K[j][c] for c in range(d_k)) / divisor for j in range(n)]
        m = max(s)
        e = [math.exp(v - m) for v in s]
        total = math.fsum(e)
        w = [v / total for v in e]
        weights.append(w)
        outputs.append([math.fsum(w[j] * V[j][c] for j in range(n)) for c in range(d_v)])
    return np.array(weights), np.array(outputs)


@SETTINGS
@given(embeddings_and_projections(), scales)
def test_agrees_with_naive_loop_reference(xp, scale):
    X, P = xp
    if P is None:
        P = Projections.identity(X.shape[1])
    with strict():
        tr = self_attention(X, P, scale=scale)
    d_k = P.d_k
    divisor = math.sqrt(d_k) if scale is True else (1.0 if scale is False else float(scale))
    w_ref, out_ref = naive_self_attention(X, P.W_Q, P.W_K, P.W_V, divisor)
    assert tr.divisor == divisor
    # relative 1e-10; the absolute floor is relative to the size of the values,
    # for outputs that cancel to ~0 and weights that underflow to ~0
    assert_close(tr.attention_weights, w_ref, rtol=1e-10, atol=1e-14)
    scale_v = 1.0 + np.abs(tr.values).max()
    assert_close(tr.contextual_embeddings, out_ref, rtol=1e-10, atol=1e-10 * scale_v)


def test_naive_reference_is_itself_right_on_the_tutorial_example():
    # guard against a reference that agrees with the implementation for the wrong reason
    X = np.array([[-4.0, 3.0], [2.0, 2.0], [2.0, 2.0]])
    I2 = np.eye(2)
    w, out = naive_self_attention(X, I2, I2, I2, 1.0)
    e = math.exp(-10.0)
    assert_close(w[1], [e / (e + 2), 1 / (e + 2), 1 / (e + 2)], rtol=1e-14)
    assert_close(out[1], (e * X[0] + X[1] + X[2]) / (e + 2), rtol=1e-14)


# text made of the characters the tokenizer treats specially, so the rules meet each other often
_TRICKY = st.lists(st.sampled_from(list("aAsSdtnmlrveé.'’ -!\u0301") + ["n't", "'s", "U.S.", "'ll"]),
                   max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(_TRICKY)
def test_tokenizing_the_words_again_gives_the_same_words(text):
    """The tokens are a fixed point: joining them with spaces and tokenizing again changes nothing, so no
    piece (an apostrophe, a dot) is ever lost, and a key is always the lookup key of its word."""
    try:
        tokens = tokenize(text)
    except EmptyInputError:
        return
    again = tokenize(" ".join(tokens.words))
    assert again.words == tokens.words and again.keys == tokens.keys
    assert all("'" in k or "\u2019" not in w for w, k in zip(tokens.words, tokens.keys))  # ’ looked up as '
