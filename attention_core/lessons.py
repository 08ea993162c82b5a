"""The numbers the pages print, computed here so that tests check them (pages only draw).

Each function takes what the pipeline produced (``SentenceAnalysis``, ``AttentionTrace``)
and returns plain arrays, numbers or lines of text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .attention import AttentionTrace, Projections, resolve_scale, self_attention, softmax
from .numbers import format_number
from .pipeline import Mechanism, SentenceAnalysis

HEATMAP_VIEWS = ("weights", "scaled scores", "raw scores")


def heatmap_matrix(trace: AttentionTrace, view: str) -> np.ndarray:
    """(n_tokens, n_tokens) what the Sentence Lab's heatmap shows.

    weights = softmax(scaled scores); scaled scores = scores / divisor (sqrt(d_k), or 1 with
    scaling off; -inf where masked); raw scores = queries @ keys.T.
    """
    matrices = {"weights": trace.attention_weights, "scaled scores": trace.scaled_scores,
                "raw scores": trace.scores}
    if view not in matrices:
        raise ValueError(f"view must be one of {HEATMAP_VIEWS}, got {view!r}")
    return matrices[view]


def shared_bound(matrices: Sequence[np.ndarray]) -> float:
    """The largest |finite entry| over several matrices: one colour scale for all of them.

    With one bound, the same colour means the same number in both sentences' heatmaps.
    Masked (-inf) cells are left out; 1.0 when nothing finite is non-zero.
    """
    finite = [np.abs(m[np.isfinite(m)]) for m in map(np.asarray, matrices)]
    bound = max((float(f.max()) for f in finite if f.size), default=0.0)
    return bound if bound > 0 else 1.0


def concept_share(scores: np.ndarray) -> np.ndarray | None:
    """The tutorial's "x % tech / y % fruit": each vector's first concept cosine as a share of the first two.

    ``scores``: (n_vectors, n_concepts) cosines. Returns (n_vectors,) shares of the first
    concept, or None when a share would mislead (fewer than two concepts, or a cosine <= 0,
    where "a share of the two" has no meaning).
    """
    s = np.asarray(scores, dtype=float)
    if s.ndim != 2 or s.shape[1] < 2 or not np.all(s[:, :2] > 0):
        return None
    return s[:, 0] / s[:, :2].sum(axis=1)


@dataclass(frozen=True)
class MapInputs:
    """What the PCA map draws: every word of every sentence, before and after.

    before, after : (n_words_total, d) in one space (embeddings or values, see ``word_space``)
    sentence : (n_words_total,) index of the sentence each row comes from
    position : (n_words_total,) the word's position in its sentence
    is_target : (n_words_total,) bool
    word_space : True when ``before`` are the embeddings; False when they are value vectors
    """

    before: np.ndarray
    after: np.ndarray
    sentence: np.ndarray
    position: np.ndarray
    is_target: np.ndarray
    word_space: bool


def map_inputs(analyses: Sequence[SentenceAnalysis]) -> MapInputs:
    """Stack the sentences' before/after vectors for one shared map.

    Outputs are averages of values, so they are compared with the embeddings only when every
    sentence has W_V = I; otherwise all sentences compare values with outputs (like with like).
    """
    word_space = all(a.word_space for a in analyses)  # one mechanism for all: all or none
    before = np.vstack([a.before for a in analyses])  # (N, d)
    after = np.vstack([a.after for a in analyses])  # (N, d)
    sentence = np.concatenate([np.full(len(a.words), i) for i, a in enumerate(analyses)])
    position = np.concatenate([np.arange(len(a.words)) for a in analyses])
    is_target = np.concatenate([np.arange(len(a.words)) == (-1 if a.target_index is None else a.target_index)
                                for a in analyses])
    return MapInputs(before, after, sentence, position, is_target, word_space)


@dataclass(frozen=True)
class Asymmetry:
    """How far a score matrix is from symmetric: gap = max |S - S^T|; ``rounding`` when it is only float noise."""

    gap: float
    rounding: bool


def asymmetry(S) -> Asymmetry:
    """The largest |S - S^T|, and whether it is only rounding.

    X X^T is symmetric in exact arithmetic, but float64 adds the same products in another
    order for (i, j) and (j, i), so the computed gap can be ~1e-15 of the scores depending
    on the CPU and BLAS. A gap at or below 1e-12 of the largest score is rounding.
    """
    S = np.asarray(S, dtype=float)
    gap = float(np.max(np.abs(S - S.T)))
    return Asymmetry(gap, gap <= 1e-12 * max(float(np.max(np.abs(S))), 1e-300))


def projection_variants(X, mechanism: Mechanism, learned: Projections | None = None) -> dict[str, AttentionTrace]:
    """The same sentence with projections off, random (seeded by ``mechanism.seed``, d_k of the
    mechanism) and, when given, learned; each with the mechanism's scaling and mask."""
    X = np.asarray(X, dtype=float)  # (n_tokens, d_model)
    run = {"scale": mechanism.scale, "causal": mechanism.causal}
    variants = {"off": self_attention(X, None, **run),
                "random": self_attention(X, Projections.random(X.shape[1], mechanism.d_k, seed=mechanism.seed),
                                         **run)}
    if learned is not None:
        variants["learned"] = self_attention(X, learned, **run)
    return variants


