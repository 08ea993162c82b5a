"""Matrices as labelled tables, and the CSV files of the Sentence Lab."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import streamlit as st

import attention_core as ac
from ui.chart_base import PRESENTER_TEXT_SCALE, arrow_rows

ROW_PX = 38  # a data-grid row at the theme's 17 px base font (35 px, the grid's default, cut the last row)


def arrow(data) -> pa.Table | pd.DataFrame:
    """A table without an index (rows as dicts, a dict of columns, a DataFrame) as an Arrow table for
    ``st.dataframe`` / ``st.table``: Streamlit sends tables as Arrow, and converting a DataFrame costs it
    ~0.5 ms (see ``chart_base.arrow_rows``). A column Arrow cannot type (mixed kinds) stays a DataFrame,
    which Streamlit shows with that column as text."""
    try:
        return pa.Table.from_pylist(data) if isinstance(data, list) else arrow_rows(data)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pd.DataFrame(data)


def matrix_frame(matrix: np.ndarray, rows: Sequence[str], cols: Sequence[str] | None = None,
                 decimals: int = 4) -> pd.DataFrame:
    """A (n, m) matrix as a DataFrame with row/column labels, rounded for reading."""
    m = np.asarray(matrix, dtype=float)
    cols = [f"{j}" for j in range(m.shape[1])] if cols is None else list(cols)
    return pd.DataFrame(np.round(m, decimals), index=list(rows), columns=cols)


def show_matrix(title: str, matrix: np.ndarray, rows: Sequence[str], cols: Sequence[str] | None = None,
                *, note: str = "", decimals: int = 4, where=None) -> None:
    """Subheader 'title [n x m]', an optional note, and the table (text only; labels are never Markdown)."""
    where = where or st
    n, m = np.asarray(matrix).shape
    where.markdown(f"**{title}** &nbsp; `[{n} x {m}]`")
    if note:
        where.caption(note)
    frame = matrix_frame(matrix, rows, cols, decimals)
    big = bool(np.nanmax(np.abs(np.asarray(matrix, dtype=float)), initial=0) >= 1e6)  # 3.4e38: 39 digits in a cell
    row_px = ROW_PX * (PRESENTER_TEXT_SCALE if st.session_state.get("present") else 1)  # the grid's rows grow too
    where.dataframe(frame, width="stretch", height=int(min(4 + row_px * (n + 1), 12 * row_px)),
                    column_config={c: st.column_config.NumberColumn(format="%.4g") for c in frame.columns}
                    if big else None)


def export_csv(sentences: Mapping[str, ac.SentenceAnalysis]) -> tuple[bytes, bytes]:
    """The weights and the outputs (``ac.lessons.export_rows``) as CSV, UTF-8 with a BOM so
    spreadsheet programs read accents and apostrophes right."""
    weights, outputs = ac.lessons.export_rows(sentences)
    return (pd.DataFrame(weights).to_csv(index=False).encode("utf-8-sig"),
            pd.DataFrame(outputs).to_csv(index=False).encode("utf-8-sig"))


def fixed(x: float, decimals: int = 4) -> str:
    """``x`` with ``decimals`` decimals, or ``ac.format_number`` when that would be long (3.4e38: 39 digits)."""
    out = f"{float(x):.{decimals}f}"
    return out if len(out) <= 12 else ac.format_number(x)


def asymmetry_text(S: np.ndarray, fmt: str = ".3f") -> tuple[str, str | None]:
    """The largest |S - Sᵀ| as shown, and a note when it is only rounding (then shown as "0")."""
    a = ac.lessons.asymmetry(S)
    if a.rounding:
        note = (f"The computer's value is {a.gap:.1e}: rounding in the last of ~16 digits, because x·y and y·x "
                "add the same products in a different order.") if a.gap > 0 else None
        return "0", note
    out = format(a.gap, fmt)
    return (out if len(out) <= 10 else ac.format_number(a.gap)), None
