"""The shared sidebar: the controls table's sidebar rows, plus what is said beside them."""

from __future__ import annotations

import streamlit as st

import attention_core as ac
from ui import controls, messages, poll, resources, scenes
from ui.chart_base import PRESENTER_TEXT_SCALE

UPLOAD_HELP = (f"At most {ac.MAX_UPLOAD_BYTES / 1e6:g} MB = {ac.MAX_UPLOAD_BYTES:,} bytes, "
               f"{ac.vectorfile.MAX_ROWS:,} words and {ac.vectorfile.MAX_DIM:,} numbers per word. One word per line "
               "followed by its numbers (GloVe), optionally after a word2vec header line '<count> <dimension>'.")


def _embedding_notes(sb) -> None:
    kind = controls._selected("embeddings")
    if kind == "toy":
        sb.caption("2-D vectors for: " + ", ".join(ac.TOY_VECTORS) + ". Try: love apple phones.")
    if kind == "upload":
        sb.file_uploader(f"GloVe or word2vec text file (max {ac.MAX_UPLOAD_BYTES / 1e6:g} MB)", type=["txt", "vec"],
                         key="upload_file", help=UPLOAD_HELP)
        _upload_summary(sb)


def _upload_summary(where) -> None:
    """What the uploaded file gave (size, duplicates, ignored rows), so every page shows it.
    A file that cannot be read is explained by the page itself."""
    upload = st.session_state.get("upload_file")
    if upload is None:
        return
    table = resources.parsed_upload(upload).table
    if table is None:
        return
    lines = [f"{len(table.words):,} {_plural(len(table.words), 'word')} x {table.dim} "
             f"{_plural(table.dim, 'number')}"] + list(getattr(table, "notes", ()))
    messages.info(". ".join(line.rstrip(".") for line in lines) + ".", where)  # escaped: the file is user text


def _plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"


def _projection_note(sb) -> None:
    if controls._selected("projections") == "learned" and controls._selected("embeddings") != "glove":
        sb.info("Learned projections were trained on GloVe 50-d vectors, so with these vectors the pages use "
                "projections off. Pick GloVe 50-d, or random projections.", icon=":material/info:")
    if controls._selected("projections") == "off":
        sb.caption("Projections off: Q = K = V = X, so d_k is the vectors' own size (d_model: 50 for GloVe, 2 for "
                   "the tutorial's). d_k and the seed above still set Why projections? and Learned projections.")


def _target_note(sb) -> None:
    note = messages.target_note(str(st.session_state.get("target", "")))
    if note:
        sb.caption(messages.escape(note))  # the target is user text


def _concepts_note(sb) -> None:
    """Concepts beyond the limits are left out: say so below the box (they were cut without a word)."""
    parsed = ac.parse_concepts(str(st.session_state.get("concepts", "")))
    cut = []
    if parsed.dropped_concepts:
        cut.append(f"only the first {ac.concepts.MAX_CONCEPTS} concepts are used ({parsed.dropped_concepts} left out)")
    if parsed.dropped_words:
        cut.append(f"{ac.concepts.MAX_CONCEPT_WORDS} words per concept at most ({parsed.dropped_words} word"
                   f"{'s' * (parsed.dropped_words != 1)} left out)")
    if cut:
        messages.warning("Concepts: " + "; ".join(cut) + ".", sb)


def _class_rows(sb) -> None:
    """The class poll's rows, last (so they move no other row): the Class code box, start or leave a class."""
    sb.header("Class")
    poll.sidebar(sb)


# Streamlit's smallest text (captions, metric and widget labels, answer options, buttons, tabs, st.table
# cells: 0.875 rem) read 18.6 px on a projector; in presenter view it is the body's size (by the frontend's test ids)
PRESENTER_SMALL_TEXT = ("[data-testid='stCaptionContainer'], [data-testid='stMetricLabel'] p, "
                        "[data-testid='stMetricDelta'], "
                        "[data-testid='stWidgetLabel'] p, [data-testid='stRadioOption'] p, "
                        "[data-testid^='stBaseButton'] p, [data-testid='stButtonGroup'] p, [data-testid='stTab'] p, "
                        "[data-testid='stTable'] td, [data-testid='stTable'] th "
                        "{ font-size: 1rem !important; }")


def render() -> None:
    """Build every shared control, once per run (from app.py); a link's bad settings are said on top."""
    scenes.apply_from_link()  # ?scene=bank: before the widgets read their values
    reset = controls.render_sidebar({"target": _target_note, "embeddings": _embedding_notes,
                                     "concepts": _concepts_note, "proj_seed": _projection_note,
                                     "residual": _class_rows})
    # presenter view: the sidebar closes (Streamlit applies a changed initial state on the next run's config)
    st.set_page_config(initial_sidebar_state="collapsed" if st.session_state.get("present") else "auto")
    if st.session_state.get("present"):
        # and the page's own text grows: Streamlit sizes its text in rem from the theme's base font size (17 px
        # here), so the root grows from that base (125 % of the browser's 16 px was only 18 % more than 17)
        base = st.get_option("theme.baseFontSize") or 16
        st.html(f"<style>html {{ font-size: {base * PRESENTER_TEXT_SCALE:g}px; }} {PRESENTER_SMALL_TEXT}</style>")
    if reset:  # said at the top of the page, where it is seen (fixed names only, never user text)
        named = ", ".join(f"{controls.LINK_NAMES.get(key, key)} ({key})" for key in reset)
        st.warning(f"This link had setting(s) that make no sense: {named}. Using the defaults for them.",
                   icon=":material/link_off:")
    cut = st.session_state.get(controls.CUT_KEY) or ()
    if cut:  # fixed names and numbers only, never user text
        named = ", ".join(f"{controls.LINK_NAMES.get(key, key)} ({key}): the first "
                          f"{controls.BY_KEY[key].max_chars:,} characters" for key in cut)
        st.warning(f"This link had text longer than its box holds, so it was cut to fit. Used: {named}.",
                   icon=":material/link_off:")
