"""Nearest words, searched once per vector for every session of the server (see ``NeighbourCache``)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np

import attention_core as ac


class NeighbourCache:
    """Nearest GloVe words per (vector, excluded words), shared by every session, at most ``size`` entries
    (the least recently used go first). The vectors not cached yet are searched in ONE product (a pass
    over GloVe's 400,000 rows is memory-bound: 80 MB of float32). Each entry keeps the best ``depth``
    words, so the story (k=5) and the read-out (k=8) of one vector share a search (the best k are the
    first k of the best ``depth``: nearest_words sorts by the float64 cosine)."""

    def __init__(self, table: Callable[[], ac.VectorTable], size: int = 2048, depth: int = 10):
        self.table, self.size, self.depth = table, size, depth  # table(): the vectors searched (GloVe)
        self.entries: OrderedDict[tuple, tuple[int, list]] = OrderedDict()  # key -> (depth searched, rows)
        self.lock = threading.Lock()

    def get(self, queries: Sequence[tuple[np.ndarray, tuple[str, ...]]], k: int) -> list[list[tuple[str, float]]]:
        keys = [(np.asarray(v, dtype=np.float64).tobytes(), tuple(ex)) for v, ex in queries]
        with self.lock:
            found = {key: self.entries[key][1] for key in keys if key in self.entries and self.entries[key][0] >= k}
            for key in found:
                self.entries.move_to_end(key)
        missing = list(dict.fromkeys(key for key in keys if key not in found))
        if missing:
            vectors, depth = np.array([np.frombuffer(key[0]) for key in missing]), max(k, self.depth)  # (n, 50)
            rows = ac.nearest_words(vectors, self.table(), k=depth, exclude=[key[1] for key in missing])
            with self.lock:
                for key, row in zip(missing, rows):  # (a zero vector's [] is an answer too)
                    found[key], self.entries[key] = row, (depth, row)
                    self.entries.move_to_end(key)
                while len(self.entries) > self.size:
                    self.entries.popitem(last=False)
        return [list(found[key][:k]) for key in keys]
