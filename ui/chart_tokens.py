"""Charts of one sentence's tokens: the attention heatmap, one row of weights as bars, the token strip.

Rows and columns carry index-prefixed labels ("03 the") so a repeated word keeps its own row,
sorted in sentence order. Numbers in cells are rounded for reading; the tooltip gives six digits.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import numpy as np

import attention_core as ac
from ui.chart_base import (
    CONFIG,
    FONT_SIZE,
    OKABE_ITO,
    SENTENCE_COLOURS,
    by_position,
    filled,
    spec_template,
    token_labels,
)


def cell_text(v: float, decimals: int) -> str:
    """``v`` with ``decimals`` decimals when that is short, else ``ac.format_number`` (at most 10 characters)."""
    out = f"{v:.{decimals}f}"
    return out if len(out) <= 8 else ac.format_number(v)


def bar_text(v: float) -> str:
    """A bar's value to 2 decimals; a small one that is not 0 reads "< 0.01", not "0.00" (softmax never gives
    exactly 0: the tutorial's [-2, 8, 8] has 0.0000227 where "0.00" contradicted the lesson's "never exactly 0")."""
    return ("< 0.01" if v > 0 else "> -0.01") if 0 < abs(v) < 0.005 else cell_text(v, 2)


QUERY_KEY = ("key (attended to)", "query (looking)")  # a heatmap's axes: (columns, rows)


def heatmap(matrix: np.ndarray, row_words: Sequence[str], col_words: Sequence[str] | None = None, *,
            title: str = "", value_name: str = "weight", diverging: bool = False,
            decimals: int = 2, bound: float | None = None, masked: np.ndarray | None = None,
            size: int = 330, axis_titles: tuple[str, str] = QUERY_KEY,
            row_px: int | None = None) -> dict:
    """A (n_rows, n_cols) matrix as coloured cells with the value printed in each cell.

    Rows are queries ("who is looking"), columns are keys ("at whom"). Weights use
    a fixed 0..1 viridis scale so two heatmaps compare; ``diverging`` uses a
    blue-orange scale from -max|value| to +max|value| (for raw and scaled scores,
    which can be negative), so white is always 0. Pass one ``bound`` to several
    heatmaps to make the same colour mean the same score in all of them. ``masked`` (bool, the
    matrix's shape; True = blocked by the causal mask) draws those cells grey with a "×": a blocked
    cell is not a weight of 0 that attention chose, and its scaled score is -inf, not a number.
    ``size``: the grid's side in pixels (smaller for several heatmaps side by side). ``axis_titles``: (columns,
    rows) for a matrix that is not queries against keys; ``row_px``: each row this tall instead of square cells
    (a few rows of many columns, e.g. positions x dimensions), its rows then labelled as a short matrix's are.
    """
    col_words = row_words if col_words is None else col_words
    rows, cols = token_labels(row_words), token_labels(col_words)
    m = np.asarray(matrix, dtype=float)
    n_r, n_c = m.shape
    finite = m[np.isfinite(m)]
    if bound is None or not np.isfinite(bound) or bound <= 0:  # a bad bound would flip or break the scale
        bound = float(np.abs(finite).max()) if finite.size else 1.0
    ri, ci = np.divmod(np.arange(n_r * n_c), n_c)
    blocked = np.zeros(m.size, dtype=bool) if masked is None else np.asarray(masked, dtype=bool).ravel()
    values = np.where(blocked | ~np.isfinite(m.ravel()), 0.0, m.ravel())  # -inf (masked) is drawn, not plotted
    df = {  # columns (a DataFrame first would cost more than the chart: arrow_rows)
        "query": np.asarray(rows)[ri], "query_pos": ri,
        "key": np.asarray(cols)[ci], "key_pos": ci,
        "value": values,
        "text": ["×" if b else cell_text(v, decimals) for v, b in zip(values, blocked)],  # 3.4e38: 39 digits
        "dark": ((np.abs(values) > 0.6 * bound) if diverging else (values < 0.55)) & ~blocked,
    }
    if blocked.any():
        df["masked"] = blocked
    n = max(n_r, n_c)
    cell = int(np.clip(size / max(n, 1), 5, 80))  # 330: >= half a 1920 px column; grid + labels fit a 1366 px one
    font = int(max(10, min(FONT_SIZE, cell // 3))) if n <= 16 else 0  # numbers only while readable
    label_size = FONT_SIZE if n <= 8 else (12 if n <= 20 else 0)  # beyond 20 words the tooltip names the cell
    row_labels = label_size if row_px is None else (FONT_SIZE if n_r <= 8 else (12 if n_r <= 20 else 0))
    if diverging:  # the scale's bound, as JSON (a numpy number becomes a float, as Altair writes it)
        value = float(bound) if isinstance(bound, np.number) else bound
        extra = {"params": [{"name": "bound", "value": value or 1.0}]}
    else:
        extra = {}
    template = _heatmap_template(value_name, diverging, font, label_size, bool(blocked.any()), axis_titles,
                                 row_labels)
    return filled(template, df, title=title, width=cell * n_c, height=(row_px or cell) * n_r, **extra)


@spec_template(maxsize=64)
def _heatmap_template(value_name: str, diverging: bool, font: int, label_size: int,
                      has_mask: bool, axis_titles: tuple[str, str], row_label_size: int) -> alt.LayerChart:
    if diverging:
        # symmetric about 0 (the bound is a parameter filled in per chart): white always means 0, and an
        # all-positive matrix (X Xᵀ) is all orange instead of having its smallest value drawn white
        scale = alt.Scale(scheme="blueorange", domainMin=alt.ExprRef("-bound"), domainMax=alt.ExprRef("bound"),
                          domainMid=0)
    else:
        scale = alt.Scale(scheme="viridis", domain=[0, 1])
    # every word keeps its label (no overlap thinning): a class must see which column is "bank"
    def labels(size):
        return dict(labelOverlap=False, labelFontSize=size) if size else dict(labels=False)
    x = alt.X(**by_position("key", axis_titles[0], labelAngle=-60, orient="top", **labels(label_size)))
    y = alt.Y(**by_position("query", axis_titles[1], **labels(row_label_size)))
    colour = alt.Color("value:Q", scale=scale, title=value_name,
                       legend=alt.Legend(orient="bottom", direction="horizontal", gradientLength=200))
    rects = alt.Chart().mark_rect().encode(
        x=x, y=y,
        color=alt.condition("datum.masked", alt.value("#C8C8C8"), colour) if has_mask else colour,
        tooltip=[alt.Tooltip("query:N"), alt.Tooltip("key:N"), alt.Tooltip("value:Q", format=".6f", title=value_name)],
    )
    layers = [rects]
    if font:
        layers.append(alt.Chart().mark_text(fontSize=font).encode(
            x=x, y=y, text="text:N",
            color=alt.condition("datum.dark", alt.value("white"), alt.value("black")),
        ))
    return alt.LayerChart(layer=layers, config=CONFIG)


def attention_bars(weights: np.ndarray, words: Sequence[str], *, title: str = "",
                   colour: str = SENTENCE_COLOURS[0], width: int = 260, x_title: str = "attention weight",
                   domain: tuple[float, float] | None = (0.0, 1.0)) -> dict:
    """One token's attention row as horizontal bars, in sentence order, with the values.

    ``domain=None`` lets the axis fit the values (for numbers that are not weights: ``value_bars``)."""
    labels = token_labels(words)
    w = np.asarray(weights, dtype=float)
    df = {"key": labels, "key_pos": np.arange(len(labels)), "weight": w, "text": [bar_text(v) for v in w]}
    # room right of the plot for the longest bar's value label (top-level: Streamlit's frontend replaces a spec
    # without one by {bottom: ...}, so the config's padding never applied and "1.95" was cut at 1366 px)
    return filled(_bars_template(colour, x_title, domain), df, title=title, height=max(90, 30 * len(labels)),
                  width=width, padding={"left": 8, "top": 8, "right": 48})


def value_bars(values: np.ndarray, words: Sequence[str], *, title: str = "", x_title: str = "value",
               colour: str = "#D55E00", width: int = 260, domain: tuple[float, float] | None = None) -> dict:
    """One number per word as horizontal bars, in sentence order, on an axis that fits the numbers
    (``domain``: a fixed axis instead, e.g. for values that are all zero)."""
    return attention_bars(values, words, title=title, colour=colour, width=width, x_title=x_title, domain=domain)


@spec_template(maxsize=16)
def _bars_template(colour: str, x_title: str, domain: tuple[float, float] | None) -> alt.LayerChart:
    y = alt.Y(**by_position("key", None))
    x = alt.X("weight:Q", scale=alt.Scale(domain=list(domain)) if domain else alt.Undefined, title=x_title)
    bars = alt.Chart().mark_bar(color=colour).encode(
        x=x, y=y, tooltip=["key:N", alt.Tooltip("weight:Q", format=".6f")])
    text = alt.Chart().mark_text(align="left", dx=4, fontSize=FONT_SIZE).encode(x=x, y=y, text="text:N")
    return alt.LayerChart(layer=[bars, text], config=CONFIG)


def token_strip(words: Sequence[str], known: Sequence[bool], target_index: int | None = None, *,
                max_width: int = 420, colour: str = OKABE_ITO[0]) -> dict:
    """The sentence's tokens as chips, wrapped onto rows: grey = in the vocabulary,
    vermillion + "?" = unknown, ``colour`` (the sentence's) = the target word. Drawn
    as a chart, so typed text is never rendered as HTML or Markdown."""
    labels = token_labels(words)
    status = ["word" if k else "unknown" for k in known]
    if target_index is not None and known[target_index]:
        status[target_index] = "target"
    texts = [w if k else f"{w} ?" for w, k in zip(words, known)]
    longest = max(len(t) for t in texts)
    cell = int(np.clip(11 * longest + 22, 50, 120))
    per_row = max(1, max_width // cell)
    position = np.arange(len(labels))
    df = {"label": labels, "text": texts, "status": status, "col": position % per_row, "row": position // per_row}
    n_rows = (len(labels) - 1) // per_row + 1  # the last row's number + 1 (pandas' Series.max costs ~0.5 ms)
    # SVG: the words stay text nodes (screen readers, tests)
    return filled(_strip_template(cell - 10, colour), df, svg=True, width=cell * min(len(labels), per_row),
                  height=44 * n_rows)


@spec_template(maxsize=32)
def _strip_template(text_limit: int, target_colour: str) -> alt.LayerChart:
    domain = ["word", "target", "unknown"]
    x = alt.X("col:O", axis=None)
    y = alt.Y("row:O", axis=None)
    chips = alt.Chart().mark_rect(cornerRadius=10, stroke="white", strokeWidth=4).encode(
        x=x, y=y,
        color=alt.Color("status:N", scale=alt.Scale(domain=domain, range=["#E4E9F0", target_colour, "#D55E00"]),
                        legend=None),
        tooltip=[alt.Tooltip("text:N", title="word"), alt.Tooltip("label:N", title="position"),
                 alt.Tooltip("status:N")],
    )
    light_target = "true" if target_colour == OKABE_ITO[1] else "false"
    text = alt.Chart().mark_text(fontSize=FONT_SIZE + 1, limit=text_limit, baseline="middle").encode(
        x=x, y=y, text="text:N",
        # white reads on blue and vermillion (4.5:1 and more); on orange (2:1) dark ink does
        color=alt.condition(f"datum.status == 'word' || (datum.status == 'target' && {light_target})",
                            alt.value("#111111"), alt.value("white")))
    return alt.LayerChart(layer=[chips, text], config=CONFIG)
