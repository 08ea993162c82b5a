"""attention_core.heads: multi-head attention against single-head attention, shapes, seeding,
validation (n_heads must divide d_model, the message names the divisors) and head_costs' formula."""

from __future__ import annotations

import numpy as np
import pytest

from attention_core import (
    AttentionLabError,
    MultiHeadProjections,
    MultiHeadTrace,
    Projections,
    ShapeError,
    divisors,
    head_costs,
    multi_head_attention,
    self_attention,
)


def finite(*arrays) -> bool:
    return all(np.all(np.isfinite(np.asarray(a, dtype=np.float64))) for a in arrays)


def sentence(n_tokens: int = 7, d_model: int = 50, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, 0.5, size=(n_tokens, d_model))  # (n_tokens, d_model)


# --- one head with W_O = I is the tutorial's self-attention ------------------------

@pytest.mark.parametrize("projections", [
    Projections.identity(50),
    Projections.random(50, 16, seed=3),  # W_V = I
    Projections.random(50, 16, d_v=16, seed=4),  # W_V random, as in the paper
])
@pytest.mark.parametrize("scale", [True, False])
@pytest.mark.parametrize("causal", [False, True])
def test_one_head_with_identity_output_is_self_attention(projections, scale, causal):
    X = sentence()
    single = self_attention(X, projections, scale=scale, causal=causal)
    multi = multi_head_attention(X, MultiHeadProjections.from_single(projections), scale=scale, causal=causal)
    assert multi.projections.n_heads == 1 and np.array_equal(multi.projections.W_O, np.eye(projections.d_v))
    assert finite(multi.output, multi.concatenation, single.contextual_embeddings)
    np.testing.assert_allclose(multi.output, single.contextual_embeddings, rtol=0, atol=1e-12)
    np.testing.assert_allclose(multi.heads[0].attention_weights, single.attention_weights, rtol=0, atol=1e-12)


