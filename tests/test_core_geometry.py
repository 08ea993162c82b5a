"""pca_2d, nearest_words, concept_scores, and the tutorial's story told with real GloVe vectors."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.decomposition import PCA

from attention_core import (
    NotEnoughWordsError,
    ShapeError,
    UnknownWordError,
    VectorTable,
    concept_scores,
    nearest_words,
    pca_2d,
    random_embeddings,
    self_attention,
    tokenize,
    toy_embeddings,
)
from attention_core.geometry import GEMV_MAX
from tests.numerics import assert_close, strict


def assert_pca_finite(p):
    for a in (p.before, p.after, p.explained_variance_ratio, p.components, p.mean):
        assert np.all(np.isfinite(a)), a


def cos(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


# --- pca_2d --------------------------------------------------------------------------

def test_pca_one_row_needs_two_words(glove):
    X = glove.lookup(tokenize("hello").keys).vectors
    with strict(), pytest.raises(NotEnoughWordsError, match="two or more words"):
        pca_2d(X, X)


def test_pca_identical_rows_gives_zeros_without_warning(glove):
    X = glove.lookup(tokenize("the the").keys).vectors
    with strict():
        tr = self_attention(X)
        p = pca_2d(X, tr.contextual_embeddings)
    assert_pca_finite(p)
    assert p.before.shape == (2, 2) and p.after.shape == (2, 2)
    np.testing.assert_array_equal(p.before, np.zeros((2, 2)))
    np.testing.assert_array_equal(p.after, np.zeros((2, 2)))
    np.testing.assert_array_equal(p.explained_variance_ratio, [0.0, 0.0])
    np.testing.assert_array_equal(p.components, np.zeros((2, 50)))


@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e6])
def test_pca_rank_one_data_has_zero_second_axis(scale):
    rng = np.random.default_rng(0)
    direction = rng.standard_normal(7)
    t = np.array([-1.0, 0.5, 2.0, 3.0, -0.25])
    data = scale * (t[:, None] * direction[None, :] + 0.3)  # points on one line (rank 1 after centring)
    with strict():
        p = pca_2d(data[:3], data[3:])
    assert_pca_finite(p)
    assert_close(p.explained_variance_ratio, [1.0, 0.0], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(p.components[1], np.zeros(7))
    np.testing.assert_array_equal(p.before[:, 1], np.zeros(3))
    np.testing.assert_array_equal(p.after[:, 1], np.zeros(2))
    # first axis is the line's direction (up to sign, fixed by the sign rule)
    unit = direction / np.linalg.norm(direction)
    assert_close(abs(p.components[0] @ unit), 1.0, rtol=1e-9)
    # 1-D coordinates reproduce the distances along the line
    coords = np.concatenate([p.before[:, 0], p.after[:, 0]])
    expected = scale * (t - t.mean()) * np.linalg.norm(direction)
    assert_close(np.abs(coords), np.abs(expected), rtol=1e-9, atol=1e-9 * scale)


def test_pca_two_points_is_rank_one():
    with strict():
        p = pca_2d([[0.0, 0.0, 1.0], [2.0, 0.0, 1.0]], np.empty((0, 3)))
    assert_pca_finite(p)
    assert_close(p.explained_variance_ratio, [1.0, 0.0])
    assert_close(p.before, [[-1.0, 0.0], [1.0, 0.0]])  # sign rule: loading on axis 0 is +1


def test_pca_reconstructs_2d_data_with_one_shared_basis():
    rng = np.random.default_rng(1)
    before = rng.standard_normal((5, 2)) * [3.0, 1.0]
    after = rng.standard_normal((4, 2))
    with strict():
        p = pca_2d(before, after)
    assert_pca_finite(p)
    # d == 2: two axes span everything, so coords @ components + mean is the data
    assert_close(p.before @ p.components + p.mean, before, rtol=1e-12, atol=1e-12)
    assert_close(p.after @ p.components + p.mean, after, rtol=1e-12, atol=1e-12)
    assert_close(p.explained_variance_ratio.sum(), 1.0)
    assert_close(p.mean, np.vstack([before, after]).mean(axis=0))


def test_pca_one_basis_same_point_same_coordinates():
    rng = np.random.default_rng(2)
    before = rng.standard_normal((6, 10))
    after = rng.standard_normal((6, 10))
    after[4] = before[1]  # a word that did not move
    with strict():
        p = pca_2d(before, after)
    assert_pca_finite(p)
    assert_close(p.after[4], p.before[1], rtol=0, atol=1e-12)


def test_pca_matches_sklearn_and_components_are_orthonormal():
    rng = np.random.default_rng(3)
    before = rng.standard_normal((8, 12)) @ np.diag(np.linspace(3, 0.1, 12))
    after = rng.standard_normal((8, 12))
    with strict():
        p = pca_2d(before, after)
    assert_pca_finite(p)
    data = np.vstack([before, after])
    ref = PCA(n_components=2, svd_solver="full").fit(data)
    # sklearn's ratio is over all components; ours is over the kept ones: same when the data has full rank
    assert_close(p.explained_variance_ratio, ref.explained_variance_ratio_, rtol=1e-9)
    # same axes up to sign; coordinates likewise
    signs = np.sign(np.sum(p.components * ref.components_, axis=1))
    assert_close(p.components, ref.components_ * signs[:, None], rtol=1e-9, atol=1e-12)
    assert_close(np.vstack([p.before, p.after]), ref.transform(data) * signs, rtol=1e-9, atol=1e-10)
    assert_close(p.components @ p.components.T, np.eye(2), rtol=0, atol=1e-12)


def test_pca_sign_rule_largest_loading_positive_and_row_order_independent():
    rng = np.random.default_rng(4)
    for trial in range(5):
        before = rng.standard_normal((7, 5))
        after = rng.standard_normal((3, 5))
        with strict():
            p = pca_2d(before, after)
            q = pca_2d(-before, -after)  # same axes, the SVD's sign choice may differ
            r = pca_2d(before[::-1], after)  # reordered rows
        for res in (p, q, r):
            assert_pca_finite(res)
            for comp in res.components:
                j = np.argmax(np.abs(comp))
                assert comp[j] > 0, (trial, comp)
        assert_close(q.components, p.components, rtol=1e-9, atol=1e-12)
        assert_close(q.before, -p.before, rtol=1e-9, atol=1e-12)
        assert_close(r.components, p.components, rtol=1e-9, atol=1e-12)
        assert_close(r.before, p.before[::-1], rtol=1e-9, atol=1e-12)


def test_pca_explained_variance_ratio_bounds(glove):
    keys = tokenize("I love apple juice and apple pie with my cat").keys
    X = glove.lookup(keys).vectors
    with strict():
        tr = self_attention(X)
        p = pca_2d(X, tr.contextual_embeddings)
    assert_pca_finite(p)
    ratio = p.explained_variance_ratio
    assert np.all(ratio >= 0) and np.all(ratio <= 1)
    assert ratio.sum() <= 1 + 1e-12
    assert ratio[0] >= ratio[1] > 0
    assert p.before.shape == (len(keys), 2) and p.after.shape == (len(keys), 2)


def test_pca_shape_mismatch():
    with pytest.raises(ShapeError, match=r"\(2, 3\).*\(2, 4\)"):
        pca_2d(np.ones((2, 3)), np.ones((2, 4)))


# --- nearest_words ----------------------------------------------------------------------

def brute_force_top(vectors, table, k, exclude=()):
    """float64 cosine against every row, full argsort."""
    M = np.asarray(table.matrix, dtype=np.float64)
    norms = np.linalg.norm(M, axis=1)
    unit = np.divide(M, norms[:, None], out=np.zeros_like(M), where=norms[:, None] > 0)
    out = []
    for v in np.atleast_2d(vectors):
        c = unit @ (v / np.linalg.norm(v))
        order = np.argsort(-c, kind="stable")
        row = [(table.words[j], float(c[j])) for j in order if table.words[j] not in exclude][:k]
        out.append(row)
    return out


def test_nearest_words_agrees_with_brute_force_on_glove(glove):
    rng = np.random.default_rng(5)
    vectors = np.vstack([rng.standard_normal((3, 50)), glove.lookup(["king", "apple"]).vectors])
    ref = brute_force_top(vectors, glove, 5)
    # 1-3 vectors: one matrix-vector product each; 4 and 5: one matrix product (geometry._scores)
    for n in (1, 2, GEMV_MAX, GEMV_MAX + 1, 5):
        got = nearest_words(vectors[:n], glove, k=5)
        for g, r in zip(got, ref[:n], strict=True):
            assert [w for w, _ in g] == [w for w, _ in r]
            assert_close([c for _, c in g], [c for _, c in r], rtol=0, atol=1e-6)
    assert got[3][0][0] == "king" and abs(got[3][0][1] - 1.0) < 1e-6


def test_nearest_words_sorted_bounded_and_excludes(glove):
    v = glove.lookup(["apple"]).vectors
    with_self = nearest_words(v, glove, k=6)[0]
    without = nearest_words(v, glove, k=5, exclude=[["apple"]])[0]
    assert with_self[0][0] == "apple"
    assert "apple" not in [w for w, _ in without]
    assert [w for w, _ in without] == [w for w, _ in with_self[1:]]
    cosines = np.array([c for _, c in without])
    assert np.all(np.isfinite(cosines))
    assert np.all(np.diff(cosines) <= 0)
    assert np.all(np.abs(cosines) <= 1 + 1e-9)
    for w, c in without:
        assert abs(c - cos(v[0], glove.vector(w))) < 1e-6


def test_nearest_words_zero_vector_gives_empty_list(glove):
    vectors = np.vstack([np.zeros(50), glove.lookup(["juice"]).vectors[0]])
    got = nearest_words(vectors, glove, k=3)
    assert got[0] == []
    assert len(got[1]) == 3 and got[1][0][0] == "juice"


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("k", [1, 5, 20])
def test_nearest_words_candidate_pruning_matches_brute_force(seed, k):
    # a vocabulary big enough for the grouped candidate search (vocab > 64 * (k + excluded))
    rng = np.random.default_rng(seed)
    vocab = 64 * 40 + 17  # not a multiple of the group size: some columns are outside the groups
    words = [f"w{i}" for i in range(vocab)]
    matrix = rng.standard_normal((vocab, 8))
    matrix[5] = 0.0  # a zero row is never a neighbour with a positive cosine
    table = VectorTable("synthetic", words, matrix)
    queries = rng.standard_normal((6, 8))
    exclude = [[f"w{i}" for i in range(j * 3)] for j in range(6)]
    got = nearest_words(queries, table, k=k, exclude=exclude)
    got[:2] = nearest_words(queries[:2], table, k=k, exclude=exclude[:2])  # the matrix-vector products' path
    for i in range(6):
        ref = brute_force_top(queries[i], table, k, exclude=set(exclude[i]))[0]
        assert [w for w, _ in got[i]] == [w for w, _ in ref[:k]]
        assert_close([c for _, c in got[i]], [c for _, c in ref[:k]], rtol=0, atol=1e-6)


def test_nearest_words_small_vocabulary_toy():
    toy = toy_embeddings()
    got = nearest_words([[2.0, 2.0]], toy, k=3, exclude=[["apple"]])[0]
    assert got[0] == ("phones", pytest.approx(1.0, abs=1e-9))
    assert len(got) == 3 and all(np.isfinite(c) for _, c in got)
    assert nearest_words([[1.0, 0.0]], toy, k=100)[0].__len__() == len(toy)


def test_nearest_words_errors(glove):
    with pytest.raises(ShapeError, match="50"):
        nearest_words(np.ones((1, 3)), glove, k=3)
    with pytest.raises(UnknownWordError):
        nearest_words(np.ones((1, 4)), random_embeddings(4, 0), k=3)
    with pytest.raises(ShapeError, match="exclude"):
        nearest_words(np.ones((2, 50)), glove, k=3, exclude=[["a"]])


def test_concept_scores_by_hand(glove):
    v = glove.lookup(["apple", "qwxzvbt"]).vectors
    s = concept_scores(v, glove, ["tech", "fruit"])
    assert s.shape == (2, 2) and np.all(np.isfinite(s))
    assert abs(s[0, 0] - cos(v[0], glove.vector("tech"))) < 1e-12
    assert abs(s[0, 1] - cos(v[0], glove.vector("fruit"))) < 1e-12
    np.testing.assert_array_equal(s[1], [0.0, 0.0])
    with pytest.raises(UnknownWordError, match="qwxzvbt"):
        concept_scores(v, glove, ["qwxzvbt"])


# --- the story with real GloVe vectors ----------------------------------------------------

def _apple(glove, sentence):
    toks = tokenize(sentence)
    lk = glove.lookup(toks.keys)
    assert lk.known.all()
    with strict():
        tr = self_attention(lk.vectors, scale=True)  # projections off: outputs live in GloVe space
    i = toks.keys.index("apple")
    static, contextual = lk.vectors[i], tr.contextual_embeddings[i]
    assert np.all(np.isfinite(static)) and np.all(np.isfinite(contextual))
    return static, contextual


TECH = ("technology", "computer", "iphone")
FRUIT = ("fruit", "juice", "food")


def test_apple_moves_towards_tech_with_phones_and_towards_fruit_with_juice(glove):
    static, phones_ctx = _apple(glove, "I love Apple phones")
    static2, juice_ctx = _apple(glove, "I love apple juice")
    np.testing.assert_array_equal(static, static2)  # the same static vector in both sentences
    assert not np.allclose(phones_ctx, juice_ctx)  # two different contextual vectors
    for t in TECH:
        assert cos(phones_ctx, glove.vector(t)) > cos(static, glove.vector(t)), t
    for f in FRUIT:
        assert cos(juice_ctx, glove.vector(f)) > cos(static, glove.vector(f)), f

    def lean(v):  # tech minus fruit
        return cos(v, glove.vector("technology")) - cos(v, glove.vector("fruit"))

    assert np.isfinite(lean(phones_ctx)) and np.isfinite(lean(juice_ctx))
    assert lean(phones_ctx) > lean(static) > lean(juice_ctx)
    assert lean(phones_ctx) - lean(juice_ctx) > 0.1


def test_apple_neighbours_differ_between_sentences(glove):
    _, phones_ctx = _apple(glove, "I love Apple phones")
    _, juice_ctx = _apple(glove, "I love apple juice")
    n_phones = nearest_words(phones_ctx[None], glove, k=5, exclude=[["apple"]])[0]
    n_juice = nearest_words(juice_ctx[None], glove, k=5, exclude=[["apple"]])[0]
    w_phones, w_juice = [w for w, _ in n_phones], [w for w, _ in n_juice]
    assert "apple" not in w_phones and "apple" not in w_juice
    assert w_phones != w_juice
    assert set(w_phones) != set(w_juice)
    assert all(np.isfinite(c) for _, c in n_phones + n_juice)


def test_concept_scores_zero_concept_vector_is_a_clear_error_not_nan():
    table = VectorTable("t", ["tech", "fruit"], np.array([[0.0, 0.0], [1.0, 0.0]]))
    with strict(), pytest.raises(UnknownWordError, match="tech"):
        concept_scores(np.ones((1, 2)), table, ["fruit", "tech"])
