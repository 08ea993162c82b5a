"""What every chart shares: palette, type sizes, configuration, token labels, the template cache, ``show``.

A chart builder (in ``chart_tokens``, ``chart_vectors``, ``chart_lines``; pages reach them
through ``ui.charts``) returns a plain Vega-Lite spec: a dict with the chart's rows as an Arrow
table in ``spec["data"]["values"]`` (what Streamlit sends to the browser; ``.to_pandas()`` reads
it). Nothing is hidden on it: change its title or data and that is what ``show`` draws.

Speed: building a chart with Altair and calling ``to_dict`` costs 5-15 ms, and a page shows
up to ten charts per rerun. So each builder's data-free Altair template is built once per
shape, and only its Vega-Lite dict is kept (``spec_template``: an ``lru_cache`` keyed on the
template's parameters). A builder copies the top level of that dict and sets data, sizes,
title and params on the copy (``filled``); the nested parts stay shared with the cache and
are never changed, by the builders or by ``show``. The chart tests validate every spec
against the Vega-Lite schema, which ``to_dict(validate=False)`` skips here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import altair as alt
import numpy as np
import pandas as pd
import pyarrow as pa

# Okabe & Ito (2008), the standard colour-blind-safe categorical palette
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
SENTENCE_COLOURS = OKABE_ITO[:2]
# projections off / random / learned, compared side by side: not blue or orange, which mean the sentences
VARIANT_COLOURS = {"off": "#666666", "random": OKABE_ITO[2], "learned": OKABE_ITO[3]}
LESSON_COLOURS = (OKABE_ITO[5], OKABE_ITO[2])  # Why scale?'s unscaled / scaled lines: not the sentence colours
TINTS = {OKABE_ITO[0]: "#CFE3F2", OKABE_ITO[1]: "#FBE6BF"}  # light backgrounds of the sentence colours
FONT_SIZE = 15
TITLE_SIZE = 18
MAP_SIZE = 480  # px, square: with its title and legend it fits a 1366 x 768 laptop's window

INK = "#262730"  # near-black text: Streamlit's default chart grey (#808495) is 3.7:1 on white, too faint to project
CONFIG = alt.Config(
    axis=alt.AxisConfig(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, labelLimit=220,
                        labelColor=INK, titleColor=INK, gridColor="#DDDDDD", domainColor="#888888",
                        tickColor="#888888"),  # fixed: Streamlit's dark theme would draw black grid lines
    legend=alt.LegendConfig(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, labelLimit=500,
                            labelColor=INK, titleColor=INK),
    title=alt.TitleConfig(fontSize=TITLE_SIZE, anchor="start", color=INK, subtitleColor=INK),
    view=alt.ViewConfig(strokeWidth=0),
    # every chart on its own white card: its near-black text stays readable when a student's Streamlit
    # is in the dark theme (Streamlit's theme type is not known reliably on the server: st.context.theme)
    background="#FFFFFF",
    # no padding here: Streamlit's frontend gives every spec a top-level padding, which replaces the config's;
    # a chart that needs room (the bars' value labels) sets its own at the top level (chart_tokens)
)


def token_labels(words: Sequence[str]) -> list[str]:
    """'01 I', '02 love', ... : unique, sortable, readable labels for tokens."""
    width = max(2, len(str(len(words))))
    return [f"{i + 1:0{width}d} {w}" for i, w in enumerate(words)]


def show(spec: dict, where=None, *, width: str = "content") -> None:
    """Render a spec made by a builder here (``where`` is a Streamlit container, default ``st``).

    ``width="stretch"`` fits the chart to its container's width; the spec itself is not changed.
    """
    import streamlit as st

    if not isinstance(spec, dict):
        raise TypeError(f"show() takes a Vega-Lite spec dict from a ui.charts builder, not {type(spec).__name__}")
    if st.session_state.get("present"):
        spec = styled(spec)
    if width == "stretch":
        spec = {**spec, "autosize": {"type": "fit-x", "contains": "padding"}}
    (where or st).vega_lite_chart(spec, width=width)


def spec_template(maxsize: int) -> Callable:
    """Decorator: ``build(*params)`` makes a data-free Altair chart; the decorated function returns
    its Vega-Lite dict, made once per distinct ``params`` (hashable, passed positionally).

    The returned dict is shared by every chart of that shape: read it, copy it, never change it.
    """
    def decorate(build: Callable[..., alt.TopLevelMixin]) -> Callable[..., dict]:
        @functools.lru_cache(maxsize=maxsize)
        @functools.wraps(build)
        def template(*params) -> dict:
            spec = build(*params).to_dict(validate=False)
            spec.pop("datasets", None)
            for layer in spec.get("layer", []):  # data-free layers point at an "empty" dataset
                if layer.get("data") == {"name": "empty"}:
                    del layer["data"]
            return spec

        return template

    return decorate


def arrow_rows(data) -> pa.Table:
    """A chart's rows as an Arrow table: from a dict of columns (lists, numpy arrays) or a DataFrame.

    Streamlit sends every chart's rows to the browser as Arrow. Given a DataFrame it converts with
    ``pa.Table.from_pandas`` (~0.5 ms for a chart's few columns: pandas' metadata, per-column type
    inference), which was ~10 % of the server's busy time in a class's burst (py-spy); the table built
    here column by column costs a tenth of that, and Streamlit passes it on as it is. Float NaN becomes
    null, as ``from_pandas`` makes it (Vega-Lite skips both)."""
    if isinstance(data, pa.Table):
        return data
    items = data.items() if isinstance(data, (dict, pd.DataFrame)) else None
    if items is None:
        raise TypeError(f"chart rows are a dict of columns or a DataFrame, not {type(data).__name__}")
    columns = {}
    for name, col in items:
        values = getattr(col, "array", col)  # a Series' own array (pandas' Arrow strings convert for free)
        if hasattr(values, "__arrow_array__"):
            columns[str(name)] = values.__arrow_array__()
            continue
        arr = np.asarray(col)
        columns[str(name)] = pa.array(arr, from_pandas=True) if arr.dtype.kind in "fO" else arr
    return pa.table(columns)


def filled(template: dict, data, *, svg: bool = False, **props) -> dict:
    """A chart's spec: a top-level copy of a cached ``template`` with this chart's rows and ``props``
    (title, width, height, params: plain JSON values).

    width/height are the plot area; axes and legends add to it (Streamlit's default "fit" would
    squeeze the cells to make room for them). ``svg=False`` draws one <canvas> instead of an SVG
    node per mark: a page of ten charts then costs the browser a fraction of the style/layout work
    on every edit.
    """
    spec = dict(template)  # the top level only: nested parts stay shared with the cache, unchanged
    spec["data"] = {"values": arrow_rows(data)}  # what Streamlit sends to the browser
    spec.update(props)
    spec.setdefault("autosize", {"type": "pad", "contains": "padding"})
    if not svg:
        spec["usermeta"] = {"embedOptions": {"renderer": "canvas"}}
    return spec


def by_position(field: str, title: str | None, **axis) -> dict:
    """An encoding of a token field sorted in sentence order (by ``<field>_pos``), never alphabetically."""
    return dict(field=field, type="nominal", sort=alt.EncodingSortField(field=f"{field}_pos", op="min"),
                title=title, axis=alt.Axis(**axis) if axis else alt.Undefined)


PRESENT_SCALE = 1.5  # presenter view: 15 px chart text becomes 22.5 px, readable from the back of a room
PRESENTER_TEXT_SCALE = 1.25  # presenter view: the page's own text a quarter larger (ui/sidebar.py sets it)
_FONT_KEYS = {"fontSize", "labelFontSize", "titleFontSize", "subtitleFontSize"}


def styled(spec: dict) -> dict:
    """A copy of ``spec`` for a projector: chart text x1.5 (>= 22 px), the plot area x1.4.

    The rows (``data``) are shared, not copied; the cached templates are never changed.
    """
    def walk(node):
        if isinstance(node, list):
            return [walk(v) for v in node]
        if not isinstance(node, dict):
            return node
        return {key: value if key == "data" else
                round(value * PRESENT_SCALE, 1) if key in _FONT_KEYS and isinstance(value, (int, float)) else
                walk(value) for key, value in node.items()}

    out = walk(spec)
    for key in ("width", "height"):
        if isinstance(out.get(key), (int, float)):
            out[key] = round(out[key] * 1.4)
    return out
