"""One worker process for a page run's long one-off computations (a training run, a new seed's measurement).

Why a process: a server process runs Python on one core at a time (the interpreter lock). A new d_k's
training (~0.2-0.4 s alone) computed inside the server shares that lock with every other session's run,
so under a class's burst it took 2-5 s and slowed every run around it by half (measured with
``bench/load.py --scenario burst``: the same burst with every one-off computed beforehand had a p95
a fifth lower). In a worker process it runs on another core, and the server's thread that waits for it
holds no lock.

What crosses: the function (a core function, pickled by name), its arguments and its result, all small
(training gets the GloVe rows of its sentences' words, not 400,000 rows: see ``resources.training_vectors``).
A training run's ``on_step(step, loss)`` is called in the waiting thread (the page's live loss curve),
from the worker's reports on a queue. The numbers are the same as in the server process: the same code on
the same float64 inputs, with numpy's BLAS on one thread in both.

The worker is started with ``spawn`` (a fresh interpreter: forking the server's threads would be unsafe),
once per server process, on first use. If it cannot start or dies (out of memory, killed), the call is
computed in the server process instead, as before, and the next call starts a new worker.
``ATTENTION_LAB_WORKER=0`` turns the worker off (everything in the server process).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing as mp
import os
import queue
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool

ENV = "ATTENTION_LAB_WORKER"  # "0": no worker process, every computation in the server process
SENTINEL_WAIT_S = 10.0  # after the result: how long the last progress reports may still be in transit

_lock = threading.Lock()
_pool: cf.ProcessPoolExecutor | None = None
_progress = None  # the queue the worker reports training steps on (token, step, loss); (token, None, None) ends
_reports = None  # in the worker: the same queue


def enabled() -> bool:
    return os.environ.get(ENV, "1").strip() != "0"


def _init_worker(reports) -> None:
    """In the worker, once: keep its queue; import the core, then put numpy's BLAS on one thread (as in the
    server: the same sums; and OpenBLAS's spare threads busy-wait after every product, taking the CPU the
    server processes need). The import comes first: threadpoolctl limits only libraries already loaded."""
    global _reports
    _reports = reports
    import threadpoolctl

    import attention_core  # noqa: F401 - numpy and its BLAS, loaded before they are limited

    threadpoolctl.threadpool_limits(limits=1)


def _call(fn: Callable, args: tuple, kwargs: dict, token: str | None):
    """In the worker: ``fn(*args, **kwargs)``, with an ``on_step`` that reports to the server when ``token``."""
    if token is None:
        return fn(*args, **kwargs)
    try:
        return fn(*args, **kwargs, on_step=lambda step, loss: _reports.put((token, int(step), float(loss))))
    finally:
        _reports.put((token, None, None))  # after every step's report (one queue, in order)


def _ready() -> bool:
    return True


@contextlib.contextmanager
def _main_hidden():
    """While the worker starts: ``spawn`` re-imports the parent's ``__main__`` in the child, which for a
    server is Streamlit's command line (and all of Streamlit: 162 MB for the worker instead of ~35 MB).
    The worker needs only the core, so the main module's name and file are hidden for that moment."""
    main = sys.modules.get("__main__")
    saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if main is not None and k in main.__dict__}
    main.__dict__.pop("__file__", None)
    if main is not None:
        main.__spec__ = None  # (read by multiprocessing: must exist)
    try:
        yield
    finally:
        if main is not None:
            main.__dict__.pop("__spec__", None)
            main.__dict__.update(saved)


def _get_pool() -> tuple[cf.ProcessPoolExecutor, object]:
    global _pool, _progress
    with _lock:
        if _pool is None:
            ctx = mp.get_context("spawn")
            _progress = ctx.Queue()
            _pool = cf.ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=_init_worker,
                                           initargs=(_progress,))
            with _main_hidden():  # the worker process starts now, on this first task (one worker, kept)
                _pool.submit(_ready)
        return _pool, _progress


def _forget() -> None:
    """A worker that failed to start: the next call tries a new one."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


def _drop(pool: cf.ProcessPoolExecutor) -> None:
    """Forget a broken worker (the next call starts a new one)."""
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


def start() -> None:
    """Start the worker now (at server start-up), so a class's first one-off does not wait for it."""
    if enabled():
        try:
            _get_pool()
        except Exception:  # noqa: BLE001 - no worker: every call is computed in the server process then
            _forget()


def _blas_threads() -> list[int]:
    """In the worker: the thread count of every BLAS / OpenMP library loaded (for the tests)."""
    import threadpoolctl

    return [info["num_threads"] for info in threadpoolctl.threadpool_info()]


def worker_pid() -> int | None:
    """The worker's process id, if it runs (for tests and benchmarks)."""
    pool = _pool
    procs = getattr(pool, "_processes", None) or {}
    return next(iter(procs), None)


def run(fn: Callable, *args, on_step: Callable[[int, float], None] | None = None, **kwargs):
    """``fn(*args, **kwargs)`` computed in the worker process; its result, or its exception raised here.

    ``fn`` must be a module-level function and its arguments picklable. ``on_step``, if given, is passed
    to ``fn`` as a callback and called here, in this thread, as the worker reports each step (one caller
    with ``on_step`` at a time: resources.TrainingStore trains one run at a time)."""
    def here():
        return fn(*args, **kwargs, **({"on_step": on_step} if on_step is not None else {}))

    if not enabled():
        return here()
    try:
        pool, reports = _get_pool()
        token = uuid.uuid4().hex if on_step is not None else None
        future = pool.submit(_call, fn, args, kwargs, token)
    except Exception:  # noqa: BLE001 - the worker cannot start or take work: computed here, as before
        _forget()
        return here()
    try:
        if token is not None:
            _follow(future, reports, token, on_step)
        return future.result()
    except BrokenProcessPool:  # the worker died: this call in the server process, a new worker next time
        _drop(pool)
        return here()


def _follow(future: cf.Future, reports, token: str, on_step: Callable[[int, float], None]) -> None:
    """Call ``on_step`` for the worker's reports of this call, until its end marker (or the call failed)."""
    done_at = None
    while True:
        try:
            got, step, loss = reports.get(timeout=0.05)
        except queue.Empty:
            if future.done():
                if future.exception() is not None:
                    return  # the worker died or fn raised: no more reports to wait for
                done_at = done_at or time.monotonic()
                if time.monotonic() - done_at > SENTINEL_WAIT_S:
                    return
            continue
        if got != token:
            continue  # an abandoned call's late report
        if step is None:
            return
        on_step(step, loss)
