"""The tutorial's practice exercises checked, and RNN vs attention measured.

Figures measured when these tests were written (seed 0, hidden = d_model, |W_h|_2 = 0.9):
on the 50 GloVe vectors of the Apple Music sentence the influence of word 1 on h_t is
0.716 (t = 1), 0.268 (t = 2), 8.3e-05 (t = 10), 2.7e-09 (t = 20), 1.0e-22 (t = 50), every step
at most 0.47 x the one before; plain self-attention (projections off, scaled, causal) puts
0.092, 0.062, 0.038, 0.022, 0.028 on word 1 from words 2, 3, 10, 20, 50 (0.017 from "music").
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import attention_core as ac
from attention_core import (
    APPLE_MUSIC,
    MISTAKES,
    TOLERANCES,
    AnswerError,
    AttentionLabError,
    ElmanRNN,
    attention_first_word_weight,
    check_exercise_1,
    check_exercise_2,
    check_shape,
    exercise_2_expected,
    exercise_3_shapes,
    first_word_influence,
    parse_numbers,
    parse_shape,
    rnn_vs_attention,
    softmax,
)

CAT, SAT, MAT = np.array([1.0, 2.0]), np.array([3.0, 1.0]), np.array([2.0, 3.0])
X2 = np.stack([CAT, SAT, MAT])  # (3, 2)
W_UNSCALED = softmax(np.array([5.0, 5.0, 8.0]))  # (3,)
W_SCALED = softmax(np.array([5.0, 5.0, 8.0]) / math.sqrt(2))  # (3,)


def finite(*arrays) -> bool:
    return all(np.all(np.isfinite(np.asarray(a, dtype=np.float64))) for a in arrays)


# --- parse_numbers --------------------------------------------------------------------

@pytest.mark.parametrize("text", ["5, 5, 8", "[5 5 8]", "5;5;8", "(5,5,8)", " 5  5\t8 ", "5.0, 5., +8", "5,5,8",
                                  "5e0 0.5e1 80e-1"])
def test_parse_numbers_reads_the_usual_ways_of_typing_a_list(text):
    got = parse_numbers(text, 3)
    assert finite(got) and got.dtype == np.float64
    np.testing.assert_array_equal(got, [5.0, 5.0, 8.0])


def test_parse_numbers_reads_decimals_and_a_typographic_minus():
    got = parse_numbers("0.045 .045 \u22120.91", 3)
    assert finite(got)
    np.testing.assert_allclose(got, [0.045, 0.045, -0.91])


@pytest.mark.parametrize(("text", "message"), [
    ("", "empty"), ("   ", "empty"), ("[ ]", "empty"), (None, "Type 3 numbers"),
    ("abc", "'abc' is not a number"), ("5, five, 8", "'five' is not a number"), ("1/3 1/3 1/3", "not a number"),
    ("1e309, 5, 8", "not a finite number"), ("inf 5 8", "not a finite number"), ("nan, 5, 8", "not a finite number"),
    ("5, 5", "expected 3 numbers, got 2"), ("5 5 8 9", "expected 3 numbers, got 4"),
    ("5" * 201, "at most 200 characters"),
])
def test_parse_numbers_refuses_with_a_message_a_student_can_act_on(text, message):
    with pytest.raises(AnswerError, match=message):
        parse_numbers(text, 3)


def test_answer_error_is_an_attention_lab_error():
    assert issubclass(AnswerError, AttentionLabError) and issubclass(AnswerError, ValueError)


def test_a_decimal_comma_is_two_numbers_and_the_message_says_so():
    with pytest.raises(AnswerError, match=r"expected 3 numbers, got 6\. Use a point for decimals"):
        parse_numbers("0,05 0,05 0,91", 3)


# --- Exercise 2: right answers ------------------------------------------------------

def test_the_expected_values_are_the_tutorial_arithmetic():
    e = exercise_2_expected()
    for conv in ("unscaled", "scaled"):
        assert finite(e["scores"][conv], e["weights"][conv], e["new_cat"][conv])
        np.testing.assert_array_equal(e["scores"][conv], [5.0, 5.0, 8.0])  # cat.cat, cat.sat, cat.mat
    np.testing.assert_allclose(e["weights"]["unscaled"], np.exp([5, 5, 8]) / np.exp([5, 5, 8]).sum(), rtol=1e-14)
    for conv, gap in (("unscaled", 3.0), ("scaled", 3.0 / math.sqrt(2))):  # the score gap mat - cat = 8 - 5
        a = 1.0 / (2.0 + math.exp(gap))  # cat's and sat's weight; mat's is e^gap times it
        np.testing.assert_allclose(e["weights"][conv], [a, a, 1.0 - 2.0 * a], rtol=1e-14)
        np.testing.assert_allclose(e["new_cat"][conv], [2.0, 3.0 - 3.0 * a], rtol=1e-14)  # (4a + 2(1-2a), 3 - 3a)
    np.testing.assert_allclose(e["weights"]["unscaled"], [0.0452785, 0.0452785, 0.909443], atol=1e-6)
    np.testing.assert_allclose(e["weights"]["scaled"], [0.0966917, 0.0966917, 0.8066165], atol=1e-6)
    np.testing.assert_allclose(e["new_cat"]["unscaled"], W_UNSCALED[0] * CAT + W_UNSCALED[1] * SAT
                               + W_UNSCALED[2] * MAT, rtol=1e-14)
    np.testing.assert_allclose(e["new_cat"]["unscaled"], [2.0, 2.8641643], atol=1e-6)
    np.testing.assert_allclose(e["new_cat"]["scaled"], [2.0, 2.7099248], atol=1e-6)


@pytest.mark.parametrize(("scores", "weights", "new_cat", "convention"), [
    ("5, 5, 8", "0.0453, 0.0453, 0.9094", "2, 2.8642", "unscaled"),
    ("5 5 8", "0.05 0.05 0.91", "2.0 2.86", "unscaled"),  # rounded to two decimals
    ([5, 5, 8], W_UNSCALED, W_UNSCALED @ X2, "unscaled"),
    ("5, 5, 8", "0.097 0.097 0.807", "2 2.71", "scaled"),
    ("3.54 3.54 5.66", "0.1 0.1 0.8", "(2, 2.7)", "scaled"),  # scaled scores typed in (a)
    ([5, 5, 8], W_SCALED, W_SCALED @ X2, "scaled"),
])
def test_right_answers_are_accepted_in_both_conventions(scores, weights, new_cat, convention):
    r = check_exercise_2(scores, weights, new_cat)
    assert r.all_correct, (r.scores.diagnosis, r.weights.diagnosis, r.new_cat.diagnosis)
    assert r.convention == convention
    assert r.weights.convention == convention and r.new_cat.convention == convention
    for part in (r.scores, r.weights, r.new_cat):
        assert part.mistake is None and part.diagnosis.startswith("Right")
        assert finite(part.answer, *part.expected.values())
        assert "absolute" in part.tolerance and "1%" in part.tolerance
    assert convention in r.weights.diagnosis


def test_the_stated_tolerance_is_the_one_applied():
    assert TOLERANCES["weights"].absolute == 0.01 and TOLERANCES["new_cat"].absolute == 0.05
    just_in = W_UNSCALED + np.array([0.0099, -0.0099, 0.0])
    just_out = W_UNSCALED + np.array([0.0101, 0.0, 0.0])
    assert finite(just_in, just_out)
    assert check_exercise_2("5 5 8", just_in, W_UNSCALED @ X2).weights.correct
    assert not check_exercise_2("5 5 8", just_out, W_UNSCALED @ X2).weights.correct
    assert check_exercise_2("5 5 8", W_UNSCALED, W_UNSCALED @ X2 + [0.0, 0.049]).new_cat.correct
    assert not check_exercise_2("5 5 8", W_UNSCALED, W_UNSCALED @ X2 + [0.0, 0.06]).new_cat.correct


def test_mixing_conventions_is_said():
    r = check_exercise_2("5 5 8", W_SCALED, W_UNSCALED @ X2)
    assert r.all_correct and r.convention == "mixed"


# --- Exercise 2: named mistakes -----------------------------------------------------

S_MATRIX = X2 @ X2.T  # (3, 3) [[5, 5, 8], [5, 10, 9], [8, 9, 13]]

SCORE_MISTAKES = {
    "added_not_multiplied": [6.0, 7.0, 8.0],  # (1 + 1) + (2 + 2), (1 + 3) + (2 + 1), (1 + 2) + (2 + 3)
    "crossed_entries": [4.0, 7.0, 7.0],  # 1 x 2 + 2 x 1, 1 x 1 + 2 x 3, 1 x 3 + 2 x 2
    "elementwise_products": [1.0, 4.0, 3.0, 2.0, 2.0, 6.0],  # cat*cat, cat*sat, cat*mat
}
WEIGHT_MISTAKES = {
    "not_exponentiated": np.array([5.0, 5.0, 8.0]) / 18.0,
    "not_normalised": np.exp([5.0, 5.0, 8.0]),
    "softmax_over_matrix": softmax(S_MATRIX.reshape(-1))[:3],  # cat's row of a softmax over all 9 scores
    "wrong_row": softmax(S_MATRIX[2]),  # mat's row
    "wrong_order": W_UNSCALED[::-1],  # the largest weight on cat
    "not_summing_to_one": [0.2, 0.2, 0.2],
}
NEW_CAT_MISTAKES = {
    "unweighted_sum": CAT + SAT + MAT,
    "unweighted_mean": (CAT + SAT + MAT) / 3,
    "missing_term": W_UNSCALED[0] * CAT + W_UNSCALED[2] * MAT,  # forgot sat
    "wrong_vectors": W_UNSCALED @ X2[::-1],  # weights applied to mat, sat, cat
    "scores_as_weights": np.array([5.0, 5.0, 8.0]) @ X2,
}


def _far_from_right(value, part):
    tol = TOLERANCES[part]
    e = exercise_2_expected()[part]
    return all(not tol.matches(np.asarray(value, dtype=float), e[c]) for c in ("unscaled", "scaled"))


@pytest.mark.parametrize("mistake", sorted(SCORE_MISTAKES))
def test_score_mistakes_are_named(mistake):
    value = SCORE_MISTAKES[mistake]
    r = check_exercise_2(value, W_UNSCALED, W_UNSCALED @ X2)
    assert finite(value) and not r.scores.correct and not r.all_correct
    assert r.scores.mistake == mistake
    assert MISTAKES[mistake] in r.scores.diagnosis and "[5, 5, 8]" in r.scores.diagnosis
    assert r.weights.correct and r.new_cat.correct  # each part judged on its own


@pytest.mark.parametrize("mistake", sorted(WEIGHT_MISTAKES))
def test_weight_mistakes_are_named(mistake):
    value = np.asarray(WEIGHT_MISTAKES[mistake], dtype=float)
    assert finite(value) and _far_from_right(value, "weights")
    r = check_exercise_2("5 5 8", value, W_UNSCALED @ X2)
    assert not r.weights.correct and r.weights.mistake == mistake
    assert MISTAKES[mistake] in r.weights.diagnosis and "0.9094" in r.weights.diagnosis


def test_weight_mistakes_are_named_in_the_scaled_convention_too():
    S = S_MATRIX / math.sqrt(2)
    for mistake, value in {"softmax_over_matrix": softmax(S.reshape(-1))[:3], "wrong_row": softmax(S[1]),
                           "not_normalised": np.exp(np.array([5.0, 5.0, 8.0]) / math.sqrt(2)),
                           "wrong_order": W_SCALED[[2, 0, 1]]}.items():
        assert finite(value) and _far_from_right(value, "weights")
        assert check_exercise_2("5 5 8", value, "2 2.86").weights.mistake == mistake


def test_the_column_softmax_is_the_row_softmax_here_so_it_is_right():
    """X X^T is symmetric: softmax over cat's column is softmax over cat's row (not a distinct mistake)."""
    column = softmax(S_MATRIX[:, 0])
    assert finite(column)
    np.testing.assert_allclose(column, W_UNSCALED, rtol=1e-15)
    assert check_exercise_2("5 5 8", column, "2 2.86").weights.correct


@pytest.mark.parametrize("mistake", sorted(NEW_CAT_MISTAKES))
def test_new_cat_mistakes_are_named(mistake):
    value = np.asarray(NEW_CAT_MISTAKES[mistake], dtype=float)
    assert finite(value) and _far_from_right(value, "new_cat")
    r = check_exercise_2("5 5 8", W_UNSCALED, value)
    assert not r.new_cat.correct and r.new_cat.mistake == mistake
    assert MISTAKES[mistake] in r.new_cat.diagnosis and "2.864" in r.new_cat.diagnosis


def test_every_mistake_is_far_from_both_right_answers():
    """No named mistake lies within the tolerance of a right answer, so the two never disagree."""
    assert all(_far_from_right(v, "weights") for v in WEIGHT_MISTAKES.values())
    assert all(_far_from_right(v, "new_cat") for v in NEW_CAT_MISTAKES.values())
    for perm in itertools.permutations(range(3)):
        for w in (W_UNSCALED, W_SCALED):
            moved = w[list(perm)]
            assert np.allclose(moved, w) or _far_from_right(moved, "weights")
            assert np.allclose(moved @ X2, w @ X2) or _far_from_right(moved @ X2, "new_cat")


def test_a_wrong_earlier_part_is_carried_forward_not_counted_twice():
    wrong_scores = [6.0, 7.0, 8.0]
    own_weights = softmax(np.array(wrong_scores))
    r = check_exercise_2(wrong_scores, own_weights, own_weights @ X2)
    assert finite(own_weights, own_weights @ X2)
    assert r.scores.mistake == "added_not_multiplied"
    assert r.weights.mistake == "carried_from_scores" and "fix (a)" in r.weights.diagnosis
    assert r.new_cat.mistake == "carried_from_weights" and "fix (b)" in r.new_cat.diagnosis
    assert r.convention is None and not r.all_correct


def test_an_unrecognised_answer_gets_the_expected_values():
    r = check_exercise_2("1 2 3", "0.3 0.3 0.4", "7 7")
    assert not r.scores.correct and r.scores.mistake is None and "[5, 5, 8]" in r.scores.diagnosis
    assert not r.weights.correct and r.weights.mistake is None and "0.9094" in r.weights.diagnosis
    assert not r.new_cat.correct and r.new_cat.mistake is None and "2.864" in r.new_cat.diagnosis


@pytest.mark.parametrize(("args", "message"), [
    (("", "0.05 0.05 0.9", "2 2.86"), "empty"),
    (("5 5 8", "zero point five", "2 2.86"), "not a number"),
    (("5 5 8", "0.05 0.05 0.9", "1e309 2"), "not a finite number"),
    (("5 5 8", "0.05 0.05", "2 2.86"), "expected 3 numbers, got 2"),
    (("5 5 8", "0.05 0.05 0.9", [2.0, 2.86, 1.0]), "expected 2 numbers, got 3"),
    (("5 5 8", [0.05, np.nan, 0.9], "2 2.86"), "finite"),
    (("5 5", "0.05 0.05 0.9", "2 2.86"), "expected 3 or 6 numbers, got 2"),
])
def test_bad_answers_give_answer_errors(args, message):
    with pytest.raises(AnswerError, match=message):
        check_exercise_2(*args)


# --- Exercise 3 ---------------------------------------------------------------------

def test_exercise_3_shapes():
    assert exercise_3_shapes() == {"E": (20, 512), "Q": (20, 64), "K": (20, 64), "V": (20, 64),
                                   "scores": (20, 20), "output": (20, 64)}
    assert exercise_3_shapes(3, 512, 64)["scores"] == (3, 3)
    with pytest.raises(AnswerError, match="d_k must be a whole number"):
        exercise_3_shapes(20, 512, 0)


@pytest.mark.parametrize("text", ["20 x 512", "20x512", "(20, 512)", "[20,512]", "20 by 512", "20 × 512",
                                  "20 * 512", "20X512"])
def test_check_shape_reads_every_usual_way(text):
    assert parse_shape(text) == (20, 512)
    ok, message = check_shape(text, (20, 512))
    assert ok and message.startswith("Right")


def test_a_transposed_shape_is_named():
    ok, message = check_shape("512 x 20", (20, 512))
    assert not ok and "512 x 20" in message and "rows are words, so n_tokens first" in message


def test_another_matrix_shape_is_named():
    shapes = exercise_3_shapes()
    ok, message = check_shape("20 x 512", shapes["Q"], shapes, name="Q")
    assert not ok and "the shape of E" in message and "20 x 64" in message and "W_Q" in message
    ok, message = check_shape("20 x 64", shapes["scores"], shapes, name="scores")
    assert not ok and "Q and K and V and output" in message and "every word with every word" in message
    ok, message = check_shape("20 x 20", shapes["scores"], shapes, name="scores")
    assert ok


@pytest.mark.parametrize(("text", "message"), [
    ("", "empty"), ("twenty by 512", "'twenty' is not a whole number"), ("20.5 x 64", "not a whole number"),
    ("1e309 x 2", "not a whole number"), ("20", "expected 2 numbers"), ("20 x 64 x 8", "expected 2 numbers, got 3"),
    ("0 x 64", "0 is not a size"), ("2" * 201, "at most 200"),
])
def test_bad_shapes_give_answer_errors(text, message):
    with pytest.raises(AnswerError, match=message):
        check_shape(text, (20, 64))


# --- Exercise 1 ---------------------------------------------------------------------

BANK_WORDS = ["The", "bank", "by", "the", "river", "has", "steep", "slopes"]


def test_exercise_1_compares_the_picks_with_the_top_weights():
    row = np.array([0.05, 0.40, 0.02, 0.05, 0.25, 0.03, 0.05, 0.15])  # "the" twice: 0.10 in all
    assert finite(row)
    r = check_exercise_1("river, slopes", row, BANK_WORDS)
    assert r["k"] == 2 and [w for w, _ in r["top"]] == ["river", "slopes"]
    assert r["overlap"] == ["river", "slopes"] and r["missed"] == [] and r["self_weight"] == 0.40
    assert "match" in r["sentence"]
    r = check_exercise_1(["River", "steep", "mountain"], row, BANK_WORDS)
    assert [w for w, _ in r["top"]] == ["river", "slopes"]
    assert r["overlap"] == ["river"] and r["missed"] == ["slopes"] and r["extra"] == ["steep"]
    assert r["unknown"] == ["mountain"] and "mountain" in r["sentence"] and "missed slopes" in r["sentence"]
    r = check_exercise_1("the", row, BANK_WORDS, k=3)  # "the" twice: its two weights add up
    assert r["top"] == [("river", 0.25), ("slopes", 0.15), ("the", pytest.approx(0.10))]
    assert r["overlap"] == ["the"] and r["missed"] == ["river", "slopes"]


def test_exercise_1_on_the_real_pipeline_weights_is_honest(glove):
    """Plain GloVe dot products (projections off) need not favour river; the checker reports what they do."""
    tokens = ac.tokenize(ac.EXERCISE_1_SENTENCE)
    X = glove.lookup(tokens.keys).vectors  # (8, 50)
    row = ac.self_attention(X).attention_weights[1]  # bank's row
    assert finite(row)
    r = check_exercise_1("river slopes", row, tokens.words)
    top_weights = [w for _, w in r["top"]]
    assert r["k"] == 2 and top_weights == sorted(top_weights, reverse=True)
    assert set(r["overlap"]) | set(r["extra"]) == {"river", "slopes"}
    assert r["self_weight"] == pytest.approx(row[1])


def test_exercise_1_refuses_empty_picks_and_a_wrong_row():
    with pytest.raises(AnswerError, match="Pick at least one word"):
        check_exercise_1(" , ", np.full(8, 1 / 8), BANK_WORDS)
    with pytest.raises(AnswerError, match="8 finite numbers"):
        check_exercise_1("river", np.full(7, 1 / 7), BANK_WORDS)


# --- RNN vs attention ---------------------------------------------------------------

@pytest.mark.parametrize("d", [1, 50, 512])
def test_the_counts_follow_the_formulas(d):
    ns = [1, 2, 10, 50, 51, 1000]
    rows = rnn_vs_attention(ns, d=d)
    assert [r["n_tokens"] for r in rows] == ns
    for r, n in zip(rows, ns, strict=True):
        assert finite(list(r.values()))
        assert r["rnn_steps"] == n and r["attention_steps"] == 1
        assert r["rnn_path"] == n - 1 and r["attention_path"] == min(1, n - 1)
        assert r["rnn_madds"] == 2 * n * d * d == r["rnn_recurrent_madds"] + r["rnn_input_madds"]
        assert r["attention_core_madds"] == 2 * n * n * d
        assert r["attention_madds"] == 2 * n * n * d + 3 * n * d * d
        assert (r["attention_core_madds"] > r["rnn_madds"]) == (n > d)  # the crossover is n = d


def test_the_counts_refuse_bad_sizes():
    with pytest.raises(AttentionLabError, match="n_tokens must be a whole number"):
        rnn_vs_attention([0])
    with pytest.raises(AttentionLabError, match="d must be a whole number"):
        rnn_vs_attention([5], d=2.5)


def test_the_seeded_rnn_is_a_contraction():
    rnn = ElmanRNN.seeded(50, seed=0)
    norm = np.linalg.norm(rnn.W_h, 2)
    radius = np.max(np.abs(np.linalg.eigvals(rnn.W_h)))
    assert finite(norm, radius) and norm == pytest.approx(0.9, rel=1e-12) and radius < 0.9


def _check_decay(X, seed=0):
    influence = first_word_influence(X, seed=seed)
    assert influence.shape == (X.shape[0],) and finite(influence) and np.all(influence > 0)
    ratios = influence[1:] / influence[:-1]
    assert finite(ratios)
    assert np.all(ratios < 1.0)  # strictly decreasing with distance
    assert np.all(ratios <= 0.9 * (1 + 1e-9))  # and at least as fast as |W_h|_2 = 0.9 promises
    return influence


def test_word_1_fades_in_the_rnn_on_random_vectors():
    X = np.random.default_rng(3).normal(0.0, 0.4, size=(60, 50))
    influence = _check_decay(X)
    assert influence[-1] < 1e-12 * influence[0]


def test_word_1_fades_in_the_rnn_on_glove_apple_music(glove):
    tokens = ac.tokenize(APPLE_MUSIC)
    X = glove.lookup(tokens.keys).vectors  # (50, 50), FaceID and AirPods are zero rows
    assert X.shape == (50, 50) and tokens.keys[:3] == ("the", "company", "apple")
    influence = _check_decay(X)
    assert influence[0] == pytest.approx(0.716, abs=1e-3)
    assert influence[9] == pytest.approx(8.26e-5, rel=1e-2)
    assert 1e-23 < influence[-1] < 1e-21  # measured, not floored at ~1e-10 by cancellation


def test_the_perturbation_is_the_finite_difference_of_two_runs():
    """Where subtracting two runs is still accurate (the first words), it agrees with the carried difference."""
    X = np.random.default_rng(4).normal(0.0, 0.4, size=(6, 10))
    rnn = ElmanRNN.seeded(10, seed=0)
    eps = 1e-6
    U = np.random.default_rng(1).standard_normal((8, 10))
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    H = rnn.hidden_states(X)  # (6, 10)
    naive = np.mean([np.linalg.norm(rnn.hidden_states(np.vstack([X[0] + eps * u, X[1:]])) - H, axis=1)
                     for u in U], axis=0) / eps  # (6,)
    carried = first_word_influence(X, seed=0, eps=eps)
    assert finite(naive, carried)
    np.testing.assert_allclose(carried, naive, rtol=1e-6)


def test_attention_weight_on_word_1_is_a_number_not_a_decay_law(glove):
    tokens = ac.tokenize(APPLE_MUSIC)
    X = glove.lookup(tokens.keys).vectors
    w = attention_first_word_weight(X)
    assert w.shape == (50,) and finite(w) and w[0] == 1.0
    full = [ac.self_attention(X[:t]).attention_weights[t - 1, 0] for t in range(1, 51)]  # each prefix on its own
    np.testing.assert_allclose(w, full, rtol=1e-12)
    assert np.any(np.diff(w) > 0)  # it goes up and down with the words, not down with distance
    assert w[3] == pytest.approx(0.3152, abs=1e-4)  # "which" on "the"


def test_attention_weight_does_not_depend_on_distance_only_on_scores():
    """Move word 1 anywhere before the last word: the last word's weight on it does not change (no positions)."""
    Y = np.random.default_rng(6).normal(size=(20, 8))  # (20, 8)
    first, middle, last = Y[0], Y[1:-1], Y[-1]
    weights = []
    for k in range(19):  # word 1 placed at distance 19 - k from the last word
        Z = np.vstack([middle[:k], first, middle[k:], last])  # (20, 8)
        weights.append(ac.self_attention(Z).attention_weights[-1, k])
    assert finite(weights)
    np.testing.assert_allclose(weights, weights[0], rtol=1e-12)
    assert attention_first_word_weight(Y)[-1] == pytest.approx(weights[0], rel=1e-12)
