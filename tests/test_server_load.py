"""What keeps a class's burst of edits cheap on one server process (issue 14): the run queue, the
one-off computations that leave it, the settings that skip per-session work, chart rows sent as Arrow.

The speed itself is measured by bench/load.py and bench/server_cpu.py (README, "For a lecture hall"),
never timed here; these tests hold the behaviour those figures rely on."""

from __future__ import annotations

import inspect
import threading
import time
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import streamlit as st

import attention_core as ac
from ui import chart_base, charts, resources, run_queue

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _free_slots():
    """Every test starts and ends with the process's run slots free (no test may leak one)."""
    assert run_queue._RUN_SLOTS.acquire(timeout=5)
    run_queue._RUN_SLOTS.release()
    yield
    assert run_queue._RUN_SLOTS.acquire(timeout=5), "a test left a run slot taken"
    run_queue._RUN_SLOTS.release()


def _in_thread(fn, *args) -> threading.Thread:
    t = threading.Thread(target=fn, args=args, daemon=True)
    t.start()
    return t


def test_runs_queue_for_the_slot_one_at_a_time():
    """Two runs that overlap in time execute one after the other: the second starts after the first ends."""
    events, first_in = [], threading.Event()

    def run(name, hold):
        with run_queue.run_slot() as got:
            assert got
            events.append(("start", name))
            first_in.set()
            time.sleep(hold)
            events.append(("end", name))

    a = _in_thread(run, "a", 0.3)
    assert first_in.wait(5)
    b = _in_thread(run, "b", 0.0)
    a.join(5), b.join(5)
    assert events == [("start", "a"), ("end", "a"), ("start", "b"), ("end", "b")]


def test_a_run_that_raises_gives_its_slot_back():
    """st.stop(), a rerun request (RerunException) and a page's error all leave through the with block."""
    with pytest.raises(RuntimeError):
        with run_queue.run_slot():
            raise RuntimeError("page error")
    with run_queue.run_slot() as got:  # free again at once
        assert got


def test_a_long_computation_leaves_the_queue_and_others_go_on():
    """A run that trains (leave_queue) lets the next run in while it computes, and does not take a slot
    back: the other run finishes first."""
    order, training = [], threading.Event()
    finish_training = threading.Event()

    def trains():
        with run_queue.run_slot():
            run_queue.leave_queue()
            training.set()
            finish_training.wait(5)
            order.append("trained")

    def edits():
        with run_queue.run_slot() as got:
            assert got
            order.append("edited")

    a = _in_thread(trains)
    assert training.wait(5)
    b = _in_thread(edits)
    b.join(5)
    assert order == ["edited"]  # not stuck behind the training
    finish_training.set()
    a.join(5)
    assert order == ["edited", "trained"]


def test_no_deadlock_when_a_run_waits_for_the_one_that_left_the_queue():
    """The shape of a cached function's miss: A leaves the queue and computes under a lock (Streamlit's
    per-key cache lock, the training store's); B takes the slot and waits for that lock. A must finish
    without needing the slot back, then B."""
    lock, a_computing, done = threading.Lock(), threading.Event(), []

    def a():
        with run_queue.run_slot():
            with lock:
                run_queue.leave_queue()
                a_computing.set()
                time.sleep(0.2)
                done.append("a")

    def b():
        with run_queue.run_slot():
            with lock:
                done.append("b")

    ta = _in_thread(a)
    assert a_computing.wait(5)
    tb = _in_thread(b)
    ta.join(3), tb.join(3)
    assert done == ["a", "b"] and not ta.is_alive() and not tb.is_alive()


def test_a_fragments_own_rerun_queues_for_a_slot_like_a_page_run():
    """A page control's fragment rerun (no app.py around it) waits for the slot a whole run holds."""
    events, first_in = [], threading.Event()

    def page_run():
        with run_queue.run_slot():
            events.append("page start")
            first_in.set()
            time.sleep(0.3)
            events.append("page end")

    a = _in_thread(page_run)
    assert first_in.wait(5)
    b = _in_thread(run_queue.queued(lambda: events.append("fragment")))
    a.join(5), b.join(5)
    assert events == ["page start", "page end", "fragment"]


