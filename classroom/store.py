"""Classes and their answers in one SQLite file (WAL mode): safe for several processes and threads.

The interface (``Store``) is what a page uses; ``SqliteStore`` is the one implementation. Every
write is one ``BEGIN IMMEDIATE`` transaction on a fresh connection, so the bounds below hold
exactly even when N server processes (the lecture-hall setup) and their threads write at once:
SQLite's file lock serialises the writers, WAL lets readers (the teacher's tally) go on meanwhile.

Who may do what:

* anyone with the code (8 characters of Crockford's base 32: 32**8 = 2**40, about 1.1e12 codes)
  may answer, once per question per session (a later answer replaces the earlier one until the
  reveal), and read the tally;
* only the holder of the teacher token (``secrets.token_urlsafe``, kept by the session that
  started the class; the file keeps only its SHA-256) may reveal, reset or name the current question.

Bounds: ``MAX_CLASSES`` live classes per server (expired ones are purged first), a class lives
``CLASS_HOURS`` hours, ``MAX_ANSWERS_PER_CLASS`` answers per class, ``MAX_ANSWER_CHARS`` characters
per answer as sent, ``MAX_ANSWERS_PER_WINDOW`` answers per session per ``ANSWER_WINDOW_S`` seconds.
Every answer is validated by its question (``question.read(raw)``, e.g. ``attention_core.lesson.
Question.read``) before it is stored; only what ``read`` returns (an option, or a float) is kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U (misread, or rude)
CODE_LENGTH = 8  # 32**8 = 1,099,511,627,776 codes
CLASS_HOURS = 12.0  # a school day; an expired class reads and writes nothing
MAX_CLASSES = 500  # live classes per server
MAX_ANSWERS_PER_CLASS = 10_000  # 300 students x 30 questions
MAX_ANSWER_CHARS = 200  # as sent, before validation (a number or an option needs far fewer)
MAX_SESSION_CHARS = 64
MAX_ANSWERS_PER_WINDOW = 30  # per session: a student changing their mind is a few a minute
ANSWER_WINDOW_S = 60.0
ENV = "ATTENTION_LAB_DATA"  # the data folder; default below
FILE_NAME = "classes.sqlite3"
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})  # Crockford's reading of look-alikes


class ClassError(ValueError):
    """A class operation refused; the message says why in words a student or teacher can act on."""


class ClassClosedError(ClassError):
    """No live class has this code (never had, or expired), or the question was revealed."""


class NotTeacherError(ClassError):
    """Reveal, reset or move the class without the token of the session that started it."""


class ClassFullError(ClassError):
    """A bound is reached: classes on this server, or answers in this class."""


class RateLimitedError(ClassError):
    """One session sent too many answers too fast."""


@dataclass(frozen=True)
class Ticket:
    """What starting a class gives the teacher's session: the code to share and the token to keep."""

    code: str
    token: str
    expires: float  # epoch seconds


@dataclass(frozen=True)
class Tally:
    """The answers to one question of one class (choices as str, numbers as float), and whether revealed."""

    question: str
    answers: tuple
    revealed: bool

    @property
    def n(self) -> int:
        return len(self.answers)

    def counts(self, options=()) -> dict:
        """Answers per option, every option present (0 when nobody picked it), in the options' order."""
        c = Counter(self.answers)
        return {o: c.get(o, 0) for o in options} if options else dict(c)


