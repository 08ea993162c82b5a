"""Concepts as small sets of words: "tech: technology computer software phone iphone".

The tutorial reads a word as "50 % tech, 50 % fruit". One word is a noisy axis (GloVe's
"tech" is mostly a school subject and a stock ticker), so a concept here is the average
direction of a few words that mean it: the normalised mean of their unit GloVe vectors.
A vector's score on a concept is its cosine with that direction, in [-1, 1].
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .embeddings import ConceptEmbeddings, VectorTable, cosine_to
from .errors import UnknownWordError
from .text import lookup_key

MAX_CONCEPTS = 12  # bars a screen can show side by side
MAX_CONCEPT_WORDS = 8  # words per concept: enough to average out one word's quirks

DEFAULT_CONCEPT_TEXT = ("tech: technology computer software phone iphone; fruit: fruit juice banana orange pear; "
                        "money: money deposit loan cash finance; river: river water shore stream lake")


@dataclass(frozen=True)
class Concept:
    """A named concept and the words whose average direction it is (lookup keys)."""

    name: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class ParsedConcepts:
    """What ``parse_concepts`` made of a text, and what it had to leave out (to say on screen)."""

    concepts: tuple[Concept, ...]
    dropped_concepts: int  # beyond MAX_CONCEPTS
    dropped_words: int  # beyond MAX_CONCEPT_WORDS in some concept


def parse_concepts(text: str) -> ParsedConcepts:
    """'tech: technology computer; fruit: fruit juice' -> two concepts; 'tech, fruit' -> two one-word concepts.

    With a ':' or ';' anywhere, ';' separates concepts and each is 'name: words' (a part without
    ':' is a one-word concept); otherwise ',' separates one-word concepts (the older form).
    Words are lookup keys (lowercase, NFKC), unique, in order.
    """
    text = str(text)
    parts = re.split(r"[;\n]", text) if (":" in text or ";" in text) else text.split(",")
    concepts: dict[str, tuple[str, ...]] = {}
    dropped_words = 0
    for part in parts:
        name, _, rest = part.partition(":") if ":" in part else (part, "", part)
        name = lookup_key(" ".join(name.split()))
        words = tuple(dict.fromkeys(lookup_key(w) for w in re.split(r"[\s,]+", rest) if w.strip()))
        if not name or not words or name in concepts:
            continue
        dropped_words += max(0, len(words) - MAX_CONCEPT_WORDS)
        concepts[name] = words[:MAX_CONCEPT_WORDS]
    items = [Concept(n, w) for n, w in concepts.items()]
    return ParsedConcepts(tuple(items[:MAX_CONCEPTS]), max(0, len(items) - MAX_CONCEPTS), dropped_words)


def as_concepts(concepts: Sequence[Concept | str]) -> tuple[Concept, ...]:
    """Strings are one-word concepts ('tech' = Concept('tech', ('tech',)))."""
    return tuple(c if isinstance(c, Concept) else Concept(lookup_key(c), (lookup_key(c),)) for c in concepts)


def known_part(concepts: Sequence[Concept | str], base: VectorTable) -> tuple[tuple[Concept, ...], list[str]]:
    """The concepts restricted to words ``base`` has, and the words it lacks (a concept with none is dropped)."""
    kept, unknown = [], []
    for c in as_concepts(concepts):
        words = tuple(w for w in c.words if w in base)
        unknown += [w for w in c.words if w not in base]
        if words:
            kept.append(Concept(c.name, words))
    return tuple(kept), unknown


def concept_directions(concepts: Sequence[Concept | str], base: VectorTable) -> np.ndarray:
    """(n_concepts, d_model) unit directions: each the normalised mean of its words' unit vectors.

    Unit vectors first, so a frequent word with a long vector does not outvote the others.
    """
    rows = []
    for c in as_concepts(concepts):
        missing = [w for w in c.words if w not in base]
        if missing:
            raise UnknownWordError(f"Concept word(s) not in the vocabulary: {', '.join(missing)}")
        vecs = np.stack([base.vector(w) for w in c.words])  # (n_words, d_model)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)  # (n_words, 1)
        if not np.all(norms > 0):
            raise UnknownWordError(f"Concept '{c.name}' has a word with an all-zero vector (no direction).")
        mean = (vecs / norms).mean(axis=0)  # (d_model,)
        length = np.linalg.norm(mean)
        if not length > 1e-12:
            raise UnknownWordError(f"The words of concept '{c.name}' cancel out (no common direction).")
        rows.append(mean / length)
    return np.stack(rows) if rows else np.zeros((0, base.dim))


def concept_cosines(vectors, concepts: Sequence[Concept | str], base: VectorTable) -> np.ndarray:
    """(n_vectors, n_concepts) cosine of each vector with each concept's direction (0 for a zero vector)."""
    return cosine_to(np.atleast_2d(np.asarray(vectors, dtype=np.float64)), concept_directions(concepts, base))


def sense_concepts(concepts: Sequence[Concept], target: str,
                   senses: Mapping[str, tuple[str, str]]) -> tuple[int, int] | None:
    """The indices of the two concepts that are the target's two senses, or None.

    ``senses``: target -> (sense A word, sense B word), as the word-sense data has them
    (apple -> technology, fruit). A concept stands for a sense when its name or one of its
    words is the sense word. Only between these two is "x % A / y % B" a statement about the
    target; for any other word (or concepts that do not cover its senses) no share is shown.
    """
    pair = senses.get(lookup_key(target.strip()))
    if pair is None:
        return None
    found = []
    for sense in pair:
        hits = [i for i, c in enumerate(concepts) if sense == c.name or sense in c.words]
        if not hits:
            return None
        found.append(hits[0])
    return (found[0], found[1]) if found[0] != found[1] else None


def concept_axes(concepts: Sequence[Concept | str], base: VectorTable) -> ConceptEmbeddings:
    """GloVe re-expressed on concept axes: dimension j of a word is its cosine with concept j's direction."""
    concepts = as_concepts(concepts)
    if not concepts:
        raise UnknownWordError("Enter at least one concept (for example: tech: technology computer; fruit: fruit).")
    return ConceptEmbeddings(tuple(c.name for c in concepts), base, concept_directions(concepts, base))
