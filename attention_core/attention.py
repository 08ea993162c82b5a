"""Scaled dot-product self-attention, one function per equation.

    queries = X @ W_Q                                   (n_tokens, d_k)
    keys    = X @ W_K                                   (n_tokens, d_k)
    values  = X @ W_V                                   (n_tokens, d_v)
    scores  = queries @ keys.T                          (n_tokens, n_tokens)
    attention_weights = softmax(scores / sqrt(d_k))     (n_tokens, n_tokens), rows sum to 1
    contextual_embeddings = attention_weights @ values  (n_tokens, d_v)

All arithmetic is float64. Inputs are checked at the door: a NaN or infinity
is refused (it would silently turn every weight in its row into NaN), and a
product that overflows is reported instead of being passed on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import MaskError, NonFiniteError, ShapeError


def _as_float64(a, what: str, ndim: int | None = None) -> np.ndarray:
    """float64 copy-if-needed of ``a``; refuses NaN/inf and wrong ranks."""
    try:
        arr = np.asarray(a)
    except ValueError:  # ragged nested lists
        raise ShapeError(f"{what} must be a rectangular array: every row the same length") from None
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.complexfloating):
        raise ShapeError(f"{what} must be real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if ndim is not None and arr.ndim != ndim:
        raise ShapeError(f"{what} must be a {ndim}-D array (n_tokens x dimensions), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise NonFiniteError(f"{what} contains NaN or infinity; every entry must be a finite number.")
    return arr


def softmax(scores, axis: int = -1) -> np.ndarray:
    """Numerically stable softmax along ``axis``, in float64.

    softmax(x)_i = exp(x_i - max(x)) / sum_j exp(x_j - max(x)).

    Subtracting the row maximum changes nothing mathematically (the factor
    exp(-max) cancels) but keeps every exponent <= 0, so exp never overflows:
    softmax([1000, 0]) is [1, 0] rather than inf/inf = NaN, and
    softmax([-1000, -1000]) is [0.5, 0.5] rather than 0/0.

    ``-inf`` means "masked: do not attend". A row that is entirely ``-inf`` has
    nothing to attend to; it gets all zeros (never NaN). ``+inf`` and NaN are
    refused with ``NonFiniteError``.

    Parameters
    ----------
    scores : array_like, any shape with at least one element along ``axis``
    axis : int

    Returns
    -------
    ndarray of float64, same shape: non-negative, each slice along ``axis``
    sums to 1 (or is all zeros when fully masked).
    """
    x = np.asarray(scores)
    if x.dtype == bool or not np.issubdtype(x.dtype, np.number):
        raise ShapeError(f"scores must be numbers, got dtype {x.dtype}")
    x = x.astype(np.float64, copy=False)
    if x.ndim == 0 or x.shape[axis] == 0:
        raise ShapeError(f"softmax needs at least one score along axis {axis}, got shape {x.shape}")
    if np.isnan(x).any() or np.isposinf(x).any():
        raise NonFiniteError("scores contain NaN or +infinity; softmax needs finite scores (-inf = masked).")
    row_max = np.max(x, axis=axis, keepdims=True)
    masked = np.isneginf(row_max)  # rows with nothing to attend to
    with np.errstate(over="ignore"):  # a spread beyond float64 (1e308 - -1e308) is -inf: weight 0, its true limit
        shifted = x - np.where(masked, 0.0, row_max)  # every entry <= 0 (or -inf)
    e = np.exp(shifted)  # exp(-inf) = 0 exactly, no warning
    total = e.sum(axis=axis, keepdims=True)
    return np.divide(e, total, out=np.zeros_like(e), where=total > 0)


def resolve_scale(scale, d_k: int) -> float:
    """The number the scores are divided by.

    ``True`` -> sqrt(d_k) (the paper's choice), ``False`` -> 1 (no scaling), a
    positive finite number -> that number (a softmax temperature: dividing by
    sqrt(d_k) *is* softmax at temperature sqrt(d_k)).

    Why sqrt(d_k): if the entries of q and k are independent with mean 0 and
    variance 1, q . k is a sum of d_k such products and has variance d_k. Dividing
    by its standard deviation sqrt(d_k) brings the scores back to unit variance,
    so softmax does not saturate into a one-hot row as d_k grows.
    """
    if isinstance(scale, (bool, np.bool_)):
        return float(np.sqrt(d_k)) if scale else 1.0
    try:
        value = float(scale)
    except (TypeError, ValueError):
        raise NonFiniteError(f"scale must be True, False or a positive number, got {scale!r}") from None
    if not np.isfinite(value) or value <= 0:
        raise NonFiniteError(f"scale must be a positive finite number, got {scale!r}")
    return value


def _check_mask(mask, n_queries: int, n_keys: int) -> np.ndarray:
    m = np.asarray(mask)
    if m.dtype != bool:
        raise MaskError(
            f"the mask must be boolean with True = attend, False = blocked; got dtype {m.dtype}"
        )
    if m.shape != (n_queries, n_keys):
        raise MaskError(
            f"the mask must have shape (n_queries, n_keys) = ({n_queries}, {n_keys}) with True = attend; got {m.shape}"
        )
    return m


@dataclass(frozen=True)
class Attended:
    """What ``attention`` returns: the output and the weights (plus the scores, for the screens).

    Attributes
    ----------
    contextual_embeddings : (n_queries, d_v) each row a weighted average of the value rows
    attention_weights : (n_queries, n_keys) rows sum to 1 (all zeros for a fully masked row)
    scores : (n_queries, n_keys) queries @ keys.T, unscaled
    scaled_scores : (n_queries, n_keys) scores / divisor, -inf where masked
    divisor : float, what the scores were divided by (sqrt(d_k), 1, or a temperature)
    """

    contextual_embeddings: np.ndarray
    attention_weights: np.ndarray
    scores: np.ndarray
    scaled_scores: np.ndarray
    divisor: float


def attention(queries, keys, values, *, scale=True, mask=None) -> Attended:
    """softmax(queries @ keys.T / sqrt(d_k)) @ values: the four steps of the tutorial.

    Parameters
    ----------
    queries : (n_queries, d_k)
    keys : (n_keys, d_k)
    values : (n_keys, d_v)
    scale : True (divide by sqrt(d_k)), False (by 1) or a positive number, see ``resolve_scale``
    mask : bool (n_queries, n_keys), optional. True = may attend.
    """
    queries, keys, values, mask = _checked(queries, keys, values, mask)  # the door: shapes, NaN, inf
    divisor = resolve_scale(scale, queries.shape[1])
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported by _finite, never as a warning
        scores = _finite(queries @ keys.T, "the scores")  # 1. (n_queries, n_keys) every query . every key
        scaled_scores = _finite(scores / divisor, f"the scores divided by {divisor:g}")  # 2. (n_queries, n_keys)
        scaled_scores = np.where(mask, scaled_scores, -np.inf)  # blocked cells are never attended
        attention_weights = softmax(scaled_scores, axis=-1)  # 3. (n_queries, n_keys) each row sums to 1
        contextual_embeddings = attention_weights @ values  # 4. (n_queries, d_v) weighted average of values
    return Attended(contextual_embeddings, attention_weights, scores, scaled_scores, divisor)


def _finite(a: np.ndarray, what: str) -> np.ndarray:
    """``a`` if every entry is finite; else the overflow is said in words (never passed on as inf/NaN).

    A finite scaled score that became -inf would pass for a masked cell, so this runs before the mask.
    """
    if not np.all(np.isfinite(a)):
        raise NonFiniteError(f"{what} overflowed (the vectors are too large); use smaller numbers "
                             "or a larger scale.")
    return a


def _checked(queries, keys, values, mask) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The door of ``attention``: float64 arrays of matching shapes, finite, and a boolean mask."""
    queries = _as_float64(queries, "queries", 2)  # (n_queries, d_k)
    keys = _as_float64(keys, "keys", 2)  # (n_keys, d_k)
    values = _as_float64(values, "values", 2)  # (n_keys, d_v)
    if queries.shape[1] != keys.shape[1]:
        raise ShapeError(
            f"queries {queries.shape} and keys {keys.shape} must have the same number of columns (d_k)"
        )
    if keys.shape[0] != values.shape[0]:
        raise ShapeError(f"keys {keys.shape} and values {values.shape} must have one row per token each")
    if queries.shape[1] == 0 or keys.shape[0] == 0 or queries.shape[0] == 0:
        raise ShapeError(f"empty input: queries {queries.shape}, keys {keys.shape}; d_k must be >= 1")
    n_queries, n_keys = queries.shape[0], keys.shape[0]
    mask = np.ones((n_queries, n_keys), dtype=bool) if mask is None else _check_mask(mask, n_queries, n_keys)
    return queries, keys, values, mask


@dataclass(frozen=True)
class Projections:
    """The learnable matrices W_Q, W_K (d_model, d_k) and W_V (d_model, d_v)."""

    W_Q: np.ndarray
    W_K: np.ndarray
    W_V: np.ndarray
    kind: str = "custom"

    def __post_init__(self):
        W_Q = _as_float64(self.W_Q, "W_Q", 2)
        W_K = _as_float64(self.W_K, "W_K", 2)
        W_V = _as_float64(self.W_V, "W_V", 2)
        if W_Q.shape != W_K.shape:
            raise ShapeError(f"W_Q {W_Q.shape} and W_K {W_K.shape} must have the same shape (d_model, d_k)")
        if W_V.shape[0] != W_Q.shape[0]:
            raise ShapeError(f"W_V {W_V.shape} must have d_model = {W_Q.shape[0]} rows like W_Q")
        if W_Q.shape[1] == 0 or W_V.shape[1] == 0:
            raise ShapeError(f"d_k and d_v must be at least 1; got W_Q {W_Q.shape}, W_V {W_V.shape}")
        object.__setattr__(self, "W_Q", W_Q)
        object.__setattr__(self, "W_K", W_K)
        object.__setattr__(self, "W_V", W_V)

    @property
    def d_model(self) -> int:
        return self.W_Q.shape[0]

    @property
    def d_k(self) -> int:
        return self.W_Q.shape[1]

    @property
    def d_v(self) -> int:
        return self.W_V.shape[1]

    @property
    def values_in_word_space(self) -> bool:
        """True when W_V is the identity, so values (and outputs) are word vectors.

        Only then may an output be compared with embeddings (nearest GloVe words,
        concept scores, one PCA map with X). A random square W_V has the right
        shape but mixes the axes, so the shape alone does not decide it.
        """
        d_model, d_v = self.W_V.shape
        return d_model == d_v and bool(np.array_equal(self.W_V, np.eye(d_model)))

    @classmethod
    def identity(cls, d_model: int) -> Projections:
        """Projections off: queries = keys = values = X (the tutorial's first version)."""
        if int(d_model) < 1:
            raise ShapeError(f"d_model must be at least 1, got {d_model}")
        eye = np.eye(int(d_model))
        return cls(eye, eye.copy(), eye.copy(), kind="identity")

    @classmethod
    def random(cls, d_model: int, d_k: int, d_v: int | None = None, seed: int = 0) -> Projections:
        """Seeded random W_Q, W_K ~ N(0, 1/d_model), shape (d_model, d_k).

        Variance 1/d_model keeps each query/key entry on the scale of one input
        entry (Xavier/LeCun initialisation), so scores do not blow up with d_model.

        ``d_v=None`` (default) keeps W_V the identity (d_model, d_model): values
        stay in the embedding space, so an output can be compared with the
        embeddings (nearest GloVe words, concept scores). ``d_v=k`` draws a
        random W_V (d_model, k) as in the paper; compare outputs with values then.

        Sizes must be whole numbers from 1 to ``MAX_RANDOM_SIZE`` (``ShapeError``)
        and ``seed`` a whole number from 0 to 2**32 - 1 (``OutOfRangeError``):
        numpy would refuse a negative seed with its own message, and ``int(1.5)``
        would quietly draw a (d_model, 1) matrix.
        """
        from .numbers import MAX_RANDOM_SIZE, check_seed, check_whole  # only this method uses them here

        d_model = check_whole("d_model", d_model, 1, MAX_RANDOM_SIZE, ShapeError)
        d_k = check_whole("d_k", d_k, 1, MAX_RANDOM_SIZE, ShapeError)
        if d_v is not None:
            d_v = check_whole("d_v", d_v, 1, MAX_RANDOM_SIZE, ShapeError)
        seed = check_seed(seed)
        rng = np.random.default_rng(seed)
        std = 1.0 / np.sqrt(d_model)
        W_Q = rng.normal(0.0, std, size=(d_model, d_k))  # (d_model, d_k)
        W_K = rng.normal(0.0, std, size=(d_model, d_k))  # (d_model, d_k)
        if d_v is None:
            W_V = np.eye(d_model)  # (d_model, d_model)
        else:
            W_V = rng.normal(0.0, std, size=(d_model, d_v))  # (d_model, d_v)
        return cls(W_Q, W_K, W_V, kind="random")


@dataclass(frozen=True)
class AttentionTrace:
    """Every intermediate of one self-attention pass (what the screens show).

    Attributes
    ----------
    X : (n_tokens, d_model) embeddings
    projections : Projections used
    queries, keys : (n_tokens, d_k)
    values : (n_tokens, d_v)
    scores : (n_tokens, n_tokens), queries @ keys.T
    scaled_scores : (n_tokens, n_tokens), scores / divisor (-inf where masked)
    attention_weights : (n_tokens, n_tokens), rows sum to 1
    contextual_embeddings : (n_tokens, d_v)
    d_k : int
    divisor : float, sqrt(d_k) when scaling is on, 1 when off
    masked_rows : (n_tokens,) bool, rows with nothing to attend to (all-zero weights)
    """

    X: np.ndarray
    projections: Projections
    queries: np.ndarray
    keys: np.ndarray
    values: np.ndarray
    scores: np.ndarray
    scaled_scores: np.ndarray
    attention_weights: np.ndarray
    contextual_embeddings: np.ndarray
    d_k: int
    divisor: float
    masked_rows: np.ndarray


def self_attention(X, projections: Projections | None = None, *, scale=True, causal: bool = False,
                   mask=None) -> AttentionTrace:
    """Self-attention of a sentence's embeddings ``X`` (n_tokens, d_model).

    Parameters
    ----------
    X : array_like (n_tokens, d_model); any real dtype, computed in float64
    projections : Projections, optional. None = identity (projections off).
    scale : True (divide by sqrt(d_k)), False, or a positive divisor.
    causal : bool. True = each token attends only to itself and earlier tokens.
    mask : bool (n_tokens, n_tokens), optional, True = attend. Combined with ``causal``.

    Raises
    ------
    ShapeError, NonFiniteError, MaskError
    """
    X = _as_float64(X, "X (the embeddings)", 2)  # (n_tokens, d_model)
    n_tokens, d_model = X.shape
    if n_tokens == 0 or d_model == 0:
        raise ShapeError(f"X must have at least one token and one dimension, got shape {X.shape}")
    if projections is None:
        projections = Projections.identity(d_model)
    if projections.d_model != d_model:
        raise ShapeError(
            f"the embeddings have {d_model} dimensions but W_Q expects {projections.d_model} "
            f"(X {X.shape}, W_Q {projections.W_Q.shape}); use projections made for this embedding size."
        )
    full_mask = None
    if mask is not None:
        full_mask = _check_mask(mask, n_tokens, n_tokens)
    if causal:
        tril = np.tril(np.ones((n_tokens, n_tokens), dtype=bool))
        full_mask = tril if full_mask is None else (full_mask & tril)

    # 1. three views of every word
    with np.errstate(over="ignore", invalid="ignore"):
        queries = X @ projections.W_Q  # (n_tokens, d_k)
        keys = X @ projections.W_K  # (n_tokens, d_k)
        values = X @ projections.W_V  # (n_tokens, d_v)
    if not (np.all(np.isfinite(queries)) and np.all(np.isfinite(keys)) and np.all(np.isfinite(values))):
        raise NonFiniteError("the projections overflowed (the vectors are too large); use smaller numbers.")
    # 2.-4. scores, softmax, weighted sum
    out = attention(queries, keys, values, scale=scale, mask=full_mask)
    masked_rows = ~full_mask.any(axis=1) if full_mask is not None else np.zeros(n_tokens, dtype=bool)
    return AttentionTrace(
        X=X, projections=projections, queries=queries, keys=keys, values=values,
        scores=out.scores, scaled_scores=out.scaled_scores, attention_weights=out.attention_weights,
        contextual_embeddings=out.contextual_embeddings, d_k=projections.d_k, divisor=out.divisor,
        masked_rows=masked_rows,
    )
