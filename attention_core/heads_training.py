"""Two heads, two jobs: training multi-head attention on a task that needs two kinds of relation.

The sentences are the word-sense set of ``training.py`` (``data/word_senses.csv``; held-out
sentences use cue words that never occur in training). Each ambiguous target word must do
two things at once:

(a) **sense** (a content relation): is *apple* the company or the fruit? Decided by a cue
    word anywhere in the sentence ("phones", "juice"), as in ``train_projections``.
(b) **previous word** (a relation of position): which word of the sentence stands just
    before the target? Its identity varies ("the", "an", "my", "caramel" ...), so only the
    position says which one it is. The sinusoidal positions are added to X for this.

The model: n_heads heads over X = GloVe + strength * PE (frozen), each with its own W_Q, W_K
(d_model, d_k) and W_V = I, so that what is learned is only *where each head looks*:

    q_h   = x_target @ W_Q_h                          (d_k,)         per head h
    a_h   = softmax(X @ W_K_h @ q_h / sqrt(d_k))      (n_tokens,)    the target's row of head h
    c_h   = a_h @ X                                   (d_model,)     head h's contextual embedding
    sense logit  z   = sum_h beta_h (c_h . d) + bias[target]          d = u(sense A) - u(sense B)
    previous-word logits r_j = -1/2 sum_h gamma_h ||c_h - x_j||^2    (n_tokens,), softmax over the sentence
    loss  = cross-entropy(sense) + cross-entropy(previous word) + weight_decay (|W_Q|^2 + |W_K|^2)

Nothing tells a head which job is its own: every head has a read-out weight for both jobs
(beta_h, gamma_h) and all start equal (``assign_heads=False``, the default). A single
attention row cannot sit on the cue *and* on the previous word, so the loss is lowest when
the heads split the work; which head takes which job is decided by the random start only.
``assign_heads=True`` is the control: head 1 feeds only the sense, head 2 only the previous word.

Trained by full-batch Adam with hand-written gradients (checked against finite differences
in ``tests/test_core_heads_training.py``); numpy only, float64, seeded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .attention import Projections, softmax
from .errors import ShapeError
from .heads import MultiHeadProjections
from .numbers import check_seed, check_whole
from .positions import sinusoidal_encoding
from .training import SenseExample, load_word_senses, padded_vectors, sense_pairs, sense_units

MAX_HEADS_STEPS = 2000  # as training.MAX_TRAINING_STEPS: bounds the time of one run
MAX_HEADS = 8  # the paper's 8; one step costs O(n_heads * sentences * words * d_model * d_k)


def _sinusoidal(n_positions: int, d_model: int, base: float = 10000.0) -> np.ndarray:
    """The paper's interleaved positional encoding, (n_positions, d_model): ``positions.sinusoidal_encoding``."""
    return sinusoidal_encoding(n_positions, d_model, base)


@dataclass(frozen=True)
class HeadsConfig:
    """Settings of a two-job training run, with the reason for each default."""

    n_heads: int = 2  # two jobs; the page can ask for more (they share the two jobs)
    d_k: int = 25  # d_model / n_heads for GloVe 50 and two heads, the paper's layout
    steps: int = 300  # both losses have flattened by then (2.45 -> 0.045, seed 0); ~0.4 s, 1-2 s on a busy 2-core
    learning_rate: float = 0.03  # Adam, as train_projections
    weight_decay: float = 1e-3  # L2 on W_Q, W_K, as train_projections (helps unseen cue words)
    position_strength: float = 1.0  # X = GloVe + strength * PE; PE rows have norm 5, GloVe 50d rows ~4-6
    previous_weight: float = 1.0  # weight of the previous-word loss beside the sense loss
    gamma_start: float = 0.1  # previous-word read-out; ||c - x_j||^2 is ~10-60, so logits start within a few units
    assign_heads: bool = False  # False: every head may feed both jobs; True: head 1 -> sense, head 2 -> previous
    seed: int = 0  # the random start of W_Q, W_K: head h from its own stream, as MultiHeadProjections.random


