"""Learning W_Q and W_K: teaching an ambiguous word *where to look*.

The task (``data/word_senses.csv``, written for this project): in "i love apple
phones" is *apple* the company or the fruit? Each sentence has one ambiguous
target word, a sense label, and the one cue word that decides it.

The model is one attention layer over frozen GloVe vectors, with the values
kept in GloVe space (W_V = I) so that what is learned is only *where the target
looks*:

    q       = x_target @ W_Q                     (d_k,)
    keys    = X @ W_K                            (n_tokens, d_k)
    a       = softmax(keys @ q / sqrt(d_k))      (n_tokens,)   the target's attention row
    c       = a @ X                              (d_model,)    its contextual embedding
    z       = beta * (c . d) + bias[target]                     d = u(sense A) - u(sense B)
    p(A)    = sigmoid(z)

``u(w)`` is the unit GloVe vector of a sense's anchor word ("technology",
"fruit"), so ``c . d`` measures whether the contextual vector leans towards one
sense or the other: the same read-out the Sentence Lab shows as concept bars.
Only ``W_Q``, ``W_K`` (d_model x d_k), one scale ``beta`` and one bias per
target word are trained, by full-batch Adam on the cross-entropy, with
hand-written gradients (checked against finite differences in the tests).

Why this design: a free W_V with a free classifier head can separate a few
hundred sentences by memorising words, and then the attention goes anywhere;
here the only way to lower the loss is to move attention onto words whose
GloVe vector points to the right sense, which is the lesson.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .attention import Projections, softmax
from .errors import ShapeError, UnknownWordError
from .numbers import check_seed, check_whole

DATA = Path(__file__).parent / "data" / "word_senses.csv"
MAX_TRAINING_D_K = 64  # the paper's d_k; also at most d_model (a wider W_Q adds nothing but time)
MAX_TRAINING_STEPS = 2000  # the loss is flat long before (300 by default); bounds the time of one run


@dataclass(frozen=True)
class SenseExample:
    """One labelled sentence."""

    words: tuple[str, ...]
    target: str
    sense: str
    cue: str
    split: str

    @property
    def target_index(self) -> int:
        return self.words.index(self.target)

    @property
    def cue_index(self) -> int:
        return self.words.index(self.cue)


def load_word_senses(path: Path | str = DATA) -> list[SenseExample]:
    """The shipped word-sense sentences (lowercase, space-separated, no punctuation)."""
    with open(path, newline="", encoding="utf-8") as fh:
        return [
            SenseExample(tuple(row["sentence"].split()), row["target"], row["sense"], row["cue"], row["split"])
            for row in csv.DictReader(fh)
        ]


def sense_pairs(examples: Sequence[SenseExample]) -> dict[str, tuple[str, str]]:
    """target -> (sense A, sense B), in order of first appearance."""
    pairs: dict[str, list[str]] = {}
    for ex in examples:
        senses = pairs.setdefault(ex.target, [])
        if ex.sense not in senses:
            senses.append(ex.sense)
    bad = [t for t, s in pairs.items() if len(s) != 2]
    if bad:
        raise ShapeError(f"every target needs exactly two senses; check {', '.join(bad)}")
    return {t: (s[0], s[1]) for t, s in pairs.items()}


@dataclass(frozen=True)
class TrainingConfig:
    """Settings of the training run, with the reason for each default."""

    d_k: int = 16  # as the app's default d_k: small enough to print, enough to learn
    steps: int = 300  # the loss has flattened by then (see the loss curve); ~0.5 s
    learning_rate: float = 0.03  # Adam; larger steps make the attention flip between words
    weight_decay: float = 1e-3  # L2 on W_Q, W_K: keeps the bilinear form smooth, so it transfers to unseen cues
    seed: int = 0  # the random start, as Projections.random(d_model, d_k, seed=seed)


@dataclass
class Batch:
    """Padded arrays for a list of examples (n_examples, max_len, ...)."""

    X: np.ndarray  # (B, L, d_model) GloVe vectors, zero rows for padding
    mask: np.ndarray  # (B, L) True where there is a token
    target_index: np.ndarray  # (B,)
    cue_index: np.ndarray  # (B,)
    direction: np.ndarray  # (B, d_model) u(sense A) - u(sense B) of the example's target
    label: np.ndarray  # (B,) 1.0 = sense A, 0.0 = sense B
    group: np.ndarray  # (B,) index of the target word (for its bias)


def sense_units(embeddings, pairs: dict[str, tuple[str, str]]) -> dict[str, np.ndarray]:
    """Unit vector (d_model,) of every sense anchor word ("technology", "fruit", ...)."""
    units = {}
    for a, b in pairs.values():
        for w in (a, b):
            if w not in embeddings:
                raise UnknownWordError(f"sense anchor '{w}' is not in {embeddings.name}")
            v = embeddings.vector(w)  # (d_model,)
            units[w] = v / np.linalg.norm(v)  # (d_model,)
    return units


def padded_vectors(examples: Sequence[SenseExample], embeddings) -> tuple[np.ndarray, np.ndarray]:
    """Every sentence's vectors, looked up once and zero-padded: X (B, L, d_model) and mask (B, L).

    Every training word must be in the vocabulary (a silent zero vector would teach nothing)."""
    L = max(len(ex.words) for ex in examples)
    X = np.zeros((len(examples), L, embeddings.dim))  # (B, L, d_model)
    mask = np.zeros((len(examples), L), dtype=bool)  # (B, L)
    for i, ex in enumerate(examples):
        look = embeddings.lookup(ex.words)
        if not look.known.all():
            missing = [w for w, k in zip(ex.words, look.known) if not k]
            raise UnknownWordError(f"training words not in {embeddings.name}: {', '.join(missing)}")
        X[i, : len(ex.words)] = look.vectors
        mask[i, : len(ex.words)] = True
    return X, mask


def make_batch(examples: Sequence[SenseExample], embeddings, pairs: dict[str, tuple[str, str]]) -> Batch:
    """Look every word up once and pad to the longest sentence."""
    targets = list(pairs)
    units = sense_units(embeddings, pairs)
    X, mask = padded_vectors(examples, embeddings)  # (B, L, d_model), (B, L)
    return Batch(
        X=X, mask=mask,
        target_index=np.array([ex.target_index for ex in examples]),
        cue_index=np.array([ex.cue_index for ex in examples]),
        direction=np.array([units[pairs[ex.target][0]] - units[pairs[ex.target][1]] for ex in examples]),
        label=np.array([1.0 if ex.sense == pairs[ex.target][0] else 0.0 for ex in examples]),
        group=np.array([targets.index(ex.target) for ex in examples]),
    )


@dataclass
class Params:
    """Everything trained."""

    W_Q: np.ndarray  # (d_model, d_k)
    W_K: np.ndarray  # (d_model, d_k)
    beta: float  # read-out scale
    bias: np.ndarray  # (n_targets,)

    def copy(self) -> Params:
        return Params(self.W_Q.copy(), self.W_K.copy(), float(self.beta), self.bias.copy())


@dataclass(frozen=True)
class Forward:
    """The model on a batch, in the tutorial's words (B sentences, L words each at most)."""

    target_embeddings: np.ndarray  # (B, d_model) x of each ambiguous word
    queries: np.ndarray  # (B, d_k) its query
    keys: np.ndarray  # (B, L, d_k) every word's key
    attention_weights: np.ndarray  # (B, L) the ambiguous word's row of weights
    leans: np.ndarray  # (B, L) each word's lean towards sense A: x_j . d
    contextual_lean: np.ndarray  # (B,) the output's lean: contextual_embedding . d = weights . leans
    logits: np.ndarray  # (B,) beta * contextual_lean + bias
    p_sense_a: np.ndarray  # (B,) sigmoid(logits)
    loss: float  # mean cross-entropy


