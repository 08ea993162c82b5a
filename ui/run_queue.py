"""The run queue: at most RUN_SLOTS page runs execute their Python at once in this server process.

app.py runs the sidebar and the page in :func:`run_slot`; a page control's fragment rerun takes a slot too
(:func:`fragment`); a long one-off computation gives its slot back while it computes (:func:`leave_queue`,
:func:`one_off`). Measured under bench/load.py's burst: see the README's "A class at once".
"""

from __future__ import annotations

import collections
import contextlib
import functools
import threading

import streamlit as st


class FifoSlots:
    """``n`` slots handed out strictly in order of asking: a freed slot goes straight to the thread that has
    waited longest.

    Why not ``threading.Semaphore``: its release wakes a waiter, but a thread that asks in between (a new
    edit's script thread, every few milliseconds in a class's burst) takes the slot first, and the woken
    waiter queues again at the back. Under a burst that unfairness was the latency tail: bench/load.py's
    p95 was 1.6 times its median with 30 sessions (README, "For a lecture hall")."""

    def __init__(self, n: int):
        self._lock = threading.Lock()
        self._free = n
        self._waiters: collections.deque[threading.Lock] = collections.deque()  # oldest first

    def acquire(self, timeout: float) -> bool:
        """Take a slot, waiting at most ``timeout`` s in line; False: none came in time (not taken)."""
        with self._lock:
            if self._free and not self._waiters:
                self._free -= 1
                return True
            handover = threading.Lock()
            handover.acquire()
            self._waiters.append(handover)
        if handover.acquire(timeout=timeout):
            return True
        with self._lock:
            if handover in self._waiters:  # timed out in line
                self._waiters.remove(handover)
                return False
        return True  # release() handed the slot over just as the wait timed out: it is ours

    def release(self) -> None:
        with self._lock:
            if self._waiters:
                self._waiters.popleft().release()  # the slot passes to the oldest waiter, never freed between
            else:
                self._free += 1


RUN_SLOTS = 1
RUN_SLOT_WAIT_S = 10.0
_RUN_SLOTS = FifoSlots(RUN_SLOTS)
_HOLDS = threading.local()  # .slot: this thread holds a run slot now; .run: it is in a queued run
_COMPUTING_LOCK = threading.Lock()  # guards one_off's sets of keys being computed


@contextlib.contextmanager
def run_slot():
    """Hold one of the process's run slots for a page run (the sidebar and the page, from app.py).

    Why: Streamlit starts a thread per session's rerun, and Python runs one thread's bytecode at a
    time. When a class edits at once, 30 script threads and the server's one event-loop thread
    (which sends every session's messages) take turns on the interpreter lock every 5 ms: each run
    takes 30 times as long, the event loop is starved, and the switching overhead grows with every
    thread. Queued for a slot instead, runs finish one after another at full speed, in order of
    arrival (:class:`FifoSlots`; measured with bench/load.py's burst: see the README's "For a lecture hall"). A lone
    user never waits: an uncontended slot costs microseconds.

    Long one-off computations (a training run, a new seed's measurement) give the slot back while
    they compute (:func:`leave_queue`), so they never stall the queue. A run that has waited
    RUN_SLOT_WAIT_S goes ahead without a slot. A session that asks for a new run while it waits
    leaves at its first Streamlit call after the wait, as it would from any run."""
    got = _RUN_SLOTS.acquire(timeout=RUN_SLOT_WAIT_S)
    _HOLDS.slot, _HOLDS.run = got, True
    try:
        yield got
    finally:
        _HOLDS.run = False
        if _HOLDS.slot:
            _HOLDS.slot = False
            _RUN_SLOTS.release()


def fragment(func):
    """``st.fragment`` for a page's own controls, queued like a page run: a change of a widget it draws
    reruns only ``func`` (not the sidebar and the rest of the page: about half the elements of a run), and
    that rerun takes a run slot as app.py's whole runs do (:func:`queued`)."""
    return st.fragment(queued(func))


def queued(func):
    """``func`` run in a run slot, unless this thread is already in a queued run (a whole page run calls
    its fragments in the slot it holds, even after :func:`leave_queue`: never taken twice)."""
    @functools.wraps(func)
    def run(*args, **kwargs):
        if getattr(_HOLDS, "run", False):
            return func(*args, **kwargs)
        with run_slot():
            return func(*args, **kwargs)
    return run


def leave_queue() -> None:
    """Before a long computation in a page run (a cache miss: training, a new seed's measurement): give
    this thread's run slot to the queue for the rest of this run, so the class's other runs go on.

    Never taken back within the run: a thread takes a slot only when its run starts, holding no lock,
    so no thread can hold the slot while it waits for a lock held by a thread that waits for the slot
    (a cached function's body runs under Streamlit's per-key lock). Outside a run slot (AppTest,
    fragments, other threads) it does nothing."""
    if getattr(_HOLDS, "slot", False):
        _HOLDS.slot = False
        _RUN_SLOTS.release()


def one_off(cache):
    """A one-off computation cached by ``cache`` (``st.cache_data(...)`` or ``st.cache_resource(...)``), run
    out of the queue. Use as ``@one_off(st.cache_data(max_entries=4))`` on the computing function.

    The run that computes a value gives its slot back first. Every other caller of the same key meanwhile
    waits on the cache's per-key lock, and it would hold its slot while it waited: "everyone set the seed
    to 7" stopped every session's runs for as long as the measurement took. So a caller whose key is
    being computed in this process leaves the queue too. A caller whose key is not (a cache hit, taking
    microseconds, or a miss it then computes itself) keeps its slot until the computation starts. The
    key is registered before the computing run gives its slot back, so a caller that holds the slot
    always sees it."""
    def wrap(body):
        computing: set = set()  # keys a run of this process computes now (the cache's lock: one run per key)

        @functools.wraps(body)
        def compute(*args, **kwargs):
            key = _key(args, kwargs)
            with _COMPUTING_LOCK:
                computing.add(key)
            try:
                leave_queue()
                return body(*args, **kwargs)
            finally:
                with _COMPUTING_LOCK:
                    computing.discard(key)

        cached = cache(compute)

        @functools.wraps(body)
        def call(*args, **kwargs):
            if _key(args, kwargs) in computing:
                leave_queue()
            return cached(*args, **kwargs)
        call.clear, call.one_off = cached.clear, True
        return call
    return wrap


def _key(args: tuple, kwargs: dict) -> tuple:
    return args, tuple(sorted(kwargs.items()))
