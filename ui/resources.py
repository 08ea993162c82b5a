"""Cached resources: big read-only objects shared by every session of the server.

``st.cache_resource`` (never ``st.cache_data``, which would copy) for GloVe, concept
axes, parsed uploads and trained projections; ``st.cache_data`` for small per-query results.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import inspect
import os
import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st
import threadpoolctl

import attention_core as ac
from ui import offload, tables
from ui.neighbours import NeighbourCache
from ui.run_queue import leave_queue, one_off


def one_blas_thread() -> None:
    """Run numpy's BLAS (OpenBLAS) and any OpenMP pool on ONE thread in this server process.

    With its default of a thread per core, OpenBLAS hands even the nearest-words product
    ((1 x 50) @ (50 x 400,000)) to a second thread, and that thread then busy-waits for more work:
    measured on the running server (``bench/server_cpu.py``), ~85-100 ms of CPU per Sentence Lab edit
    on a thread that does no Python at all (py-spy cannot see it), against ~35 ms for everything else,
    and the spinning takes the second core from other sessions and processes. The app's matrices are
    small (n x 50); a server gets its parallelism from its sessions and processes, not from BLAS.
    Called at import (before any product) and again after the first page run (libraries loaded since)."""
    threadpoolctl.threadpool_limits(limits=1)


one_blas_thread()


def tcp_nodelay() -> int:
    """Turn Nagle's algorithm off on this process's TCP sockets; returns how many it set.

    Streamlit 1.67's server binds its listening socket as ``socket.socket(family)`` (protocol 0), and
    asyncio sets TCP_NODELAY only on sockets whose protocol reads IPPROTO_TCP, so every websocket it
    accepts keeps Nagle on (Tornado, before it, set TCP_NODELAY on each websocket). Then a small frame
    sent while the previous one is unacknowledged waits for the browser's delayed ACK, up to 40 ms on
    Linux: measured, a run of a three-line page answered in 44 ms, of which 40 waiting after the script had
    finished. Set on the listening socket, the option is copied to every connection it accepts from then
    on; set on the connections already open, it takes effect at once. Linux only (``/proc/self/fd``);
    elsewhere nothing is changed."""
    try:
        fds = [int(fd) for fd in os.listdir("/proc/self/fd")]
    except OSError:
        return 0
    done = 0
    for fd in fds:
        try:
            sock = socket.socket(fileno=fd)  # borrows the descriptor: detached below, never closed
        except OSError:  # not a socket, or closed meanwhile
            continue
        try:
            if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                done += 1
        except OSError:
            pass
        finally:
            sock.detach()
    return done


tcp_nodelay()


@st.cache_resource(show_spinner="Loading GloVe: 400,000 words x 50 numbers…")
def glove() -> ac.VectorTable:
    """GloVe, loaded once per server process and shared by every session."""
    leave_queue()
    table = ac.load_glove()
    table.unit_matrix  # noqa: B018 - build the search matrix once, here, not in a user's rerun
    offload.start()  # the worker process for one-off computations, started with the server's first page
    # A full garbage collection (Python's own; Streamlit's after every rerun is off in
    # .streamlit/config.toml) walks every tracked object: with pandas, Altair, scikit-learn
    # and GloVe's 400,000-word list loaded, ~150k that live as long as the process
    # (~75 ms each time). Move them out of the collector's sight once.
    gc.freeze()
    return table


def concept_source(concepts: tuple[ac.Concept, ...]) -> ac.ConceptEmbeddings:
    """GloVe on these concepts' axes (cached per concept set)."""
    return _concept_source(tuple((c.name, c.words) for c in concepts))


_FROZEN = threading.Event()


@functools.cache
def source(obj) -> str:
    """The source text of a core function, for the pages' "Show the code" expanders.

    Read and tokenised once per process (``inspect.getsource`` re-reads the file and re-tokenises it
    on every call: ~9 % of the server's busy time in a burst of 30 sessions, by py-spy)."""
    return inspect.getsource(obj)


def freeze_long_lived() -> None:
    """After the first complete page run of this process, move every object alive then (GloVe's word list,
    the trained projections and heads, Altair's templates, the imported modules) out of the garbage
    collector's sight, once. Python's full collections (and Streamlit's gc.collect() after every rerun,
    which .streamlit/config.toml turns off) would otherwise walk ~150k objects that live as long as the
    process (GloVe alone was frozen at load, but the story's first run trains and imports more after that)."""
    if not _FROZEN.is_set():
        _FROZEN.set()
        one_blas_thread()  # any BLAS or OpenMP library the first run loaded
        gc.collect()
        gc.freeze()


@one_off(st.cache_resource(max_entries=32, show_spinner=False))
def _concept_source(key: tuple[tuple[str, tuple[str, ...]], ...]) -> ac.ConceptEmbeddings:
    return ac.concept_axes([ac.Concept(name, words) for name, words in key], glove())


@dataclass(frozen=True)
class ParsedUpload:
    """What one uploaded file gave: its table, or the message saying why it could not be read.

    Only the message is kept of an error, never the exception: its traceback would hold the
    parser's frames, and with them the file's bytes, for as long as the cache entry lives."""

    table: ac.VectorTable | None
    error: str | None = None


