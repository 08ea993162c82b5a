"""The class poll's store (classroom.SqliteStore): once per session, replace until the reveal, expiry,
bounds, classes kept apart, the teacher's token, and no lost answer under threads and processes."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading

import pytest

import classroom
from attention_core.lesson import ALL_QUESTIONS, QUESTIONS
from classroom import store as cs

CHOICE = "lesson.problem"  # options: "the same", "different"
NUMBER = "lesson.static"  # 0 to 100 %


class Clock:
    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(tmp_path, clock):
    return classroom.SqliteStore(tmp_path / "classes.sqlite3", ALL_QUESTIONS, clock=clock)


def test_a_class_gets_an_unguessable_code_and_a_token(store):
    a, b = store.start_class(), store.start_class()
    for t in (a, b):
        assert len(t.code) == classroom.CODE_LENGTH == 8 and set(t.code) <= set(classroom.CODE_ALPHABET)
        assert len(t.token) >= 32
    assert a.code != b.code and a.token != b.token
    assert len(classroom.CODE_ALPHABET) ** classroom.CODE_LENGTH == 2 ** 40
    assert store.is_open(a.code) and not store.is_open("ZZZZZZZZ") and not store.is_open(None)
    assert store.is_teacher(a.code, a.token) and not store.is_teacher(a.code, b.token)
    assert not store.is_teacher(a.code, None) and not store.is_teacher(a.code, "")


def test_the_file_keeps_no_teacher_token(store):
    t = store.start_class()
    dump = "\n".join(sqlite3.connect(store.path).iterdump())
    assert t.code in dump and t.token not in dump


@pytest.mark.parametrize("typed, code", [("abcd-efgh", "ABCDEFGH"), (" ABCD EFGH ", "ABCDEFGH"),
                                         ("0o1i-l2u3", "0011" + "12V3"), ("ABCDEFG", None), ("ABCDEFGH!", None),
                                         ("", None), (None, None), (12345678, None), ("A" * 1000, None)])
def test_codes_are_read_as_typed(typed, code):
    assert classroom.normalise_code(typed) == code


def test_format_code_reads_in_two_halves():
    assert classroom.format_code("ABCDEFGH") == "ABCD-EFGH"


def test_an_answer_counts_once_per_session_and_a_change_replaces_it(store):
    t = store.start_class()
    store.answer(t.code, "s1", CHOICE, "the same")
    store.answer(t.code, "s2", CHOICE, "the same")
    store.answer(t.code, "s1", CHOICE, "different")  # s1 changes its mind
    store.answer(t.code, "s1", NUMBER, "52 %")
    tally = store.tally(t.code, CHOICE)
    assert tally.n == 2 and tally.counts(QUESTIONS[CHOICE].options) == {"the same": 1, "different": 1}
    assert store.tally(t.code, NUMBER).answers == (52.0,)
    assert store.my_answer(t.code, "s1", CHOICE) == "different" and store.my_answer(t.code, "s3", CHOICE) is None
    assert not tally.revealed


@pytest.mark.parametrize("question, raw", [(CHOICE, "maybe"), (CHOICE, 1), (NUMBER, "101"), (NUMBER, "1e309"),
                                           (NUMBER, "abc"), (NUMBER, ""), (NUMBER, ["5"]), (NUMBER, True),
                                           (NUMBER, "<script>alert(1)</script>")])
def test_answers_are_validated_by_their_question_before_storing(store, question, raw):
    t = store.start_class()
    with pytest.raises(ValueError):
        store.answer(t.code, "s1", question, raw)
    assert store.tally(t.code, question).n == 0


def test_an_unknown_question_an_oversized_answer_or_session_is_refused(store):
    t = store.start_class()
    with pytest.raises(classroom.ClassError, match="no such question"):
        store.answer(t.code, "s1", "lesson.nope", "yes")
    with pytest.raises(classroom.ClassError, match="at most 200 characters"):
        store.answer(t.code, "s1", NUMBER, "5" + " " * 300)
    with pytest.raises(classroom.ClassError, match="session"):
        store.answer(t.code, "x" * 65, NUMBER, "5")
    with pytest.raises(classroom.ClassError):
        store.answer(t.code, "", NUMBER, "5")


def test_a_second_class_sees_nothing_of_the_first(store):
    a, b = store.start_class(), store.start_class()
    store.answer(a.code, "s1", CHOICE, "the same")
    store.answer(a.code, "s2", CHOICE, "different")
    assert store.tally(b.code, CHOICE).n == 0 and store.my_answer(b.code, "s1", CHOICE) is None
    store.reveal(a.code, a.token, CHOICE)
    assert not store.revealed(b.code, CHOICE)
    with pytest.raises(classroom.NotTeacherError):  # a's teacher has no power over b
        store.reveal(b.code, a.token, CHOICE)
    store.answer(b.code, "s1", CHOICE, "the same")
    assert store.tally(a.code, CHOICE).counts() == {"the same": 1, "different": 1}


def test_only_the_teacher_reveals_or_resets_and_the_reveal_closes_answers(store):
    t = store.start_class()
    store.answer(t.code, "s1", CHOICE, "different")
    for token in (None, "", "guess", t.token[:-1]):
        with pytest.raises(classroom.NotTeacherError):
            store.reveal(t.code, token, CHOICE)
        with pytest.raises(classroom.NotTeacherError):
            store.reset(t.code, token, CHOICE)
        with pytest.raises(classroom.NotTeacherError):
            store.set_current(t.code, token, CHOICE)
    assert not store.revealed(t.code, CHOICE)
    store.reveal(t.code, t.token, CHOICE)
    assert store.revealed(t.code, CHOICE) and store.tally(t.code, CHOICE).revealed
    with pytest.raises(classroom.ClassClosedError, match="revealed"):
        store.answer(t.code, "s1", CHOICE, "the same")  # no change after the reveal
    with pytest.raises(classroom.ClassClosedError):
        store.answer(t.code, "s9", CHOICE, "the same")  # nor a late answer
    assert store.tally(t.code, CHOICE).answers == ("different",)
    store.answer(t.code, "s1", NUMBER, "40")  # another question is still open
    store.reset(t.code, t.token, CHOICE)
    assert store.tally(t.code, CHOICE).n == 0 and not store.revealed(t.code, CHOICE)
    store.answer(t.code, "s1", CHOICE, "the same")
    assert store.tally(t.code, NUMBER).n == 1


def test_the_teacher_names_the_current_question(store):
    t = store.start_class()
    assert store.current(t.code) is None
    store.set_current(t.code, t.token, NUMBER)
    assert store.current(t.code) == NUMBER


def test_a_class_expires_after_12_hours(store, clock):
    t = store.start_class()
    store.answer(t.code, "s1", CHOICE, "different")
    clock.now += classroom.CLASS_HOURS * 3600 - 1
    assert store.is_open(t.code) and store.tally(t.code, CHOICE).n == 1
    clock.now += 1
    assert not store.is_open(t.code) and not store.is_teacher(t.code, t.token)
    for call in (lambda: store.answer(t.code, "s2", CHOICE, "the same"), lambda: store.tally(t.code, CHOICE),
                 lambda: store.reveal(t.code, t.token, CHOICE), lambda: store.my_answer(t.code, "s1", CHOICE)):
        with pytest.raises(classroom.ClassClosedError, match="ended"):
            call()
    store.start_class()  # starting a class purges the expired ones, answers included
    db = sqlite3.connect(store.path)
    assert db.execute("SELECT count(*) FROM answers WHERE code = ?", (t.code,)).fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM classes WHERE code = ?", (t.code,)).fetchone()[0] == 0


def test_classes_per_server_are_bounded_and_expired_ones_make_room(store, clock, monkeypatch):
    monkeypatch.setattr(cs, "MAX_CLASSES", 3)
    for _ in range(3):
        store.start_class()
    with pytest.raises(classroom.ClassFullError, match="3 classes"):
        store.start_class()
    clock.now += classroom.CLASS_HOURS * 3600
    store.start_class()


def test_answers_per_class_are_bounded_but_a_change_still_goes_in(store, monkeypatch):
    monkeypatch.setattr(cs, "MAX_ANSWERS_PER_CLASS", 5)
    t = store.start_class()
    for i in range(5):
        store.answer(t.code, f"s{i}", CHOICE, "the same")
    with pytest.raises(classroom.ClassFullError):
        store.answer(t.code, "s5", CHOICE, "the same")
    store.answer(t.code, "s0", CHOICE, "different")  # replacing is not a new answer
    assert store.tally(t.code, CHOICE).counts() == {"the same": 4, "different": 1}


def test_a_flood_from_one_session_is_refused_and_others_go_on(store, clock):
    t = store.start_class()
    for i in range(classroom.MAX_ANSWERS_PER_WINDOW):
        store.answer(t.code, "flood", CHOICE, ("the same", "different")[i % 2])
    with pytest.raises(classroom.RateLimitedError):
        store.answer(t.code, "flood", NUMBER, "5")
    store.answer(t.code, "calm", CHOICE, "the same")  # another session is not affected
    clock.now += classroom.ANSWER_WINDOW_S
    store.answer(t.code, "flood", NUMBER, "5")  # a new window
    assert store.tally(t.code, CHOICE).n == 2


def test_the_file_is_in_wal_mode_and_answers_survive_a_new_store(store, tmp_path, clock):
    t = store.start_class()
    store.answer(t.code, "s1", CHOICE, "different")
    assert sqlite3.connect(store.path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    again = classroom.SqliteStore(store.path, ALL_QUESTIONS, clock=clock)  # as after a server restart
    assert again.tally(t.code, CHOICE).answers == ("different",) and again.is_teacher(t.code, t.token)


def test_concurrent_writer_threads_lose_nothing(store):
    t = store.start_class()
    n_threads, per_thread = 12, 20
    errors, barrier = [], threading.Barrier(n_threads)

    def write(k: int) -> None:
        barrier.wait()
        try:
            for i in range(per_thread):
                session = f"t{k}-s{i}"
                store.answer(t.code, session, CHOICE, "the same")
                store.answer(t.code, session, CHOICE, "different")  # then changes it
                store.answer(t.code, session, NUMBER, str(k))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=write, args=(k,)) for k in range(n_threads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert store.tally(t.code, CHOICE).counts() == {"different": n_threads * per_thread}
    assert sorted(store.tally(t.code, NUMBER).answers) == sorted(float(k) for k in range(n_threads)
                                                                 for _ in range(per_thread))


def _write_from_a_process(path: str, code: str, k: int, n: int) -> None:
    s = classroom.SqliteStore(path, ALL_QUESTIONS)
    for i in range(n):
        s.answer(code, f"p{k}-s{i}", CHOICE, ("the same", "different")[i % 2])
        s.answer(code, f"p{k}-s{i}", NUMBER, str(i))


def test_several_processes_share_the_file_and_lose_nothing(tmp_path):
    store = classroom.SqliteStore(tmp_path / "classes.sqlite3", ALL_QUESTIONS)
    t = store.start_class()
    ctx = multiprocessing.get_context("spawn")
    n_procs, per_proc = 4, 40
    procs = [ctx.Process(target=_write_from_a_process, args=(str(store.path), t.code, k, per_proc))
             for k in range(n_procs)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * n_procs
    assert store.tally(t.code, CHOICE).counts() == {"the same": n_procs * per_proc // 2,
                                                     "different": n_procs * per_proc // 2}
    assert store.tally(t.code, NUMBER).n == n_procs * per_proc


def test_the_data_folder_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(classroom.store.ENV, str(tmp_path / "here"))
    assert classroom.data_dir() == tmp_path / "here"
    monkeypatch.delenv(classroom.store.ENV)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert classroom.data_dir() == tmp_path / "xdg" / "attention-lab"
    s = classroom.open_store(ALL_QUESTIONS, tmp_path / "folder")
    assert s.path == tmp_path / "folder" / "classes.sqlite3" and s.path.exists()


def test_the_store_imports_neither_streamlit_nor_ui():
    import subprocess
    import sys

    code = "import sys, classroom; print(any(m == 'streamlit' or m.startswith(('streamlit.', 'ui')) " \
           "for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