class Store(Protocol):
    """What the pages use. A server database could implement the same methods."""

    def start_class(self) -> Ticket: ...
    def is_open(self, code: str) -> bool: ...
    def is_teacher(self, code: str, token: str | None) -> bool: ...
    def answer(self, code: str, session: str, question_id: str, raw) -> str | float: ...
    def my_answer(self, code: str, session: str, question_id: str) -> str | float | None: ...
    def tally(self, code: str, question_id: str) -> Tally: ...
    def revealed(self, code: str, question_id: str) -> bool: ...
    @contextlib.contextmanager
    def _as_teacher(self, code: str, token: str | None, question_id: str):
        """One write transaction that only the class's teacher may make (rolled back if anything fails)."""
        self._question(question_id)
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            self._teacher(db, code, token)
            yield db
            db.execute("COMMIT")

    def reveal(self, code: str, token: str | None, question_id: str) -> None:
        with self._as_teacher(code, token, question_id) as db:
            db.execute("INSERT OR IGNORE INTO reveals (code, question, at) VALUES (?, ?, ?)",
                       (code, question_id, self.clock()))

    def reset(self, code: str, token: str | None, question_id: str) -> None:
        """Ask ``question_id`` again: its answers and its reveal are removed."""
        with self._as_teacher(code, token, question_id) as db:
            for table in ("answers", "reveals"):
                db.execute(f"DELETE FROM {table} WHERE code = ? AND question = ?", (code, question_id))

    def set_current(self, code: str, token: str | None, question_id: str) -> None:
        """The question the teacher is on (students' pages offer to go there)."""
        with self._as_teacher(code, token, question_id) as db:
            db.execute("UPDATE classes SET current = ? WHERE code = ?", (question_id, code))

    def current(self, code: str) -> str | None: ...


def normalise_code(text) -> str | None:
    """A typed or linked code as stored ("abcd-efgh", " ABCD EFGH " -> "ABCDEFGH"), or None when it cannot be one."""
    if not isinstance(text, str) or len(text) > 4 * CODE_LENGTH:
        return None
    code = "".join(ch for ch in text.upper() if ch not in " -_\t").translate(_ALIASES)
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def format_code(code: str) -> str:
    """For reading aloud and typing: "ABCD-EFGH"."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def data_dir() -> Path:
    """The data folder: ``$ATTENTION_LAB_DATA``, else ``$XDG_DATA_HOME/attention-lab`` (``~/.local/share/...``),
    else (no writable home, e.g. a locked-down container) ``<system temp>/attention-lab``."""
    env = os.environ.get(ENV, "").strip()
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME", "").strip() or str(Path.home() / ".local" / "share")
    candidate = Path(base) / "attention-lab"
    try:
        candidate.mkdir(parents=True, exist_ok=True)
        if os.access(candidate, os.W_OK):
            return candidate
    except OSError:
        pass
    return Path(tempfile.gettempdir()) / "attention-lab"


SCHEMA = """
CREATE TABLE IF NOT EXISTS classes (
    code TEXT PRIMARY KEY, token_sha256 TEXT NOT NULL, created REAL NOT NULL, expires REAL NOT NULL,
    current TEXT);
CREATE TABLE IF NOT EXISTS answers (
    code TEXT NOT NULL, question TEXT NOT NULL, session TEXT NOT NULL, answer TEXT NOT NULL, at REAL NOT NULL,
    PRIMARY KEY (code, question, session));
CREATE TABLE IF NOT EXISTS reveals (code TEXT NOT NULL, question TEXT NOT NULL, at REAL NOT NULL,
    PRIMARY KEY (code, question));
CREATE TABLE IF NOT EXISTS rates (code TEXT NOT NULL, session TEXT NOT NULL, window_start REAL NOT NULL,
    n INTEGER NOT NULL, PRIMARY KEY (code, session));
