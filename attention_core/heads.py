"""Multi-head attention: several attention patterns side by side, then one mixing matrix.

    for each head i = 1 .. n_heads, with its own W_Q_i, W_K_i (d_model, d_k), W_V_i (d_model, d_v):
        head_i = self_attention(X, (W_Q_i, W_K_i, W_V_i))       (n_tokens, d_v)   one pattern each
    concatenation = [head_1 | head_2 | ... | head_h]             (n_tokens, n_heads * d_v)
    output        = concatenation @ W_O                          (n_tokens, d_model)

In the paper d_k = d_v = d_model / n_heads (512 / 8 = 64), so splitting into heads
changes neither the number of parameters nor the arithmetic (``head_costs``): what it
buys is ``n_heads`` separate attention rows per word instead of one, each a softmax
over its own narrower scores. One head must average everything a word needs into a
single row of weights; two heads can look at two different words at once
(``heads_training.train_heads`` shows two heads splitting a sense and a position job).

Each head is exactly ``self_attention`` with that head's projections: with one head
and W_O = I, multi-head attention *is* the single-head attention of the tutorial
(``MultiHeadProjections.from_single``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .attention import AttentionTrace, Projections, _as_float64, self_attention
from .errors import NonFiniteError, ShapeError
from .numbers import MAX_RANDOM_SIZE, check_seed, check_whole

_W_O_STREAM = (MAX_RANDOM_SIZE, 3)  # W_O's random stream: no head index reaches MAX_RANDOM_SIZE


def divisors(d_model: int) -> tuple[int, ...]:
    """Every head count that splits ``d_model`` evenly, smallest first.

    A head gets d_k = d_model / n_heads columns, which must be a whole number:
    GloVe's 50 allows 1, 2, 5, 10, 25, 50 heads; the tutorial's 2-D vectors 1 or 2;
    the paper's 512 allows 1, 2, 4, 8, 16, ... 512.

    Raises
    ------
    ShapeError
        ``d_model`` is not a whole number from 1 to ``MAX_RANDOM_SIZE``.
    """
    d_model = check_whole("d_model", d_model, 1, MAX_RANDOM_SIZE, ShapeError)
    return tuple(h for h in range(1, d_model + 1) if d_model % h == 0)


def check_heads(d_model: int, n_heads: int) -> int:
    """``d_model / n_heads`` (each head's d_k) when ``n_heads`` divides ``d_model``.

    Raises
    ------
    ShapeError
        naming the divisors of ``d_model``: "n_heads = 3 does not divide d_model = 50 ...
        pick one of 1, 2, 5, 10, 25, 50".
    """
    allowed = divisors(d_model)
    n_heads = check_whole("n_heads", n_heads, 1, int(d_model), ShapeError,
                          why=f"at most d_model = {d_model}: a head needs at least one column")
    if n_heads not in allowed:
        raise ShapeError(
            f"n_heads = {n_heads} does not divide d_model = {d_model}: each head gets d_k = d_model / n_heads "
            f"columns, which must be a whole number. Pick one of {', '.join(map(str, allowed))}."
        )
    return int(d_model) // n_heads


@dataclass(frozen=True)
class MultiHeadProjections:
    """Per head W_Q, W_K (d_model, d_k) and W_V (d_model, d_v); one W_O (n_heads * d_v, d_out).

    Attributes
    ----------
    heads : tuple of Projections, one per head, all with the same d_model, d_k and d_v
    W_O : (n_heads * d_v, d_out) mixes the concatenated heads; d_out = d_model in the paper's layout
    kind : "random", "single", "learned" or "custom" (for the screens)
    """

    heads: tuple[Projections, ...]
    W_O: np.ndarray
    kind: str = "custom"

    def __post_init__(self):
        heads = tuple(self.heads)
        if not heads:
            raise ShapeError("multi-head attention needs at least one head (n_heads >= 1)")
        if not all(isinstance(p, Projections) for p in heads):
            raise ShapeError("every head must be a Projections(W_Q, W_K, W_V)")
        first = heads[0]
        for i, p in enumerate(heads[1:], start=2):
            if (p.d_model, p.d_k, p.d_v) != (first.d_model, first.d_k, first.d_v):
                raise ShapeError(
                    f"every head must have the same shapes: head 1 has W_Q {first.W_Q.shape}, W_V {first.W_V.shape}; "
                    f"head {i} has W_Q {p.W_Q.shape}, W_V {p.W_V.shape}"
                )
        W_O = _as_float64(self.W_O, "W_O", 2)  # (n_heads * d_v, d_out)
        if W_O.shape[0] != len(heads) * first.d_v or W_O.shape[1] == 0:
            raise ShapeError(
                f"W_O {W_O.shape} must have n_heads * d_v = {len(heads)} * {first.d_v} = {len(heads) * first.d_v} "
                "rows, one per column of the concatenated heads, and at least one column"
            )
        object.__setattr__(self, "heads", heads)
        object.__setattr__(self, "W_O", W_O)

    @property
    def n_heads(self) -> int:
        return len(self.heads)

    @property
    def d_model(self) -> int:
        return self.heads[0].d_model

    @property
    def d_k(self) -> int:
        return self.heads[0].d_k

    @property
    def d_v(self) -> int:
        return self.heads[0].d_v

    @property
    def n_parameters(self) -> int:
        """Entries of every W_Q, W_K, W_V and of W_O (no biases, as in the tutorial)."""
        return sum(p.W_Q.size + p.W_K.size + p.W_V.size for p in self.heads) + self.W_O.size

    @classmethod
    def random(cls, d_model: int, n_heads: int, seed: int = 0) -> MultiHeadProjections:
        """Seeded random heads of width d_k = d_v = d_model / n_heads, and a random W_O (d_model, d_model).

        Entries ~ N(0, 1/d_model), as ``Projections.random`` (each query/key entry stays
        on the scale of one input entry). Every matrix has its own random stream, keyed by
        (seed, head, matrix), and is drawn column by column, so head i's W_Q at width d_k
        is the first d_k columns of head i's W_Q at any larger width: changing n_heads
        narrows a head, it does not redraw it. W_O has a stream of its own.

        Raises
        ------
        ShapeError
            ``n_heads`` does not divide ``d_model`` (the message lists the divisors).
        OutOfRangeError
            ``seed`` is not a whole number from 0 to 2**32 - 1.
        """
        d_k = check_heads(d_model, n_heads)
        d_model, seed = int(d_model), check_seed(seed)
        std = 1.0 / np.sqrt(d_model)

        def draw(spawn_key: tuple[int, ...], n_columns: int) -> np.ndarray:
            rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=spawn_key))
            return rng.normal(0.0, std, size=(n_columns, d_model)).T  # (d_model, n_columns), one column at a time

        heads = tuple(
            Projections(draw((head, 0), d_k), draw((head, 1), d_k), draw((head, 2), d_k), kind="random")
            for head in range(int(n_heads))
        )
        W_O = draw(_W_O_STREAM, d_model)  # (d_model, d_model), the same for every n_heads
        return cls(heads, W_O, kind="random")

    @classmethod
    def from_single(cls, projections: Projections) -> MultiHeadProjections:
        """One head with ``projections`` and W_O = I (d_v, d_v): exactly the single-head attention."""
        if not isinstance(projections, Projections):
            raise ShapeError("from_single needs a Projections(W_Q, W_K, W_V)")
        return cls((projections,), np.eye(projections.d_v), kind="single")


@dataclass(frozen=True)
class MultiHeadTrace:
    """Every intermediate of one multi-head pass.

    Attributes
    ----------
    X : (n_tokens, d_model) embeddings
    projections : MultiHeadProjections used
    heads : tuple of AttentionTrace, one per head (queries, keys, values, scores, attention_weights, ...)
    concatenation : (n_tokens, n_heads * d_v) the heads' contextual embeddings side by side
    output : (n_tokens, d_out) concatenation @ W_O
    """

    X: np.ndarray
    projections: MultiHeadProjections
    heads: tuple[AttentionTrace, ...]
    concatenation: np.ndarray
    output: np.ndarray

    @property
    def attention_weights(self) -> np.ndarray:
        """(n_heads, n_tokens, n_tokens) every head's weights; each row sums to 1."""
        return np.stack([t.attention_weights for t in self.heads])  # (n_heads, n_tokens, n_tokens)


def multi_head_attention(X, mh: MultiHeadProjections, *, scale=True, causal: bool = False) -> MultiHeadTrace:
    """Multi-head self-attention of ``X`` (n_tokens, d_model) with the heads and W_O of ``mh``.

    Parameters
    ----------
    X : array_like (n_tokens, d_model), computed in float64
    mh : MultiHeadProjections
    scale : True divides each head's scores by sqrt(its own d_k) (the paper: sqrt(64), not
        sqrt(512)), False by 1, a positive number by that number.
    causal : bool. True = every head lets a word attend only to itself and earlier words.

    Returns
    -------
    MultiHeadTrace

    Raises
    ------
    ShapeError, NonFiniteError, MaskError
    """
    if not isinstance(mh, MultiHeadProjections):
        raise ShapeError("multi_head_attention needs MultiHeadProjections (e.g. MultiHeadProjections.random(...))")
    X = _as_float64(X, "X (the embeddings)", 2)  # (n_tokens, d_model)
    if X.shape[1] != mh.d_model:
        raise ShapeError(
            f"the embeddings have {X.shape[1]} dimensions but the heads expect d_model = {mh.d_model} "
            f"(X {X.shape}, each head's W_Q {mh.heads[0].W_Q.shape}); use heads made for this embedding size."
        )
    # 1. every head attends on its own: its own queries, keys, values, scores and weights
    heads = tuple(self_attention(X, p, scale=scale, causal=causal) for p in mh.heads)
    # 2. the heads' outputs side by side
    concatenation = np.concatenate([t.contextual_embeddings for t in heads], axis=1)  # (n_tokens, n_heads * d_v)
    # 3. one matrix mixes what the heads found
    with np.errstate(over="ignore", invalid="ignore"):
        output = concatenation @ mh.W_O  # (n_tokens, d_out)
    if not np.all(np.isfinite(output)):
        raise NonFiniteError("concatenation @ W_O overflowed (the vectors are too large); use smaller numbers.")
    return MultiHeadTrace(X=X, projections=mh, heads=heads, concatenation=concatenation, output=output)


def head_costs(d_model: int = 512, heads=(1, 2, 4, 8, 16), n_tokens: int = 20) -> list[dict]:
    """What splitting d_model into heads changes, and what it does not, per head count.

    For n_heads = h, d_k = d_v = d_model / h (no biases; multiply-adds for one sentence of n tokens):

    - parameters: W_Q, W_K, W_V are h matrices of (d_model, d_k) each, 3 * d_model^2 in all
      whatever h; W_O adds d_model^2.
    - projections: X @ W_Q, X @ W_K, X @ W_V: 3 * n * d_model^2.
    - scores: h heads of (n, d_k) @ (d_k, n): h * n^2 * d_k = n^2 * d_model.
    - weighted sums: h heads of (n, n) @ (n, d_k): n^2 * d_model as well.
    - output: (n, d_model) @ W_O: n * d_model^2.

    The totals are the same for every h. What changes: each head's d_k (narrower scores),
    and the number of separate attention patterns (h rows of weights per word, h score
    matrices of n x n: ``attention_weights`` entries grow as h * n^2, the only count that grows).
    Softmax exponentials and the 1/sqrt(d_k) divisions (h * n^2 each) are not counted.

    Returns
    -------
    list of dict, one per head count, with keys n_heads, d_k, parameters_qkv, parameters_output,
    parameters, madds_projections, madds_scores, madds_weighted_sums, madds_output, madds,
    attention_patterns, attention_weight_entries.

    Raises
    ------
    ShapeError
        a head count that does not divide ``d_model`` (with the divisors).
    """
    n_tokens = check_whole("n_tokens", n_tokens, 1, 100_000, ShapeError)
    rows = []
    for h in heads:
        d_k = check_heads(d_model, h)
        d = int(d_model)
        qkv = 3 * h * d * d_k  # h heads x three (d_model, d_k) matrices = 3 d_model^2
        projections = 3 * n_tokens * d * (h * d_k)  # X @ W for every head's W: 3 n d_model^2
        scores = h * n_tokens * n_tokens * d_k  # h score matrices, each entry a d_k-term dot product
        weighted = h * n_tokens * n_tokens * d_k  # h heads: (n, n) @ (n, d_v)
        output = n_tokens * (h * d_k) * d  # (n, h d_v) @ (h d_v, d_model)
        rows.append({
            "n_heads": int(h), "d_k": d_k,
            "parameters_qkv": qkv, "parameters_output": d * d, "parameters": qkv + d * d,
            "madds_projections": projections, "madds_scores": scores, "madds_weighted_sums": weighted,
            "madds_output": output, "madds": projections + scores + weighted + output,
            "attention_patterns": int(h), "attention_weight_entries": int(h) * n_tokens * n_tokens,
        })
    return rows
