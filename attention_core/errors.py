"""Errors the core raises, each with a message a student can act on.

Every error is an ``AttentionLabError``, itself a ``ValueError``, so a page can
catch the whole family with one ``except AttentionLabError`` and show the
message with ``st.error`` while the rest of the page keeps working.
"""

from __future__ import annotations


class AttentionLabError(ValueError):
    """Base class: bad input that the user can fix."""


class EmptyInputError(AttentionLabError):
    """The text had no words in it."""


class ShapeError(AttentionLabError):
    """Arrays whose shapes do not fit together; the message names the shapes."""


class NonFiniteError(AttentionLabError):
    """A NaN or infinity reached the core, or a result overflowed."""


class MaskError(AttentionLabError):
    """An attention mask of the wrong shape or type."""


class VectorFileError(AttentionLabError):
    """An uploaded word-vector file that cannot be used; names the line."""


class NonFiniteVectorFileError(VectorFileError, NonFiniteError):
    """An uploaded file with a NaN, an infinity or a value beyond float32's range; names the line and word."""


class UnknownWordError(AttentionLabError):
    """A word that must be in the vocabulary (e.g. a concept word) is not."""


class NotEnoughWordsError(AttentionLabError):
    """A computation (e.g. PCA) that needs more words than it was given."""


class SettingsError(AttentionLabError):
    """Settings that do not go together (not a problem with any one sentence)."""


class OutOfRangeError(AttentionLabError):
    """A setting (a seed, a number of steps) that is not a whole number in its allowed range; names the range."""


class WaitingForInputError(AttentionLabError):
    """Not a mistake: the app waits for something the user has not given yet (a file to upload)."""