@pytest.mark.parametrize("n_heads", [1, 2, 5, 10])
def test_every_head_is_self_attention_with_its_own_projections(n_heads):
    X = sentence()
    mh = MultiHeadProjections.random(50, n_heads, seed=1)
    trace = multi_head_attention(X, mh)
    assert isinstance(trace, MultiHeadTrace) and len(trace.heads) == n_heads
    for head, p in zip(trace.heads, mh.heads):
        alone = self_attention(X, p)
        assert head.d_k == 50 // n_heads and head.divisor == pytest.approx(np.sqrt(50 // n_heads))
        assert finite(head.attention_weights, alone.attention_weights)
        np.testing.assert_allclose(head.attention_weights, alone.attention_weights, rtol=0, atol=1e-12)
    # the concatenation is the heads side by side, the output is concatenation @ W_O
    expected = np.concatenate([self_attention(X, p).contextual_embeddings for p in mh.heads], axis=1)
    assert finite(trace.concatenation, trace.output, expected)
    np.testing.assert_allclose(trace.concatenation, expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(trace.output, expected @ mh.W_O, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n_heads", [1, 2, 5, 10, 25, 50])
@pytest.mark.parametrize("causal", [False, True])
def test_every_heads_weights_are_row_stochastic_and_shapes_are_named(n_heads, causal):
    n_tokens = 9
    trace = multi_head_attention(sentence(n_tokens), MultiHeadProjections.random(50, n_heads, seed=2), causal=causal)
    weights = trace.attention_weights  # (n_heads, n_tokens, n_tokens)
    assert weights.shape == (n_heads, n_tokens, n_tokens)
    assert finite(weights) and np.all(weights >= 0)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=0, atol=1e-12)
    if causal:
        assert np.all(np.triu(weights, k=1) == 0)
    assert trace.concatenation.shape == (n_tokens, 50)  # n_heads * d_k = d_model
    assert trace.output.shape == (n_tokens, 50)
    assert finite(trace.concatenation, trace.output)


def test_toy_vectors_two_dimensions_allow_one_or_two_heads():
    X = np.array([[2.0, 2.0], [-4.0, 3.0], [4.0, 0.0]])  # (3, 2) apple, love, juice from the tutorial
    assert divisors(2) == (1, 2)
    trace = multi_head_attention(X, MultiHeadProjections.random(2, 2, seed=0))
    assert trace.projections.d_k == 1 and trace.concatenation.shape == (3, 2) and finite(trace.output)


# --- seeding ------------------------------------------------------------------------

def test_random_heads_are_deterministic_per_seed_and_head():
    a, b = MultiHeadProjections.random(50, 5, seed=7), MultiHeadProjections.random(50, 5, seed=7)
    for pa, pb in zip(a.heads, b.heads):
        assert np.array_equal(pa.W_Q, pb.W_Q) and np.array_equal(pa.W_K, pb.W_K) and np.array_equal(pa.W_V, pb.W_V)
    assert np.array_equal(a.W_O, b.W_O)
    c = MultiHeadProjections.random(50, 5, seed=8)
    assert not np.array_equal(a.heads[0].W_Q, c.heads[0].W_Q)
    assert not np.array_equal(a.heads[0].W_Q, a.heads[1].W_Q)  # every head its own stream
    assert not np.array_equal(a.heads[0].W_Q, a.heads[0].W_K)


def test_changing_n_heads_narrows_a_head_without_redrawing_it():
    wide, narrow = MultiHeadProjections.random(50, 2, seed=3), MultiHeadProjections.random(50, 10, seed=3)
    for i in range(2):
        for name in ("W_Q", "W_K", "W_V"):
            w, n = getattr(wide.heads[i], name), getattr(narrow.heads[i], name)
            assert w.shape == (50, 25) and n.shape == (50, 5)
            assert np.array_equal(w[:, :5], n)
    assert np.array_equal(wide.W_O, narrow.W_O)  # W_O (d_model, d_model) does not depend on n_heads


def test_random_entries_have_variance_one_over_d_model():
    mh = MultiHeadProjections.random(512, 8, seed=0)
    entries = np.concatenate([p.W_Q.ravel() for p in mh.heads])
    assert finite(entries) and entries.size == 512 * 512
    assert entries.var() == pytest.approx(1 / 512, rel=0.02)


# --- validation -----------------------------------------------------------------------

def test_divisors():
    assert divisors(50) == (1, 2, 5, 10, 25, 50)  # GloVe 50d
    assert divisors(2) == (1, 2)  # the tutorial's 2-D vectors
    assert divisors(512) == (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
    assert divisors(1) == (1,)
    with pytest.raises(ShapeError):
        divisors(0)


@pytest.mark.parametrize("n_heads", [3, 4, 7, 20])
def test_a_head_count_that_does_not_divide_d_model_names_the_divisors(n_heads):
    with pytest.raises(ShapeError) as err:
        MultiHeadProjections.random(50, n_heads, seed=0)
    message = str(err.value)
    assert f"n_heads = {n_heads}" in message and "d_model = 50" in message
    assert "1, 2, 5, 10, 25, 50" in message
    assert isinstance(err.value, AttentionLabError)


@pytest.mark.parametrize("n_heads", [0, -1, 51, 2.0, True, "2"])
def test_nonsense_head_counts_are_refused(n_heads):
    with pytest.raises(ShapeError):
        MultiHeadProjections.random(50, n_heads, seed=0)


def test_x_of_the_wrong_width_names_both_shapes():
    with pytest.raises(ShapeError) as err:
        multi_head_attention(sentence(4, 20), MultiHeadProjections.random(50, 2, seed=0))
    assert "(4, 20)" in str(err.value) and "d_model = 50" in str(err.value)


def test_heads_of_different_shapes_and_a_wrong_w_o_are_refused():
    a, b = Projections.random(50, 25, d_v=25, seed=0), Projections.random(50, 10, d_v=10, seed=1)
    with pytest.raises(ShapeError, match="same shapes"):
        MultiHeadProjections((a, b), np.eye(50))
    with pytest.raises(ShapeError, match="n_heads \\* d_v"):
        MultiHeadProjections((a, a), np.eye(40))
    with pytest.raises(ShapeError, match="at least one head"):
        MultiHeadProjections((), np.eye(50))
    with pytest.raises(ShapeError):
        multi_head_attention(sentence(), a)  # single-head projections are not multi-head ones


def test_non_finite_x_is_refused():
    X = sentence()
    X[2, 3] = np.nan
    with pytest.raises(AttentionLabError):
        multi_head_attention(X, MultiHeadProjections.random(50, 2, seed=0))


# --- costs: the same for every head count ---------------------------------------------

def test_head_costs_follow_the_formula():
    d, n = 512, 20
    rows = head_costs(d_model=d, heads=(1, 2, 4, 8, 16), n_tokens=n)
    assert [r["n_heads"] for r in rows] == [1, 2, 4, 8, 16]
    for r in rows:
        h = r["n_heads"]
        assert r["d_k"] == d // h
        assert r["parameters_qkv"] == 3 * d * d and r["parameters_output"] == d * d
        assert r["parameters"] == 4 * d * d
        assert r["madds_projections"] == 3 * n * d * d
        assert r["madds_scores"] == h * n * n * r["d_k"] == n * n * d
        assert r["madds_weighted_sums"] == n * n * d
        assert r["madds_output"] == n * d * d
        assert r["madds"] == 4 * n * d * d + 2 * n * n * d
        assert r["attention_patterns"] == h and r["attention_weight_entries"] == h * n * n
        assert finite(list(v for v in r.values()))
    # the claim, no stronger: the totals are equal for every h; only d_k and the number of patterns change
    assert len({r["parameters"] for r in rows}) == 1 and len({r["madds"] for r in rows}) == 1
    assert [r["d_k"] for r in rows] == [512, 256, 128, 64, 32]


def test_head_costs_count_the_real_matrices():
    for h in divisors(50):
        mh = MultiHeadProjections.random(50, h, seed=0)
        (row,) = head_costs(d_model=50, heads=(h,), n_tokens=5)
        assert mh.n_parameters == row["parameters"] == 4 * 50 * 50


def test_head_costs_refuse_a_head_count_that_does_not_divide():
    with pytest.raises(ShapeError, match="1, 2, 5, 10, 25, 50"):
        head_costs(d_model=50, heads=(1, 3))
