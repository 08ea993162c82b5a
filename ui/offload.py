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
once per server process, on first use, without the parent's main module (see ``_preparation_data``). If it
cannot start or dies (out of memory, killed), the call is computed in the server process instead, as
before, and the next call starts a new worker; if the server dies, so does its worker.
A training whose page stops following it (the student changed a setting: Streamlit raises inside
``on_step``) is stopped in the worker at its next step, so it does not hold up the next one.
``ATTENTION_LAB_WORKER=0`` turns the worker off (everything in the server process).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import itertools
import multiprocessing as mp
import multiprocessing.spawn
import os
import queue
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool

ENV = "ATTENTION_LAB_WORKER"  # "0": no worker process, every computation in the server process
# the cores the worker may use, e.g. "0,1" (scripts/lecture_hall.py: its server is pinned to one core, and
# its worker's computations should not queue behind that server there); unset: the server's own cores
CORES_ENV = "ATTENTION_LAB_WORKER_CORES"
SENTINEL_WAIT_S = 10.0  # after the result: how long the last progress reports may still be in transit

_lock = threading.Lock()
_pool: cf.ProcessPoolExecutor | None = None
_progress = None  # the queue the worker reports training steps on (call id, step, loss); (id, None, None) ends
_stop = None  # a shared int: the id of the call the server stopped following (its worker stops it)
_ids = itertools.count(1)
_spawning = threading.local()  # .now: this thread is starting the worker (see _preparation_data)
_reports = _stopped = None  # in the worker: the same queue and shared int


class Stopped(Exception):
    """In the worker: the server stopped following this call (its page moved on)."""


def enabled() -> bool:
    return os.environ.get(ENV, "1").strip() != "0"


def _init_worker(reports, stopped, server_pid: int) -> None:
    """In the worker, once: die with the server; keep the queue; import the core, then put numpy's BLAS on
    one thread (as in the server: the same sums; OpenBLAS's spare threads busy-wait after every product,
    taking the CPU the server processes need). The import comes first: threadpoolctl limits only
    libraries already loaded."""
    global _reports, _stopped
    threading.Thread(target=_watch_server, args=(server_pid,), daemon=True, name="watch-server").start()
    _reports, _stopped = reports, stopped
    import threadpoolctl

    import attention_core  # noqa: F401 - numpy and its BLAS, loaded before they are limited

    threadpoolctl.threadpool_limits(limits=1)
    cores = _cores(os.environ.get(CORES_ENV, ""))
    if cores:
        with contextlib.suppress(OSError):  # cores the machine no longer lets it use: stay on the server's
            os.sched_setaffinity(0, cores)


def _cores(spec: str) -> set[int]:
    """"0,1" -> {0, 1}; anything unreadable -> {} (stay where the server runs)."""
    try:
        return {int(c) for c in spec.split(",") if c.strip()}
    except ValueError:
        return set()


def _watch_server(server_pid: int, every: float = 0.5) -> None:
    """In the worker: exit when the server process is gone, even killed outright (SIGKILL, out of memory),
    so no worker is left behind. Not PR_SET_PDEATHSIG: that signal follows the *thread* that started the
    worker (a session's run thread, which ends with its run), not the server process."""
    while os.getppid() == server_pid:
        time.sleep(every)
    os._exit(0)


def _call(fn: Callable, args: tuple, kwargs: dict, call_id: int | None):
    """In the worker: ``fn(*args, **kwargs)``, with an ``on_step`` that reports to the server when ``call_id``
    (and stops the computation when the server stopped following it)."""
    if call_id is None:
        return fn(*args, **kwargs)

    def on_step(step, loss):
        if _stopped.value == call_id:
            raise Stopped(call_id)
        _reports.put((call_id, int(step), float(loss)))

    try:
        return fn(*args, **kwargs, on_step=on_step)
    finally:
        _reports.put((call_id, None, None))  # after every step's report (one queue, in order)


def _ready() -> bool:
    return True


def _loaded(module: str) -> bool:
    """In the worker: is ``module`` imported there (for the tests: Streamlit must not be)."""
    return module in sys.modules


