"""RNN against self-attention, measured: the tutorial's "Advantages" section in numbers.

Counting (``rnn_vs_attention``): an Elman RNN reads one word per step, so n words take n
sequential steps and word 1 reaches word n through n - 1 recurrent multiplications;
self-attention computes every row at once (1 step) and word n looks at word 1 directly (a path
of 1). The price is the n x n score matrix: n^2 d multiply-adds against the RNN's n d^2.

Measuring (``first_word_influence``): a small seeded numpy RNN, h_t = tanh(W_h h_{t-1} + W_x x_t + b),
and how much h_t still moves when word 1 moves. ``attention_first_word_weight`` gives the
matching number for attention: the weight word t puts on word 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .attention import _as_float64, self_attention
from .errors import ShapeError
from .numbers import MAX_RANDOM_SIZE, check_seed, check_whole

APPLE_MUSIC = ("The company Apple, which was founded in 1976 by Steve Jobs and Steve Wozniak in a garage, "
               "released revolutionary products like iPhone, iPad, and Mac computers that changed the technology "
               "industry forever, and today continues to innovate with features like Siri, FaceID, Apple Watch, "
               "AirPods, and Apple Music streaming service.")  # the tutorial's "Long-Range Dependencies" example
MAX_COUNT_TOKENS = 1_000_000  # counts are exact Python ints; this only keeps a typo from printing 40 digits
SPECTRAL_NORM = 0.9  # largest singular value of W_h: every recurrent step shrinks a difference by at least 10 %


def rnn_vs_attention(n_tokens_list: Sequence[int], d: int = 50) -> list[dict]:
    """Steps, path length and multiply-adds of an Elman RNN and of one self-attention layer.

    For ``n`` words of ``d`` dimensions (hidden size = d_model = d_k = d_v = d):

    ============================  ===========================  ======================================
    quantity                      RNN                          self-attention
    ============================  ===========================  ======================================
    sequential steps              n (h_t needs h_{t-1})         1 (all rows at once)
    path word 1 -> word n         n - 1 (h_1 -> ... -> h_n)     1 (one weight), 0 when n = 1
    recurrent / score madds       n d^2 (W_h h_{t-1})          n^2 d (Q K^T)
    input / weighted-sum madds    n d^2 (W_x x_t)              n^2 d (weights @ V)
    projection madds              (in the input term)          3 n d^2 (X W_Q, X W_K, X W_V)
    ============================  ===========================  ======================================

    So rnn_madds = 2 n d^2, attention_core_madds = 2 n^2 d (attention without projections, the
    tutorial's first version) and attention_madds = 2 n^2 d + 3 n d^2. The core costs more than
    the RNN exactly when n > d: attention trades quadratic work for a constant number of steps.
    Softmax, tanh and biases (O(n^2) and O(n d)) are left out of the counts.

    Returns
    -------
    list of dict, one per n, with int values: n_tokens, d, rnn_steps, attention_steps,
    rnn_path, attention_path, rnn_recurrent_madds, rnn_input_madds, rnn_madds,
    attention_score_madds, attention_sum_madds, attention_core_madds,
    attention_projection_madds, attention_madds.
    """
    d = check_whole("d", d, 1, MAX_RANDOM_SIZE, ShapeError)
    rows = []
    for n in n_tokens_list:
        n = check_whole("n_tokens", n, 1, MAX_COUNT_TOKENS, ShapeError)
        row = {"n_tokens": n, "d": d, "rnn_steps": n, "attention_steps": 1,
               "rnn_path": n - 1, "attention_path": min(1, n - 1),
               "rnn_recurrent_madds": n * d * d, "rnn_input_madds": n * d * d,
               "attention_score_madds": n * n * d, "attention_sum_madds": n * n * d,
               "attention_projection_madds": 3 * n * d * d}
        row["rnn_madds"] = row["rnn_recurrent_madds"] + row["rnn_input_madds"]
        row["attention_core_madds"] = row["attention_score_madds"] + row["attention_sum_madds"]
        row["attention_madds"] = row["attention_core_madds"] + row["attention_projection_madds"]
        rows.append(row)
    return rows


@dataclass(frozen=True)
class ElmanRNN:
    """h_t = tanh(W_h h_{t-1} + W_x x_t + b), h_0 = 0.

    Attributes
    ----------
    W_h : (hidden, hidden)
    W_x : (hidden, d_model)
    b : (hidden,)
    """

    W_h: np.ndarray
    W_x: np.ndarray
    b: np.ndarray

    @classmethod
    def seeded(cls, d_model: int, hidden: int | None = None, seed: int = 0,
               spectral_norm: float = SPECTRAL_NORM) -> ElmanRNN:
        """Random weights from ``seed``: W_x ~ N(0, 1/d_model), b ~ N(0, 0.01), W_h Gaussian rescaled
        so that its largest singular value is ``spectral_norm`` (default 0.9).

        Why the norm and not only the spectral radius: a radius below 1 promises that differences
        die out *eventually*; a norm below 1 promises that *every* step shrinks them, because tanh
        is 1-Lipschitz: |h'_t - h_t| <= |W_h (h'_{t-1} - h_{t-1})| <= 0.9 |h'_{t-1} - h_{t-1}|.
        This is the stable regime; trained RNNs can sit on the other side (norm > 1), where
        differences may explode instead. Either way the path from word 1 is n - 1 steps long.
        """
        d_model = check_whole("d_model", d_model, 1, MAX_RANDOM_SIZE, ShapeError)
        hidden = d_model if hidden is None else check_whole("hidden", hidden, 1, MAX_RANDOM_SIZE, ShapeError)
        if not 0 < float(spectral_norm) < 1:
            raise ShapeError(f"spectral_norm must be between 0 and 1 (a stable RNN); got {spectral_norm!r}")
        rng = np.random.default_rng(check_seed(seed))
        W_h = rng.standard_normal((hidden, hidden))  # (hidden, hidden)
        W_h *= float(spectral_norm) / np.linalg.norm(W_h, 2)  # largest singular value = spectral_norm
        W_x = rng.normal(0.0, 1.0 / np.sqrt(d_model), size=(hidden, d_model))  # (hidden, d_model)
        b = rng.normal(0.0, 0.1, size=hidden)  # (hidden,)
        return cls(W_h, W_x, b)

    def hidden_states(self, X) -> np.ndarray:
        """(n_tokens, hidden): h_1 .. h_n, one sequential step per word."""
        X = _as_float64(X, "X (the embeddings)", 2)  # (n_tokens, d_model)
        h = np.zeros(self.W_h.shape[0])  # (hidden,) h_0
        states = np.empty((X.shape[0], h.size))  # (n_tokens, hidden)
        for t, x in enumerate(X):  # the loop attention does not need
            h = np.tanh(self.W_h @ h + self.W_x @ x + self.b)  # (hidden,)
            states[t] = h
        return states


def first_word_influence(X, seed: int = 0, *, eps: float = 1e-6, n_directions: int = 8,
                         rnn: ElmanRNN | None = None) -> np.ndarray:
    """How much h_t moves when word 1 moves, for t = 1..n: (n_tokens,) float64.

    influence[t - 1] = mean over unit directions u of |h_t(x_1 + eps u) - h_t(x_1)| / eps,
    with ``n_directions`` seeded random directions and the seeded ``ElmanRNN`` (or ``rnn``).

    The numerical why: subtracting two runs, h_t' - h_t, loses everything below ~1e-16 |h_t|,
    so the quotient would stop falling at ~1e-16 / eps (1e-10 for eps = 1e-6) after a few dozen
    words. Instead the difference delta_t = h'_t - h_t is carried itself, with
    tanh(a + D) - tanh(a) = (1 - tanh(a)^2) tanh(D) / (1 + tanh(a) tanh(D)),
    D = W_h delta_{t-1} (D = eps W_x u at t = 1): the same perturbation, exact to rounding
    *relative to delta_t*, so a 1e-30 influence is still measured.

    With the default norm 0.9, influence[t] <= 0.9 influence[t - 1] for every t (see
    ``ElmanRNN.seeded``): word 1 fades with every word read after it.
    """
    X = _as_float64(X, "X (the embeddings)", 2)  # (n_tokens, d_model)
    n_tokens, d_model = X.shape
    if n_tokens == 0 or d_model == 0:
        raise ShapeError(f"X must have at least one word and one dimension, got shape {X.shape}")
    n_directions = check_whole("n_directions", n_directions, 1, 1000, ShapeError)
    if not (np.isfinite(eps) and 0 < eps <= 1):
        raise ShapeError(f"eps must be a small positive number (at most 1), got {eps!r}")
    rnn = ElmanRNN.seeded(d_model, seed=seed) if rnn is None else rnn
    U = np.random.default_rng(check_seed(seed) + 1).standard_normal((n_directions, d_model))  # (n_dir, d_model)
    U /= np.linalg.norm(U, axis=1, keepdims=True)  # unit directions
    H = rnn.hidden_states(X)  # (n_tokens, hidden) the unperturbed run
    D = eps * (U @ rnn.W_x.T)  # (n_dir, hidden) the change of the pre-activation at t = 1
    influence = np.empty(n_tokens)  # (n_tokens,)
    delta = np.zeros_like(D)  # (n_dir, hidden) h'_0 - h_0 = 0: both runs start from h_0 = 0
    for t in range(n_tokens):
        if t > 0:
            D = delta @ rnn.W_h.T  # (n_dir, hidden) W_h delta_{t-1}, no new input difference after word 1
        h = H[t]  # (hidden,) tanh(a)
        tD = np.tanh(D)  # (n_dir, hidden)
        delta = (1 - h) * (1 + h) * tD / (1 + h * tD)  # (n_dir, hidden) h'_t - h_t without subtracting
        influence[t] = np.mean(np.linalg.norm(delta, axis=1)) / eps
    return influence


def attention_first_word_weight(X, *, scale: bool = True) -> np.ndarray:
    """The weight word t puts on word 1 when the sentence is its first t words: (n_tokens,) float64.

    That is row t, column 1 of causal self-attention with projections off (Q = K = V = X):
    the causal mask makes row t the softmax over words 1..t, exactly the prefix of length t.
    entry 0 is 1 (word 1 alone attends to itself).

    It is a number, not a decay law: the weight is exp(s_t1) / sum_j<=t exp(s_tj), which depends
    on how word t's score with word 1 compares with its scores with the other t - 1 words, and
    not at all on how far apart they are (move word 1's score up and the weight goes up at any
    distance). It does get shared among more words as t grows: with equal scores it is 1 / t.
    """
    trace = self_attention(X, None, scale=scale, causal=True)
    return trace.attention_weights[:, 0].copy()  # (n_tokens,)
