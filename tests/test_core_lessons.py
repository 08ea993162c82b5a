"""The pipeline and the numbers pages print (attention_core.pipeline, attention_core.lessons).

Each of these checks a number where it is computed, so that a page showing the wrong
matrix (values for outputs, raw scores for scaled ones, q·q for q·k, ...) fails here.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import attention_core as ac
from attention_core import lessons
from tests.numerics import strict


@pytest.fixture(scope="module")
def glove():
    return ac.load_glove()


@pytest.fixture(scope="module")
def random_run(glove):
    return ac.analyse("I love Apple phones", glove, ac.Mechanism(projections="random", d_k=8, seed=3), target="apple")


def test_analyse_joins_tokens_vectors_and_the_trace(glove):
    with strict():
        a = ac.analyse("I love Apple phones", glove, target="Apple's")
    assert a.words == ("I", "love", "Apple", "phones") and a.target_index == 2
    assert np.array_equal(a.trace.X, glove.lookup(["i", "love", "apple", "phones"]).vectors)
    assert a.known.all() and a.word_space
    assert np.array_equal(a.before, a.trace.X) and np.array_equal(a.after, a.trace.contextual_embeddings)
    assert np.isfinite(a.after).all()


def test_mechanism_switches_reach_the_trace(glove):
    text = "the dog bit the man"
    plain = ac.analyse(text, glove)
    unscaled = ac.analyse(text, glove, ac.Mechanism(scale=False))
    causal = ac.analyse(text, glove, ac.Mechanism(causal=True))
    assert plain.trace.divisor == pytest.approx(np.sqrt(50)) and unscaled.trace.divisor == 1.0
    assert np.all(np.triu(causal.trace.attention_weights, 1) == 0)
    assert np.allclose(causal.trace.attention_weights.sum(axis=1), 1.0)
    rv = ac.analyse(text, glove, ac.Mechanism(projections="random_v", d_k=4, seed=1))
    r = ac.analyse(text, glove, ac.Mechanism(projections="random", d_k=4, seed=1))
    assert np.array_equal(rv.trace.attention_weights, r.trace.attention_weights)  # same W_Q, W_K
    assert not rv.word_space and rv.before.shape == (5, 4) and np.array_equal(rv.before, rv.trace.values)


def test_learned_needs_the_trained_projections_of_the_right_size(glove):
    with pytest.raises(ac.SettingsError, match="GloVe"):
        ac.analyse("I love apple", glove, ac.Mechanism(projections="learned"))
    wrong = ac.Projections.random(2, 2, seed=0)
    with pytest.raises(ac.SettingsError, match="GloVe"):
        ac.analyse("I love apple", glove, ac.Mechanism(projections="learned"), learned=wrong)


@pytest.mark.parametrize("bad", [{"projections": "nope"}, {"d_k": 0}, {"d_k": 65}, {"d_k": 2.5}])
def test_a_mechanism_refuses_impossible_switches(bad):
    with pytest.raises(ac.SettingsError):
        ac.Mechanism(**bad)


def test_find_target_follows_the_first_word_of_the_target(glove):
    tokens = ac.tokenize("I love Apple phones")
    assert ac.find_target(tokens, "apple pie") == 2
    assert ac.find_target(tokens, "") is None and ac.find_target(tokens, "!!!") is None
    assert ac.find_target(tokens, "banana") is None


def test_heatmap_views_are_the_matrices_they_name(random_run):
    tr = random_run.trace
    assert np.array_equal(lessons.heatmap_matrix(tr, "weights"), tr.attention_weights)
    assert np.allclose(lessons.heatmap_matrix(tr, "scaled scores"), tr.scores / np.sqrt(8), rtol=1e-15)
    assert np.array_equal(lessons.heatmap_matrix(tr, "raw scores"), tr.queries @ tr.keys.T)
    assert not np.allclose(lessons.heatmap_matrix(tr, "scaled scores"), lessons.heatmap_matrix(tr, "raw scores"))


def test_shared_bound_is_the_largest_finite_magnitude():
    a = np.array([[1.0, -5.0], [-np.inf, 2.0]])
    b = np.array([[3.0, 0.5]])
    assert lessons.shared_bound([a, b]) == 5.0
    assert lessons.shared_bound([np.zeros((2, 2))]) == 1.0 and lessons.shared_bound([np.full((1, 1), -np.inf)]) == 1.0


def test_concept_share_is_a_share_only_where_it_means_one():
    s = np.array([[0.3, 0.1, 0.9], [0.2, 0.6, 0.0]])
    assert np.allclose(lessons.concept_share(s), [0.75, 0.25])
    assert lessons.concept_share(np.array([[0.3, -0.1]])) is None
    assert lessons.concept_share(np.array([[0.3]])) is None


def test_map_inputs_compare_like_with_like(glove):
    off = [ac.analyse(t, glove, target="apple") for t in ("I love Apple phones", "I love apple juice")]
    m = lessons.map_inputs(off)
    assert m.word_space and m.before.shape == (8, 50)
    assert np.array_equal(m.before[4:], off[1].trace.X) and np.array_equal(m.after[:4], off[0].after)
    assert list(m.sentence) == [0] * 4 + [1] * 4 and list(m.position) == [0, 1, 2, 3] * 2
    assert list(np.flatnonzero(m.is_target)) == [2, 6]
    rv = [ac.analyse(t, glove, ac.Mechanism(projections="random_v", d_k=4), target="apple")
          for t in ("I love Apple phones", "I love apple juice")]
    m = lessons.map_inputs(rv)
    assert not m.word_space and np.array_equal(m.before[:4], rv[0].trace.values)


def test_asymmetry_tells_rounding_from_direction():
    S = np.array([[24.68, 18.08], [18.08, 36.39]])
    assert lessons.asymmetry(S) == lessons.Asymmetry(0.0, True)
    S2 = S.copy()
    S2[0, 1] += 3.6e-15
    assert lessons.asymmetry(S2).rounding and lessons.asymmetry(S2).gap > 0
    S2[0, 1] += 0.5
    assert not lessons.asymmetry(S2).rounding and lessons.asymmetry(S2).gap == pytest.approx(0.5)


@pytest.mark.parametrize("scale", [True, False])
def test_projection_variants_follow_the_scaling_switch(glove, scale):
    X = glove.lookup(["i", "love", "apple", "phones"]).vectors
    learned = ac.Projections.random(50, 8, seed=99)
    v = lessons.projection_variants(X, ac.Mechanism(d_k=8, seed=2, scale=scale), learned)
    assert list(v) == ["off", "random", "learned"]
    for tr in v.values():
        assert tr.divisor == (pytest.approx(np.sqrt(tr.d_k)) if scale else 1.0)
    assert np.array_equal(v["random"].projections.W_Q, ac.Projections.random(50, 8, seed=2).W_Q)
    assert v["learned"].projections is learned
    assert np.allclose(v["off"].scores, X @ X.T, rtol=1e-13)


def test_scaling_comparison_divides_by_the_square_root_of_d_k(random_run):
    tr = random_run.trace
    cmp = lessons.scaling_comparison(tr)
    assert np.allclose(cmp.unscaled, ac.softmax(tr.scores), rtol=1e-14)
    assert np.allclose(cmp.scaled, ac.softmax(tr.scores / np.sqrt(8)), rtol=1e-14)
    assert np.array_equal(cmp.scaled, tr.attention_weights)  # the run itself was scaled: the same numbers
    assert not np.allclose(cmp.scaled, ac.softmax(tr.scores / 8))  # not d_k


def test_temperature_sqrt_d_k_is_the_scaled_attention(random_run):
    tr = random_run.trace
    assert np.max(np.abs(lessons.temperature_weights(tr, np.sqrt(8)) - tr.attention_weights)) < 1e-15
    hot, cold = lessons.temperature_weights(tr, 0.25), lessons.temperature_weights(tr, 32.0)
    assert hot.max(axis=1).mean() > cold.max(axis=1).mean()
    assert np.isfinite(hot).all() and np.allclose(hot.sum(axis=1), 1.0)


def test_formula_steps_are_the_trace_in_order(random_run):
    tr = random_run.trace
    steps = lessons.formula_steps(tr, scale=True)
    expected = [tr.X, tr.queries, tr.keys, tr.values, tr.scores, tr.scaled_scores, tr.attention_weights,
                tr.contextual_embeddings]
    assert len(steps) == len(expected)
    for step, matrix in zip(steps, expected):
        assert step.matrix is matrix, step.title
    assert steps[-1].title.startswith("7. contextual_embeddings") and steps[-1].cols == "d_v"
    assert "√d_k = √8" in steps[5].note and "divided by 1" in lessons.formula_steps(tr, scale=False)[5].note


def test_follow_word_prints_the_query_key_dot_products(random_run):
    tr, words = random_run.trace, random_run.words
    lines = lessons.follow_word(tr, words, 2)
    scores = [float(re.search(r"= (-?[\d.]+)$", line).group(1)) for line in lines[1:5]]
    assert np.allclose(scores, tr.scores[2], atol=1e-4)
    assert not np.allclose(scores, [tr.queries[2] @ tr.queries[j] for j in range(4)], atol=1e-4)
    weights = [float(v) for v in lines[6].split("[")[1].split("]")[0].split(", ")]
    assert np.allclose(weights, tr.attention_weights[2], atol=1e-7)


def test_worked_example_has_the_exact_softmax():
    lines = lessons.worked_example(ac.toy_embeddings())
    assert "sim(Apple, phones) = (2 x 2) + (2 x 2) = 8" in lines[1]
    assert "sim(Apple, love)   = (2 x -4) + (2 x 3) = -2" in lines[2]
    e = np.exp(-10.0)
    assert f"{e / (e + 2):.7f}" in lines[6] and "0.4999887" in lines[6]


def test_work_count_is_quadratic_in_the_sentence():
    w = lessons.work_count(20, 64, 64)
    assert (w.scores, w.weighted_sums) == (20 * 20 * 64, 20 * 20 * 64)
    assert lessons.work_count(40, 64, 64).scores == 4 * w.scores


def test_export_rows_are_weights_and_outputs(random_run):
    weights, outputs = lessons.export_rows({"S1": random_run})
    tr = random_run.trace
    assert len(weights) == 16 and len(outputs) == 4
    assert [r["weight"] for r in weights[4:8]] == list(tr.attention_weights[1])
    assert [outputs[2][f"out_{j}"] for j in range(50)] == list(tr.contextual_embeddings[2])
    assert outputs[2]["word"] == "Apple" and outputs[2]["pos"] == 3


def test_random_vs_learned_starts_where_training_starts(glove):
    learned = ac.Projections(ac.Projections.random(50, 8, seed=7).W_Q * 3, ac.Projections.random(50, 8, seed=8).W_K,
                             np.eye(50), kind="learned")
    X = glove.lookup(["i", "love", "apple", "watch"]).vectors
    both = lessons.random_vs_learned(X, ["I", "love", "Apple", "watch"], learned, ac.Mechanism(seed=5))
    start = ac.Projections.random(50, 8, seed=5)
    assert np.array_equal(both.random.projections.W_Q, start.W_Q)
    assert np.array_equal(both.random.projections.W_K, start.W_K)
    assert both.learned.projections is learned
    assert not np.allclose(both.random.attention_weights, both.learned.attention_weights)


@pytest.fixture(scope="module")
def learned(glove):
    return ac.train_projections(glove, d_k=16, seed=0).projections


@pytest.mark.parametrize("target", ["apple", "bank"])
def test_learned_plus_residual_moves_every_heldout_target_toward_its_sense(glove, learned, target):
    """The story, measured: on the shipped held-out sentences (cue words never seen in training), the
    target's share between its two sense concepts and its cosine with the sense words both move toward
    the labelled sense, in every sentence."""
    examples, senses = ac.load_word_senses(), ac.sense_pairs(ac.load_word_senses())
    concepts = ac.parse_concepts(ac.DEFAULT_CONCEPT_TEXT).concepts
    a_word, b_word = senses[target]
    ua, ub = glove.vector(a_word), glove.vector(b_word)

    def lean(v):  # cosine with sense A minus cosine with sense B
        return (v @ ua) / np.linalg.norm(v) / np.linalg.norm(ua) - (v @ ub) / np.linalg.norm(v) / np.linalg.norm(ub)

    held = [e for e in examples if e.split == "heldout" and e.target == target]
    assert len(held) >= 10
    for e in held:
        a = ac.analyse(" ".join(e.words), glove, ac.Mechanism(projections="learned", residual=True), target=target,
                       learned=learned)
        i = a.target_index
        read = lessons.concept_readout(a.before[i], a.after[i], concepts, glove, target, senses)
        sign = 1 if e.sense == a_word else -1
        assert np.isfinite(read.shares).all()
        assert sign * (read.shares[1] - read.shares[0]) > 0, e.words
        assert sign * (lean(a.after[i]) - lean(a.before[i])) > 0, e.words


def test_the_tutorials_two_sentences_read_as_the_tutorial_says(glove, learned):
    mech = ac.Mechanism(projections="learned", residual=True)
    concepts = ac.parse_concepts(ac.DEFAULT_CONCEPT_TEXT).concepts
    senses = ac.sense_pairs(ac.load_word_senses())
    out = {}
    for text in ("I love Apple phones", "I love apple juice"):
        a = ac.analyse(text, glove, mech, target="apple", learned=learned)
        i = a.target_index
        out[text] = lessons.concept_readout(a.before[i], a.after[i], concepts, glove, "apple", senses).shares
        near = [w for w, _ in ac.nearest_words(a.after[i][None], glove, k=5, exclude=[["apple"]])[0]]
        assert ("phones" if "phones" in text else "juice") in near
    phones, juice = out["I love Apple phones"], out["I love apple juice"]
    assert phones[0] == pytest.approx(juice[0])  # the same static vector before
    assert phones[1] > phones[0] + 0.05 and juice[1] < juice[0] - 0.05  # a margin a class can see


def test_concept_readout_gives_no_share_for_a_word_without_senses(glove):
    concepts = ac.parse_concepts(ac.DEFAULT_CONCEPT_TEXT).concepts
    v = glove.vector("love")
    read = lessons.concept_readout(v, v, concepts, glove, "love", ac.sense_pairs(ac.load_word_senses()))
    assert read.pair is None and read.shares is None and read.cosines.shape == (2, 4)


def test_residual_stream_adds_each_word_back(glove):
    a = ac.analyse("I love apple juice", glove, ac.Mechanism(residual=True))
    assert np.allclose(a.after, a.trace.X + a.trace.contextual_embeddings, rtol=1e-15)
    assert a.word_space and np.array_equal(a.before, a.trace.X)
    with pytest.raises(ac.SettingsError, match="residual"):
        ac.analyse("I love apple juice", glove, ac.Mechanism(residual=True, projections="random_v", d_k=8))


def test_surprise_explainers():
    X = np.array([[2.0, 2.0], [-4.0, 3.0], [2.0, 2.0]])
    assert lessons.identical_pairs(X) == [(0, 2)]
    W = np.array([[0.5, 0.5], [0.5, 0.5]])
    assert lessons.row_spread(W) == 0.0 and lessons.row_spread(np.eye(3)) == 1.0
    rng = np.random.default_rng(0)
    self_dot, other = lessons.diagonal_growth(rng.standard_normal((8, 400)))
    assert 300 < self_dot < 500 and other < 40  # x.x ~ d, |x.y| ~ sqrt(d)
    tr = ac.self_attention(ac.toy_embeddings().lookup(["love", "apple", "phones"]).vectors, scale=False)
    m = lessons.self_match(tr, 1)
    assert (m.self_score, m.best_other, m.other_score) == (8.0, 2, 8.0)


def test_positions_are_added_to_x_and_the_word_order_experiment(glove):
    m = ac.Mechanism(positions=1.0)
    a = ac.analyse("the dog bit the man", glove, m)
    assert np.allclose(a.trace.X, a.embeddings + ac.sinusoidal_encoding(5, 50), rtol=1e-15)
    assert np.array_equal(a.before, a.embeddings)  # the read-out starts from the word, not its position
    b = ac.analyse("the man bit the dog", glove, m)
    order = lessons.word_order(a, b)
    assert order.without < 1e-12 < order.with_positions
    assert np.all(np.diff(order.curve) > 0) and order.curve[0] < 1e-12
    assert order.per_word.shape == (5,) and np.isfinite(order.per_word).all()
    with pytest.raises(ac.SettingsError, match="same words"):
        lessons.word_order(a, ac.analyse("a cat sat", glove, m))
    with pytest.raises(ac.SettingsError):
        ac.Mechanism(positions=-1.0)


def test_block_view_with_and_without_the_residual_stream(glove):
    a = ac.analyse("the dog bit the man", glove, ac.Mechanism(projections="random", d_k=8))
    view = lessons.block_view(a)
    with_it, without = view.final_survival
    assert np.isfinite([with_it, without]).all() and with_it > without + 0.4
    assert len(view.survival_rows) == 12 and view.parameter_rows[-1]["the paper's (512, 64)"] == 2_198_016


def test_pipeline_heads_and_the_heads_view(glove):
    a = ac.analyse("I love Apple phones", glove, ac.Mechanism(projections="random", heads=5), target="apple")
    view = lessons.heads_view(a)
    assert view.weights.shape == (5, 4, 4) and np.allclose(view.weights.sum(axis=2), 1.0)
    assert view.contribution.shape == (5,) and np.isfinite(view.contribution).all()
    shares = sum(a.heads.heads[k].contextual_embeddings[2] @ a.heads.projections.W_O[k * 10:(k + 1) * 10]
                 for k in range(5))
    assert np.allclose(shares, a.heads.output[2], rtol=1e-12)  # the heads' shares add up to the output
    for k in range(5):  # the weight on the previous word, by hand: rows 2..4, one column to the left
        assert view.previous[k] == pytest.approx(np.mean([view.weights[k, t, t - 1] for t in (1, 2, 3)]), abs=1e-15)
    one = lessons.heads_view(ac.analyse("apple", glove, ac.Mechanism(projections="random", heads=5)))
    assert np.isnan(one.previous).all()  # one word has no previous word
    off = ac.analyse("I love Apple phones", glove, ac.Mechanism(heads=2))
    assert np.allclose(off.heads.output, off.heads.concatenation)  # off: W_O = I
    with pytest.raises(ac.ShapeError, match="1, 2, 5, 10, 25, 50"):
        ac.analyse("I love apple", glove, ac.Mechanism(projections="random", heads=3))


def test_sense_shift_by_hand():
    """Sense words along the axes of a 2-D table: cosines read off by hand, towards = the larger gain,
    leans = the larger cosine after; a word can move towards one sense and still lean to the other."""
    table = ac.VectorTable("axes", ["money", "river"], np.array([[2.0, 0.0], [0.0, 3.0]]))
    s = ac.lessons.sense_shift(np.array([3.0, 1.0]), np.array([1.0, 1.0]), table, ("money", "river"))
    np.testing.assert_allclose(s.before, [3 / np.sqrt(10), 1 / np.sqrt(10)], rtol=1e-15)
    np.testing.assert_allclose(s.after, [1 / np.sqrt(2), 1 / np.sqrt(2)], rtol=1e-15)
    assert s.towards == "river"  # 0.316 -> 0.707 against 0.949 -> 0.707
    s = ac.lessons.sense_shift(np.array([3.0, 1.0]), np.array([2.0, 1.0]), table, ("money", "river"))
    assert (s.towards, s.leans) == ("river", "money")  # moved towards river, still nearer money
    zero = ac.lessons.sense_shift(np.zeros(2), np.array([0.0, 1.0]), table, ("money", "river"))
    assert np.array_equal(zero.before, [0.0, 0.0]) and zero.leans == "river"  # no direction: cosine 0, not NaN