_real_preparation_data = multiprocessing.spawn.get_preparation_data


def _preparation_data(name):
    """``spawn`` tells the child to re-import the parent's ``__main__``: for a server, the module of whichever
    session's run started last (Streamlit swaps ``sys.modules["__main__"]`` for app.py on every run), and
    with it all of Streamlit (a 163 MB worker instead of ~40 MB, and app.py run as ``__mp_main__``). The
    worker needs only the core, so for the worker's own start (this thread, flagged) both are left out."""
    data = _real_preparation_data(name)
    if getattr(_spawning, "now", False):
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
    return data


multiprocessing.spawn.get_preparation_data = _preparation_data


MAX_FAILURES = 3  # workers that die or fail to start, in a row: then this process computes everything itself
_failures = 0


def _get_pool() -> tuple[cf.ProcessPoolExecutor, object, object]:
    global _pool, _progress, _stop
    with _lock:
        if _pool is None:
            if _failures >= MAX_FAILURES:
                raise RuntimeError("the worker process failed to start or died too often")
            ctx = mp.get_context("spawn")
            _progress, _stop = ctx.Queue(), ctx.Value("q", 0, lock=False)
            pool = cf.ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=_init_worker,
                                          initargs=(_progress, _stop, os.getpid()))
            _spawning.now = True  # the worker process starts now, in this thread, on this first task
            try:
                pool.submit(_ready)
            except BaseException:
                pool.shutdown(wait=False)
                raise
            finally:
                _spawning.now = False
            _pool = pool
        return _pool, _progress, _stop


def _drop(pool: cf.ProcessPoolExecutor | None) -> None:
    """Forget a worker that failed (the next call starts a new one), if it is still the current one; the
    calls already given to it end on their own (broken: computed in the server; never cancelled here)."""
    global _pool, _failures
    with _lock:
        if pool is None:  # a worker that did not start (nothing was kept)
            _failures += 1
            return
        if _pool is not pool:
            return  # already dropped (by another session's call to the same worker)
        _failures += 1  # a worker that died
        _pool = None
    pool.shutdown(wait=False)


def start() -> None:
    """Start the worker now (at server start-up), so a class's first one-off does not wait for it."""
    if enabled():
        try:
            _get_pool()
        except Exception:  # noqa: BLE001 - no worker: every call is computed in the server process then
            _drop(None)


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
    with ``on_step`` at a time: resources.TrainingStore trains one run at a time). If ``on_step`` raises
    (Streamlit stopping the page's run), the worker stops that computation at its next step."""
    def here():
        return fn(*args, **kwargs, **({"on_step": on_step} if on_step is not None else {}))

    if not enabled():
        return here()
    pool = None
    try:
        pool, reports, stop = _get_pool()
        call_id = next(_ids) if on_step is not None else None
        future = pool.submit(_call, fn, args, kwargs, call_id)
    except Exception:  # noqa: BLE001 - the worker cannot start or take work: computed here, as before
        _drop(pool)
        return here()
    try:
        if call_id is not None:
            try:
                _follow(future, reports, call_id, on_step)
            except BaseException:
                stop.value = call_id  # nobody follows it any more: the worker stops it at its next step
                raise
        result = future.result()
    except (BrokenProcessPool, cf.CancelledError):  # the worker died: computed here, a new worker next time
        _drop(pool)
        return here()
    global _failures
    _failures = 0  # (a call that came back: the worker works)
    return result


def _follow(future: cf.Future, reports, call_id: int, on_step: Callable[[int, float], None]) -> None:
    """Call ``on_step`` for the worker's reports of this call, until its end marker (or the call failed)."""
    done_at = None
    while True:
        try:
            got, step, loss = reports.get(timeout=0.05)
        except queue.Empty:
            if future.done():
                if future.cancelled() or future.exception() is not None:
                    return  # the worker died or fn raised: no more reports to wait for
                done_at = done_at or time.monotonic()
                if time.monotonic() - done_at > SENTINEL_WAIT_S:
                    return
            continue
        if got != call_id:
            continue  # an abandoned call's late report
        if step is None:
            return
        on_step(step, loss)