def forward(params: Params, batch: Batch) -> Forward:
    """The model on a batch: one attention row per sentence, then the read-out."""
    B = np.arange(len(batch.label))
    d_k = params.W_Q.shape[1]
    target_embeddings = batch.X[B, batch.target_index]  # (B, d_model)
    queries = target_embeddings @ params.W_Q  # (B, d_k)
    keys = batch.X @ params.W_K  # (B, L, d_k)
    # batched products as matmul (BLAS), not einsum's plain C loops: ~3x faster training, same sums
    scores = (keys @ queries[:, :, None])[:, :, 0] / np.sqrt(d_k)  # (B, L)
    scores = np.where(batch.mask, scores, -np.inf)  # padding is never attended
    attention_weights = softmax(scores, axis=-1)  # (B, L)
    contextual = (attention_weights[:, None, :] @ batch.X)[:, 0, :]  # (B, d_model)
    leans = (batch.X @ batch.direction[:, :, None])[:, :, 0]  # (B, L) each word's lean
    contextual_lean = np.sum(contextual * batch.direction, axis=1)  # (B,) = weights . leans
    logits = params.beta * contextual_lean + params.bias[batch.group]  # (B,)
    p = np.exp(-np.logaddexp(0.0, -logits))  # (B,) sigmoid = 1 / (1 + e^-z), without overflow for z << 0
    # cross-entropy from the logits directly: log(1 + e^z) - y z, stable for any z
    loss = float(np.mean(np.logaddexp(0.0, logits) - batch.label * logits))
    return Forward(target_embeddings, queries, keys, attention_weights, leans, contextual_lean, logits, p, loss)