def test_a_fragment_inside_a_page_run_uses_the_runs_slot():
    """Called by its page's whole run it takes no second slot (there is one: that would wait for itself),
    also after the run left the queue for a long computation."""
    done = []

    def page_run():
        with run_queue.run_slot():
            run_queue.queued(lambda: done.append("fragment in the run"))()
            run_queue.leave_queue()
            run_queue.queued(lambda: done.append("after leaving the queue"))()

    t = _in_thread(page_run)
    t.join(5)
    assert not t.is_alive() and done == ["fragment in the run", "after leaving the queue"]


def _one_off(max_entries: int, seconds: float):
    """A one-off cached by Streamlit's own st.cache_data (its per-key lock: a caller of a key being computed
    waits), whose body takes ``seconds``."""
    @run_queue.one_off(st.cache_data(max_entries=max_entries, show_spinner=False))
    def slow(key: int, salt: float = time.time()) -> int:
        time.sleep(seconds)
        return key * 2
    return slow


def _session(order, name, fn):
    with run_queue.run_slot():
        fn()
        order.append(name)


def _computing_waiting_and_another(order, slow, key: int) -> None:
    """Three sessions: one computes ``key``, a second waits for it, a third opens another page."""
    a = _in_thread(_session, order, f"compute {key}", lambda: slow(key))
    time.sleep(0.1)
    b = _in_thread(_session, order, f"wait for {key}", lambda: slow(key))
    time.sleep(0.1)
    c = _in_thread(_session, order, "another page", lambda: None)
    for t in (a, b, c):
        t.join(5)


def test_callers_of_a_one_off_being_computed_wait_out_of_the_queue():
    """Streamlit's cache makes a second caller of a key being computed wait on a per-key lock: with
    one_off it waits out of the queue, so a third session's run goes on (it waited for the computation)."""
    slow, order = _one_off(4, 0.5), []
    _computing_waiting_and_another(order, slow, 7)
    assert order[0] == "another page", order
    assert slow(7) == 14


def test_a_key_evicted_and_computed_again_still_sends_its_waiters_out_of_the_queue():
    """(Found by a review of a first version that remembered the keys once computed: an evicted key's
    waiters then held their slot.) A cache of one entry: 7, then 8 (7 is evicted), then 7 again."""
    slow, order = _one_off(1, 0.5), []
    for key in (7, 8):
        _session(order, f"compute {key}", lambda k=key: slow(k))
    _computing_waiting_and_another(order, slow, 7)  # 7 again
    assert order[2] == "another page", order


def test_a_one_off_already_computed_stays_in_the_queue():
    """A cache hit takes microseconds: its run keeps its slot (leaving would let it run beside another)."""
    slow, held = _one_off(4, 0.0), []

    def page_run():
        with run_queue.run_slot():
            slow(1)  # computes: leaves the queue
        with run_queue.run_slot():
            assert slow(1) == 2
            held.append(run_queue._HOLDS.slot)

    t = _in_thread(page_run)
    t.join(5)
    assert held == [True]


def test_leave_queue_outside_a_run_does_nothing():
    """AppTest's runs, fragments and other threads hold no slot: leave_queue must not release one."""
    run_queue.leave_queue()
    run_queue.leave_queue()
    held = [run_queue._RUN_SLOTS.acquire(timeout=0.1) for _ in range(run_queue.RUN_SLOTS + 1)]
    for got in held:
        if got:
            run_queue._RUN_SLOTS.release()
    assert held.count(True) == run_queue.RUN_SLOTS  # no extra slot was made by a stray release


def test_a_run_waits_no_longer_than_its_limit(monkeypatch):
    """A stuck run cannot stall the class for ever: after RUN_SLOT_WAIT_S the next run goes ahead without a
    slot (and gives none back)."""
    monkeypatch.setattr(run_queue, "RUN_SLOT_WAIT_S", 0.2)
    release, got_it = threading.Event(), []

    def stuck():
        with run_queue.run_slot():
            release.wait(5)

    t = _in_thread(stuck)
    time.sleep(0.05)
    start = time.monotonic()
    with run_queue.run_slot() as got:
        got_it.append(got)
    assert got_it == [False] and 0.15 < time.monotonic() - start < 3
    release.set()
    t.join(5)


def test_the_one_off_computations_leave_the_queue():
    """Each cached computation that takes long on a miss says so in its body (read from the source)."""
    from ui import lesson

    bodies = [resources.glove, resources._concept_source, resources._parse_upload, resources.trained_heads,
              resources.TrainingStore.get, lesson.measured, lesson.exercise_1]
    for fn in bodies:
        assert getattr(fn, "one_off", False) or "leave_queue()" in inspect.getsource(inspect.unwrap(fn)), \
            fn.__qualname__
    assert "run_queue.one_off(" in (ROOT / "views" / "why_scale.py").read_text(encoding="utf-8")