CREATE INDEX IF NOT EXISTS classes_expires ON classes (expires);
"""


class SqliteStore:
    """``Store`` on one SQLite file in WAL mode.

    Parameters
    ----------
    path : the database file (its folder is created)
    questions : question id -> question; ``question.read(raw)`` returns the answer to store or raises
        a ``ValueError`` saying why not (the lesson's ``Question``)
    clock : seconds since the epoch (tests pass a fake one to expire a class)
    """

    def __init__(self, path, questions: Mapping, clock: Callable[[], float] = time.time):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.questions = dict(questions)
        self.clock = clock
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")  # persistent in the file: readers never wait for the writer
            db.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        """A fresh connection per call (no state shared between threads); autocommit, explicit BEGINs."""
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a committed answer survives a process crash
        return _Closing(db)

    # --- classes ------------------------------------------------------------------------

    def start_class(self) -> Ticket:
        now = self.clock()
        token = secrets.token_urlsafe(24)
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            self._purge(db, now)
            live = db.execute("SELECT count(*) FROM classes").fetchone()[0]
            if live >= MAX_CLASSES:
                raise ClassFullError(f"This server already runs {MAX_CLASSES} classes: try again when one has "
                                     f"ended (a class lasts {CLASS_HOURS:g} hours).")
            while True:  # a collision among 2**40 codes is all but impossible; it is retried anyway
                code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                cur = db.execute("INSERT OR IGNORE INTO classes (code, token_sha256, created, expires) "
                                 "VALUES (?, ?, ?, ?)", (code, _digest(token), now, now + CLASS_HOURS * 3600))
                if cur.rowcount == 1:
                    break
            db.execute("COMMIT")
        return Ticket(code, token, now + CLASS_HOURS * 3600)

    @staticmethod
    def _purge(db, now: float) -> None:
        old = [r[0] for r in db.execute("SELECT code FROM classes WHERE expires <= ?", (now,))]
        for table in ("answers", "reveals", "rates", "classes"):
            db.executemany(f"DELETE FROM {table} WHERE code = ?", [(c,) for c in old])

    def _live(self, db, code: str) -> tuple:
        row = None
        if isinstance(code, str):
            row = db.execute("SELECT token_sha256, expires, current FROM classes WHERE code = ?", (code,)).fetchone()
        if row is None or row[1] <= self.clock():
            raise ClassClosedError("No class with this code is running: it has ended (classes last "
                                   f"{CLASS_HOURS:g} hours) or the code is wrong.")
        return row

    def is_open(self, code: str) -> bool:
        try:
            with self._connect() as db:
                self._live(db, code)
        except ClassClosedError:
            return False
        return True

    def is_teacher(self, code: str, token: str | None) -> bool:
        try:
            with self._connect() as db:
                stored = self._live(db, code)[0]
        except ClassClosedError:
            return False
        return isinstance(token, str) and hmac.compare_digest(stored, _digest(token))

    def _teacher(self, db, code: str, token: str | None) -> None:
        stored = self._live(db, code)[0]
        if not (isinstance(token, str) and hmac.compare_digest(stored, _digest(token))):
            raise NotTeacherError("Only the teacher who started this class can do that.")

    def _question(self, question_id: str):
        q = self.questions.get(question_id) if isinstance(question_id, str) else None
        if q is None:
            raise ClassError("This class has no such question.")
        return q

    # --- answers ------------------------------------------------------------------------

    def answer(self, code: str, session: str, question_id: str, raw) -> str | float:
        """Store ``session``'s answer (replacing its earlier one); returns the answer as stored.

        Raises the question's own ``ValueError`` (an ``AnswerError``) for an answer it does not
        accept, ``ClassClosedError`` (no such class, or the question is revealed), ``ClassFullError``,
        ``RateLimitedError``."""
        question = self._question(question_id)
        if not isinstance(session, str) or not 0 < len(session) <= MAX_SESSION_CHARS:
            raise ClassError("This browser session has no usable id.")
        if isinstance(raw, str) and len(raw) > MAX_ANSWER_CHARS:
            raise ClassError(f"An answer is at most {MAX_ANSWER_CHARS} characters.")
        value = question.read(raw)  # raises for anything the question does not accept
        stored = json.dumps(value)
        now = self.clock()
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")  # the checks and the write see one state, across processes
            self._live(db, code)
            if db.execute("SELECT 1 FROM reveals WHERE code = ? AND question = ?", (code, question_id)).fetchone():
                raise ClassClosedError("The teacher has revealed this question: answers are closed.")
            rate = db.execute("SELECT window_start, n FROM rates WHERE code = ? AND session = ?",
                              (code, session)).fetchone()
            start, n = (now, 0) if rate is None or now - rate[0] >= ANSWER_WINDOW_S else rate
            if n >= MAX_ANSWERS_PER_WINDOW:
                raise RateLimitedError(f"Too many answers from this browser: at most {MAX_ANSWERS_PER_WINDOW} a "
                                       f"{ANSWER_WINDOW_S:g} seconds. Wait a moment.")
            exists = db.execute("SELECT 1 FROM answers WHERE code = ? AND question = ? AND session = ?",
                                (code, question_id, session)).fetchone()
            if not exists and db.execute("SELECT count(*) FROM answers WHERE code = ?",
                                         (code,)).fetchone()[0] >= MAX_ANSWERS_PER_CLASS:
                raise ClassFullError(f"This class has {MAX_ANSWERS_PER_CLASS:,} answers, its most.")
            db.execute("INSERT INTO rates (code, session, window_start, n) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (code, session) DO UPDATE SET window_start = excluded.window_start, n = excluded.n",
                       (code, session, start, n + 1))
            db.execute("INSERT INTO answers (code, question, session, answer, at) VALUES (?, ?, ?, ?, ?) "
                       "ON CONFLICT (code, question, session) DO UPDATE SET answer = excluded.answer, at = excluded.at",
                       (code, question_id, session, stored, now))
            db.execute("COMMIT")
        return value

    def my_answer(self, code: str, session: str, question_id: str) -> str | float | None:
        with self._connect() as db:
            self._live(db, code)
            row = db.execute("SELECT answer FROM answers WHERE code = ? AND question = ? AND session = ?",
                             (code, question_id, session)).fetchone()
        return None if row is None else json.loads(row[0])

    def tally(self, code: str, question_id: str) -> Tally:
        with self._connect() as db:
            db.execute("BEGIN")  # one snapshot: the answers and the reveal agree
            self._live(db, code)
            answers = tuple(json.loads(r[0]) for r in db.execute(
                "SELECT answer FROM answers WHERE code = ? AND question = ? ORDER BY at", (code, question_id)))
            shown = db.execute("SELECT 1 FROM reveals WHERE code = ? AND question = ?",
                               (code, question_id)).fetchone() is not None
            db.execute("COMMIT")
        return Tally(question_id, answers, shown)

    def revealed(self, code: str, question_id: str) -> bool:
        with self._connect() as db:
            self._live(db, code)
            return db.execute("SELECT 1 FROM reveals WHERE code = ? AND question = ?",
                              (code, question_id)).fetchone() is not None

    # --- the teacher's -------------------------------------------------------------------

    def reveal(self, code: str, token: str | None, question_id: str) -> None:
        self._question(question_id)
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            self._teacher(db, code, token)
            db.execute("INSERT OR IGNORE INTO reveals (code, question, at) VALUES (?, ?, ?)",
                       (code, question_id, self.clock()))
            db.execute("COMMIT")

    def reset(self, code: str, token: str | None, question_id: str) -> None:
        """Ask ``question_id`` again: its answers and its reveal are removed."""
        self._question(question_id)
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            self._teacher(db, code, token)
            for table in ("answers", "reveals"):
                db.execute(f"DELETE FROM {table} WHERE code = ? AND question = ?", (code, question_id))
            db.execute("COMMIT")

    def set_current(self, code: str, token: str | None, question_id: str) -> None:
        """The question the teacher is on (students' pages offer to go there)."""
        self._question(question_id)
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            self._teacher(db, code, token)
            db.execute("UPDATE classes SET current = ? WHERE code = ?", (question_id, code))
            db.execute("COMMIT")

    def current(self, code: str) -> str | None:
        with self._connect() as db:
            return self._live(db, code)[2]


class _Closing:
    """A connection that closes at the end of its ``with`` (sqlite3's own only ends a transaction),
    rolling back a transaction an exception left open."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        return self.db

    def __exit__(self, *exc) -> None:
        try:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
        finally:
            self.db.close()


def open_store(questions: Mapping, folder=None) -> SqliteStore:
    """The store in ``folder`` (default ``data_dir()``)."""
    return SqliteStore(Path(folder or data_dir()) / FILE_NAME, questions)
