"""The tutorial's three practice exercises, checked: what the student typed against the maths.

Exercise 1 (conceptual): which words should "bank" attend to in "The bank by the river has
steep slopes"? The student's picks are compared with the top weights of bank's row, which
the page computes with the pipeline (so the answer is "what this mechanism does", not ours).

Exercise 2 (by hand): cat = [1, 2], sat = [3, 1], mat = [2, 3].

    X      = [cat; sat; mat]                         (3, 2)
    scores = X[0] @ X.T = [5, 5, 8]                  (3,)   cat . cat, cat . sat, cat . mat
    weights = softmax(scores)                        (3,)   the tutorial (no scaling)
            = softmax(scores / sqrt(2))              (3,)   the paper (d_k = 2)
    new_cat = weights @ X                            (2,)

Both conventions are accepted and named. Common mistakes are recognised by recomputing
them and comparing, with the same tolerance as the right answer; every mistake's value is
farther than the tolerance from both right answers (the tests check it), so a diagnosis
never contradicts a "correct".

Exercise 3 (shapes): 20 words, d_model = 512, d_k = 64.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .attention import softmax
from .embeddings import TOY_VECTORS
from .errors import AttentionLabError
from .numbers import check_whole


class AnswerError(AttentionLabError):
    """What the student typed cannot be read as the answer asked for; the message says how to type it."""


MAX_ANSWER_CHARS = 200  # three numbers need ~20 characters; 200 leaves room for spaces and brackets
EXERCISE_2_WORDS = ("cat", "sat", "mat")
EXERCISE_2_X = np.array([TOY_VECTORS[w] for w in EXERCISE_2_WORDS], dtype=np.float64)  # (3, 2) cat, sat, mat
EXERCISE_2_D_K = 2  # the vectors' length: the scaled convention divides by sqrt(2)
CONVENTIONS = ("unscaled", "scaled")  # the tutorial's softmax(scores), the paper's softmax(scores / sqrt(d_k))

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_NON_FINITE_WORDS = {"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "nan", "+nan", "-nan", "∞", "-∞"}
_SEPARATORS = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class Tolerance:
    """An answer ``a`` matches ``e`` when |a - e| <= max(absolute, relative * |e|), entry by entry.

    Students round: 0.0453 typed as 0.05 is right, so weights get 0.01 absolute; the new cat's
    entries are ~2.8 and carry the rounding of three weights, so 0.05 absolute.
    """

    absolute: float
    relative: float = 0.01

    def matches(self, answer: np.ndarray, expected: np.ndarray) -> bool:
        answer, expected = np.asarray(answer, dtype=np.float64), np.asarray(expected, dtype=np.float64)
        if answer.shape != expected.shape:
            return False
        bound = np.maximum(self.absolute, self.relative * np.abs(expected))  # (k,)
        return bool(np.all(np.abs(answer - expected) <= bound))

    def describe(self) -> str:
        return f"within {self.absolute:g} (absolute) or {self.relative:.0%} (relative), whichever is larger"


TOLERANCES = {"scores": Tolerance(0.01), "weights": Tolerance(0.01), "new_cat": Tolerance(0.05)}


# --- reading what the student typed ---------------------------------------------------

def parse_numbers(text, n: int | Sequence[int]) -> np.ndarray:
    """The numbers in ``text`` as float64 (k,), where k is ``n`` (or one of the counts in ``n``).

    Accepts "5, 5, 8", "[5 5 8]", "(5; 5; 8)", "0.05 0.05 .91", "-1.5e-2": commas, semicolons and
    spaces separate numbers, brackets around the list are ignored, the decimal mark is a point.
    A comma is never a decimal mark ("0,05" is two numbers; the message says so when the count
    is then wrong), because "5,5,8" must stay three numbers.

    Parameters
    ----------
    text : str
    n : int or sequence of int, the accepted count(s)

    Raises
    ------
    AnswerError
        empty; longer than ``MAX_ANSWER_CHARS``; a piece that is not a number ("abc", "1/3");
        not a finite number ("inf", "nan", "1e309", which overflows float64); the wrong count.
    """
    counts = (n,) if isinstance(n, int) else tuple(n)
    wanted = " or ".join(str(c) for c in counts)
    if not isinstance(text, str):
        raise AnswerError(f"Type {wanted} numbers separated by commas or spaces, e.g. 5, 5, 8.")
    if len(text) > MAX_ANSWER_CHARS:
        raise AnswerError(f"The answer is {len(text):,} characters long; type just the {wanted} numbers "
                          f"(at most {MAX_ANSWER_CHARS} characters).")
    body = text.replace("\u2212", "-").strip().strip("[](){}").strip()  # a typographic minus is a minus
    pieces = [p for p in _SEPARATORS.split(body) if p]
    if not pieces:
        raise AnswerError(f"The answer is empty: type {wanted} numbers separated by commas or spaces, e.g. 5, 5, 8.")
    values = []
    for piece in pieces:
        if piece.lower() in _NON_FINITE_WORDS:
            raise AnswerError(f"'{piece}' is not a finite number; every answer here is an ordinary number.")
        if not _NUMBER.fullmatch(piece):
            raise AnswerError(f"'{piece:.20}' is not a number: type decimals with a point, like 0.05 "
                              "(no fractions, letters or units).")
        value = float(piece)
        if not math.isfinite(value):
            raise AnswerError(f"'{piece:.20}' is not a finite number (it is beyond the largest float, ~1.8e308).")
        values.append(value)
    if len(values) not in counts:
        hint = " Use a point for decimals (0.05): a comma separates two numbers." if re.search(r"\d,\d", body) else ""
        raise AnswerError(f"expected {wanted} numbers, got {len(values)}.{hint}")
    return np.array(values, dtype=np.float64)  # (k,)


def _as_answer(answer, n: int | Sequence[int], what: str) -> np.ndarray:
    """Text is parsed; numbers are checked (finite, the right count) the same way."""
    if isinstance(answer, str):
        return parse_numbers(answer, n)
    counts = (n,) if isinstance(n, int) else tuple(n)
    try:
        a = np.asarray(answer, dtype=np.float64).reshape(-1)  # (k,)
    except (TypeError, ValueError):
        raise AnswerError(f"{what}: expected numbers, got {answer!r:.40}.") from None
    if not np.all(np.isfinite(a)):
        raise AnswerError(f"{what}: every entry must be a finite number.")
    if a.size not in counts:
        raise AnswerError(f"{what}: expected {' or '.join(map(str, counts))} numbers, got {a.size}.")
    return a


# --- Exercise 2 ---------------------------------------------------------------------

@dataclass(frozen=True)
class PartCheck:
    """One part of Exercise 2, checked.

    Attributes
    ----------
    correct : bool
    answer : (k,) what the student gave
    expected : {"unscaled": (k,), "scaled": (k,)} the right values under each convention
    convention : "unscaled" | "scaled" | None, the convention the answer matches (None: neither)
    mistake : str or None, a key of ``MISTAKES`` when a known mistake reproduces the answer
    diagnosis : str, one or two sentences for the student
    tolerance : str, how close counts as equal
    """

    correct: bool
    answer: np.ndarray
    expected: Mapping[str, np.ndarray]
    convention: str | None
    mistake: str | None
    diagnosis: str
    tolerance: str


@dataclass(frozen=True)
class Exercise2Check:
    """Exercise 2, all three parts; ``convention`` is the one the parts agree on ("mixed" if they do not)."""

    scores: PartCheck
    weights: PartCheck
    new_cat: PartCheck
    convention: str | None
    all_correct: bool = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "all_correct", self.scores.correct and self.weights.correct and self.new_cat.correct)


MISTAKES = {
    "added_not_multiplied": "added the entries instead of multiplying them: a dot product multiplies matching "
                            "entries and adds the products, cat . sat = 1 x 3 + 2 x 1 = 5",
    "crossed_entries": "multiplied the first entry of one vector by the second of the other: match entries "
                       "position by position, cat . sat = 1 x 3 + 2 x 1 = 5",
    "elementwise_products": "wrote the elementwise products (two numbers per pair); the dot product is their "
                            "sum, one number per pair: cat . sat = 3 + 2 = 5",
    "not_exponentiated": "divided the scores by their sum (no exponential); softmax exponentiates first: "
                         "e^s / (e^5 + e^5 + e^8)",
    "not_normalised": "exponentiated but did not divide by the sum; the weights must add up to 1",
    "softmax_over_matrix": "took the softmax over all 9 scores of the 3 x 3 matrix; softmax runs over one "
                           "row at a time, cat's row: [5, 5, 8]",
    "wrong_row": "used another word's row; cat's weights come from cat's scores [5, 5, 8] "
                 "(here the column equals the row, since X X^T is symmetric)",
    "wrong_order": "the right weights in the wrong order; the largest weight belongs to mat, whose score 8 is "
                   "the largest",
    "not_summing_to_one": "the weights do not add up to 1; softmax weights always do",
    "unweighted_sum": "added the three vectors without weights; each vector is multiplied by its weight first",
    "unweighted_mean": "averaged the three vectors (every weight 1/3); use the softmax weights",
    "missing_term": "left one word out of the weighted sum; all three words (cat itself too) contribute",
    "wrong_vectors": "applied the weights to the wrong vectors; weight i multiplies word i "
                     "(cat, sat, mat in that order)",
    "scores_as_weights": "multiplied the vectors by the scores, not by the softmax weights",
    "carried_from_scores": "these are the softmax of your scores from (a): the method is right, fix (a)",
    "carried_from_weights": "this is your weights from (b) times the vectors: the method is right, fix (b)",
}


def exercise_2_expected(X=None) -> dict[str, dict[str, np.ndarray]]:
    """The right answers for cat (row 0 of ``X``, default cat/sat/mat), under both conventions.

    Returns {"scores" | "weights" | "new_cat": {"unscaled": ..., "scaled": ...}}; scores are the
    dot products [5, 5, 8] in both (the scaled convention divides them only inside the softmax).
    """
    X = EXERCISE_2_X if X is None else np.asarray(X, dtype=np.float64)  # (3, 2)
    scores = X @ X[0]  # (3,) cat . cat, cat . sat, cat . mat = [5, 5, 8]
    divisors = {"unscaled": 1.0, "scaled": math.sqrt(X.shape[1])}
    weights = {c: softmax(scores / d) for c, d in divisors.items()}  # (3,) each sums to 1
    return {"scores": {c: scores for c in CONVENTIONS}, "weights": weights,
            "new_cat": {c: weights[c] @ X for c in CONVENTIONS}}  # (2,)


def _match(answer, candidates: Mapping[str, np.ndarray], tol: Tolerance) -> str | None:
    return next((name for name, value in candidates.items() if tol.matches(answer, value)), None)


def _part(answer, expected, tol, convention, mistake, diagnosis) -> PartCheck:
    return PartCheck(mistake is None and convention is not None, answer, expected, convention, mistake,
                     diagnosis, tol.describe())


def _fmt(a) -> str:
    return "[" + ", ".join(f"{x:.4g}" for x in np.asarray(a).reshape(-1)) + "]"


def _check_scores(scores: np.ndarray, X: np.ndarray, expected) -> PartCheck:
    tol = TOLERANCES["scores"]
    right = expected["unscaled"]  # (3,)
    if scores.size == 3 and tol.matches(scores, right):
        return _part(scores, expected, tol, "unscaled", None,
                     f"Right: cat . cat, cat . sat, cat . mat = {_fmt(right)}.")
    scaled = right / math.sqrt(X.shape[1])
    if scores.size == 3 and tol.matches(scores, scaled):
        return _part(scores, expected, tol, "scaled", None,
                     f"Right, already scaled: these are the dot products {_fmt(right)} divided by "
                     f"sqrt({X.shape[1]}), the scores the paper's softmax sees.")
    mistakes = {"added_not_multiplied": X.sum(axis=1) + X[0].sum(),  # (3,) (1 + 3) + (2 + 1) = 7
                "crossed_entries": X @ X[0][::-1],  # (3,) 1 x 1 + 2 x 3
                "elementwise_products": (X * X[0]).reshape(-1)}  # (6,) [cat*cat, cat*sat, cat*mat]
    found = _match(scores, mistakes, tol)
    if found:
        return _part(scores, expected, tol, None, found, f"You {MISTAKES[found]}. Expected {_fmt(right)}.")
    if scores.size == 6:
        return _part(scores, expected, tol, None, None,
                     f"Give one number per pair (3 numbers): the dot products {_fmt(right)}.")
    return _part(scores, expected, tol, None, None,
                 f"Not the dot products: expected {_fmt(right)} (cat . sat = 1 x 3 + 2 x 1 = 5).")


def _check_weights(weights: np.ndarray, scores: np.ndarray, X: np.ndarray, expected) -> PartCheck:
    tol = TOLERANCES["weights"]
    found = _match(weights, expected["weights"], tol)
    if found:
        how = "softmax([5, 5, 8])" if found == "unscaled" else f"softmax([5, 5, 8] / sqrt({X.shape[1]}))"
        return _part(weights, expected['weights'], tol, found, None,
                     f"Right ({found}): {how} = {_fmt(expected['weights'][found])}.")
    s = X @ X[0]  # (3,) cat's scores
    S = X @ X.T  # (3, 3) every word's scores; symmetric, so cat's column is cat's row
    mistakes: dict[str, np.ndarray] = {}
    for c, d in (("unscaled", 1.0), ("scaled", math.sqrt(X.shape[1]))):
        mistakes[f"softmax_over_matrix/{c}"] = softmax((S / d).reshape(-1)).reshape(S.shape)[0]  # (3,)
        for row in (1, 2):
            mistakes[f"wrong_row/{c}/{row}"] = softmax(S[row] / d)  # (3,)
        w = expected["weights"][c]
        for perm in ((2, 0, 1), (0, 2, 1), (2, 1, 0), (1, 2, 0)):  # those that move the largest weight
            mistakes[f"wrong_order/{c}/{perm}"] = w[list(perm)]
        if scores.size == 3 and not np.allclose(scores, s):
            mistakes[f"carried_from_scores/{c}"] = softmax(scores / d)
    mistakes["not_exponentiated"] = s / s.sum()  # (3,) the same with or without scaling: the factor cancels
    mistakes["not_normalised/unscaled"] = np.exp(s)
    mistakes["not_normalised/scaled"] = np.exp(s / math.sqrt(X.shape[1]))
    found = _match(weights, mistakes, tol)
    right = _fmt(expected["weights"]["unscaled"])
    right_scaled = _fmt(expected["weights"]["scaled"])
    if found:
        name = found.split("/")[0]
        return _part(weights, expected['weights'], tol, None, name,
                     f"You {MISTAKES[name]}." if name.startswith("carried") else
                     f"You {MISTAKES[name]}. Expected {right} (or {right_scaled} scaled).")
    if not abs(weights.sum() - 1.0) <= 0.02:
        return _part(weights, expected['weights'], tol, None, "not_summing_to_one",
                     f"Your weights add up to {weights.sum():.4g}: {MISTAKES['not_summing_to_one']}. "
                     f"Expected {right} (or {right_scaled} scaled).")
    return _part(weights, expected['weights'], tol, None, None,
                 f"Not cat's softmax weights: expected {right} (or {right_scaled} with scores / sqrt(2)).")


def _check_new_cat(new_cat: np.ndarray, weights: np.ndarray, X: np.ndarray, expected) -> PartCheck:
    tol = TOLERANCES["new_cat"]
    found = _match(new_cat, expected["new_cat"], tol)
    if found:
        return _part(new_cat, expected['new_cat'], tol, found, None,
                     f"Right ({found}): weights @ [cat; sat; mat] = {_fmt(expected['new_cat'][found])}.")
    right = expected["new_cat"]["unscaled"]
    mistakes: dict[str, np.ndarray] = {"unweighted_sum": X.sum(axis=0), "unweighted_mean": X.mean(axis=0),
                                       "scores_as_weights": (X @ X[0]) @ X}
    for c in CONVENTIONS:
        w = expected["weights"][c]  # (3,)
        for drop in range(3):
            mistakes[f"missing_term/{c}/{drop}"] = np.delete(w, drop) @ np.delete(X, drop, axis=0)
        for perm in ((0, 2, 1), (2, 1, 0), (1, 2, 0), (2, 0, 1)):  # (1, 0, 2) swaps equal weights: no mistake
            mistakes[f"wrong_vectors/{c}/{perm}"] = w @ X[list(perm)]
    if weights.size == 3:
        mistakes["carried_from_weights"] = weights @ X
    found = _match(new_cat, mistakes, tol)
    if found:
        name = found.split("/")[0]
        scaled = _fmt(expected["new_cat"]["scaled"])
        tail = "" if name.startswith("carried") else f" Expected {_fmt(right)} (or {scaled} scaled)."
        return _part(new_cat, expected['new_cat'], tol, None, name, f"You {MISTAKES[name]}.{tail}")
    return _part(new_cat, expected['new_cat'], tol, None, None,
                 f"Not the new cat: expected {_fmt(right)} = 0.0453 x cat + 0.0453 x sat + 0.9094 x mat "
                 f"(or {_fmt(expected['new_cat']['scaled'])} with scaled weights).")


def check_exercise_2(scores, weights, new_cat) -> Exercise2Check:
    """Check Exercise 2's three answers (text as typed, or numbers).

    Parameters
    ----------
    scores : str or array_like (3,), cat . cat, cat . sat, cat . mat (6 numbers are read as
        elementwise products, a mistake that is named)
    weights : str or array_like (3,), cat's softmax weights
    new_cat : str or array_like (2,), weights @ [cat; sat; mat]

    Returns
    -------
    Exercise2Check: each part right or not, the expected values under both conventions, the
    convention recognised, the named mistake and a diagnosis, and the tolerance used
    (``TOLERANCES``: 0.01 on scores and weights, 0.05 on the new cat, or 1 % relative).

    Each part is judged on its own, so a wrong (a) does not make (b) wrong twice: a (b) that is
    the softmax of the student's (a) is named ``carried_from_scores``, a (c) that is the
    student's (b) times the vectors ``carried_from_weights``.

    Raises
    ------
    AnswerError : an answer that is not the right count of finite numbers.
    """
    s = _as_answer(scores, (3, 6), "scores")  # (3,) or (6,)
    w = _as_answer(weights, 3, "weights")  # (3,)
    c = _as_answer(new_cat, 2, "new cat")  # (2,)
    X = EXERCISE_2_X  # (3, 2)
    expected = exercise_2_expected(X)
    parts = (_check_scores(s, X, expected["scores"]), _check_weights(w, s, X, expected),
             _check_new_cat(c, w, X, expected))
    # the dot products [5, 5, 8] are the same in both conventions; only scaled scores (a) say "scaled"
    used = {p.convention for p in parts[1:] if p.convention is not None}
    if parts[0].convention == "scaled":
        used.add("scaled")
    convention = "mixed" if len(used) > 1 else (used.pop() if used else parts[0].convention)
    return Exercise2Check(*parts, convention=convention)


# --- Exercise 3 ---------------------------------------------------------------------

def exercise_3_shapes(n_tokens: int = 20, d_model: int = 512, d_k: int = 64) -> dict[str, tuple[int, int]]:
    """Every matrix's shape for ``n_tokens`` words: rows are words wherever there is one row per word.

    E (n_tokens, d_model); Q = E @ W_Q, K, V (n_tokens, d_k) since W_Q is (d_model, d_k);
    scores = Q @ K.T (n_tokens, n_tokens), every word against every word; output = weights @ V
    (n_tokens, d_k), one new vector per word (d_v = d_k here, as in the paper).
    """
    n = check_whole("n_tokens", n_tokens, 1, 100_000, AnswerError)
    d_model = check_whole("d_model", d_model, 1, 100_000, AnswerError)
    d_k = check_whole("d_k", d_k, 1, 100_000, AnswerError)
    return {"E": (n, d_model), "Q": (n, d_k), "K": (n, d_k), "V": (n, d_k), "scores": (n, n), "output": (n, d_k)}


_SHAPE_SEPARATORS = re.compile(r"\s*(?:x|×|\*|by|,|;|\s)\s*", re.IGNORECASE)


def parse_shape(answer_text: str) -> tuple[int, int]:
    """"20 x 512", "20x512", "(20, 512)", "[20,512]", "20 by 512", "20 × 512" -> (20, 512).

    Raises ``AnswerError`` for anything that is not two whole positive numbers.
    """
    if not isinstance(answer_text, str) or not answer_text.strip():
        raise AnswerError("The answer is empty: type a shape as rows x columns, e.g. 20 x 512.")
    if len(answer_text) > MAX_ANSWER_CHARS:
        raise AnswerError(f"Type just the shape, e.g. 20 x 512 (at most {MAX_ANSWER_CHARS} characters).")
    body = answer_text.strip().strip("[](){}").strip()
    pieces = [p for p in _SHAPE_SEPARATORS.split(body) if p]
    if not pieces:
        raise AnswerError("The answer is empty: type a shape as rows x columns, e.g. 20 x 512.")
    for p in pieces:
        if not p.isdigit() or not p.isascii():
            raise AnswerError(f"'{p:.20}' is not a whole number: a shape is two whole numbers, rows x columns, "
                              "e.g. 20 x 512.")
    if len(pieces) != 2:
        raise AnswerError(f"expected 2 numbers, got {len(pieces)}: a shape is rows x columns "
                          "(every matrix here is 2-D).")
    rows, cols = (int(p) for p in pieces)
    if rows == 0 or cols == 0:
        raise AnswerError("A matrix here has at least one row and one column; 0 is not a size.")
    return rows, cols


_SHAPE_HINTS = {"E": "one row per word, one column per embedding dimension: n_tokens x d_model",
                "Q": "Q = E @ W_Q and W_Q is d_model x d_k: n_tokens x d_k",
                "K": "K = E @ W_K and W_K is d_model x d_k: n_tokens x d_k",
                "V": "V = E @ W_V and W_V is d_model x d_k: n_tokens x d_k",
                "scores": "Q @ K.T compares every word with every word: n_tokens x n_tokens",
                "output": "weights @ V gives one new vector per word: n_tokens x d_k"}


def check_shape(answer_text: str, expected, known: Mapping[str, tuple[int, int]] | None = None,
                name: str | None = None) -> tuple[bool, str]:
    """Is ``answer_text`` the shape ``expected``? Returns (ok, a message for the student).

    A transposed answer is named ("512 x 20: rows are words, so n_tokens first"); with ``known``
    (``exercise_3_shapes()``) an answer that is another matrix's shape is named too ("that is
    the shape of E"). ``name`` (a key of ``known``) adds the reason for the right shape.

    Raises
    ------
    AnswerError : the text is not two whole numbers.
    """
    rows, cols = parse_shape(answer_text)
    e_rows, e_cols = (int(x) for x in expected)
    why = f" ({_SHAPE_HINTS[name]})" if name in _SHAPE_HINTS else ""
    if (rows, cols) == (e_rows, e_cols):
        return True, f"Right: {rows} x {cols}{why}."
    if (rows, cols) == (e_cols, e_rows):
        return False, (f"{rows} x {cols} is transposed: rows are words, so n_tokens first: "
                       f"{e_rows} x {e_cols}{why}.")
    others = [k for k, v in (known or {}).items() if tuple(v) == (rows, cols) and k != name]
    if others:
        return False, f"{rows} x {cols} is the shape of {' and '.join(others)}, not of {name or 'this matrix'}: " \
                      f"expected {e_rows} x {e_cols}{why}."
    return False, f"Not {rows} x {cols}: expected {e_rows} x {e_cols}{why}."


# --- Exercise 1 ---------------------------------------------------------------------

EXERCISE_1_SENTENCE = "The bank by the river has steep slopes"


def check_exercise_1(picked_words, weights_row, words: Sequence[str], *, target: str = "bank",
                     k: int | None = None) -> dict:
    """Compare the words a student picked with the words ``target``'s attention row weights most.

    Parameters
    ----------
    picked_words : str ("river, slopes") or sequence of str; case is ignored
    weights_row : (n_tokens,) the target's attention weights, from the page's pipeline
    words : (n_tokens,) the sentence's words
    target : the word whose row this is; it is left out of the ranking (a word attends to
        itself by construction; the question is which *other* words matter)
    k : how many top words to compare with; default the number of distinct words picked

    A word that occurs twice ("the") gets the sum of its weights: its share of the target's
    new vector. Returns a dict: target, k, top (list of (word, weight)), picked, overlap,
    missed (top words not picked), extra (picked words outside the top k), unknown (picked
    words not in the sentence), self_weight, sentence.
    """
    w = np.asarray(weights_row, dtype=np.float64).reshape(-1)  # (n_tokens,)
    keys = [str(x).lower() for x in words]
    if w.size != len(keys) or not np.all(np.isfinite(w)):
        raise AnswerError(f"the weights row must be {len(keys)} finite numbers, one per word; got {w.size}.")
    if isinstance(picked_words, str):
        picked_words = [p for p in _SEPARATORS.split(picked_words) if p]
    picked = list(dict.fromkeys(str(p).strip().strip(".,;:!?\"'").lower() for p in picked_words))
    picked = [p for p in picked if p]
    if not picked:
        raise AnswerError("Pick at least one word of the sentence, e.g. river.")
    target = target.lower()
    share: dict[str, float] = {}
    for word, weight in zip(keys, w):
        if word != target:
            share[word] = share.get(word, 0.0) + float(weight)
    self_weight = float(w[[i for i, x in enumerate(keys) if x == target]].sum())
    ranked = sorted(share.items(), key=lambda kv: -kv[1])  # stable: ties keep sentence order
    if k is None:
        k = len([p for p in picked if p in share])  # the picks that are other words of the sentence
    k = max(1, min(int(k), len(ranked)))
    top = ranked[:k]
    top_words = [word for word, _ in top]
    unknown = [p for p in picked if p not in share and p != target]
    overlap = [p for p in picked if p in top_words]
    missed = [t for t in top_words if t not in picked]
    extra = [p for p in picked if p in share and p not in top_words]
    listed = ", ".join(f"{word} ({weight:.2f})" for word, weight in top)
    if len(overlap) == k:
        sentence = f"Your picks match the {k} words {target} weights most here: {listed}."
    else:
        sentence = (f"{len(overlap)} of your picks are among the {k} words {target} weights most here: {listed}"
                    + (f"; you missed {', '.join(missed)}" if missed else "") + ".")
    if unknown:
        sentence += f" Not in the sentence: {', '.join(unknown)}."
    sentence += (f" ({target} keeps {self_weight:.2f} of the weight for itself; these weights depend on the "
                 "mechanism chosen, and plain GloVe dot products need not favour the words a reader would.)")
    return {"target": target, "k": k, "top": top, "picked": picked, "overlap": overlap, "missed": missed,
            "extra": extra, "unknown": unknown, "self_weight": self_weight, "sentence": sentence}