@dataclass(frozen=True)
class ScalingComparison:
    """One sentence's weights without and with 1/sqrt(d_k): (n_tokens, n_tokens) each."""

    unscaled: np.ndarray
    scaled: np.ndarray
    d_k: int


def scaling_comparison(trace: AttentionTrace) -> ScalingComparison:
    """softmax(scores) against softmax(scores / sqrt(d_k)), whatever the scaling switch says."""
    mask = np.isfinite(trace.scaled_scores)  # the mechanism's mask (causal cells are -inf)
    scores = np.where(mask, trace.scores, -np.inf)
    return ScalingComparison(softmax(scores), softmax(scores / resolve_scale(True, trace.d_k)), trace.d_k)


def temperature_weights(trace: AttentionTrace, temperature: float) -> np.ndarray:
    """softmax(scores / T), (n_tokens, n_tokens): T = sqrt(d_k) is exactly the scaled attention."""
    mask = np.isfinite(trace.scaled_scores)
    return softmax(np.where(mask, trace.scores / resolve_scale(float(temperature), trace.d_k), -np.inf))


@dataclass(frozen=True)
class Step:
    """One matrix of the formula, in order: its title, the matrix, what its rows and columns are."""

    title: str
    matrix: np.ndarray
    rows: str  # "tokens" | "d_model"
    cols: str  # "d_model" | "d_k" | "d_v" | "tokens"
    note: str = ""


def formula_steps(trace: AttentionTrace, scale: bool) -> list[Step]:
    """Every matrix of softmax(Q K^T / sqrt(d_k)) V in the order the tutorial computes them."""
    t = trace
    divided = f"divided by √d_k = √{t.d_k}" if scale else "scaling is off: divided by 1"
    return [
        Step("1. X, the embeddings", t.X, "tokens", "d_model",
             "one row per word: the static vector, the same in every sentence"),
        Step("3. queries = X @ W_Q", t.queries, "tokens", "d_k"),
        Step("keys = X @ W_K", t.keys, "tokens", "d_k"),
        Step("values = X @ W_V", t.values, "tokens", "d_v"),
        Step("4. scores = queries @ keys.T", t.scores, "tokens", "tokens",
             "row = the word looking (query), column = the word looked at (key)"),
        Step(f"5. scaled scores = scores / {t.divisor:.4g}", t.scaled_scores, "tokens", "tokens", divided),
        Step("6. attention_weights = softmax of each row", t.attention_weights, "tokens", "tokens",
             "every row is a probability distribution: non-negative, sums to 1"),
        Step("7. contextual_embeddings = attention_weights @ values", t.contextual_embeddings, "tokens", "d_v",
             "each row: a weighted average of the value rows"),
    ]


