"""The guided lesson: the tutorial's sections in order, each with a question asked *before* its answer.

Each section has a ``Question`` (static: its id, prompt, and the answers it accepts) and a
``measure_*`` function that computes, with this app's own pipeline, the answer and the numbers
the page shows. A question is answered either by a choice from its options or by a number in
its range; ``Question.read`` validates what a student sent (the class poll stores only what it
accepts), ``Question.is_right`` grades it against the measured answer.

The measured answers come from fixed inputs (the tutorial's sentences, GloVe, the app's learned
projections at d_k = 16, seed 0) so that every student of a class is asked the same question
with the same right answer, whatever their sidebar says.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .attention import Projections, softmax
from .concepts import DEFAULT_CONCEPT_TEXT, concept_cosines, known_part, parse_concepts, sense_concepts
from .embeddings import VectorTable, toy_embeddings
from .exercises import EXERCISE_1_SENTENCE, MAX_ANSWER_CHARS, AnswerError, check_exercise_1
from .lessons import concept_share, word_order
from .pipeline import Mechanism, SentenceAnalysis, analyse
from .rnn import rnn_vs_attention
from .training import load_word_senses, sense_pairs

S1, S2 = "I love Apple phones", "I love apple juice"  # the tutorial's two sentences
TARGET = "apple"


@dataclass(frozen=True)
class Question:
    """One predict-then-reveal question.

    A choice question has ``options``; a number question has ``low`` <= answer <= ``high`` and a
    ``tolerance`` (an answer within it of the measured value is right). ``id`` is stable: links
    and the class poll name questions by it.
    """

    id: str
    prompt: str
    options: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    tolerance: float = 0.0
    unit: str = ""

    @property
    def kind(self) -> str:
        return "choice" if self.options else "number"

    def read(self, raw) -> str | float:
        """What the student sent, as an answer this question accepts; else ``AnswerError`` saying why.

        Choices must be one of the options exactly; numbers are finite floats within
        [low, high] ("1e309" overflows to inf and is refused, as are text and lists).
        """
        if self.options:
            if not isinstance(raw, str) or raw not in self.options:
                raise AnswerError("Pick one of the answers offered.")
            return raw
        if isinstance(raw, bool) or raw is None:
            raise AnswerError("Type a number.")
        if isinstance(raw, str):
            text = raw.strip().rstrip("%").strip()
            if not text:
                raise AnswerError("Type a number first.")
            if len(text) > MAX_ANSWER_CHARS:
                raise AnswerError(f"That is {len(text)} characters: one number is enough.")
            try:
                raw = float(text.replace("−", "-"))
            except ValueError:
                raise AnswerError("Type one number, like 42 or -2.5.") from None
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise AnswerError("Type one number, like 42 or -2.5.") from None
        if not math.isfinite(value):
            raise AnswerError("That number is too large to be an answer (or not a number).")
        if not self.low <= value <= self.high:
            raise AnswerError(f"The answer lies between {self.low:g} and {self.high:g}{self.unit}.")
        return value

    def is_right(self, answer: str | float, measured: str | float) -> bool:
        if self.options:
            return answer == measured
        return abs(float(answer) - float(measured)) <= self.tolerance + 1e-9


@dataclass(frozen=True)
class Measured:
    """A section's answer and the numbers its page shows.

    answer : the right option, or the measured number
    says : what the tutorial says ("" when it is exact)
    measures : what the app measures, in words with numbers
    numbers : named arrays and values the section's chart draws
    """

    answer: str | float
    says: str
    measures: str
    numbers: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    heading: str  # the tutorial's heading
    question: Question


_UP, _SAME, _DOWN = "up, toward tech", "about the same", "down, toward fruit"
_TOWARD_ONE, _STAYS, _EVEN = "toward 1: one word takes it all", "stays about the same", "toward an even split"
_WORDS = ("I", "love", "Apple", "phones")

SECTIONS: tuple[Section, ...] = (
    Section("problem", "The problem", "The Problem: Contextual Word Representation", Question(
        "lesson.problem", "GloVe gives every word one vector. Is the vector for apple in *I love Apple phones* the "
        "same as in *I love apple juice*?", options=("the same", "different"))),
    Section("static", "Static embeddings", "Understanding Word Embeddings Limitations", Question(
        "lesson.static", "Compare real GloVe apple with a few tech words and a few fruit words. What share of "
        "it leans tech (0 to 100 %)?", low=0, high=100, tolerance=10, unit=" %")),
    Section("scratch", "Attention from scratch", "Building Self-Attention from Scratch", Question(
        "lesson.scratch", "Mix real GloVe vectors as the tutorial does: apple' = 0.1 love + 0.5 apple + 0.4 phones. "
        "Apple's tech share goes ...", options=(_UP, _SAME, _DOWN))),
    Section("dot", "Dot products", "Dot Product Similarity", Question(
        "lesson.dot", "With the tutorial's 2-D vectors apple = (2, 2) and love = (-4, 3): apple · love = ?",
        low=-100, high=100, tolerance=0.0)),
    Section("softmax", "Softmax", "Converting to Probabilities with Softmax", Question(
        "lesson.softmax", "softmax([-2, 8, 8]): the weight of the first score, -2, is ...",
        options=("exactly 0", "tiny, but more than 0", "about 0.1"))),
    Section("parameters", "Why learnable parameters", "Adding Learnable Parameters", Question(
        "lesson.parameters", "Plain attention with real GloVe vectors and no weight matrices: in *I love Apple "
        "phones*, which word gets apple's largest weight?", options=_WORDS)),
    Section("qkv", "Query, Key, Value", "Query, Key, and Value Matrices", Question(
        "lesson.qkv", "Now W_Q and W_K are learned (on a small word-sense task). Which word gets apple's largest "
        "weight?", options=_WORDS)),
    Section("formula", "The formula and √d_k", "Mathematical Formulation", Question(
        "lesson.formula", "Without the 1/√d_k, as d_k grows (random queries and keys, 10 words), a row's largest "
        "softmax weight goes ...", options=(_TOWARD_ONE, _STAYS, _EVEN))),
    Section("worked", "The worked example", "Complete Example Walkthrough", Question(
        "lesson.worked", "Learned W_Q, W_K and the residual stream: in *I love Apple phones*, what share of apple "
        "leans tech after attention (0 to 100 %)?", low=0, high=100, tolerance=10, unit=" %")),
    Section("advantages", "Advantages, measured", "Advantages of Self-Attention", Question(
        "lesson.advantages", "A 20-word sentence: how many steps must run one after another in an RNN, and in "
        "attention?", options=("20 and 20", "20 and 1", "1 and 1", "1 and 20"))),
    Section("next", "What's next", "What's Next?", Question(
        "lesson.next", "Plain attention, no positional encoding: *the dog bit the man* against *the man bit the "
        "dog*. Does the new vector for dog change?", options=("yes", "no"))),
)
BY_SLUG = {s.slug: s for s in SECTIONS}
QUESTIONS: dict[str, Question] = {s.question.id: s.question for s in SECTIONS}


# --- the measurements --------------------------------------------------------------------------

def _concepts(glove: VectorTable):
    concepts, _ = known_part(parse_concepts(DEFAULT_CONCEPT_TEXT).concepts, glove)
    return concepts


def _tech_fruit(vectors, glove: VectorTable) -> np.ndarray:
    """(n,) each vector's share of apple's two senses (technology, fruit in the word-sense data), as the story."""
    concepts = _concepts(glove)
    pair = sense_concepts(concepts, TARGET, sense_pairs(load_word_senses()))
    cos = concept_cosines(np.atleast_2d(vectors), concepts, glove)  # (n, n_concepts)
    return concept_share(cos[:, list(pair)])


def measure_problem(glove: VectorTable, **_) -> Measured:
    a, b = (analyse(s, glove, Mechanism(projections="off", residual=False), target=TARGET) for s in (S1, S2))
    x, y = a.embeddings[a.target_index], b.embeddings[b.target_index]  # (50,) each
    cos = float(x @ y / (np.linalg.norm(x) * np.linalg.norm(y)))
    return Measured("the same" if np.array_equal(x, y) else "different", "",
                    f"cosine of the two apple vectors = {cos:.6f}; largest difference "
                    f"{float(np.max(np.abs(x - y))):.1g}", {"vector": x, "cosine": cos})


def measure_static(glove: VectorTable, **_) -> Measured:
    x = glove.lookup(["apple"]).vectors  # (1, 50)
    concepts = _concepts(glove)
    cos = concept_cosines(x, concepts, glove)[0]  # (n_concepts,)
    share = float(_tech_fruit(x, glove)[0])
    return Measured(100 * share, "50 % tech, 50 % fruit", f"{share:.0%} tech, {1 - share:.0%} fruit (GloVe's "
                    "cosines with the tech and fruit words)", {"concepts": [c.name for c in concepts], "cosines": cos})


def _mix(glove: VectorTable, words: Sequence[str], weights: Sequence[float]) -> np.ndarray:
    X = glove.lookup(list(words)).vectors  # (3, 50)
    return np.asarray(weights) @ X  # (50,)


def measure_scratch(glove: VectorTable, **_) -> Measured:
    w = (0.1, 0.5, 0.4)
    before = glove.lookup(["apple"]).vectors[0]
    phones, juice = _mix(glove, ("love", "apple", "phones"), w), _mix(glove, ("love", "apple", "juice"), w)
    shares = _tech_fruit(np.vstack([before, phones, juice]), glove)  # (3,)
    delta = shares[1] - shares[0]
    answer = _UP if delta > 0.02 else _DOWN if delta < -0.02 else _SAME
    return Measured(answer, "about 70 % tech with phones, 30 % with juice",
                    f"{shares[0]:.0%} tech before; {shares[1]:.0%} with phones, {shares[2]:.0%} with juice",
                    {"shares": shares, "labels": ["apple (static)", "apple' with phones", "apple' with juice"]})


def measure_dot(toy: VectorTable | None = None, **_) -> Measured:
    toy = toy or toy_embeddings()
    X = toy.lookup(["love", "apple", "phones", "juice"]).vectors  # (4, 2)
    dots = X @ X[1]  # (4,) apple . each
    return Measured(float(dots[0]), "", "apple · love = (2 x -4) + (2 x 3) = -2; apple · apple = 8; "
                    "apple · phones = 8; apple · juice = 8 (exact)",
                    {"words": ["love", "apple", "phones", "juice"], "dots": dots})


def measure_softmax(**_) -> Measured:
    w = softmax(np.array([-2.0, 8.0, 8.0]))
    answer = "exactly 0" if w[0] == 0 else "tiny, but more than 0" if w[0] < 0.05 else "about 0.1"
    return Measured(answer, "[0.0, 0.5, 0.5]", f"[{w[0]:.7f}, {w[1]:.7f}, {w[2]:.7f}]: e^-10 / (e^-10 + 2) = "
                    f"{w[0]:.2e}, never exactly 0", {"scores": [-2.0, 8.0, 8.0], "weights": w})


def _row(a: SentenceAnalysis) -> np.ndarray:
    return a.trace.attention_weights[a.target_index]


def measure_parameters(glove: VectorTable, **_) -> Measured:
    a = analyse(S1, glove, Mechanism(projections="off", residual=False), target=TARGET)
    row = _row(a)
    return Measured(_WORDS[int(np.argmax(row))], "0.1 love, 0.5 Apple, 0.4 phones",
                    ", ".join(f"{w} {x:.2f}" for w, x in zip(_WORDS, row)) +
                    f" (apple · apple = {a.trace.scores[2, 2]:.1f}, apple · phones = {a.trace.scores[2, 3]:.1f})",
                    {"words": list(_WORDS), "weights": row})


def measure_qkv(glove: VectorTable, learned: Projections, **_) -> Measured:
    a = analyse(S1, glove, Mechanism(projections="learned", residual=False), target=TARGET, learned=learned)
    row = _row(a)
    return Measured(_WORDS[int(np.argmax(row))], "", ", ".join(f"{w} {x:.2f}" for w, x in zip(_WORDS, row)) +
                    f"; W_Q and W_K are {learned.W_Q.shape[0]} x {learned.W_Q.shape[1]}",
                    {"words": list(_WORDS), "weights": row})


def measure_formula(**_) -> Measured:
    from .experiments import measure_scaling

    m = measure_scaling((1, 4, 16, 64, 256), n_rows=400)
    first, last = m.max_weight_unscaled[0], m.max_weight_unscaled[-1]
    answer = _TOWARD_ONE if last > first + 0.1 else _EVEN if last < first - 0.1 else _STAYS
    return Measured(answer, "", f"largest weight without scaling {first:.2f} at d_k = 1, {last:.2f} at d_k = 256; "
                    f"with scaling {m.max_weight_scaled[0]:.2f} and {m.max_weight_scaled[-1]:.2f}",
                    {"d_k": m.d_k, "unscaled": m.max_weight_unscaled, "scaled": m.max_weight_scaled})


def measure_worked(glove: VectorTable, learned: Projections, **_) -> Measured:
    mech = Mechanism(projections="learned", residual=True)
    a, b = (analyse(s, glove, mech, target=TARGET, learned=learned) for s in (S1, S2))
    shares = _tech_fruit(np.vstack([a.before[a.target_index], a.after[a.target_index], b.after[b.target_index]]),
                         glove)  # (3,) before, after in S1, after in S2
    return Measured(100 * float(shares[1]), "90 % tech with phones, 90 % fruit with juice",
                    f"{shares[0]:.0%} tech before; {shares[1]:.0%} after, with phones; {shares[2]:.0%} after, with "
                    "juice", {"shares": shares,
                              "labels": ["apple (static)", "after, with phones", "after, with juice"]})


def measure_advantages(**_) -> Measured:
    rows = {r["n_tokens"]: r for r in rnn_vs_attention([5, 10, 20, 50, 100, 200], d=50)}
    r20, r100 = rows[20], rows[100]
    return Measured(f"{r20['rnn_steps']} and {r20['attention_steps']}", "self-attention is O(1)",
                    f"{r20['attention_steps']} sequential step (an RNN: {r20['rnn_steps']}) and a path of "
                    f"{r20['attention_path']} between the first and last word (an RNN: {r20['rnn_path']}); but the "
                    f"work is not O(1): at n = 100, d = 50 attention's scores and sum take "
                    f"{r100['attention_core_madds']:,} multiply-adds (2 x n² x d: n² x d for the scores, as many "
                    f"for the sum), the RNN's steps {r100['rnn_madds']:,} (2 x n x d²: n x d² for each of its two "
                    "matrices)", {"rows": list(rows.values())})


def measure_next(glove: VectorTable, **_) -> Measured:
    # one analysis at strength 1: word_order measures the static vectors without positions and with them
    mech = Mechanism(projections="off", residual=False, positions=1.0)
    a, b = (analyse(s, glove, mech) for s in ("the dog bit the man", "the man bit the dog"))
    order = word_order(a, b)
    dog = b.words.index("dog")
    # the chart's measure, in the text too: how far each word's vector moves (its length), not a coordinate
    return Measured("no" if order.per_word_without.max() < 1e-9 else "yes", "",
                    f"how far dog's vector moves: {order.per_word_without[dog]:.1e} without positions (any word: at "
                    f"most {order.per_word_without.max():.1e}, rounding), {order.per_word[dog]:.2f} with the paper's "
                    f"positional encoding (the bars)", {"words": b.words, "with": order.per_word})


MEASURES = {"problem": measure_problem, "static": measure_static, "scratch": measure_scratch, "dot": measure_dot,
            "softmax": measure_softmax, "parameters": measure_parameters, "qkv": measure_qkv,
            "formula": measure_formula, "worked": measure_worked, "advantages": measure_advantages,
            "next": measure_next}


def measure(slug: str, *, glove: VectorTable, learned: Projections) -> Measured:
    """The measured answer of section ``slug`` (GloVe and the learned projections passed in: loaded once)."""
    return MEASURES[slug](glove=glove, learned=learned)


# --- the exercises' predict-then-reveal questions (asked to a class too) -----------------------

EXERCISE_1_WORDS = ("the", "by", "river", "has", "steep", "slopes")  # the sentence's other words, once each
EXERCISES: dict[str, Question] = {
    "ex1": Question("exercise.1", f"*{EXERCISE_1_SENTENCE}*: with learned W_Q and W_K, which other word does "
                    "**bank** attend to most?", options=EXERCISE_1_WORDS),
}
ALL_QUESTIONS: dict[str, Question] = {**QUESTIONS, **{q.id: q for q in EXERCISES.values()}}  # what a class is asked


def measure_exercise_1(glove: VectorTable, learned: Projections, **_) -> Measured:
    """Bank's largest weight on another word under learned W_Q, W_K (a repeated word's weights summed)."""
    a = analyse(EXERCISE_1_SENTENCE, glove, Mechanism(projections="learned"), target="bank", learned=learned)
    row = a.trace.attention_weights[a.target_index]  # (n_tokens,)
    top = check_exercise_1([EXERCISE_1_WORDS[0]], row, a.words, k=len(EXERCISE_1_WORDS))["top"]
    return Measured(top[0][0], "", "bank's weights on the other words, learned W_Q and W_K: "
                    + ", ".join(f"{w} {x:.2f}" for w, x in top), {"words": list(a.words), "weights": row})