@dataclass
class HeadsBatch:
    """Padded arrays for a list of sentences (B sentences, L words at most)."""

    X: np.ndarray  # (B, L, d_model) GloVe + strength * PE, zero rows for padding
    mask: np.ndarray  # (B, L) True where there is a word
    target_index: np.ndarray  # (B,)
    cue_index: np.ndarray  # (B,)
    previous_index: np.ndarray  # (B,) target_index - 1 (0 when the target is the first word)
    has_previous: np.ndarray  # (B,) bool, the target is not the first word
    direction: np.ndarray  # (B, d_model) u(sense A) - u(sense B) of the example's target
    label: np.ndarray  # (B,) 1.0 = sense A, 0.0 = sense B
    group: np.ndarray  # (B,) index of the target word (for its bias)


def make_heads_batch(examples: Sequence[SenseExample], embeddings, pairs: dict[str, tuple[str, str]],
                     position_strength: float) -> HeadsBatch:
    """Look every word up once, add the positions, pad to the longest sentence."""
    targets = list(pairs)
    units = sense_units(embeddings, pairs)
    X, mask = padded_vectors(examples, embeddings)  # (B, L, d_model), (B, L)
    X = X + position_strength * _sinusoidal(X.shape[1], X.shape[2])[None] * mask[:, :, None]  # padding stays zero
    target_index = np.array([ex.target_index for ex in examples])  # (B,)
    return HeadsBatch(
        X=X, mask=mask, target_index=target_index,
        cue_index=np.array([ex.cue_index for ex in examples]),
        previous_index=np.maximum(target_index - 1, 0), has_previous=target_index > 0,
        direction=np.array([units[pairs[ex.target][0]] - units[pairs[ex.target][1]] for ex in examples]),
        label=np.array([1.0 if ex.sense == pairs[ex.target][0] else 0.0 for ex in examples]),
        group=np.array([targets.index(ex.target) for ex in examples]),
    )


@dataclass
class HeadsParams:
    """Everything trained (h heads)."""

    W_Q: np.ndarray  # (h, d_model, d_k)
    W_K: np.ndarray  # (h, d_model, d_k)
    beta: np.ndarray  # (h,) each head's weight in the sense read-out
    gamma: np.ndarray  # (h,) each head's weight in the previous-word read-out
    bias: np.ndarray  # (n_targets,)

    NAMES = ("W_Q", "W_K", "beta", "gamma", "bias")

    def copy(self) -> HeadsParams:
        return HeadsParams(*(getattr(self, n).copy() for n in self.NAMES))


@dataclass(frozen=True)
class HeadsForward:
    """The model on a batch, per head h (B sentences, L words at most)."""

    target_embeddings: np.ndarray  # (B, d_model) x of each target word
    queries: np.ndarray  # (B, h, d_k)
    key_queries: np.ndarray  # (B, h, d_model) W_K_h @ q_h: the query read back into X's space, scores = X @ it
    attention_weights: np.ndarray  # (B, h, L) each head's row for the target
    contextual: np.ndarray  # (B, h, d_model) c_h = a_h @ X
    leans: np.ndarray  # (B, L) x_j . d
    head_leans: np.ndarray  # (B, h) c_h . d
    p_sense_a: np.ndarray  # (B,)
    sq_distances: np.ndarray  # (B, h, L) ||c_h - x_j||^2
    p_previous: np.ndarray  # (B, L) softmax of the previous-word logits over the sentence
    sense_loss: float
    previous_loss: float