def dot_line(a, b, name: str) -> str:
    """'name = (2 x 2) + (2 x 2) = 8' for short vectors, 'name = sum of 50 products = 8.1234' otherwise."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    value = float(np.dot(a, b))
    if len(a) <= 4:
        terms = " + ".join(f"({_num(x)} x {_num(y)})" for x, y in zip(a, b))
        return f"{name} = {terms} = {_num(value)}"
    return f"{name} = sum of {len(a)} products = {_fixed(value)}"


def _num(x: float) -> str:
    x = float(x)
    return f"{x:g}" if abs(x - round(x)) < 1e-12 else _fixed(x)


def _fixed(x: float, decimals: int = 4) -> str:
    """``x`` with ``decimals`` decimals, or ``format_number`` when that would be long (3.4e38: 39 digits)."""
    out = f"{float(x):.{decimals}f}"
    return out if len(out) <= 12 else format_number(x)


def follow_word(trace: AttentionTrace, words: Sequence[str], row: int) -> list[str]:
    """One word's row worked by hand: its query against every key, scaled, softmax, the weighted sum."""
    t, w, n = trace, words[row], len(words)
    lines = [f"Scores of '{w}' (its query against every key):"]
    lines += ["  " + dot_line(t.queries[row], t.keys[j], f"score({w}, {words[j]})") for j in range(n)]
    lines.append(f"Scaled: divide by {t.divisor:.6g} -> [" + ", ".join(f"{v:.6g}" for v in t.scaled_scores[row])
                 + "]")
    lines.append("softmax -> [" + ", ".join(f"{v:.7f}" for v in t.attention_weights[row]) + "]"
                 + f"  (sum = {t.attention_weights[row].sum():.12f})")
    lines.append(f"{w}' = " + " + ".join(f"{a:.5f} x V({words[j]})" for j, a in enumerate(t.attention_weights[row])))
    out = t.contextual_embeddings[row]
    lines.append("    = [" + ", ".join(_fixed(v) for v in out[:8]) + (", ...]" if len(out) > 8 else "]"))
    return lines


def worked_example(toy) -> list[str]:
    """The tutorial's Apple example with its exact numbers (2-D vectors, no scaling)."""
    X = toy.lookup(["love", "apple", "phones"]).vectors  # (3, 2)
    exact = self_attention(X, scale=False)
    e = np.exp(-10.0)
    return [
        "Apple = (2, 2), phones = (2, 2), love = (-4, 3), juice = (4, 0)",
        dot_line(X[1], X[2], "sim(Apple, phones)"),
        dot_line(X[1], X[0], "sim(Apple, love)  "),
        dot_line(X[1], toy.vector("juice"), "sim(Apple, juice) "),
        dot_line(X[1], X[1], "sim(Apple, Apple) "),
        "softmax([-2, 8, 8]) = [e^-10, 1, 1] / (e^-10 + 2)",
        "                    = [" + ", ".join(f"{v:.7f}" for v in exact.attention_weights[1]) + "]",
        f"the tutorial rounds this to [0.0, 0.5, 0.5]; the first weight is really {e / (e + 2):.3e}",
        "Apple' = " + " + ".join(f"{a:.7f} x E({k})"
                                 for a, k in zip(exact.attention_weights[1], ["love", "Apple", "phones"])),
        "       = (" + ", ".join(f"{v:.6f}" for v in exact.contextual_embeddings[1]) + ")",
        "         (tutorial: 0.0 E(love) + 0.5 E(Apple) + 0.5 E(phones) = (2, 2))",
    ]


@dataclass(frozen=True)
class WorkCount:
    """Multiply-adds of one self-attention pass (the tutorial's "O(1)" corrected)."""

    scores: int  # n_tokens^2 x d_k
    weighted_sums: int  # n_tokens^2 x d_v


