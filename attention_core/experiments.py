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


_CHUNK = 250  # query rows drawn at a time


def _entropy(weights: np.ndarray) -> np.ndarray:
    """Row entropy -sum w log w, with 0 log 0 = 0 (no warning for exact zeros)."""
    logs = np.log(weights, out=np.zeros_like(weights), where=weights > 0)
    return -np.sum(weights * logs, axis=-1)


def measure_scaling(d_ks: Sequence[int] = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512), *, n_tokens: int = 10,
                    n_rows: int = 2000, seed: int = 0) -> ScalingMeasurement:
    """Draw q, k ~ N(0, I_{d_k}) and measure score variance and softmax peakedness against d_k.

    For each d_k: ``n_rows`` independent query rows, each against ``n_tokens``
    keys: scores (n_rows, n_tokens). q . k is a sum of d_k products of
    independent unit-variance numbers, so its variance is d_k; dividing by
    sqrt(d_k) restores variance 1 and keeps softmax from collapsing to one-hot.
    """
    rng = np.random.default_rng(seed)
    rows = {k: [] for k in ("var", "svar", "mu", "ms", "eu", "es")}
    for d_k in d_ks:
        scores = np.empty((n_rows, n_tokens))  # (n_rows, n_tokens)
        for start in range(0, n_rows, _CHUNK):  # in chunks: at d_k = 512 all keys at once would be 80 MB
            r = min(_CHUNK, n_rows - start)
            q = rng.standard_normal((r, 1, d_k))  # (rows, 1, d_k)
            k = rng.standard_normal((r, n_tokens, d_k))  # (rows, n_tokens, d_k)
            scores[start:start + r] = np.einsum("rid,rjd->rj", q, k)
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
