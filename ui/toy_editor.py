"""The tutorial's 2-D vectors as an editable table (Step by step, with the 2-D vectors chosen)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import attention_core as ac
from ui import messages, state


def render() -> None:
    """The editor in an expander, closed: the steps and their matrices stay on the first screen (Step 1, X,
    shows the vectors); it stays open once a student opens it."""
    try:
        current = state.toy_source()
    except ac.AttentionLabError as exc:  # stored vectors the core refuses (a NaN): say so, go back to the tutorial's
        messages.error(f"The edited 2-D vectors cannot be used ({exc}), so the tutorial's vectors are back.")
        state.set_toy_vectors(None)
        current = state.toy_source()
    with st.expander("The 2-D vectors: edit any number, add or delete a word", icon=":material/edit:"):
        _editor(current)


def _editor(current: ac.VectorTable) -> None:
    table = pd.DataFrame({"word": current.words, "x": current.matrix[:, 0], "y": current.matrix[:, 1]})
    # The editor is keyed by its starting table: once an edit is stored, the next run
    # starts a fresh editor from the stored vectors, so edits survive page changes and
    # are never applied twice.
    key = "toy_editor_" + str(abs(hash(tuple(table.itertuples(index=False)))))
    edited = st.data_editor(
        table, num_rows="dynamic", key=key, hide_index=True,
        column_config={"word": st.column_config.TextColumn(required=True),
                       "x": st.column_config.NumberColumn(required=True, min_value=-1e3, max_value=1e3),
                       "y": st.column_config.NumberColumn(required=True, min_value=-1e3, max_value=1e3)},
    )
    numbers = edited.assign(**{c: pd.to_numeric(edited[c], errors="coerce") for c in ("x", "y")})
    finite = np.isfinite(numbers[["x", "y"]].to_numpy(dtype=float)).all(axis=1)
    left_out = [str(w) for w, ok in zip(numbers["word"], finite) if not ok and str(w).strip() and str(w) != "None"]
    if left_out:
        messages.warning("Every word needs two finite numbers: left out until it has them: "
                         f"{messages.shorten(', '.join(left_out))}.")
    vectors = {ac.lookup_key(str(w).strip()): (float(x), float(y))
               for w, x, y in numbers[finite].dropna().itertuples(index=False) if str(w).strip()}
    if not vectors:
        messages.warning("The table is empty: every word would be unknown. Add a word, or reset.")
    elif vectors != {w: (float(x), float(y)) for w, (x, y) in zip(current.words, current.matrix)}:
        state.set_toy_vectors(vectors)
        st.rerun()
    st.caption("Edits last for this browser session and reach every page, but a shared link carries the "
               "tutorial's vectors, not your edits.")
    if st.button("Reset to the tutorial's vectors", disabled=not state.toy_is_edited()):
        state.set_toy_vectors(None)
        st.rerun()