def work_count(n_tokens: int, d_k: int, d_v: int) -> WorkCount:
    return WorkCount(n_tokens * n_tokens * d_k, n_tokens * n_tokens * d_v)


def export_rows(sentences: Mapping[str, SentenceAnalysis]) -> tuple[list[dict], list[dict]]:
    """The weights (long: one row per sentence, query, key) and the outputs (one row per word).

    Positions, not words, name the output columns (out_0 ... out_{d-1}), so two sentences
    share one header whatever their words.
    """
    weights, outputs = [], []
    for name, a in sentences.items():
        words, W, out = a.words, a.trace.attention_weights, a.trace.contextual_embeddings
        for i, q in enumerate(words):
            weights += [{"sentence": name, "query_pos": i + 1, "query": q, "key_pos": j + 1, "key": k,
                         "weight": float(W[i, j])} for j, k in enumerate(words)]
            outputs.append({"sentence": name, "pos": i + 1, "word": q,
                            **{f"out_{j}": float(v) for j, v in enumerate(out[i])}})
    return weights, outputs


@dataclass(frozen=True)
class AttendsTo:
    """Where one word looks under two sets of projections (the Learned page's comparison)."""

    words: tuple[str, ...]
    random: AttentionTrace
    learned: AttentionTrace


def random_vs_learned(X, words: Sequence[str], learned: Projections, mechanism: Mechanism) -> AttendsTo:
    """The same sentence with random W_Q, W_K (the learned run's start: same seed and d_k) and learned ones."""
    X = np.asarray(X, dtype=float)
    start = Projections.random(X.shape[1], learned.d_k, seed=mechanism.seed)
    run = {"scale": mechanism.scale, "causal": mechanism.causal}
    return AttendsTo(tuple(words), self_attention(X, start, **run), self_attention(X, learned, **run))


@dataclass(frozen=True)
class ConceptReadout:
    """What the target means on named concepts, before and after attention.

    concepts : the concepts (with only the words the vocabulary has)
    cosines : (2, n_concepts) before, after
    pair : (i, j) the two concepts that are the target's senses, or None
    shares : (2,) concept i's share of the two cosines, before and after, or None
        (None when there is no sense pair, or a cosine <= 0 makes a share meaningless)
    """

    concepts: tuple
    cosines: np.ndarray
    pair: tuple[int, int] | None
    shares: np.ndarray | None


def concept_readout(before, after, concepts, base, target: str, senses) -> ConceptReadout:
    """Cosines of the target's vector before and after with each concept, and the sense share.

    The share ("64 % tech") is given only between the two concepts that stand for the target's
    two senses in the word-sense data (apple: technology / fruit, bank: money / river): for any
    other word, "x % tech" would be a statement about nothing.
    """
    from .concepts import concept_cosines, sense_concepts

    cos = concept_cosines(np.vstack([before, after]), concepts, base)  # (2, n_concepts)
    pair = sense_concepts(concepts, target, senses)
    shares = None if pair is None else concept_share(cos[:, list(pair)])
    return ConceptReadout(tuple(concepts), cos, pair, shares)


@dataclass(frozen=True)
class SenseShift:
    """A word's cosine with its two sense words, before and after attention (learned projections' page).

    senses : (sense A word, sense B word), e.g. ("money", "river") for bank
    before, after : (2,) cosine with each sense word's GloVe vector
    towards : the sense whose cosine grew more (where attention moved the word)
    leans : the sense with the higher cosine after (where the word now is)
    """

    senses: tuple[str, str]
    before: np.ndarray
    after: np.ndarray

    @property
    def towards(self) -> str:
        gain = self.after - self.before  # (2,)
        return self.senses[int(np.argmax(gain))]

    @property
    def leans(self) -> str:
        return self.senses[int(np.argmax(self.after))]


