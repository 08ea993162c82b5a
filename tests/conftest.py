"""Shared fixtures. Core fixtures first; page/browser fixtures may be added below."""

from __future__ import annotations

import pytest

import attention_core


@pytest.fixture(scope="session")
def glove():
    """The real GloVe 6B 50d table, loaded once for the whole test session."""
    return attention_core.load_glove()
