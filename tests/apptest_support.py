"""Helpers for AppTest page tests: start at app.py, read what the page shows."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pandas as pd
import pyarrow as pa
from streamlit.testing.v1 import AppTest

from ui.pages import PAGES

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
VIEWS = [p.path for p in PAGES]  # the one page registry


# The view these tests were written for: the Attention tab, the tutorial's plain mechanism, one-word concepts.
# The app itself opens on the story (learned projections, residual stream, concept word sets).
PLAIN = {"tab": "Attention", "projections": "off", "residual": "false",
         "concepts": "tech, fruit, food, smart, nature, sweet"}


def plain_app(**query) -> AppTest:
    """The app opened with a link that sets the plain mechanism (``PLAIN``), plus ``query``."""
    return new_app(**{**PLAIN, **query})


def new_app(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def charts(at: AppTest) -> list[tuple[dict, pd.DataFrame]]:
    """Every Vega-Lite chart on the page: (spec, its data as a DataFrame)."""
    out = []
    for el in at.get("vega_lite_chart"):
        spec = json.loads(el.proto.spec)
        raw = el.proto.data.data
        df = pa.ipc.open_stream(raw).read_all().to_pandas() if raw else pd.DataFrame()
        out.append((spec, df))
    return out


def chart_titled(at: AppTest, fragment: str) -> list[tuple[dict, pd.DataFrame]]:
    def title(spec):
        t = spec.get("title", "")
        return t.get("text", "") if isinstance(t, dict) else str(t)

    return [(s, d) for s, d in charts(at) if fragment in title(s)]


def raw_texts(at: AppTest, kind: str) -> list[str]:
    """Message bodies as sent (Markdown source, with user text backslash-escaped)."""
    return [e.value for e in getattr(at, kind)]


def texts(at: AppTest, kind: str) -> list[str]:
    """Message bodies as a reader sees them (Markdown backslash escapes removed)."""
    return [re.sub(r"\\([" + re.escape(string.punctuation) + "])", r"\1", v) for v in raw_texts(at, kind)]


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
