"""Matrices as labelled tables, and the arithmetic of one row written out."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import streamlit as st

from ui.charts import token_labels


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
    where.dataframe(matrix_frame(matrix, rows, cols, decimals), width="stretch",
                    height=min(4 + ROW_PX * (n + 1), 456))


ROW_PX = 38  # a data-grid row at the theme's 17 px base font (35 px, the grid's default, cut the last row)


def dot_line(a: np.ndarray, b: np.ndarray, name: str) -> str:
    """'name = (2 x 2) + (2 x 2) = 8' for short vectors, 'name = sum of 50 products = 8.1234' otherwise."""
    value = float(np.dot(a, b))
    if len(a) <= 4:
        terms = " + ".join(f"({_num(x)} x {_num(y)})" for x, y in zip(a, b))
        return f"{name} = {terms} = {_num(value)}"
    return f"{name} = sum of {len(a)} products = {value:.4f}"


def _num(x: float) -> str:
    x = float(x)
    return f"{x:g}" if abs(x - round(x)) < 1e-12 else f"{x:.4f}"


def labels(words: Sequence[str]) -> list[str]:
    return token_labels(words)


def export_csv(sentences: dict[str, tuple[Sequence[str], object]]) -> tuple[bytes, bytes]:
    """The weights (long: one row per sentence, query, key) and the outputs (one row per word) as CSV.

    ``sentences``: name -> (words, AttentionTrace). Positions, not words, name the
    columns, so two sentences share one header; UTF-8 with a BOM so spreadsheet
    programs read accents and apostrophes right.
    """
    weights, outputs = [], []
    for name, (words, trace) in sentences.items():
        n = len(words)
        q, k = np.divmod(np.arange(n * n), n)
        weights.append(pd.DataFrame({
            "sentence": name, "query_pos": q + 1, "query": [words[i] for i in q],
            "key_pos": k + 1, "key": [words[j] for j in k], "weight": trace.attention_weights.ravel(),
        }))
        out = trace.contextual_embeddings
        outputs.append(pd.concat([
            pd.DataFrame({"sentence": name, "pos": np.arange(1, n + 1), "word": list(words)}),
            pd.DataFrame(out, columns=[f"out_{j}" for j in range(out.shape[1])]),
        ], axis=1))
    return (pd.concat(weights).to_csv(index=False).encode("utf-8-sig"),
            pd.concat(outputs).to_csv(index=False).encode("utf-8-sig"))


def asymmetry(S: np.ndarray, fmt: str = ".3f") -> tuple[str, str | None]:
    """The largest |S - Sᵀ| as shown, and a note when it is only rounding.

    A score matrix X Xᵀ is symmetric in exact arithmetic, but float64 adds the same
    products in a different order for (i, j) and (j, i), so the computed gap can
    be ~1e-15 of the scores, depending on the CPU and BLAS. Gaps at or below
    1e-12 of the largest score are shown as "0", with the computed value in a note.
    """
    S = np.asarray(S, dtype=float)
    gap = float(np.max(np.abs(S - S.T)))
    if gap <= 1e-12 * max(float(np.max(np.abs(S))), 1e-300):
        note = (f"The computer's value is {gap:.1e}: rounding in the last of ~16 digits, because x·y and y·x "
                "add the same products in a different order.") if gap > 0 else None
        return "0", note
    return format(gap, fmt), None