def heads_forward(params: HeadsParams, batch: HeadsBatch, previous_weight: float = 1.0) -> HeadsForward:
    """Both read-outs on a batch (see the module docstring for the equations)."""
    B = np.arange(len(batch.label))
    d_k = params.W_Q.shape[2]
    target_embeddings = batch.X[B, batch.target_index]  # (B, d_model)
    X_T = batch.X.transpose(0, 2, 1)  # (B, d_model, L)
    # s_hj = (x_j @ W_K_h) . q_h = x_j . (W_K_h @ q_h): one (d_model,) vector per sentence and head instead of
    # every word's key; the same numbers, a fraction of the work (matmul, not einsum, for speed)
    queries = np.matmul(target_embeddings[None], params.W_Q).transpose(1, 0, 2)  # (B, h, d_k)
    key_queries = np.matmul(params.W_K[None], queries[..., None])[..., 0]  # (B, h, d_model)
    scores = np.matmul(key_queries, X_T) / np.sqrt(d_k)  # (B, h, L) = keys_hj . q_h / sqrt(d_k)
    scores = np.where(batch.mask[:, None, :], scores, -np.inf)  # (B, h, L) padding is never attended
    attention_weights = softmax(scores, axis=-1)  # (B, h, L) rows sum to 1
    contextual = np.matmul(attention_weights, batch.X)  # (B, h, d_model)
    # (a) sense, from every head's lean towards sense A
    leans = np.matmul(batch.X, batch.direction[:, :, None])[:, :, 0]  # (B, L)
    head_leans = np.matmul(attention_weights, leans[:, :, None])[:, :, 0]  # (B, h) = c_h . d
    logits = head_leans @ params.beta + params.bias[batch.group]  # (B,)
    p_sense_a = np.exp(-np.logaddexp(0.0, -logits))  # (B,) sigmoid without overflow
    sense_loss = float(np.mean(np.logaddexp(0.0, logits) - batch.label * logits))
    # (b) previous word: the sentence's word nearest to the heads' outputs (weighted by gamma)
    sq_c = np.sum(contextual**2, axis=2)  # (B, h)
    sq_x = np.sum(batch.X**2, axis=2)  # (B, L)
    sq_distances = sq_c[:, :, None] - 2 * np.matmul(contextual, X_T) + sq_x[:, None, :]  # (B, h, L)
    previous_logits = -0.5 * np.tensordot(params.gamma, sq_distances, axes=(0, 1))  # (B, L)
    previous_logits = np.where(batch.mask, previous_logits, -np.inf)  # (B, L) only the sentence's words
    p_previous = softmax(previous_logits, axis=-1)  # (B, L)
    n_prev = max(int(batch.has_previous.sum()), 1)
    picked = p_previous[B, batch.previous_index]  # (B,)
    with np.errstate(divide="ignore"):  # a probability of exactly 0 is an infinite loss, reported as such
        previous_loss = float(-np.sum(np.where(batch.has_previous, np.log(picked), 0.0)) / n_prev)
    return HeadsForward(target_embeddings, queries, key_queries, attention_weights, contextual, leans, head_leans,
                        p_sense_a, sq_distances, p_previous, sense_loss, previous_weight * previous_loss)


def heads_loss_and_grad(params: HeadsParams, batch: HeadsBatch, weight_decay: float = 0.0,
                        previous_weight: float = 1.0) -> tuple[float, HeadsParams]:
    """The summed loss and its exact gradient, by the chain rule.

    Steps (B sentences averaged; the previous-word loss over the sentences whose target has one):
      1. sense:  dL/dz = p - y;  dL/dbeta_h = dL/dz (c_h . d);  dL/da_hj += dL/dz beta_h (x_j . d)
      2. previous word: dL/dr_j = pi_j - [j = previous] =: e_j (sum_j e_j = 0), r_j = -1/2 sum_h gamma_h D_hj
         dL/dgamma_h = -1/2 sum_j e_j D_hj;  dL/dc_h = -gamma_h sum_j e_j (c_h - x_j) = gamma_h sum_j e_j x_j
         dL/da_hj += dL/dc_h . x_j          (c_h = sum_j a_hj x_j)
      3. softmax: dL/ds_h = a_h * (dL/da_h - a_h . dL/da_h)
      4. s_hj = x_j W_K_h . q_h / sqrt(d_k); with g_h = sum_j dL/ds_hj x_j (X^T dL/ds_h):
         dL/dq_h = W_K_h^T g_h / sqrt(d_k),  dL/dW_K_h = g_h q_h^T / sqrt(d_k)
      5. dL/dW_Q_h = x_t^T dL/dq_h  (+ 2 weight_decay W for W_Q and W_K)
    """
    loss, grads, _ = _loss_grad_forward(params, batch, weight_decay, previous_weight)
    return loss, grads