def loss_and_grad(params: Params, batch: Batch, weight_decay: float = 0.0) -> tuple[float, Params]:
    """Mean cross-entropy (+ L2 on W_Q, W_K) and its exact gradient, by the chain rule.

    Steps (per example, then averaged):
      1. dL/dz = p - y  (z = the logits)
      2. dL/dbeta = dL/dz * (c . d);  dL/dbias[target] = dL/dz
      3. dL/da_j = dL/dz * beta * (x_j . d)           (c = sum_j a_j x_j)
      4. dL/ds = a * (dL/da - a . dL/da)              (softmax Jacobian)
      5. s_j = keys_j . q / sqrt(d_k):  dL/dq = keys^T dL/ds / sqrt(d_k),  dL/dkeys_j = dL/ds_j q / sqrt(d_k)
      6. dL/dW_Q = x_t^T dL/dq;  dL/dW_K = sum_j x_j^T dL/dkeys_j
    """
    f = forward(params, batch)
    n = len(batch.label)
    d_k = params.W_Q.shape[1]
    dz = (f.p_sense_a - batch.label) / n  # (B,)  1.
    g_beta = float(dz @ f.contextual_lean)  # 2.
    g_bias = np.bincount(batch.group, weights=dz, minlength=len(params.bias))  # (n_targets,)
    da = (dz * params.beta)[:, None] * f.leans  # (B, L)  3.
    ds = f.attention_weights * (da - np.sum(f.attention_weights * da, axis=1, keepdims=True))  # (B, L)  4.
    dq = (ds[:, None, :] @ f.keys)[:, 0, :] / np.sqrt(d_k)  # (B, d_k)  5.
    dkeys = ds[:, :, None] * f.queries[:, None, :] / np.sqrt(d_k)  # (B, L, d_k)
    g_WQ = f.target_embeddings.T @ dq + 2 * weight_decay * params.W_Q  # (d_model, d_k)  6.
    d_model = batch.X.shape[2]  # sum over sentences and positions of x_j^T dL/dkeys_j: one (d x BL)(BL x k) product
    g_WK = batch.X.reshape(-1, d_model).T @ dkeys.reshape(-1, d_k) + 2 * weight_decay * params.W_K
    loss = f.loss + weight_decay * float(np.sum(params.W_Q**2) + np.sum(params.W_K**2))
    return loss, Params(g_WQ, g_WK, g_beta, g_bias)


@dataclass(frozen=True)
class Evaluation:
    accuracy: float  # share of sentences whose sense is read correctly
    cue_attention: float  # mean attention weight from the target to its cue word
    n: int


def evaluate(params: Params, batch: Batch) -> Evaluation:
    f = forward(params, batch)
    pred = (f.p_sense_a > 0.5).astype(float)
    cue = f.attention_weights[np.arange(len(batch.label)), batch.cue_index]
    return Evaluation(accuracy=float(np.mean(pred == batch.label)), cue_attention=float(np.mean(cue)),
                      n=len(batch.label))


@dataclass(frozen=True)
class TrainingResult:
    """What a training run produced.

    ``projections`` has W_V = I (d_model x d_model), so contextual embeddings
    stay in GloVe space and every page can read them as GloVe vectors.
    """

    projections: Projections
    losses: list[float]
    heldout_accuracy: float
    train_accuracy: float
    heldout_cue_attention: float
    params: Params = field(repr=False)
    targets: tuple[str, ...] = ()
    pairs: dict[str, tuple[str, str]] = field(default_factory=dict)