def sense_shift(before, after, embeddings, senses: tuple[str, str]) -> SenseShift:
    """Cosines of one word's vector ``before`` and ``after`` (d_model,) attention with its two sense words.

    Moving *towards* a sense and *leaning* to it are different statements: with the residual stream the word
    keeps its own vector, so it can move towards river and still be nearer money (bank after *deposited*).
    """
    from .embeddings import cosine_to

    units = np.array([embeddings.vector(w) for w in senses], dtype=np.float64)  # (2, d_model)
    units /= np.linalg.norm(units, axis=1, keepdims=True)
    cos = cosine_to(np.vstack([before, after]), units)  # (2, 2): rows before / after, columns the senses
    return SenseShift(tuple(senses), cos[0], cos[1])


@dataclass(frozen=True)
class SelfMatch:
    """Why plain attention barely moves a word: its score with itself against its best other score."""

    self_score: float
    best_other: int | None  # the position of the best other word (None in a one-word sentence)
    other_score: float


def self_match(trace: AttentionTrace, i: int) -> SelfMatch:
    """Word i's score with itself and with its best-matching other word (x.x vs x.y, projections off)."""
    row = trace.scores[i]
    others = [j for j in range(len(row)) if j != i]
    if not others:
        return SelfMatch(float(row[i]), None, float("nan"))
    j = max(others, key=lambda k: row[k])
    return SelfMatch(float(row[i]), j, float(row[j]))


def row_spread(weights) -> float:
    """How differently the words look: the mean total-variation distance between two rows of weights.

    0 = every word looks at exactly the same words (all rows alike); 1 = no two rows share any weight.
    (n_tokens, n_tokens) -> a number in [0, 1]; 0 for a one-word sentence.
    """
    W = np.asarray(weights, dtype=float)
    n = W.shape[0]
    if n < 2:
        return 0.0
    tv = 0.5 * np.abs(W[:, None, :] - W[None, :, :]).sum(axis=-1)  # (n, n) pairwise distances
    return float(tv[np.triu_indices(n, 1)].mean())


def diagonal_growth(X) -> tuple[float, float]:
    """Mean x.x (a word with itself) and mean |x.y| (with another word) of a sentence's vectors.

    For random vectors with unit-variance entries, x.x grows like d while x.y averages 0 (its
    spread grows like sqrt(d)), so softmax puts nearly all weight on the diagonal.
    """
    X = np.asarray(X, dtype=float)
    S = X @ X.T  # (n, n)
    n = len(S)
    off = S[~np.eye(n, dtype=bool)]
    return float(np.mean(np.diag(S))), float(np.mean(np.abs(off))) if off.size else 0.0


def identical_pairs(X) -> list[tuple[int, int]]:
    """Pairs (i, j), i < j, of positions whose vectors are exactly equal (e.g. the tutorial's apple and phones,
    both (2, 2)): for such a pair no projection can make score(i, j) differ from score(j, i)."""
    X = np.asarray(X, dtype=float)
    return [(i, j) for i in range(len(X)) for j in range(i + 1, len(X)) if np.array_equal(X[i], X[j])]


@dataclass(frozen=True)
class OrderComparison:
    """Two sentences with the same words in another order, compared word by word.

    without : largest |difference| of the outputs with no positions (0 up to rounding, unless masked)
    with_positions : the same at the mechanism's strength
    per_word : (n_tokens,) how far each word of sentence b moves against the same word in a, at that strength
    per_word_without : (n_tokens,) the same with no positions (0 up to rounding, unless masked)
    strengths, curve : the largest difference at several strengths (it grows with the strength)
    """

    without: float
    with_positions: float
    per_word: np.ndarray
    strengths: np.ndarray
    curve: np.ndarray
    per_word_without: np.ndarray