def _loss_grad_forward(params: HeadsParams, batch: HeadsBatch, weight_decay: float,
                       previous_weight: float) -> tuple[float, HeadsParams, HeadsForward]:
    """``heads_loss_and_grad`` plus the forward pass it used (the training loop records both losses)."""
    f = heads_forward(params, batch, previous_weight)
    n = len(batch.label)
    B = np.arange(n)
    d_k = params.W_Q.shape[2]
    # 1. sense
    dz = (f.p_sense_a - batch.label) / n  # (B,)
    g_beta = dz @ f.head_leans  # (h,)
    g_bias = np.bincount(batch.group, weights=dz, minlength=len(params.bias))  # (n_targets,)
    da = dz[:, None, None] * params.beta[None, :, None] * f.leans[:, None, :]  # (B, h, L)
    # 2. previous word
    n_prev = max(int(batch.has_previous.sum()), 1)
    e = f.p_previous.copy()  # (B, L)
    e[B, batch.previous_index] -= 1.0
    e *= (batch.has_previous * previous_weight / n_prev)[:, None]  # (B, L) zero rows where there is no previous word
    g_gamma = -0.5 * np.sum(e[:, None, :] * f.sq_distances, axis=(0, 2))  # (h,)
    eX = np.matmul(e[:, None, :], batch.X)  # (B, 1, d_model) sum_j e_j x_j
    dc = params.gamma[None, :, None] * eX  # (B, h, d_model)
    X_T = batch.X.transpose(0, 2, 1)  # (B, d_model, L)
    da += np.matmul(dc, X_T)  # (B, h, L)
    # 3. softmax Jacobian
    a = f.attention_weights  # (B, h, L)
    ds = a * (da - np.sum(a * da, axis=2, keepdims=True))  # (B, h, L)
    # 4.-5. queries, keys, weights
    g = np.matmul(ds, batch.X).transpose(1, 0, 2) / np.sqrt(d_k)  # (h, B, d_model) X^T dL/ds_h / sqrt(d_k)
    dq = np.matmul(g, params.W_K)  # (h, B, d_k)
    g_WQ = np.matmul(f.target_embeddings.T[None], dq) + 2 * weight_decay * params.W_Q  # (h, d_model, d_k)
    g_WK = np.matmul(g.transpose(0, 2, 1), f.queries.transpose(1, 0, 2)) + 2 * weight_decay * params.W_K  # (h,d,d_k)
    loss = f.sense_loss + f.previous_loss + weight_decay * float(np.sum(params.W_Q**2) + np.sum(params.W_K**2))
    return loss, HeadsParams(g_WQ, g_WK, g_beta, g_gamma, g_bias), f


@dataclass(frozen=True)
class HeadSpecialisation:
    """What one head does on a set of sentences (the target's row unless said otherwise).

    Attributes
    ----------
    head : int, 1-based as on the screens
    cue_attention : mean weight on the cue word
    previous_attention : mean weight on the word just before the target
    previous_attention_all_words : mean weight of *every* word (not only the target) on the word before it:
        high only if the head looks one place back whatever the word, i.e. by position
    sense_weight, previous_weight : the head's trained read-out weights beta_h, gamma_h
    """

    head: int
    cue_attention: float
    previous_attention: float
    previous_attention_all_words: float
    sense_weight: float
    previous_weight: float


