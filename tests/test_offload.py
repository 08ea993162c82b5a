"""The worker process for one-off computations (ui/offload.py): the same numbers as in the server process,
a training's steps reported live, errors raised where they were asked for, and a worker that dies replaced
without losing the call. Real processes, real GloVe rows; nothing mocked."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pytest

import attention_core as ac
from ui import offload, resources


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
