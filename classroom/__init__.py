"""The class poll's storage: classes, their answers, their reveals (stdlib only: sqlite3, secrets).

A top-level package beside ``attention_core`` (which stays numpy/scikit-learn maths): it imports
neither Streamlit nor ``ui``. ``ui`` reaches it only through the ``Store`` interface below, so a
server database could replace SQLite later without touching a page.
"""

from classroom.store import (
    ANSWER_WINDOW_S,
    CLASS_HOURS,
    CODE_ALPHABET,
    CODE_LENGTH,
    MAX_ANSWER_CHARS,
    MAX_ANSWERS_PER_CLASS,
    MAX_ANSWERS_PER_WINDOW,
    MAX_CLASSES,
    ClassClosedError,
    ClassError,
    ClassFullError,
    NotTeacherError,
    RateLimitedError,
    SqliteStore,
    Store,
    Tally,
    Ticket,
    data_dir,
    format_code,
    normalise_code,
    open_store,
)

__all__ = [
    "ANSWER_WINDOW_S", "CLASS_HOURS", "CODE_ALPHABET", "CODE_LENGTH", "MAX_ANSWERS_PER_CLASS", "MAX_ANSWERS_PER_WINDOW",
    "MAX_ANSWER_CHARS", "MAX_CLASSES", "ClassClosedError", "ClassError", "ClassFullError", "NotTeacherError",
    "RateLimitedError", "SqliteStore", "Store", "Tally", "Ticket", "data_dir", "format_code", "normalise_code",
    "open_store",
]