@dataclass(frozen=True)
class HeadsTrainingResult:
    """What a two-job training run produced.

    ``projections`` has W_V = I for every head and W_O = [I; I; ...] / n_heads, so the
    output is the average of the heads' contextual embeddings, still a vector of
    GloVe + positions (comparable with X).

    ``heldout`` / ``train`` hold one HeadSpecialisation per head, measured on the sentences
    whose target has a previous word that is not its cue (``n_heldout`` of them), so that
    looking at the cue and looking one word back are never the same weight.
    """

    projections: MultiHeadProjections
    heldout: tuple[HeadSpecialisation, ...]
    train: tuple[HeadSpecialisation, ...]
    heldout_sense_accuracy: float
    heldout_previous_accuracy: float
    losses: list[float]
    sense_losses: list[float]
    previous_losses: list[float]
    n_heldout: int
    uniform_previous_all_words: float  # what previous_attention_all_words would be with uniform rows (1 / n_tokens)
    seconds: float
    config: HeadsConfig
    params: HeadsParams = field(repr=False)
    pairs: dict[str, tuple[str, str]] = field(default_factory=dict)

    def with_positions(self, X) -> np.ndarray:
        """(n_tokens, d_model) X + position_strength * PE: what the trained heads were given (X is GloVe)."""
        X = np.asarray(X, dtype=np.float64)  # (n_tokens, d_model)
        if X.ndim != 2 or X.shape[1] != self.projections.d_model:
            raise ShapeError(f"X must be (n_tokens, {self.projections.d_model}) GloVe vectors; got shape {X.shape}")
        return X + self.config.position_strength * _sinusoidal(X.shape[0], X.shape[1])  # (n_tokens, d_model)

    @property
    def sense_head(self) -> int:
        """1-based index of the head with the most attention on the cue (held out)."""
        return max(self.heldout, key=lambda s: s.cue_attention).head

    @property
    def position_head(self) -> int:
        """1-based index of the head with the most attention on the previous word (held out)."""
        return max(self.heldout, key=lambda s: s.previous_attention).head


def _specialisation(params: HeadsParams, batch: HeadsBatch) -> tuple[tuple[HeadSpecialisation, ...], int]:
    """Per head: mean target-row weight on the cue and on the previous word, over clean sentences."""
    f = heads_forward(params, batch)
    B = np.arange(len(batch.label))
    clean = batch.has_previous & (batch.cue_index != batch.previous_index)  # (B,)
    a = f.attention_weights  # (B, h, L)
    cue = a[B, :, batch.cue_index][clean]  # (n_clean, h)
    prev = a[B, :, batch.previous_index][clean]  # (n_clean, h)
    all_rows = _previous_attention_all_words(params, batch)  # (h,)
    return tuple(
        HeadSpecialisation(head=h + 1, cue_attention=float(cue[:, h].mean()),
                           previous_attention=float(prev[:, h].mean()),
                           previous_attention_all_words=float(all_rows[h]),
                           sense_weight=float(params.beta[h]), previous_weight=float(params.gamma[h]))
        for h in range(params.W_Q.shape[0])
    ), int(clean.sum())


def _previous_attention_all_words(params: HeadsParams, batch: HeadsBatch) -> np.ndarray:
    """(h,) mean over every word i >= 1 of every sentence of head h's weight on word i - 1."""
    d_k = params.W_Q.shape[2]
    queries = np.einsum("bld,hdk->bhlk", batch.X, params.W_Q)  # (B, h, L, d_k)
    keys = np.einsum("bld,hdk->bhlk", batch.X, params.W_K)  # (B, h, L, d_k)
    scores = np.einsum("bhik,bhjk->bhij", queries, keys) / np.sqrt(d_k)  # (B, h, L, L)
    pair = batch.mask[:, None, :, None] & batch.mask[:, None, None, :]  # (B, 1, L, L)
    scores = np.where(pair, scores, -np.inf)  # (B, h, L, L)
    weights = softmax(scores, axis=-1)  # (B, h, L, L) padding rows are all zero
    one_back = np.diagonal(weights, offset=-1, axis1=2, axis2=3)  # (B, h, L - 1) weight of word i on word i - 1
    has = batch.mask[:, 1:]  # (B, L - 1) word i exists (then word i - 1 does too)
    return (one_back * has[:, None, :]).sum(axis=(0, 2)) / has.sum()  # (h,)


