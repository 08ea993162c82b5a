"""The worker process for one-off computations (ui/offload.py): the same numbers as in the server process,
a training's steps reported live, errors raised where they were asked for, and a worker that dies replaced
without losing the call. Real processes, real GloVe rows; nothing mocked."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import numpy as np
import pytest

import attention_core as ac
from ui import offload, resources

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _worker_on(monkeypatch):
    monkeypatch.delenv(offload.ENV, raising=False)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_training_in_the_worker_gives_the_server_process_numbers_exactly_with_every_step_reported_here():
    sub = resources.training_vectors()
    glove = resources.glove()
    assert sub.name == glove.name and sub.dim == glove.dim and 100 < len(sub) < 2000  # GloVe's rows, few of them
    for w in sub.words:  # the same float32 rows
        assert np.array_equal(sub.matrix[sub.index[w]], glove.matrix[glove.index[w]])
    steps, threads = [], set()

    def on_step(step, loss):
        steps.append((step, loss))
        threads.add(threading.get_ident())

    got = offload.run(ac.train_projections, sub, d_k=8, seed=3, on_step=on_step)
    pid = offload.worker_pid()
    assert pid is not None and pid != os.getpid() and _alive(pid), "computed in a worker process"
    here = ac.train_projections(glove, d_k=8, seed=3)  # the full 400k-row table, in this process
    assert np.array_equal(got.projections.W_Q, here.projections.W_Q)
    assert np.array_equal(got.projections.W_K, here.projections.W_K)
    assert got.losses == here.losses and got.heldout_accuracy == here.heldout_accuracy
    assert got.heldout_cue_attention == here.heldout_cue_attention
    assert [s for s, _ in steps] == list(range(1, 301)), "every step, in order, once"
    assert [loss for _, loss in steps] == here.losses
    assert threads == {threading.get_ident()}, "on_step runs in the thread that asked (the page's)"


def test_the_worker_runs_numpy_on_one_thread():
    """As in the server (resources.one_blas_thread): OpenBLAS's spare threads busy-wait after each product,
    and a worker beside the server processes of a lecture hall took their CPU (measured: burst p95 worse)."""
    threads = offload.run(offload._blas_threads)
    assert threads and all(n == 1 for n in threads), threads


def test_measurement_in_the_worker_is_the_same_and_errors_come_back_with_their_type_and_message():
    got, here = offload.run(ac.measure_scaling, seed=11), ac.measure_scaling(seed=11)
    for field in ("score_variance", "scaled_variance"):
        assert np.array_equal(getattr(got, field), getattr(here, field))
    with pytest.raises(ac.ShapeError) as exc:
        offload.run(ac.train_projections, resources.training_vectors(), d_k=0, seed=0)
    with pytest.raises(ac.ShapeError) as local:
        ac.train_projections(resources.glove(), d_k=0, seed=0)
    assert str(exc.value) == str(local.value)
    steps = []  # a training that fails reports no step and ends (no wait for a report that never comes)
    with pytest.raises(ac.OutOfRangeError):
        offload.run(ac.train_projections, resources.training_vectors(), d_k=4, seed=-1,
                    on_step=lambda *a: steps.append(a))
    assert steps == []


def test_a_killed_worker_costs_no_call_and_the_next_call_gets_a_new_worker():
    offload.start()
    first = offload.worker_pid()
    assert first is not None
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while _alive(first) and time.monotonic() < deadline:
        time.sleep(0.05)
    got = offload.run(ac.measure_scaling, seed=2)  # the broken worker: computed in this process
    assert np.array_equal(got.score_variance, ac.measure_scaling(seed=2).score_variance)
    again = offload.run(ac.measure_scaling, seed=3)
    second = offload.worker_pid()
    assert second not in (None, first) and _alive(second), "a new worker for the next call"
    assert np.array_equal(again.score_variance, ac.measure_scaling(seed=3).score_variance)


def test_with_the_worker_off_everything_is_computed_in_this_process(monkeypatch):
    monkeypatch.setenv(offload.ENV, "0")
    seen = []
    got = offload.run(ac.train_projections, resources.training_vectors(), d_k=4, seed=1, steps=5,
                      on_step=lambda s, l: seen.append(threading.get_ident()))
    assert seen == [threading.get_ident()] * 5 and len(got.losses) == 5


def test_the_learned_page_path_trains_once_in_the_worker_and_reports_every_step():
    """resources.trained (the Learned page's call, with its live loss curve): a fresh (d_k, seed) is trained in
    the worker, its 300 steps come back in order, and the stored run is the server-process run exactly; asked
    again, it is the stored run (no training, no steps)."""
    d_k, seed = 7, 4321  # a pair no other test trains
    steps = []
    run = resources.trained(d_k, seed, True, lambda step, loss: steps.append((step, loss)))
    here = ac.train_projections(resources.glove(), d_k=d_k, seed=seed)
    assert [s for s, _ in steps] == list(range(1, 301)) and [loss for _, loss in steps] == here.losses
    assert np.array_equal(run.projections.W_Q, here.projections.W_Q) and run.losses == here.losses
    again = []
    assert resources.trained(d_k, seed, True, lambda *a: again.append(a)) is run and again == []


@pytest.fixture
def fresh_worker():
    """A new worker for the test (the current one dropped), and the failure count reset after it."""
    offload._drop(offload._pool)
    offload._failures = 0
    yield
    offload._failures = 0


def test_the_worker_never_runs_the_servers_main_module_even_when_a_run_swapped_it(fresh_worker, tmp_path, monkeypatch):
    """Streamlit replaces sys.modules['__main__'] with app.py's module on every run; spawn would make the
    child re-import it (app.py run again, all of Streamlit in a worker that needs only the core)."""
    marker = tmp_path / "ran"
    script = tmp_path / "fake_app.py"
    script.write_text(f"open({str(marker)!r}, 'w').write('ran')\nimport streamlit\n")
    fake = types.ModuleType("__main__")
    fake.__file__, fake.__spec__ = str(script), None
    monkeypatch.setitem(sys.modules, "__main__", fake)
    assert offload.run(offload._loaded, "attention_core") is True  # (the worker answers)
    assert offload.worker_pid() is not None
    assert offload.run(offload._loaded, "streamlit") is False
    assert not marker.exists(), "the worker ran the parent's main module"


def test_dropping_a_dead_worker_twice_leaves_the_new_one_alone(fresh_worker):
    """Two sessions whose calls met the same dead worker: the second drop must not shut the new worker down
    (it cancelled other sessions' queued calls)."""
    offload.start()
    old = offload._pool
    offload._drop(old)
    assert offload.run(ac.measure_scaling, seed=5) is not None
    new = offload._pool
    assert new is not None and new is not old
    offload._drop(old)  # the late second drop of the old worker
    assert offload._pool is new
    assert np.array_equal(offload.run(ac.measure_scaling, seed=6).score_variance,
                          ac.measure_scaling(seed=6).score_variance)


class _PageMovedOn(Exception):
    pass


def test_a_training_the_page_stops_following_is_stopped_in_the_worker(fresh_worker):
    """Streamlit raises inside on_step when the student changes a setting: the worker stops that training at
    its next step instead of finishing 2,000 steps that hold up the next computation."""
    def on_step(step, loss):
        if step == 3:
            raise _PageMovedOn

    with pytest.raises(_PageMovedOn):
        offload.run(ac.train_projections, resources.training_vectors(), d_k=16, seed=0, steps=2000, on_step=on_step)
    assert offload.run(offload._ready) is True  # one worker, in order: the stopped training is over
    reports = []
    with contextlib.suppress(queue.Empty):
        while True:
            reports.append(offload._progress.get(timeout=0.5))
    steps = [step for _, step, _ in reports if step is not None]  # those after the page's step 3
    assert reports and reports[-1][1] is None, "the stopped call still ends its reports"
    assert max(steps, default=3) < 2000, f"the worker finished the abandoned training ({max(steps)} steps)"


def test_a_worker_dies_with_its_server_process(tmp_path):
    """A server killed outright (SIGKILL, out of memory) leaves no worker behind. The worker is started from
    a thread that has ended by then, as in a server (a session's run thread)."""
    code = (f"import sys, time; sys.path.insert(0, {str(ROOT)!r})\n"
            "from ui import offload\n"
            "import threading; t = threading.Thread(target=offload.start); t.start(); t.join()\n"
            "print(offload.run(offload._ready), offload.worker_pid(), flush=True)\n"
            "time.sleep(60)\n")
    server = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        ok, pid = server.stdout.readline().split()
        assert ok == "True" and _alive(int(pid))
    finally:
        server.kill()
        server.wait(10)
    deadline = time.monotonic() + 10
    while _alive(int(pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(int(pid)), "the worker outlived its server"


def test_worker_cores_spec_is_read_strictly():
    """ATTENTION_LAB_WORKER_CORES (set by scripts/lecture_hall.py): a list of cores, or nothing usable."""
    assert offload._cores("0,1") == {0, 1}
    assert offload._cores(" 3 , 5 ,") == {3, 5}
    assert offload._cores("") == set()
    assert offload._cores("0-3") == set()  # not a list: the worker stays on its server's cores
