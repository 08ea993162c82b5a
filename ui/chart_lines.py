"""Line charts of the lessons' measurements (loss curves, quantities against d_k)."""

from __future__ import annotations

import copy
from collections.abc import Sequence

import altair as alt
import pandas as pd

from ui.chart_base import CONFIG, INK, OKABE_ITO, arrow_rows, spec_template


def line_chart(df: pd.DataFrame, x: str, y: str, *, colour: str | None = None, title: str = "",
               x_title: str | None = None, y_title: str | None = None, log_x: bool = False,
               log_y: bool = False, dashed: str | None = None,
               palette: Sequence[str] = tuple(OKABE_ITO), categorical_x: bool = False,
               y_domain: tuple[float, float] | None = None) -> dict:
    """A line chart with points (loss curves, measurements against d_k).

    ``colour``: a column whose values get one line each, coloured from ``palette`` in order of
    appearance; the line named ``dashed`` (a theory) is drawn thin, dashed and in ink instead.
    Unlike the other charts, a line chart keeps Vega-Lite's default sizing and SVG rendering.
    ``categorical_x``: x is a list of named steps, kept in the rows' order; ``y_domain`` fixes the y axis.
    """
    domain: tuple[str, ...] = ()
    if colour:
        cats = list(dict.fromkeys(df[colour]))
        measured = [c for c in cats if c != dashed]
        colours = dict(zip(measured, palette))
        colours.update({dashed: INK} if dashed in cats else {})
        domain = tuple(cats)
        palette = tuple(colours[c] for c in cats)
    template = _line_template(x, y, colour, x_title, y_title, log_x, log_y, dashed, domain,
                              tuple(palette) if colour else (), categorical_x, y_domain)
    spec = dict(template)  # the top level only: nested parts stay shared with the cache, unchanged
    spec["data"] = {"values": arrow_rows(df)}  # in the template's place for it, as Altair orders the keys
    spec["title"] = title
    if "encoding" in spec:  # Streamlit changes a null legend title in a top-level encoding in place
        spec["encoding"] = copy.deepcopy(spec["encoding"])
    return spec


@spec_template(maxsize=16)
def _line_template(x: str, y: str, colour: str | None, x_title: str | None, y_title: str | None, log_x: bool,
                   log_y: bool, dashed: str | None, domain: tuple[str, ...],
                   colours: tuple[str, ...], categorical_x: bool = False,
                   y_domain: tuple[float, float] | None = None) -> alt.Chart | alt.LayerChart:
    rows = alt.Data(name="rows")  # a stand-in: each chart puts its own rows here
    named = alt.Axis(labelAngle=-30, labelOverlap=False)  # every step named (Vega hid every other one at 1366 px)
    x_enc = (alt.X(f"{x}:N", title=x_title or x, sort=None, axis=named) if categorical_x else
             alt.X(f"{x}:Q", title=x_title or x, scale=alt.Scale(type="log", base=2) if log_x else alt.Undefined))
    y_scale = alt.Scale(type="log") if log_y else (alt.Scale(domain=list(y_domain)) if y_domain else alt.Undefined)
    enc = dict(
        x=x_enc,
        y=alt.Y(f"{y}:Q", title=y_title or y, scale=y_scale),
        tooltip=[alt.Tooltip(f"{x}:{'N' if categorical_x else 'Q'}"), alt.Tooltip(f"{y}:Q", format=".4f")],
    )
    if colour:
        # the legend on top: which line is which is read on the chart's first screen (at the bottom it fell below
        # the fold of a 1366 x 768 laptop on Why scale?)
        enc["color"] = alt.Color(f"{colour}:N", scale=alt.Scale(domain=list(domain), range=list(colours)),
                                 legend=alt.Legend(title=None, orient="top", symbolType="stroke",
                                                   symbolStrokeWidth=4, symbolSize=400))
        enc["tooltip"] = enc["tooltip"] + [alt.Tooltip(f"{colour}:N")]
    if not colour or dashed is None:
        return alt.Chart(rows, title="", config=CONFIG).mark_line(point=True, strokeWidth=3).encode(
            **enc).properties(height=300)
    base = alt.Chart()
    # A theory line that a measurement follows closely: thin, dashed, black and drawn last, so the
    # measured line underneath stays visible.
    is_theory = alt.datum[colour] == dashed
    lines = base.mark_line(point=True, strokeWidth=4).encode(**enc).transform_filter(~is_theory)
    theory = base.mark_line(strokeWidth=2, strokeDash=[8, 6]).encode(**enc).transform_filter(is_theory)
    return alt.LayerChart(rows, layer=[lines, theory], title="", config=CONFIG).properties(height=300)
