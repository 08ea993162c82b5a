"""attention_core.experiments.measure_scaling: the measurement agrees with the
scaling argument (Var(q . k) = d_k, Var(q . k / sqrt(d_k)) = 1; unscaled softmax
rows sharpen with d_k, scaled rows do not).

Figures measured when these tests were written (default grid 1..512, n_rows=2000,
n_tokens=10, seed 0): variance within 5% of d_k; unscaled mean max weight
0.27 -> 0.95; scaled 0.27 .. 0.32 (max/min 1.20); unscaled entropy 2.00 -> 0.12 nats.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from attention_core import ScalingMeasurement, measure_scaling
from attention_core.experiments import query_key_scores

FIELDS = ("score_variance", "scaled_variance", "max_weight_unscaled", "max_weight_scaled",
          "entropy_unscaled", "entropy_scaled")


def finite(*arrays) -> bool:
    return all(np.all(np.isfinite(np.asarray(a, dtype=np.float64))) for a in arrays)


def spearman(x, y) -> float:
    """Rank correlation (no ties in our data)."""
    rx = np.argsort(np.argsort(np.asarray(x))).astype(float)
    ry = np.argsort(np.argsort(np.asarray(y))).astype(float)
    return float(np.corrcoef(rx, ry)[0, 1])


@pytest.fixture(scope="module")
def m() -> ScalingMeasurement:
    return measure_scaling()  # the default grid and n_rows, as the page shows it


def test_shapes_and_grid(m):
    assert isinstance(m, ScalingMeasurement)
    assert m.d_k.tolist() == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
    assert m.n_tokens == 10
    for name in FIELDS:
        values = getattr(m, name)
        assert values.shape == m.d_k.shape, name
        assert finite(values), name


def test_unscaled_score_variance_is_d_k(m):
    assert finite(m.score_variance)
    ratio = m.score_variance / m.d_k
    assert np.all(np.abs(ratio - 1.0) < 0.15), ratio


def test_scaled_score_variance_is_one(m):
    assert finite(m.scaled_variance)
    assert np.all(np.abs(m.scaled_variance - 1.0) < 0.15), m.scaled_variance
    # dividing by sqrt(d_k) divides the variance by d_k exactly (same draws)
    np.testing.assert_allclose(m.scaled_variance, m.score_variance / m.d_k, rtol=1e-12)


def test_unscaled_softmax_sharpens_with_d_k(m):
    mw = m.max_weight_unscaled
    assert finite(mw)
    assert mw[-1] > mw[0] + 0.5  # measured 0.27 -> 0.95
    assert mw[-1] > 0.9
    assert spearman(m.d_k, mw) > 0.95
    assert np.all(np.diff(mw) > -0.01), np.diff(mw)  # non-decreasing up to sampling noise
    # entropy tells the same story: towards one-hot
    assert spearman(m.d_k, m.entropy_unscaled) < -0.95
    assert m.entropy_unscaled[-1] < m.entropy_unscaled[0] / 5


def test_scaled_softmax_stays_flat(m):
    ms = m.max_weight_scaled
    assert finite(ms)
    assert ms.max() / ms.min() < 1.3
    # nowhere near one-hot: a row of 10 keys at unit-variance scores
    assert ms.max() < 0.5
    es = m.entropy_scaled
    assert finite(es)
    assert es.max() / es.min() < 1.1


def test_d_k_one_scaled_equals_unscaled(m):
    # sqrt(1) = 1: the first row has nothing to scale
    for u, s in [("score_variance", "scaled_variance"), ("max_weight_unscaled", "max_weight_scaled"),
                 ("entropy_unscaled", "entropy_scaled")]:
        a, b = getattr(m, u)[0], getattr(m, s)[0]
        assert np.isfinite(a) and np.isfinite(b)
        assert a == pytest.approx(b, rel=1e-12)


def test_weights_and_entropies_in_range(m):
    n = m.n_tokens
    for name in ("max_weight_unscaled", "max_weight_scaled"):
        w = getattr(m, name)
        assert finite(w)
        assert np.all((w >= 1.0 / n) & (w <= 1.0)), name
    for name in ("entropy_unscaled", "entropy_scaled"):
        h = getattr(m, name)
        assert finite(h)
        assert np.all((h >= 0.0) & (h <= math.log(n) + 1e-12)), name
    # larger unscaled max weight <-> lower entropy, at every d_k
    assert np.all(m.entropy_unscaled <= m.entropy_scaled + 1e-12)
    assert np.all(m.max_weight_unscaled >= m.max_weight_scaled - 1e-12)


def test_deterministic_for_a_seed():
    a = measure_scaling((1, 8, 64), n_rows=300, seed=5)
    b = measure_scaling((1, 8, 64), n_rows=300, seed=5)
    c = measure_scaling((1, 8, 64), n_rows=300, seed=6)
    for name in FIELDS:
        assert finite(getattr(a, name), getattr(c, name))
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
        assert not np.array_equal(getattr(a, name), getattr(c, name)), name


def test_custom_grid_and_n_tokens():
    r = measure_scaling((3, 30), n_tokens=4, n_rows=500, seed=1)
    assert r.d_k.tolist() == [3, 30]
    assert r.n_tokens == 4
    for name in FIELDS:
        assert getattr(r, name).shape == (2,)
        assert finite(getattr(r, name))
    assert np.all(r.entropy_scaled <= math.log(4) + 1e-12)
    assert np.all(r.max_weight_scaled >= 0.25)


def test_single_token_rows_are_one_hot():
    r = measure_scaling((2, 16), n_tokens=1, n_rows=50, seed=0)
    assert finite(r.max_weight_unscaled, r.entropy_unscaled)
    assert np.array_equal(r.max_weight_unscaled, [1.0, 1.0])
    assert np.array_equal(r.max_weight_scaled, [1.0, 1.0])
    assert np.all(r.entropy_unscaled == 0.0) and np.all(r.entropy_scaled == 0.0)


def literal_scores(rng: np.random.Generator, d_k: int, n_rows: int, n_tokens: int) -> np.ndarray:
    """q . k_j as the page says it: every entry of q and of each key drawn N(0, 1), then the dot products."""
    q = rng.standard_normal((n_rows, 1, d_k))  # (n_rows, 1, d_k)
    k = rng.standard_normal((n_rows, n_tokens, d_k))  # (n_rows, n_tokens, d_k)
    return np.einsum("rid,rjd->rj", q, k)  # (n_rows, n_tokens)


@pytest.mark.parametrize("d_k", [1, 3, 64, 512])
def test_scores_drawn_as_norm_times_normal_match_the_literal_dot_products(d_k):
    """query_key_scores draws |q| (chi with d_k degrees) times one N(0, 1) per key instead of every entry.
    Compared with the literal products on what the page measures of each row (rows are independent, the
    keys of one row are not, as they share q): the row's largest softmax weight, its spread and one score.
    A wrong identity (|q|^2 for |q|, or one |q| for all rows) fails at every d_k but 1."""
    n_rows, n = 4000, 10
    fast = query_key_scores(np.random.default_rng(1), d_k, n_rows, n)
    slow = literal_scores(np.random.default_rng(2), d_k, n_rows, n)
    assert fast.shape == slow.shape == (n_rows, n)
    for name, f in [("largest weight", lambda s: softmax_rows(s).max(axis=1)),
                    ("row variance", lambda s: s.var(axis=1)),
                    ("first score", lambda s: s[:, 0])]:
        p = stats.ks_2samp(f(fast), f(slow)).pvalue
        assert p > 1e-3, (name, p)
    # and both have the variance the page's theory line draws: d_k (sampling error ~ 2 % at 40,000 scores)
    assert fast.var() == pytest.approx(d_k, rel=0.06)


def softmax_rows(s: np.ndarray) -> np.ndarray:
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_wrong_identities_are_told_apart():
    """The comparison above can fail: |q|^2 in place of |q|, or one |q| = sqrt(d_k) for every row, is rejected."""
    d_k, n_rows, n = 4, 4000, 10
    rng = np.random.default_rng(1)
    slow = literal_scores(np.random.default_rng(2), d_k, n_rows, n)
    wrong = {"|q|^2 z": rng.chisquare(d_k, size=n_rows)[:, None] * rng.standard_normal((n_rows, n)),
             "sqrt(d_k) z": np.sqrt(d_k) * rng.standard_normal((n_rows, n))}
    for name, scores in wrong.items():
        assert stats.ks_2samp(scores.var(axis=1), slow.var(axis=1)).pvalue < 1e-6, name