def test_app_runs_the_sidebar_and_the_page_in_a_slot():
    src = (ROOT / "app.py").read_text(encoding="utf-8")
    body = src.split("with run_queue.run_slot():", 1)[1]
    assert "sidebar.render()" in body and "page.run()" in body


def test_server_settings_that_skip_per_session_and_per_run_work():
    """No file watcher (a new session's watcher cost ~250 ms of CPU) and no full garbage collection after
    every run; both measured in bench/load.py's burst (README)."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["fileWatcherType"] == "none"
    assert config["runner"]["postScriptGC"] is False


def test_code_listings_are_read_once():
    text = resources.source(ac.softmax)
    assert text == inspect.getsource(ac.softmax) and text.startswith("def softmax")
    assert resources.source(ac.softmax) is text  # the same string: not read again


# --- chart rows as Arrow ------------------------------------------------------------------------------

def test_arrow_rows_from_columns_and_from_a_dataframe_agree_with_pandas():
    cols = {"word": ["a", "b", "c"], "pos": np.arange(3), "value": np.array([0.5, np.nan, 2.0]),
            "flag": np.array([True, False, True])}
    from_dict = chart_base.arrow_rows(cols)
    from_df = chart_base.arrow_rows(pd.DataFrame(cols))
    reference = pa.Table.from_pandas(pd.DataFrame(cols), preserve_index=False)
    for table in (from_dict, from_df):
        assert table.column_names == ["word", "pos", "value", "flag"]
        assert table.column("value").to_pylist() == [0.5, None, 2.0]  # NaN -> null, as from_pandas does
        assert table.column("word").to_pylist() == ["a", "b", "c"]
        assert table.column("flag").to_pylist() == [True, False, True]
        assert table.to_pandas().equals(reference.to_pandas())
    assert chart_base.arrow_rows(from_dict) is from_dict


def test_arrow_rows_refuses_what_is_not_rows():
    with pytest.raises(TypeError, match="dict of columns or a DataFrame"):
        chart_base.arrow_rows([{"a": 1}])


def test_every_builder_hands_streamlit_an_arrow_table():
    specs = [charts.heatmap(np.eye(3), ["a", "b", "c"]),
             charts.attention_bars(np.array([0.2, 0.8]), ["x", "y"]),
             charts.token_strip(["a", "b"], [True, False]),
             charts.neighbour_bars([("a", 0.5)], [("b", 0.6)]),
             charts.neighbour_bars([], []),
             charts.line_chart(pd.DataFrame({"x": [1, 2], "y": [0.1, 0.2]}), "x", "y")]
    for spec in specs:
        assert isinstance(spec["data"]["values"], pa.Table)
    assert specs[4]["data"]["values"].num_rows == 0


# --- nearest words: one search for every vector a rerun asks for -------------------------------------------

def test_neighbour_cache_searches_the_missing_vectors_once_and_agrees_with_the_core(monkeypatch):
    glove = resources.glove()
    vectors = [glove.vector("apple"), glove.vector("bank"), glove.vector("apple") + glove.vector("phone")]
    queries = [(vectors[0], ("apple",)), (vectors[1], ("bank",)), (vectors[2], ())]
    searches = []
    real = ac.nearest_words

    def counted(vecs, table, k=5, exclude=None):
        searches.append(len(vecs))
        return real(vecs, table, k=k, exclude=exclude)

    monkeypatch.setattr(ac, "nearest_words", counted)
    cache = resources.NeighbourCache(resources.glove, size=8)
    got = cache.get(queries, k=6)
    assert searches == [3]  # the three vectors in one product
    for (vector, exclude), row in zip(queries, got):
        assert row == real(np.array([vector]), glove, k=6, exclude=[exclude])[0]
    assert "apple" not in [w for w, _ in got[0]] and len(got[0]) == 6
    assert cache.get(queries[1:], k=6) == got[1:] and searches == [3]  # cached: no search
    # a smaller k (the story asks for 5, the read-out for 8) is the first k of the same search
    assert cache.get([(vectors[0], ("apple",))], k=3) == [got[0][:3]] and searches == [3]
    assert cache.get([(vectors[0], ("apple",))], k=cache.depth) == [real(np.array([vectors[0]]), glove,
                                                                      k=cache.depth, exclude=[("apple",)])[0]]
    assert searches == [3]
    deeper = cache.get([(vectors[0], ("apple",))], k=cache.depth + 2)  # deeper than kept: searched again
    assert searches == [3, 1] and len(deeper[0]) == cache.depth + 2 and deeper[0][:6] == got[0]
    cache.get([(vectors[0], ())], k=3)  # other excluded words are another entry
    assert searches == [3, 1, 1]
    zero = np.zeros_like(vectors[0])  # no direction: no neighbours, and that answer is cached too
    assert cache.get([(zero, ())], k=5) == [[]] and cache.get([(zero, ())], k=5) == [[]]
    assert searches == [3, 1, 1, 1]


def test_neighbour_cache_keeps_at_most_its_size():
    glove = resources.glove()
    cache = resources.NeighbourCache(resources.glove, size=2)
    words = ["apple", "bank", "river"]
    for w in words:
        cache.get([(glove.vector(w), (w,))], k=2)
    assert len(cache.entries) == 2
    assert [key[1] for key in cache.entries] == [("bank",), ("river",)]  # the least recently used went first



def test_tcp_nodelay_reaches_a_listener_like_streamlits_and_every_connection_it_accepts():
    """resources.tcp_nodelay: Streamlit 1.67 binds ``socket.socket(family)`` (protocol 0), so asyncio leaves
    Nagle on for what it accepts. After the call: the listener and a connection accepted before it have
    TCP_NODELAY, a connection accepted after inherits it, and a descriptor that is no socket is untouched."""
    import os
    import socket

    nodelay = socket.IPPROTO_TCP, socket.TCP_NODELAY
    listener = socket.socket(socket.AF_INET)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    read_end, write_end = os.pipe()
    socks = [listener]
    try:
        socks.append(socket.create_connection(listener.getsockname()))
        before, _ = listener.accept()
        socks.append(before)
        assert listener.proto == 0 and before.getsockopt(*nodelay) == 0  # what Streamlit's server has
        assert resources.tcp_nodelay() >= 2
        assert listener.getsockopt(*nodelay) and before.getsockopt(*nodelay)
        socks.append(socket.create_connection(listener.getsockname()))
        after, _ = listener.accept()
        socks.append(after)
        assert after.getsockopt(*nodelay)
        os.write(write_end, b"still a pipe")
        assert os.read(read_end, 64) == b"still a pipe"
        assert listener.fileno() >= 0 and before.send(b"x") == 1  # borrowed, never closed
    finally:
        for s in socks:
            s.close()
        os.close(read_end)
        os.close(write_end)


def _wait_until(cond, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_slots_go_in_order_of_asking_even_to_a_thread_that_asks_as_one_is_freed():
    """threading.Semaphore let a thread that asked at the moment of a release take the slot before the woken
    waiter, which then queued again at the back (the burst's latency tail). FifoSlots hands a freed slot to
    the oldest waiter: A, B, C asked in that order while the slot was held; D asks as it is freed."""
    slots, order, lock = run_queue.FifoSlots(1), [], threading.Lock()
    assert slots.acquire(timeout=1)

    def waiter(name):
        assert slots.acquire(timeout=5)
        with lock:
            order.append(name)
        time.sleep(0.01)
        slots.release()

    threads = []
    for i, name in enumerate("ABC"):
        threads.append(_in_thread(waiter, name))
        _wait_until(lambda i=i: len(slots._waiters) == i + 1)  # each in line before the next asks
    slots.release()
    threads.append(_in_thread(waiter, "D"))
    for t in threads:
        t.join(5)
    assert order == ["A", "B", "C", "D"]
    assert slots.acquire(timeout=0.1), "every slot was given back"
    slots.release()


def test_a_thread_that_waited_too_long_leaves_the_line_without_a_slot():
    """acquire(timeout) gives up after timeout s, leaves the line (a later release must not hand it the
    slot) and returns False; the slot stays countable: freed once, taken once."""
    slots = run_queue.FifoSlots(1)
    assert slots.acquire(timeout=1)
    t0 = time.monotonic()
    assert not slots.acquire(timeout=0.2)
    assert time.monotonic() - t0 >= 0.2 and not slots._waiters
    slots.release()
    assert slots.acquire(timeout=0.1)
    assert not slots.acquire(timeout=0.05)  # one slot, taken
    slots.release()
