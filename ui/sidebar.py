"""The shared sidebar: the controls table's sidebar rows, plus what is said beside them."""

from __future__ import annotations

import streamlit as st

import attention_core as ac
from ui import controls, messages, resources, scenes


def _embedding_notes(sb) -> None:
    kind = controls._selected("embeddings")
    if kind == "toy":
        sb.caption("2-D vectors for: " + ", ".join(ac.TOY_VECTORS) + ". Try: love apple phones.")
    if kind == "upload":
        sb.file_uploader("GloVe or word2vec text file (max 5 MB)", type=["txt", "vec"], key="upload_file")
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


def render() -> None:
    """Build every shared control, once per run (from app.py); a link's bad settings are said on top."""
    scenes.apply_from_link()  # ?scene=bank: before the widgets read their values
    reset = controls.render_sidebar({"embeddings": _embedding_notes, "proj_seed": _projection_note})
    # presenter view: the sidebar closes (Streamlit applies a changed initial state on the next run's config)
    st.set_page_config(initial_sidebar_state="collapsed" if st.session_state.get("present") else "auto")
    if reset:  # said at the top of the page, where it is seen (fixed names only, never user text)
        named = ", ".join(f"{controls.LINK_NAMES.get(key, key)} ({key})" for key in reset)
        st.warning(f"This link had setting(s) that make no sense: {named}. Using the defaults for them.",
                   icon=":material/link_off:")
