"""Sentence Lab: the tutorial's whole story on one screen, live.

Same word, two sentences: watch "apple" start as one static vector and leave
attention as two different, context-aware vectors.
"""

import streamlit as st

import attention_core as ac
from ui import charts, controls, messages, readout, run_queue, scenes, state, story, tables

settings = state.current_settings()

st.title("Sentence Lab: one word, two meanings")
scenes.buttons()

# 1. the embeddings and one analysis per sentence
try:
    source = state.embedding_source(settings)
    ac.make_projections(state.effective_mechanism(settings), source.dim, state.learned_for(settings, source))
except ac.AttentionLabError as exc:
    (messages.info if isinstance(exc, ac.WaitingForInputError) else messages.error)(str(exc))
    st.stop()

results: dict[str, ac.SentenceAnalysis] = {}
for name, text in (("Sentence 1", settings.s1), ("Sentence 2", settings.s2)):
    if name == "Sentence 2" and not text.strip():
        continue  # optional: an empty sentence 2 simply means "one sentence"
    try:
        results[name] = state.analyse(text, settings, source)
    except ac.AttentionLabError as exc:
        messages.problem(name, exc)
if not results:
    st.stop()


@run_queue.fragment  # another heatmap view reruns only this tab, not the sidebar and the analysis
def attention_tab() -> None:
    """Per sentence: the words, the heatmap, and where the target looks."""
    view = controls.widget("matrix_view")  # in the link, so it is kept across pages and can be shared
    if settings.embeddings == "concepts":
        st.caption(f"Concept axes give every word only {len(source.concepts)} numbers, its cosines with the "
                   "concept words, so words look alike to each other and attention is spread almost evenly: "
                   "compare with GloVe 50-d.")
    shown = {name: ac.lessons.heatmap_matrix(a.trace, view) for name, a in results.items()}
    bound = ac.lessons.shared_bound(list(shown.values()))  # the same colour is the same number on both sides
    for col, (name, a) in zip(st.columns(len(results), gap="large"), results.items()):
        words, n = a.words, len(a.words)
        with col:
            st.subheader(name)
            charts.show(charts.token_strip(words, a.known, a.target_index, colour=readout.colour_of(name)))
            messages.sentence_notices(a.tokens, a.known, source.name, state.oov_label(settings))
            heat = charts.heatmap(shown[name], words, title=f"{view} [{n} x {n}]", value_name=view,
                                  diverging=view != "weights", bound=bound, masked=a.blocked)
            if a.target_index is not None:
                story.target_bars(a, readout.colour_of(name))
            else:
                messages.info(messages.target_missing(settings.target, "this sentence"))
            if n > story.LONG:  # a 64 x 64 grid has no readable labels: on demand, with its tooltip
                with st.expander(f"the full heatmap ({n} x {n}: hover a cell to read it)"):
                    charts.show(heat)
            else:
                charts.show(heat)
    readout.attention_notes(results, settings)
    downloads()


def downloads() -> None:
    """The weights and outputs as CSV, beside the numbers (the Attention tab): made only when a button is
    pressed (a callable), and pressing one does not rerun."""
    c1, c2, _ = st.columns([1, 1, 2])
    c1.download_button("Weights (CSV)", lambda: tables.export_csv(results)[0], file_name="attention_weights.csv",
                       mime="text/csv", icon=":material/download:", on_click="ignore",
                       help="one row per (sentence, query word, key word)")
    c2.download_button("Outputs (CSV)", lambda: tables.export_csv(results)[1],
                       file_name="contextual_embeddings.csv", mime="text/csv", icon=":material/download:",
                       on_click="ignore", help="one row per (sentence, word): its contextual embedding")


@run_queue.fragment  # another tab reruns only the tabs, not the sidebar and the analysis
def tabs() -> None:
    """Lazy tabs: only the open tab runs and is drawn (an edit redraws a third of the page), and the open
    tab is part of the shareable link."""
    tab_story, tab_attention, tab_map, tab_meaning = controls.tabs("tab")
    with tab_story:
        if tab_story.open:
            story.render(results, settings, source)
    with tab_attention:
        if tab_attention.open:
            attention_tab()
    with tab_map:
        if tab_map.open:
            readout.map_tab(results)
    with tab_meaning:
        if tab_meaning.open:
            readout.meaning_tab(results, settings, source)


tabs()
