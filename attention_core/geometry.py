"""Reading vectors: a shared 2-D map (PCA) and what a vector means (neighbours, concepts)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .attention import _as_float64
from .embeddings import VectorTable, _concept_units, cosine_to
from .errors import NotEnoughWordsError, ShapeError, UnknownWordError

GROUP = 64  # columns per candidate group in nearest_words


@dataclass(frozen=True)
class PCA2D:
    """Before/after coordinates in one shared 2-D basis.

    Attributes
    ----------
    before : (n_before, 2)
    after : (n_after, 2)
    explained_variance_ratio : (2,), share of the total variance along each axis
        (0 where there is no variance left)
    components : (2, d) the unit axes (zero rows when the data has fewer than 2 directions)
    mean : (d,) the centre the axes pass through
    """

    before: np.ndarray
    after: np.ndarray
    explained_variance_ratio: np.ndarray
    components: np.ndarray
    mean: np.ndarray


def pca_2d(before, after) -> PCA2D:
    """Project ``before`` (n, d) and ``after`` (m, d) onto the same two principal axes.

    One basis is fitted on both sets stacked, so a word's move from its
    embedding to its output is a real move in the picture, not an artefact of
    two different projections.

    Signs: an SVD may return any axis or its negative, which would make the plot
    flip between reruns or machines. Like scikit-learn's ``svd_flip``, each axis
    is turned so its largest-magnitude loading is positive: deterministic.

    Degenerate data never gives NaN: identical rows (zero variance) map to the
    origin with explained variance [0, 0]; rank-1 data gets a zero second axis.

    Raises
    ------
    NotEnoughWordsError
        With fewer than two words (a map of one point says nothing).
    """
    before = _as_float64(before, "before", 2)  # (n, d)
    after = _as_float64(after, "after", 2)  # (m, d)
    if before.shape[1] != after.shape[1]:
        raise ShapeError(f"before {before.shape} and after {after.shape} must have the same number of columns")
    if before.shape[0] < 2:
        raise NotEnoughWordsError("The map needs two or more words: type a longer sentence.")
    data = np.vstack([before, after])  # (n + m, d)
    mean = data.mean(axis=0)  # (d,)
    centred = data - mean  # (n + m, d)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)  # s (r,), vt (r, d)
    # singular values at rounding level are no direction at all: drop them
    tol = max(data.shape) * np.finfo(np.float64).eps * max(float(np.abs(data).max()), 1.0) * np.sqrt(data.shape[0])
    keep = s > tol
    components = np.zeros((2, data.shape[1]))  # (2, d)
    k = min(2, int(keep.sum()))
    components[:k] = vt[:k]
    for i in range(k):  # deterministic signs
        j = np.argmax(np.abs(components[i]))
        if components[i, j] < 0:
            components[i] = -components[i]
    coords = centred @ components.T  # (n + m, 2)
    var = s**2
    total = var[keep].sum()
    ratio = np.zeros(2)
    if total > 0:
        ratio[:k] = var[:k] / total
    n = before.shape[0]
    return PCA2D(before=coords[:n], after=coords[n:], explained_variance_ratio=ratio,
                 components=components, mean=mean)


GEMV_MAX = 3  # up to this many vectors, nearest_words scores them one matrix-vector product each


def _scores(q: np.ndarray, unit: np.ndarray) -> np.ndarray:
    """Cosines of unit vectors ``q`` (n, d) float32 with every row of ``unit`` (vocab_size, d): (n, vocab_size).

    Both forms read the whole (vocab_size, d) matrix (80 MB for GloVe), so both are bound by memory, but
    OpenBLAS's sgemm with a few rows against the (d, 400,000) operand first packs that operand (another pass
    over it): 16-17 ms for 2-4 vectors against 4.6 ms per matrix-vector product (sgemv), measured on this
    machine's 2 cores with one BLAS thread. So up to ``GEMV_MAX`` vectors (the pages ask for 1-2 new
    ones per edit) take one sgemv each, more take one sgemm.
    """
    if q.shape[0] > GEMV_MAX:
        return q @ unit.T
    sims = np.empty((q.shape[0], unit.shape[0]), dtype=np.float32)  # (n, vocab_size)
    for i in range(q.shape[0]):
        np.matmul(q[i], unit.T, out=sims[i])
    return sims


def nearest_words(vectors, embeddings: VectorTable, k: int = 5,
                  exclude: Sequence[Sequence[str]] | None = None) -> list[list[tuple[str, float]]]:
    """The ``k`` vocabulary words with the highest cosine to each vector.

    A float32 product scores the whole vocabulary (``_scores``: one matrix-vector
    product per vector for up to ``GEMV_MAX`` vectors, ~5 ms each for 400k GloVe
    words, else one (n, d) @ (d, vocab_size) product, ~25 ms for 16 vectors);
    ``argpartition`` picks candidates in O(vocab_size) without a full sort, and the
    winners' cosines are recomputed in float64.

    Parameters
    ----------
    vectors : (n, d_model)
    embeddings : a VectorTable (GloVe, toy, uploaded)
    k : how many neighbours per vector
    exclude : for each vector, words to leave out (e.g. the word itself)

    Returns
    -------
    list of n lists of (word, cosine) pairs, best first. A zero vector has no
    direction: its list is empty.
    """
    vectors = _as_float64(vectors, "vectors", 2)  # (n, d_model)
    words = getattr(embeddings, "words", None)
    if words is None:
        raise UnknownWordError(f"{embeddings.name} has no vocabulary to search for neighbours.")
    if vectors.shape[1] != embeddings.dim:
        raise ShapeError(f"vectors {vectors.shape} do not match the {embeddings.dim}-d vocabulary of {embeddings.name}")
    n = vectors.shape[0]
    exclude = [set(e) for e in exclude] if exclude is not None else [set() for _ in range(n)]
    if len(exclude) != n:
        raise ShapeError(f"exclude needs one list per vector: {n} vectors, {len(exclude)} lists")
    unit = embeddings.unit_matrix  # (vocab_size, d_model) float32
    norms = np.linalg.norm(vectors, axis=1)  # (n,)
    q = np.divide(vectors, norms[:, None], out=np.zeros_like(vectors), where=norms[:, None] > 0)
    sims = _scores(q.astype(np.float32), unit)  # (n, vocab_size)
    vocab = len(words)
    # Candidate search without touching every score twice: split the columns
    # into n_groups groups of GROUP (column j, j + n_groups, j + 2 n_groups, ...)
    # and take each group's max in one vectorised pass. The top `want` scores
    # lie in at most `want` groups, and those groups' maxima are >= the
    # want-th score, so the `want` groups with the largest maxima hold them all.
    n_groups = vocab // GROUP
    main = n_groups * GROUP
    group_max = sims[:, :main].reshape(n, GROUP, n_groups).max(axis=1) if n_groups else None  # (n, n_groups)
    offsets = np.arange(GROUP) * n_groups  # (GROUP,)
    rest = np.arange(main, vocab)  # columns outside the groups are always candidates
    results: list[list[tuple[str, float]]] = []
    for i in range(n):
        if norms[i] == 0:
            results.append([])
            continue
        want = min(vocab, k + len(exclude[i]))
        if n_groups > want:
            top_groups = np.argpartition(group_max[i], n_groups - want)[n_groups - want:]  # (want,)
            cand = np.concatenate([(top_groups[:, None] + offsets[None, :]).ravel(), rest])
        else:
            cand = np.arange(vocab)
        # float64 re-score of the few candidates from the stored rows (not the float32 unit rows)
        rows = np.asarray(embeddings.matrix[cand], dtype=np.float64)  # (n_cand, d_model)
        row_norms = np.linalg.norm(rows, axis=1)  # (n_cand,)
        exact = np.divide(rows @ q[i], row_norms, out=np.zeros(len(cand)), where=row_norms > 0)
        order = np.argsort(-exact, kind="stable")
        row = []
        for j in order:
            word = words[cand[j]]
            if word in exclude[i]:
                continue
            row.append((word, float(exact[j])))
            if len(row) == k:
                break
        results.append(row)
    return results


def concept_scores(vectors, base: VectorTable, concepts: Sequence[str]) -> np.ndarray:
    """Cosine of each vector (n, 50) with each concept word's vector -> (n, n_concepts).

    The tutorial's "Apple = 50% tech, 50% fruit" made measurable; a zero
    vector scores 0 on every concept.
    """
    vectors = _as_float64(vectors, "vectors", 2)
    missing = [c for c in concepts if c not in base]
    if missing:
        raise UnknownWordError("Concept word(s) not in the vocabulary: " + ", ".join(missing))
    return cosine_to(vectors, _concept_units(concepts, base))  # (n, n_concepts)
