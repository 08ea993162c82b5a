"""Shared assertions for the numeric tests."""

from __future__ import annotations

import contextlib
import warnings

import numpy as np


@contextlib.contextmanager
def strict():
    """Turn every warning (RuntimeWarning from overflow, 0/0, ...) into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def assert_close(actual, expected, rtol=1e-12, atol=1e-12):
    """assert_allclose that also insists both sides are finite."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert np.all(np.isfinite(actual)) and np.all(np.isfinite(expected))
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)