def parsed_upload(upload) -> ParsedUpload:
    """The uploaded file parsed ONCE per content (success and failure alike), shared by the sidebar and
    the page and by every session that uploads the same file.

    ``st.cache_resource`` does not cache exceptions, so a file that failed validation used to be parsed
    again on every rerun, twice (sidebar + page): a 4 MB file of a million lines cost ~4 s per edit.
    The key is a blake2b digest of the bytes (and the name); the digest of this session's file is
    remembered by the upload's ``file_id``, so a rerun neither hashes nor copies the 4 MB again. The
    bytes themselves stay only where Streamlit keeps the upload."""
    memo = st.session_state.get(_DIGEST_KEY)
    if memo is None or memo[0] != upload.file_id:
        memo = (upload.file_id, hashlib.blake2b(upload.getbuffer(), digest_size=20).hexdigest())
        st.session_state[_DIGEST_KEY] = memo
    return _parse_upload(memo[1], upload.name, upload)


_DIGEST_KEY = "_upload_digest"  # (file_id, digest) of this session's upload


@st.cache_resource(max_entries=4, show_spinner="Reading your vector file…")
def _parse_upload(digest: str, name: str, _upload) -> ParsedUpload:
    """(``_upload`` is not part of the key: the digest is.) At most 4 files are kept."""
    leave_queue()  # parsing a 5 MB file takes seconds: the class's other runs go on meanwhile
    try:
        return ParsedUpload(ac.parse_vectors(_upload.getvalue(), name=name))
    except ac.AttentionLabError as exc:
        return ParsedUpload(None, str(exc))


@st.cache_resource
def default_toy() -> ac.VectorTable:
    return ac.toy_embeddings()


@st.cache_resource
def word_senses() -> tuple[ac.SenseExample, ...]:
    """The shipped word-sense sentences, read from their CSV once per process (not on every rerun)."""
    return tuple(ac.load_word_senses())


@st.cache_resource
def sense_pairs() -> dict[str, tuple[str, str]]:
    """The word-sense data's ambiguous words and their two senses (apple -> technology, fruit)."""
    return ac.sense_pairs(word_senses())


@st.cache_resource(max_entries=16, show_spinner=False)
def heldout_report(d_k: int, seed: int, _learned: ac.TrainingResult):
    """The Learned page's table of held-out sentences for the run (d_k, seed) (``_learned``: that run, not part
    of the key), rounded for reading, as the Arrow table Streamlit sends; made once, not on every edit."""
    return tables.arrow(pd.DataFrame(ac.sentence_report(_learned, glove(), examples=word_senses())).round(3))


class TrainingStore:
    """Finished training runs, shared by every session of the server, at most ``size`` of them.

    Not ``st.cache_resource`` on the training function itself: the Learned page
    passes a callback that draws a live loss curve, and Streamlit refuses cached
    functions that draw into containers made outside them. The oldest run is
    evicted first, so a class trying every d_k and seed cannot grow the server.
    """

    def __init__(self, size: int = 16):
        self.size = size
        self.runs: dict[tuple[int, int, bool], ac.TrainingResult] = {}
        self.lock = threading.Lock()

    def get(self, key: tuple[int, int, bool], train) -> ac.TrainingResult:
        """The run for ``key``, trained by ``train()`` the first time (one run at a time)."""
        if key in self.runs:  # (a dict read: safe without the lock)
            return self.runs[key]
        leave_queue()  # a run to train, or to wait for: the class's other runs go on meanwhile
        with self.lock:  # a class asking at once trains once
            if key not in self.runs:
                result = train()
                while len(self.runs) >= self.size:
                    self.runs.pop(next(iter(self.runs)))
                self.runs[key] = result
            return self.runs[key]


@st.cache_resource
def _training_store() -> TrainingStore:
    return TrainingStore()


@st.cache_resource
def training_vectors() -> ac.VectorTable:
    """GloVe's rows for the word-sense sentences' words and sense words, all a training run looks up (a few
    hundred of 400,000): what is sent to the worker process, under GloVe's own name (for its messages)."""
    table = glove()
    words = sorted({w for e in word_senses() for w in e.words} | {w for p in sense_pairs().values() for w in p})
    words = [w for w in words if w in table]  # a missing word: the training's own error names it
    return ac.VectorTable(table.name, words, np.asarray(table.matrix[[table.index[w] for w in words]]))


def trained(d_k: int, seed: int, learn: bool = True, on_step=None) -> ac.TrainingResult:
    """One training run per (d_k, seed, learn), shared by every session, computed in the worker process
    (ui/offload.py); ``on_step`` sees only a fresh run."""
    def train():  # the page's own progress (on_step), else a spinner
        with contextlib.nullcontext() if on_step else st.spinner("Training W_Q and W_K on the word-sense sentences…"):
            return offload.run(ac.train_projections, training_vectors(), d_k=d_k, seed=seed, learn_projections=learn,
                               on_step=on_step)

    return _training_store().get((int(d_k), int(seed), bool(learn)), train)


@st.cache_resource
def _neighbour_cache() -> NeighbourCache:
    return NeighbourCache(table=glove)


def neighbours_of(queries: Sequence[tuple[np.ndarray, tuple[str, ...]]], k: int = 8) -> list[list[tuple[str, float]]]:
    """Nearest GloVe words of several 50-d vectors, each with its own excluded words (the uncached ones in
    one search)."""
    return _neighbour_cache().get(queries, k)


def neighbours(vector, exclude: tuple[str, ...], k: int = 8) -> list[tuple[str, float]]:
    """Nearest GloVe words of one 50-d vector (cached: the same vector is asked for on every rerun)."""
    return neighbours_of([(vector, tuple(exclude))], k)[0]


@one_off(st.cache_resource(
    show_spinner="Training two attention heads (sense and position) on the word-sense sentences…"))
def trained_heads(n_heads: int = 2, seed: int = 0) -> ac.HeadsTrainingResult:
    """Two heads trained once per server process (about half a second), shared by every session."""
    return ac.train_heads(glove(), n_heads=n_heads, seed=seed)
