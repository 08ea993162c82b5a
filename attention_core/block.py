"""One transformer block, in the paper's order (post-layer-norm, Vaswani et al. 2017, section 3.1):

    after_attention = self_attention(X)                     (n_tokens, d_model)
    after_add_1     = X + after_attention                   (n_tokens, d_model) the residual stream
    after_norm_1    = layer_norm(after_add_1)               (n_tokens, d_model)
    ffn_hidden      = relu(after_norm_1 @ W_1 + b_1)        (n_tokens, 4 d_model)
    ffn_out         = ffn_hidden @ W_2 + b_2                (n_tokens, d_model)
    after_add_2     = after_norm_1 + ffn_out                (n_tokens, d_model) the residual stream again
    output          = layer_norm(after_add_2)               (n_tokens, d_model)

Attention mixes the words; the feed-forward network then works on each word alone (the same
W_1, W_2 for every position). Without the residual stream each "add" is left out and a word
keeps only what attention and the network pass on; ``stage_similarity`` measures how much of
each word's own vector survives each stage.

The feed-forward weights here are random (seeded), not trained: the page shows shapes, what
each stage does to the numbers, and how the residual stream keeps the word, not a trained model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .attention import AttentionTrace, Projections, _as_float64, self_attention
from .errors import NonFiniteError, SettingsError, ShapeError
from .numbers import check_seed, check_whole
from .positions import _check_real

FFN_MULTIPLIER = 4  # the paper: d_ff = 2048 = 4 x d_model (512)
LAYER_NORM_EPS = 1e-5  # PyTorch's nn.LayerNorm default: negligible next to a word's variance, > 0 for a constant row
MAX_BLOCK_D_MODEL = 1024  # W_1 and W_2 are d_model x 4 d_model: 1024 x 4096 float64 is 32 MB each
STAGES = ("after_attention", "after_add_1", "after_norm_1", "ffn_out", "after_add_2", "output")


def layer_norm(X, eps: float = LAYER_NORM_EPS) -> np.ndarray:
    """Each word's vector shifted to mean 0 and scaled to variance 1 (across its own d_model numbers).

    layer_norm(x) = (x - mean(x)) / sqrt(var(x) + eps), row by row; no learned gain or bias (the
    paper's gain 1 and bias 0 at initialisation), so it has no parameters.

    Parameters
    ----------
    X : array_like (n_tokens, d_model), finite
    eps : float in (0, 1], default 1e-5

    Returns
    -------
    ndarray of float64 (n_tokens, d_model): each row has mean 0 and variance var / (var + eps), i.e. 1
    for any row whose variance is much larger than eps.

    Why eps: a row whose numbers are all equal (an all-zero unknown word, any row when d_model = 1)
    has variance 0, and (x - mean) / sqrt(0) would be 0 / 0 = NaN. With eps it is 0 / sqrt(eps) = 0:
    the row becomes zeros. For a GloVe row (variance ~0.5) eps changes the result by ~1e-5 relative.
    Note that with d_model = 1 every row is constant, so every word becomes 0; with d_model = 2 every
    word becomes (+1, -1) or (-1, +1) (times sqrt(var / (var + eps))): layer norm keeps little of 2-D vectors.

    Why per word: it keeps every word's vector on the same scale however many residual additions came
    before, so the next layer's dot products and ReLUs see numbers of a known size.
    """
    X = _as_float64(X, "X (the vectors to normalise)", 2)  # (n_tokens, d_model)
    eps = _check_real("eps", eps, 0.0, 1.0, low_open=True, why="added to the variance to avoid 0 / 0")
    if X.shape[1] == 0:
        raise ShapeError(f"layer norm needs at least one number per word, got shape {X.shape}")
    with np.errstate(over="ignore", invalid="ignore"):
        mean = X.mean(axis=1, keepdims=True)  # (n_tokens, 1) each word's average
        centred = X - mean  # (n_tokens, d_model) each row now has mean 0
        variance = np.mean(centred * centred, axis=1, keepdims=True)  # (n_tokens, 1) the population variance
        normalised = centred / np.sqrt(variance + eps)  # (n_tokens, d_model) variance var / (var + eps)
    if not np.all(np.isfinite(normalised)) or not np.all(np.isfinite(variance)):
        raise NonFiniteError("layer norm overflowed (the vectors are too large to square); use smaller numbers.")
    return normalised


@dataclass(frozen=True)
class FeedForward:
    """The position-wise feed-forward network: relu(x @ W_1 + b_1) @ W_2 + b_2, the same for every word.

    Attributes
    ----------
    W_1 : (d_model, d_ff), b_1 : (d_ff,), W_2 : (d_ff, d_model), b_2 : (d_model,); d_ff = 4 d_model
    """

    W_1: np.ndarray
    b_1: np.ndarray
    W_2: np.ndarray
    b_2: np.ndarray

    @property
    def d_model(self) -> int:
        return self.W_1.shape[0]

    @property
    def d_ff(self) -> int:
        return self.W_1.shape[1]

    @classmethod
    def random(cls, d_model: int, seed: int = 0) -> FeedForward:
        """Seeded W_1, b_1 ~ N(0, 1/d_model) and W_2, b_2 ~ N(0, 1/d_ff) with d_ff = 4 d_model.

        Variance 1 / fan_in (LeCun initialisation): a sum of fan_in products of unit-variance numbers with
        weights of variance 1 / fan_in has variance about 1, so the hidden layer and the output stay on the
        scale of the layer-normed input instead of growing with the width.
        """
        d_model = check_whole("d_model", d_model, 1, MAX_BLOCK_D_MODEL, ShapeError,
                              why="the feed-forward network's W_1 is d_model x 4 d_model")
        seed = check_seed(seed, "ffn_seed")
        d_ff = FFN_MULTIPLIER * d_model
        rng = np.random.default_rng(seed)
        W_1 = rng.normal(0.0, 1.0 / math.sqrt(d_model), size=(d_model, d_ff))  # (d_model, d_ff)
        b_1 = rng.normal(0.0, 1.0 / math.sqrt(d_model), size=d_ff)  # (d_ff,)
        W_2 = rng.normal(0.0, 1.0 / math.sqrt(d_ff), size=(d_ff, d_model))  # (d_ff, d_model)
        b_2 = rng.normal(0.0, 1.0 / math.sqrt(d_ff), size=d_model)  # (d_model,)
        return cls(W_1, b_1, W_2, b_2)

    def __call__(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(ffn_hidden (n_tokens, d_ff), ffn_out (n_tokens, d_model)) for X (n_tokens, d_model)."""
        if X.shape[1] != self.d_model:
            raise ShapeError(f"the feed-forward network takes {self.d_model} numbers per word, got shape {X.shape}")
        with np.errstate(over="ignore", invalid="ignore"):
            ffn_hidden = np.maximum(X @ self.W_1 + self.b_1, 0.0)  # (n_tokens, d_ff) ReLU: negatives become 0
            ffn_out = ffn_hidden @ self.W_2 + self.b_2  # (n_tokens, d_model) back to the word's size
        if not (np.all(np.isfinite(ffn_hidden)) and np.all(np.isfinite(ffn_out))):
            raise NonFiniteError("the feed-forward network overflowed; use smaller numbers.")
        return ffn_hidden, ffn_out


@dataclass(frozen=True)
class BlockTrace:
    """Every stage of one transformer block (what the page shows, stage by stage).

    Attributes
    ----------
    X : (n_tokens, d_model) the block's input
    attention : AttentionTrace of the attention sublayer (queries ... attention_weights ...)
    after_attention : (n_tokens, d_model) attention.contextual_embeddings
    after_add_1 : (n_tokens, d_model) X + after_attention with the residual stream, else after_attention
    after_norm_1 : (n_tokens, d_model) layer_norm(after_add_1)
    ffn_hidden : (n_tokens, 4 d_model) relu(after_norm_1 @ W_1 + b_1)
    ffn_out : (n_tokens, d_model) ffn_hidden @ W_2 + b_2
    after_add_2 : (n_tokens, d_model) after_norm_1 + ffn_out with the residual stream, else ffn_out
    output : (n_tokens, d_model) layer_norm(after_add_2), the block's output
    residual : bool, whether the residual stream was on
    ffn : FeedForward used (W_1, b_1, W_2, b_2)
    """

    X: np.ndarray
    attention: AttentionTrace
    after_attention: np.ndarray
    after_add_1: np.ndarray
    after_norm_1: np.ndarray
    ffn_hidden: np.ndarray
    ffn_out: np.ndarray
    after_add_2: np.ndarray
    output: np.ndarray
    residual: bool
    ffn: FeedForward


def _add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        total = a + b  # (n_tokens, d_model)
    if not np.all(np.isfinite(total)):
        raise NonFiniteError("adding the residual stream overflowed (the vectors are too large); use smaller numbers.")
    return total


def transformer_block(X, projections: Projections | None = None, *, scale=True, causal: bool = False,
                      residual: bool = True, ffn_seed: int = 0, eps: float = LAYER_NORM_EPS) -> BlockTrace:
    """X through one post-LN transformer block: attention, add, norm, feed-forward, add, norm.

    Parameters
    ----------
    X : array_like (n_tokens, d_model), d_model <= MAX_BLOCK_D_MODEL (1024)
    projections : Projections, optional; None = identity (W_Q = W_K = W_V = I). W_V must be
        d_model x d_model: the attention output is added to X and fed to a network of width d_model.
    scale, causal : as in ``self_attention``
    residual : bool, default True (the paper). False drops both additions: each stage sees only the
        previous stage's output.
    ffn_seed : int, the seed of the feed-forward network's random W_1, b_1, W_2, b_2
    eps : float, layer norm's eps

    Raises
    ------
    SettingsError when W_V makes outputs of another size than d_model; ShapeError, NonFiniteError,
    OutOfRangeError for bad inputs.
    """
    X = _as_float64(X, "X (the embeddings)", 2)  # (n_tokens, d_model)
    n_tokens, d_model = X.shape
    if n_tokens == 0 or d_model == 0:
        raise ShapeError(f"X must have at least one token and one dimension, got shape {X.shape}")
    if projections is not None and projections.d_v != projections.d_model:
        raise SettingsError(f"A transformer block adds each attention output to its word's vector and feeds it to a "
                            f"network of width d_model = {projections.d_model}; W_V "
                            f"[{projections.d_model} x {projections.d_v}] makes outputs of {projections.d_v} numbers. "
                            "Use projections whose W_V is square (d_v = d_model).")
    ffn = FeedForward.random(d_model, ffn_seed)
    # 1. attention sublayer: every word looks at the others
    attention = self_attention(X, projections, scale=scale, causal=causal)
    after_attention = attention.contextual_embeddings  # (n_tokens, d_model)
    # 2. add (the residual stream) and normalise
    after_add_1 = _add(X, after_attention) if residual else after_attention  # (n_tokens, d_model)
    after_norm_1 = layer_norm(after_add_1, eps)  # (n_tokens, d_model)
    # 3. feed-forward sublayer: each word on its own, through 4 d_model hidden units
    ffn_hidden, ffn_out = ffn(after_norm_1)  # (n_tokens, 4 d_model), (n_tokens, d_model)
    # 4. add and normalise again
    after_add_2 = _add(after_norm_1, ffn_out) if residual else ffn_out  # (n_tokens, d_model)
    output = layer_norm(after_add_2, eps)  # (n_tokens, d_model)
    return BlockTrace(X=X, attention=attention, after_attention=after_attention, after_add_1=after_add_1,
                      after_norm_1=after_norm_1, ffn_hidden=ffn_hidden, ffn_out=ffn_out, after_add_2=after_add_2,
                      output=output, residual=bool(residual), ffn=ffn)


def block_parameter_counts(d_model: int, d_k: int, d_v: int, heads: int = 1) -> dict[str, int]:
    """How many numbers one block learns, by part (by default one attention head, as in the tutorial).

    W_Q, W_K: d_model x d_k per head; W_V: d_model x d_v per head; the feed-forward network: W_1 d_model x
    4 d_model, b_1 4 d_model, W_2 4 d_model x d_model, b_2 d_model (the paper, d_model 512: 2 x 512 x 2048 +
    2048 + 512 = 2,099,712). The layer norms count 0: this block's layer norm has no learned gain or bias
    (with them, each would add 2 x d_model). With ``heads`` > 1 the heads' outputs are concatenated and
    mixed by W_O (heads d_v x d_model), as in the paper (8 heads of 64: attention 4 x 512 x 512 = 1,048,576,
    so the network is two thirds of the block); one head with a square W_V does not need it (W_O = 0).

    Returns
    -------
    dict: W_Q, W_K, W_V, W_O, attention, W_1, b_1, W_2, b_2, ffn, layer_norm_1, layer_norm_2, total
    """
    d_model = check_whole("d_model", d_model, 1, 1_000_000, ShapeError)
    d_k = check_whole("d_k", d_k, 1, 1_000_000, ShapeError)
    d_v = check_whole("d_v", d_v, 1, 1_000_000, ShapeError)
    heads = check_whole("heads", heads, 1, 1_000, ShapeError)
    d_ff = FFN_MULTIPLIER * d_model
    counts = {"W_Q": heads * d_model * d_k, "W_K": heads * d_model * d_k, "W_V": heads * d_model * d_v,
              "W_O": heads * d_v * d_model if heads > 1 else 0}
    counts["attention"] = counts["W_Q"] + counts["W_K"] + counts["W_V"] + counts["W_O"]
    counts.update(W_1=d_model * d_ff, b_1=d_ff, W_2=d_ff * d_model, b_2=d_model)
    counts["ffn"] = counts["W_1"] + counts["b_1"] + counts["W_2"] + counts["b_2"]
    counts.update(layer_norm_1=0, layer_norm_2=0)
    counts["total"] = counts["attention"] + counts["ffn"] + counts["layer_norm_1"] + counts["layer_norm_2"]
    return counts


def _row_cosines(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """cos(A[i], B[i]) for each row, (n_tokens,); 0 where either row is all zeros (no direction to compare)."""
    norms = np.linalg.norm(A, axis=1) * np.linalg.norm(B, axis=1)  # (n_tokens,)
    dots = np.sum(A * B, axis=1)  # (n_tokens,)
    cosines = np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)  # (n_tokens,)
    return np.clip(cosines, -1.0, 1.0)  # rounding can step just past +-1


def stage_similarity(trace: BlockTrace) -> dict[str, np.ndarray]:
    """How much of each word's own vector survives each stage: cos(stage[i], X[i]) per word.

    Returns
    -------
    dict from each name in ``STAGES`` (after_attention, after_add_1, after_norm_1, ffn_out, after_add_2,
    output) to an (n_tokens,) array of cosines in [-1, 1]. 1 = the word points where it started; 0 = no
    trace of it left (also given where a vector is all zeros, e.g. an unknown word, instead of 0 / 0).

    Run the block with ``residual=True`` and ``residual=False`` to compare: the residual stream adds the
    word back at each add, so its cosines stay higher. Layer norm subtracts each row's mean, which moves
    the direction a little even for a word that is otherwise unchanged.
    """
    X = trace.X  # (n_tokens, d_model)
    return {stage: _row_cosines(getattr(trace, stage), X) for stage in STAGES}