def train_projections(embeddings, *, d_k: int | None = None, steps: int | None = None, seed: int | None = None,
                      on_step: Callable[[int, float], None] | None = None,
                      learn_projections: bool = True, config: TrainingConfig | None = None,
                      examples: Sequence[SenseExample] | None = None) -> TrainingResult:
    """Learn W_Q, W_K on the word-sense task (see the module docstring).

    Parameters
    ----------
    embeddings : a VectorTable (GloVe); every training word must be in it
    d_k : columns of W_Q and W_K, a whole number from 1 to min(64, d_model) (``ShapeError``); default 16
    steps : full-batch Adam steps, 0 to 2000 (``OutOfRangeError``); default 300
    seed : the random start (the same as ``Projections.random(d_model, d_k, seed=seed)``), 0 to 2**32 - 1;
        default 0 (the defaults and their reasons: ``TrainingConfig``)
    on_step : called as ``on_step(step, loss)`` after every step (for a progress bar)
    learn_projections : False keeps W_Q, W_K at their random start and trains only
        the read-out (beta, biases): the fair "random projections" baseline
    config : a full TrainingConfig, instead of d_k, steps and seed (one way to say each setting: giving
        both is a ``TypeError``, never a silent choice of one)
    """
    given = {k: v for k, v in (("d_k", d_k), ("steps", steps), ("seed", seed)) if v is not None}
    if config is not None and given:
        raise TypeError(f"train_projections: give either config or {', '.join(given)}, not both")
    cfg = config or TrainingConfig(**given)
    # bounds, checked before any work: one step costs O(n_examples * n_tokens * d_model * d_k), so
    # d_k = 512 ran 76 s; 64 (the paper's d_k) and 2000 steps stay within a few seconds
    check_whole("d_k", cfg.d_k, 1, min(MAX_TRAINING_D_K, embeddings.dim), ShapeError,
                why=f"training allows at most {MAX_TRAINING_D_K} and at most d_model = {embeddings.dim}")
    check_whole("steps", cfg.steps, 0, MAX_TRAINING_STEPS, why="the loss is flat after a few hundred")
    check_seed(cfg.seed)
    examples = list(examples) if examples is not None else load_word_senses()
    pairs = sense_pairs(examples)
    train = make_batch([e for e in examples if e.split == "train"], embeddings, pairs)
    heldout = make_batch([e for e in examples if e.split == "heldout"], embeddings, pairs)

    start = Projections.random(embeddings.dim, cfg.d_k, seed=cfg.seed)
    params = Params(start.W_Q.copy(), start.W_K.copy(), 1.0, np.zeros(len(pairs)))
    # Adam (Kingma & Ba): per-parameter steps scaled by running gradient moments
    b1, b2, eps = 0.9, 0.999, 1e-8
    m = Params(np.zeros_like(params.W_Q), np.zeros_like(params.W_K), 0.0, np.zeros_like(params.bias))
    v = m.copy()
    losses = []
    for step in range(1, cfg.steps + 1):
        loss, g = loss_and_grad(params, train, cfg.weight_decay)
        losses.append(loss)
        names = ("W_Q", "W_K", "beta", "bias") if learn_projections else ("beta", "bias")
        for name in names:
            gi = getattr(g, name)
            mi = b1 * getattr(m, name) + (1 - b1) * gi
            vi = b2 * getattr(v, name) + (1 - b2) * gi * gi
            setattr(m, name, mi)
            setattr(v, name, vi)
            step_size = cfg.learning_rate * (mi / (1 - b1**step)) / (np.sqrt(vi / (1 - b2**step)) + eps)
            setattr(params, name, getattr(params, name) - step_size)
        if on_step is not None:
            on_step(step, loss)
    if not np.all(np.isfinite(params.W_Q)) or not np.all(np.isfinite(params.W_K)):
        raise ShapeError("training diverged (non-finite weights); lower the learning rate")
    held, tr = evaluate(params, heldout), evaluate(params, train)
    projections = Projections(params.W_Q, params.W_K, np.eye(embeddings.dim),
                              kind="learned" if learn_projections else "random")
    return TrainingResult(projections=projections, losses=losses, heldout_accuracy=held.accuracy,
                          train_accuracy=tr.accuracy, heldout_cue_attention=held.cue_attention,
                          params=params, targets=tuple(pairs), pairs=pairs)


def sentence_report(result: TrainingResult, embeddings, split: str = "heldout",
                    examples: Sequence[SenseExample] | None = None) -> list[dict]:
    """Per sentence of a split: the predicted sense, its probability and the target's attention to the cue."""
    examples = [e for e in (examples if examples is not None else load_word_senses()) if e.split == split]
    batch = make_batch(examples, embeddings, result.pairs)
    f = forward(result.params, batch)
    rows = []
    for i, ex in enumerate(examples):
        a, b = result.pairs[ex.target]
        p = float(f.p_sense_a[i])
        rows.append({"sentence": " ".join(ex.words), "target": ex.target, "cue": ex.cue, "sense": ex.sense,
                     "predicted": a if p > 0.5 else b, "p(predicted)": max(p, 1 - p),
                     "attention to cue": float(f.attention_weights[i, ex.cue_index])})
    return rows
