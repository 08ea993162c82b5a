"""Measurements behind the "why" pages: run, don't assert.

Each function draws random unit-variance queries and keys with a seeded
generator and *measures* what the scaling argument predicts, so the page shows
a measurement, never a hard-coded table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .attention import softmax


@dataclass(frozen=True)
class ScalingMeasurement:
    """One row per d_k.

    Attributes
    ----------
    d_k : (m,) int
    score_variance : (m,) measured Var(q . k), unscaled; theory: d_k
    scaled_variance : (m,) measured Var(q . k / sqrt(d_k)); theory: 1
    max_weight_unscaled, max_weight_scaled : (m,) mean of each softmax row's largest weight
    entropy_unscaled, entropy_scaled : (m,) mean row entropy in nats (log(n_tokens) = uniform, 0 = one-hot)
    n_tokens : int, keys per query row
    """

    d_k: np.ndarray
    score_variance: np.ndarray
    scaled_variance: np.ndarray
    max_weight_unscaled: np.ndarray
    max_weight_scaled: np.ndarray
    entropy_unscaled: np.ndarray
    entropy_scaled: np.ndarray
    n_tokens: int


def _entropy(weights: np.ndarray) -> np.ndarray:
    """Row entropy -sum w log w, with 0 log 0 = 0 (no warning for exact zeros)."""
    logs = np.log(weights, out=np.zeros_like(weights), where=weights > 0)
    return -np.sum(weights * logs, axis=-1)


def query_key_scores(rng: np.random.Generator, d_k: int, n_rows: int, n_tokens: int) -> np.ndarray:
    """Scores q . k_j of ``n_rows`` random queries, each against ``n_tokens`` random keys: (n_rows, n_tokens).

    Every entry of q and of each k_j is drawn N(0, 1), independently. Drawn as it reads, that is
    (n_tokens + 1) d_k numbers per row: 10.2 million at d_k = 512, ~0.3 s for the page's grid, which a class
    that tries another seed waited for. The same scores come exactly from fewer draws: given q, q . k_j is a
    sum of independent N(0, q_i^2) terms, so it is N(0, |q|^2), independently for each key; and |q|^2 is a
    sum of d_k squared N(0, 1) numbers, chi-square with d_k degrees of freedom. So each row draws |q| once
    (``sqrt(chisquare(d_k))``) and one N(0, 1) number z_j per key: scores = |q| z, the same joint
    distribution as the literal products (tests/test_core_experiments.py compares the two), at
    (1 + n_tokens) draws per row whatever d_k is (~15 ms for the grid, softmax and entropies included).
    """
    q_norm = np.sqrt(rng.chisquare(d_k, size=n_rows))  # (n_rows,) |q| for q ~ N(0, I_{d_k})
    z = rng.standard_normal((n_rows, n_tokens))  # (n_rows, n_tokens) q . k_j / |q| ~ N(0, 1), independent
    return q_norm[:, None] * z  # (n_rows, n_tokens)


def measure_scaling(d_ks: Sequence[int] = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512), *, n_tokens: int = 10,
                    n_rows: int = 2000, seed: int = 0) -> ScalingMeasurement:
    """Draw q, k ~ N(0, I_{d_k}) and measure score variance and softmax peakedness against d_k.

    For each d_k: ``n_rows`` independent query rows, each against ``n_tokens``
    keys: scores (n_rows, n_tokens) (``query_key_scores``). q . k is a sum of d_k products of
    independent unit-variance numbers, so its variance is d_k; dividing by
    sqrt(d_k) restores variance 1 and keeps softmax from collapsing to one-hot.
    """
    rng = np.random.default_rng(seed)
    rows = {k: [] for k in ("var", "svar", "mu", "ms", "eu", "es")}
    for d_k in d_ks:
        scores = query_key_scores(rng, d_k, n_rows, n_tokens)  # (n_rows, n_tokens)
        scaled = scores / np.sqrt(d_k)
        w_u, w_s = softmax(scores), softmax(scaled)
        rows["var"].append(scores.var())
        rows["svar"].append(scaled.var())
        rows["mu"].append(w_u.max(axis=1).mean())
        rows["ms"].append(w_s.max(axis=1).mean())
        rows["eu"].append(_entropy(w_u).mean())
        rows["es"].append(_entropy(w_s).mean())
    return ScalingMeasurement(
        d_k=np.array(d_ks), score_variance=np.array(rows["var"]), scaled_variance=np.array(rows["svar"]),
        max_weight_unscaled=np.array(rows["mu"]), max_weight_scaled=np.array(rows["ms"]),
        entropy_unscaled=np.array(rows["eu"]), entropy_scaled=np.array(rows["es"]), n_tokens=n_tokens,
    )