def train_heads(embeddings, *, n_heads: int | None = None, d_k: int | None = None, steps: int | None = None,
                seed: int | None = None,
                on_step: Callable[[int, float], None] | None = None, config: HeadsConfig | None = None,
                examples: Sequence[SenseExample] | None = None) -> HeadsTrainingResult:
    """Train ``n_heads`` heads on the sense + previous-word task (see the module docstring).

    Parameters
    ----------
    embeddings : a VectorTable (GloVe); every training word must be in it
    n_heads : 1 to 8 heads (one head shows what two jobs cost a single attention row); default 2
    d_k : columns of each head's W_Q, W_K; default d_model // n_heads (the paper's layout), at most 64
    steps : full-batch Adam steps, 0 to 2000; default 300
    seed : the random start, 0 to 2**32 - 1; default 0 (the defaults and their reasons: ``HeadsConfig``)
    on_step : called as ``on_step(step, loss)`` after every step (for a progress bar)
    config : a full HeadsConfig, instead of n_heads, d_k, steps and seed (giving both is a ``TypeError``)
    examples : the sentences (default: the shipped word-sense set)

    Raises
    ------
    ShapeError, OutOfRangeError, UnknownWordError
    """
    started = time.perf_counter()
    d_model = embeddings.dim
    given = [k for k, v in (("n_heads", n_heads), ("d_k", d_k), ("steps", steps), ("seed", seed)) if v is not None]
    if config is not None and given:
        raise TypeError(f"train_heads: give either config or {', '.join(given)}, not both")
    if config is None:
        defaults = HeadsConfig()
        n_heads = check_whole("n_heads", defaults.n_heads if n_heads is None else n_heads, 1, MAX_HEADS, ShapeError,
                              why="two jobs; more heads share them")
        config = HeadsConfig(n_heads=n_heads, d_k=max(d_model // n_heads, 1) if d_k is None else d_k,
                             steps=defaults.steps if steps is None else steps,
                             seed=defaults.seed if seed is None else seed)
    cfg = config
    h = check_whole("n_heads", cfg.n_heads, 1, MAX_HEADS, ShapeError, why="two jobs; more heads share them")
    check_whole("d_k", cfg.d_k, 1, min(64, d_model), ShapeError, why=f"at most 64 and at most d_model = {d_model}")
    check_whole("steps", cfg.steps, 0, MAX_HEADS_STEPS, why="the losses are flat after a few hundred")
    check_seed(cfg.seed)
    if cfg.assign_heads and h != 2:
        raise ShapeError(f"assign_heads gives head 1 the sense and head 2 the previous word: it needs n_heads = 2, "
                         f"got {h}")
    examples = list(examples) if examples is not None else load_word_senses()
    pairs = sense_pairs(examples)
    train = make_heads_batch([e for e in examples if e.split == "train"], embeddings, pairs, cfg.position_strength)
    heldout = make_heads_batch([e for e in examples if e.split == "heldout"], embeddings, pairs,
                               cfg.position_strength)

    W_Q, W_K = random_start(d_model, h, cfg.d_k, cfg.seed)  # (h, d_model, d_k) each
    beta, gamma = np.ones(h), np.full(h, cfg.gamma_start)  # (h,) every head starts with the same read-out weights
    if cfg.assign_heads:
        beta, gamma = np.array([1.0, 0.0]), np.array([0.0, cfg.gamma_start])  # head 1 -> sense, head 2 -> previous
    params = HeadsParams(W_Q, W_K, beta, gamma, np.zeros(len(pairs)))
    # Adam (Kingma & Ba): per-parameter steps scaled by running gradient moments
    b1, b2, eps = 0.9, 0.999, 1e-8
    m = HeadsParams(*(np.zeros_like(getattr(params, n)) for n in HeadsParams.NAMES))
    v = m.copy()
    losses, sense_losses, previous_losses = [], [], []
    for step in range(1, cfg.steps + 1):
        loss, g, f = _loss_grad_forward(params, train, cfg.weight_decay, cfg.previous_weight)
        if cfg.assign_heads:  # the unused read-out weights stay 0 (a zero gradient is a zero Adam step)
            g.beta[1:] = 0.0
            g.gamma[:1] = 0.0
        for name in HeadsParams.NAMES:
            gi = getattr(g, name)
            mi = b1 * getattr(m, name) + (1 - b1) * gi
            vi = b2 * getattr(v, name) + (1 - b2) * gi * gi
            setattr(m, name, mi)
            setattr(v, name, vi)
            step_size = cfg.learning_rate * (mi / (1 - b1**step)) / (np.sqrt(vi / (1 - b2**step)) + eps)
            setattr(params, name, getattr(params, name) - step_size)
        losses.append(loss)
        sense_losses.append(f.sense_loss)
        previous_losses.append(f.previous_loss)
        if on_step is not None:
            on_step(step, loss)
    if not all(np.all(np.isfinite(getattr(params, n))) for n in HeadsParams.NAMES):
        raise ShapeError("training diverged (non-finite weights); lower the learning rate")
    held_spec, n_clean = _specialisation(params, heldout)
    train_spec, _ = _specialisation(params, train)
    fh = heads_forward(params, heldout)
    sense_acc = float(np.mean((fh.p_sense_a > 0.5) == (heldout.label > 0.5)))
    prev_ok = np.argmax(fh.p_previous, axis=1) == heldout.previous_index  # (B,)
    prev_acc = float(np.mean(prev_ok[heldout.has_previous]))
    eye = np.eye(d_model)
    projections = MultiHeadProjections(
        tuple(Projections(params.W_Q[i], params.W_K[i], eye, kind="learned") for i in range(h)),
        np.vstack([eye / h] * h), kind="learned")
    return HeadsTrainingResult(
        projections=projections, heldout=held_spec, train=train_spec, heldout_sense_accuracy=sense_acc,
        heldout_previous_accuracy=prev_acc, losses=losses, sense_losses=sense_losses,
        previous_losses=previous_losses, n_heldout=n_clean,
        uniform_previous_all_words=_uniform_previous_all_words(heldout),
        seconds=time.perf_counter() - started, config=cfg,
        params=params, pairs=pairs)


def _uniform_previous_all_words(batch: HeadsBatch) -> float:
    """Mean over every word i >= 1 of 1 / n_tokens: the one-back weight of a head that looks everywhere alike."""
    n_tokens = batch.mask.sum(axis=1)  # (B,)
    return float(np.sum((n_tokens - 1) / n_tokens) / np.sum(n_tokens - 1))


def random_start(d_model: int, n_heads: int, d_k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(h, d_model, d_k) W_Q and W_K, N(0, 1/d_model), head h from its own (seed, head) stream.

    The same numbers as ``MultiHeadProjections.random(d_model, n_heads, seed)`` when d_k = d_model / n_heads
    (and their first d_k columns for any other d_k): training starts from the page's random heads.
    """
    std = 1.0 / np.sqrt(d_model)
    W_Q = np.empty((n_heads, d_model, d_k))  # (h, d_model, d_k)
    W_K = np.empty((n_heads, d_model, d_k))  # (h, d_model, d_k)
    for head in range(n_heads):
        for j, W in enumerate((W_Q, W_K)):
            rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(head, j)))
            W[head] = rng.normal(0.0, std, size=(d_k, d_model)).T  # (d_model, d_k)
    return W_Q, W_K
