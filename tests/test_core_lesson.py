"""The guided lesson's questions and measured answers (attention_core.lesson)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import attention_core as ac
from attention_core import lesson as L


@pytest.fixture(scope="module")
def glove():
    return ac.load_glove()


@pytest.fixture(scope="module")
def measured(glove):
    learned = ac.train_projections(glove, d_k=16, seed=0).projections  # what the app's pages use
    return {s.slug: L.measure(s.slug, glove=glove, learned=learned) for s in L.SECTIONS}


# The tutorial's headings in its order (seed-tutorial.md, which lives outside the repository)
TUTORIAL_HEADINGS = [
    "The Problem: Contextual Word Representation", "Understanding Word Embeddings Limitations",
    "Building Self-Attention from Scratch", "Calculating the Numbers: Similarity Scores", "Dot Product Similarity",
    "Converting to Probabilities with Softmax", "Adding Learnable Parameters", "Query, Key, and Value Matrices",
    "Mathematical Formulation", "Complete Example Walkthrough", "Advantages of Self-Attention", "What's Next?",
]


def test_the_sections_follow_the_tutorial_in_order():
    places = [TUTORIAL_HEADINGS.index(s.heading) for s in L.SECTIONS]
    assert places == sorted(places) and len(set(places)) == len(places) == 11
    assert set(L.QUESTIONS) == {s.question.id for s in L.SECTIONS}


def test_every_measured_answer_is_an_answer_its_question_accepts(measured):
    for s in L.SECTIONS:
        q, m = s.question, measured[s.slug]
        assert q.read(m.answer) == m.answer  # a choice among the options, or a number in range
        assert q.is_right(m.answer, m.answer)


def test_the_hand_computed_answers(measured):
    assert measured["problem"].answer == "the same"  # GloVe has one vector per word
    assert measured["dot"].answer == -2.0  # (2)(-4) + (2)(3)
    np.testing.assert_allclose(measured["dot"].numbers["dots"], [-2, 8, 8, 8])
    w = measured["softmax"].numbers["weights"]
    assert w[0] == pytest.approx(math.exp(-10) / (math.exp(-10) + 2), rel=1e-12) and w[0] > 0
    assert measured["softmax"].answer == "tiny, but more than 0"
    assert measured["softmax"].says == "[0.0, 0.5, 0.5]"  # the tutorial's rounding, shown beside the truth
    assert measured["advantages"].answer == "20 and 1"


def test_the_glove_answers_tell_the_tutorials_story(measured):
    static = measured["static"].answer
    assert 45 < static < 60  # the tutorial's "50 % tech": close, measured
    scratch = measured["scratch"].numbers["shares"]  # static, with phones, with juice
    assert scratch[1] > scratch[0] > scratch[2] and measured["scratch"].answer.startswith("up")
    assert measured["parameters"].answer == "Apple"  # plain attention: a word looks at itself most
    assert measured["qkv"].answer == "phones"  # learned W_Q, W_K: apple looks at the word that decides
    worked = measured["worked"].numbers["shares"]
    assert worked[1] > worked[0] > worked[2]  # toward tech with phones, toward fruit with juice
    assert measured["worked"].answer == pytest.approx(100 * worked[1])
    assert measured["formula"].answer.startswith("toward 1")
    assert measured["next"].answer == "no"  # permutation-equivariant without positions
    assert np.max(measured["next"].numbers["with"]) > 0.1  # and positions make the order matter


def test_where_the_tutorial_rounds_the_page_says_so(measured):
    for slug in ("static", "scratch", "softmax", "parameters", "worked", "advantages"):
        assert measured[slug].says and measured[slug].measures
    assert "O(1)" in measured["advantages"].says and "multiply-adds" in measured["advantages"].measures


def test_the_measured_sentences_read_their_own_charts(measured):
    """The words beside a chart give the chart's numbers (a review found step 11 saying 1.03, a coordinate,
    beside bars of vector lengths up to 1.95, and step 10 saying n^2 x d beside 2 n^2 d)."""
    nxt = measured["next"]
    dog = list(nxt.numbers["words"]).index("dog")
    assert f"{nxt.numbers['with'][dog]:.2f} with the paper's positional encoding" in nxt.measures
    rows = {r["n_tokens"]: r for r in measured["advantages"].numbers["rows"]}
    n, d = 100, 50
    assert rows[n]["attention_core_madds"] == 2 * n * n * d and rows[n]["rnn_madds"] == 2 * n * d * d
    assert f"{2 * n * n * d:,} multiply-adds (2 x n² x d" in measured["advantages"].measures
    assert f"{2 * n * d * d:,} (2 x n x d²" in measured["advantages"].measures


@pytest.mark.parametrize("raw, message", [
    ("", "Type a number first"), ("   ", "Type a number first"), ("abc", "one number"), ("1e309", "too large"),
    ("nan", "too large"), ("[1, 2]", "one number"), ("1, 2", "one number"), ("101", "between 0 and 100"),
    ("-1", "between 0 and 100"), (None, "Type a number"), (True, "Type a number"), ([1, 2], "one number"),
    ("9" * 300, "characters"),
])
def test_bad_number_answers_get_a_clear_message(raw, message):
    q = L.QUESTIONS["lesson.worked"]
    with pytest.raises(ac.AnswerError, match=message):
        q.read(raw)


def test_number_answers_are_read_as_typed():
    q = L.QUESTIONS["lesson.worked"]
    assert q.read(" 64 % ") == 64.0 and q.read("63.5") == 63.5 and q.read(70) == 70.0
    assert q.is_right(q.read("55"), 63.7) and not q.is_right(q.read("90"), 63.7)  # tolerance 10 points
    assert L.QUESTIONS["lesson.dot"].read("−2") == -2.0  # a typographic minus, as pasted from the tutorial


@pytest.mark.parametrize("raw", ["", "Apple ", "apple", None, 3, ["Apple"]])
def test_choices_must_be_one_of_the_options(raw):
    with pytest.raises(ac.AnswerError, match="Pick one"):
        L.QUESTIONS["lesson.parameters"].read(raw)