def word_order(a: SentenceAnalysis, b: SentenceAnalysis) -> OrderComparison:
    """The word-order experiment: b must be a reordering of a's words (``match_reordering`` says if not)."""
    from .positions import match_reordering, order_experiment, word_order_differences

    perm = match_reordering(a.tokens.keys, b.tokens.keys)  # (n_tokens,)
    mech = a.mechanism
    run = {"projections": a.trace.projections, "scale": mech.scale, "causal": mech.causal}
    X_a, X_b = a.embeddings, b.embeddings  # (n_tokens, d_model) static vectors, no positions
    strengths = np.array([0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0])
    curve = np.array([order_experiment(X_a, X_b, perm, s, **run) for s in strengths])
    return OrderComparison(
        without=order_experiment(X_a, X_b, perm, 0.0, **run),
        with_positions=order_experiment(X_a, X_b, perm, mech.positions, **run),
        per_word=word_order_differences(X_a, X_b, perm, mech.positions, **run),
        strengths=strengths, curve=curve, per_word_without=word_order_differences(X_a, X_b, perm, 0.0, **run))


@dataclass(frozen=True)
class EncodingView:
    """The sinusoidal encoding for a sentence's length and width, and how long it is next to a word."""

    pe: np.ndarray  # (n_tokens, d_model)
    distances: np.ndarray  # (k,)
    dots: np.ndarray  # (k,) PE[0] . PE[distance]
    encoding_norm: float
    embedding_norm: float


def encoding_view(a: SentenceAnalysis, max_distance: int = 20) -> EncodingView:
    from .positions import encoding_scale, position_similarity, sinusoidal_encoding

    n, d = a.embeddings.shape
    distances, dots = position_similarity(d, max_distance)
    scale = encoding_scale(a.embeddings)
    return EncodingView(sinusoidal_encoding(max(n, 2), d), distances, dots, scale["encoding_norm"],
                        scale["embedding_norm"])


@dataclass(frozen=True)
class BlockView:
    """One transformer block on a sentence, with and without the residual stream (what the page shows)."""

    d_model: int
    survival_rows: list  # rows of (stage, residual stream, mean cosine with the input) for a line chart
    final_survival: tuple[float, float]  # mean cosine of the block's output with its input: with, without
    stage_table: list  # rows: stage, formula, shape, switched by
    parameter_rows: list  # rows: part, here (d_model of these vectors), the paper's d_model 512
    ffn_share: tuple[float, float]  # the paper's network / its block: counted with one head, with its 8 heads + W_O
    paper_attention: int  # the paper's attention parameters with its 8 heads and W_O (1,048,576)


def block_view(a: SentenceAnalysis, ffn_seed: int = 0) -> BlockView:
    """Run ``transformer_block`` on the sentence's X (positions included) with the mechanism's projections,
    scaling and mask, once with and once without the residual stream, and measure each stage."""
    from .block import STAGES, block_parameter_counts, stage_similarity, transformer_block

    mech, X, proj = a.mechanism, a.trace.X, a.trace.projections  # X: (n_tokens, d_model)
    n, d = X.shape
    rows, final = [], []
    for residual in (True, False):
        trace = transformer_block(X, proj, scale=mech.scale, causal=mech.causal, residual=residual,
                                  ffn_seed=ffn_seed)
        sim = stage_similarity(trace)  # stage -> (n_tokens,) cosine with the input
        label = "with the residual stream" if residual else "without it"
        rows += [{"stage": f"{k + 1}. {stage.replace('_', ' ')}", "stage_pos": k, "residual stream": label,
                  "mean cosine with the input": float(sim[stage].mean())} for k, stage in enumerate(STAGES)]
        final.append(float(sim[STAGES[-1]].mean()))
    d_k, d_v = proj.d_k, proj.d_v
    table = [
        ("1. attention", "softmax(Q Kᵀ / √d_k) V", f"[{n} x {d_v}]", "projections, scaling, causal mask"),
        ("2. add", "x + attention(x)", f"[{n} x {d}]", "residual stream"),
        ("3. layer norm", "each word: mean 0, variance 1", f"[{n} x {d}]", "—"),
        ("4. feed-forward", "ReLU(x W_1 + b_1) W_2 + b_2", f"[{n} x {4 * d}] then [{n} x {d}]", "—"),
        ("5. add", "x + FFN(x)", f"[{n} x {d}]", "residual stream"),
        ("6. layer norm", "each word: mean 0, variance 1", f"[{n} x {d}]", "—"),
    ]
    here, paper = block_parameter_counts(d, d_k, d_v), block_parameter_counts(512, 64, 64)
    paper_8 = block_parameter_counts(512, 64, 64, heads=8)
    parts = ["W_Q", "W_K", "W_V", "W_1", "b_1", "W_2", "b_2", "total"]
    return BlockView(d, rows, (final[0], final[1]),
                     [dict(zip(("stage", "computes", "shape", "switched by"), r)) for r in table],
                     [{"part": p, f"here (d_model {d}, d_k {d_k})": here[p], "the paper's (512, 64)": paper[p]}
                      for p in parts],
                     (paper["ffn"] / paper["total"], paper_8["ffn"] / paper_8["total"]), paper_8["attention"])


def target_difference(a: SentenceAnalysis, b: SentenceAnalysis) -> float | None:
    """Largest |difference| between the target's vector after attention in two sentences (None when a
    sentence lacks the target). With a causal mask and the same words up to the target ("I love Apple
    phones" / "I love apple juice"), it is exactly 0: the target sees only the words before it."""
    if a.target_index is None or b.target_index is None:
        return None
    return float(np.max(np.abs(a.after[a.target_index] - b.after[b.target_index])))


@dataclass(frozen=True)
class HeadsView:
    """What the Multi-head page shows of one sentence's heads.

    weights : (n_heads, n_tokens, n_tokens) every head's attention weights (one shared 0..1 scale)
    target_rows : (n_heads, n_tokens) the target's row in each head (None without a target)
    contribution : (n_heads,) length of what each head's output adds to the target through W_O
    shapes : lines "name [rows x cols]" for each head's W_Q, the concatenation, W_O and the output
    previous : (n_heads,) each head's mean weight on the word just before, over words 2..n (NaN for one
        word): how much a head does the "previous word" job on this sentence
    """

    weights: np.ndarray
    target_rows: np.ndarray | None
    contribution: np.ndarray | None
    shapes: list[str]
    previous: np.ndarray


def heads_view(a: SentenceAnalysis) -> HeadsView:
    """Per head: the weights, the target's row, and the length of its share of the target's output.

    The output is concat(head_1, ..., head_h) @ W_O, so head i's share is head_i @ W_O[rows of head i];
    the shares add up to the output exactly.
    """
    mh = a.heads
    if mh is None:
        raise ValueError("heads_view needs an analysis made with mechanism.heads > 1")
    W = mh.attention_weights  # (n_heads, n_tokens, n_tokens)
    h, n = W.shape[0], W.shape[1]
    d_v = mh.projections.d_v
    i = a.target_index
    rows = contribution = None
    if i is not None:
        rows = W[:, i, :]  # (n_heads, n_tokens)
        W_O = mh.projections.W_O  # (n_heads * d_v, d_out)
        shares = [mh.heads[k].contextual_embeddings[i] @ W_O[k * d_v:(k + 1) * d_v] for k in range(h)]
        contribution = np.array([np.linalg.norm(s) for s in shares])  # (n_heads,)
    p = mh.projections
    shapes = [f"each head: W_Q, W_K [{p.d_model} x {p.d_k}], W_V [{p.d_model} x {d_v}] ({h} heads)",
              f"each head's output [{n} x {d_v}]",
              f"concatenation [{n} x {mh.concatenation.shape[1]}]",
              f"W_O [{p.W_O.shape[0]} x {p.W_O.shape[1]}]",
              f"output = concatenation @ W_O [{n} x {mh.output.shape[1]}]"]
    below = np.diagonal(W, offset=-1, axis1=1, axis2=2)  # (n_heads, n_tokens - 1): word t's weight on t - 1
    previous = below.mean(axis=1) if n > 1 else np.full(h, np.nan)  # (n_heads,)
    return HeadsView(W, rows, contribution, shapes, previous)
