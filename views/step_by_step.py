"""Step by step: every matrix of softmax(Q Kᵀ / √d_k) V, in order, with its shape; one step drawn at a time."""

import numpy as np
import pandas as pd
import streamlit as st

import attention_core as ac
from ui import charts, controls, messages, resources, run_queue, state, tables, toy_editor

settings = state.current_settings()

st.title("Step by step")
st.caption("One sentence through self-attention, one matrix at a time, in the order of the formula "
           "softmax(Q Kᵀ / √d_k) V. Every number is computed live from the sidebar's settings.")

# the sentences that have text (if neither has, sentence 1 shows the "enter a word" message)
sentences = [name for name, t in (("Sentence 1", settings.s1), ("Sentence 2", settings.s2))
             if state.has_words(t)] or ["Sentence 1"]
which = controls.widget("sbs_sentence", options=sentences)  # kept when the class visits another page
which = which if which in sentences else sentences[0]
text = settings.s2 if which == "Sentence 2" else settings.s1

if settings.embeddings == "toy":
    toy_editor.render()  # 0. the tutorial's 2-D vectors can be edited here

try:
    res = state.analyse(text, settings)
except ac.AttentionLabError as exc:
    messages.problem(which, exc)
    st.stop()

tr, words = res.trace, res.words
lab = charts.token_labels(words)
proj = tr.projections
n, d_model, d_k, d_v = len(words), tr.X.shape[1], tr.d_k, tr.values.shape[1]
names = {"tokens": lab, "d_model": [f"d{j}" for j in range(d_model)], "d_k": [f"k{j}" for j in range(d_k)],
         "d_v": [f"v{j}" for j in range(d_v)]}

st.subheader(f"n_tokens = {n}, d_model = {d_model}, d_k = {d_k}")
charts.show(charts.token_strip(words, res.known, res.target_index))
messages.sentence_notices(res.tokens, res.known, state.embedding_source(settings).name, state.oov_label(settings))
steps = ac.lessons.formula_steps(tr, settings.scale)


def show(step: ac.lessons.Step, where=None) -> None:
    tables.show_matrix(step.title, step.matrix, names[step.rows], names[step.cols], note=step.note, where=where)


def projections_step() -> None:
    if proj.kind == "identity":
        st.markdown("**2. W_Q, W_K, W_V**: projections are off, so W_Q = W_K = W_V = I and Q = K = V = X.")
        return
    w_v = "W_V = I" if proj.values_in_word_space else f"W_V [{d_model} x {d_v}]"
    st.markdown(f"**2. W_Q, W_K [{d_model} x {d_k}] ({proj.kind}) and {w_v}**")
    tables.show_matrix("W_Q", proj.W_Q, names["d_model"], names["d_k"])
    tables.show_matrix("W_K", proj.W_K, names["d_model"], names["d_k"])
    if proj.values_in_word_space:
        st.markdown("W_V = I: the values are the embeddings themselves, so outputs stay in the same space.")
    else:
        tables.show_matrix("W_V", proj.W_V, names["d_model"], names["d_v"])


def weights_step() -> None:
    w = steps[6].matrix
    frame = pd.DataFrame(np.round(w, 6), index=lab, columns=lab)
    frame["row sum"] = w.sum(axis=1).round(12)
    st.markdown(f"**{steps[6].title}** &nbsp; `[{n} x {n}]`")
    st.caption(steps[6].note)
    st.dataframe(frame, width="stretch", height=min(4 + tables.ROW_PX * (n + 1), 456))
    charts.show(charts.heatmap(w, words, title="attention_weights", value_name="weight", masked=res.blocked))


@run_queue.fragment  # picking another word reruns only this step, not the sidebar and the page
def by_hand() -> None:
    row = st.selectbox("Word", range(n), index=res.target_index or 0, format_func=lambda i: lab[i], key="sbs_row")
    st.code("\n".join(ac.lessons.follow_word(tr, words, row)), language=None, wrap_lines=True)


def tutorial_example() -> None:
    st.code("\n".join(ac.lessons.worked_example(ac.toy_embeddings())), language=None)
    st.caption("The tutorial computes these without the 1/√d_k factor: the scene '2-D example' (Sentence Lab) "
               "sets the tutorial's vectors, 'love apple phones' and scaling off, so every step shows these numbers.")


def work() -> None:
    count = ac.lessons.work_count(n, d_k, d_v)
    st.markdown(
        "Every word's row is independent, so all rows can be computed at the same time (in parallel): that is "
        "what the tutorial's \"O(1)\" means, one step instead of one step per word. The work is not O(1): "
        f"the scores alone take n_tokens² x d_k = {n}² x {d_k} = **{count.scores:,}** multiply-adds, and the "
        f"weighted sums n_tokens² x d_v = **{count.weighted_sums:,}** more. Doubling the sentence quadruples the "
        "work: self-attention is O(n²).")


@run_queue.fragment  # another step reruns only the steps, not the sidebar and the analysis
def step_tabs() -> None:
    """Lazy tabs: only the open step runs and is drawn (one data grid per edit instead of eight), in the link."""
    drawers = [lambda: show(steps[0]), projections_step,
               lambda: [show(s, c) for c, s in zip(st.columns(3), steps[1:4])], lambda: show(steps[4]),
               lambda: show(steps[5]), weights_step, lambda: show(steps[7]), by_hand, tutorial_example, work]
    for tab, draw in zip(controls.tabs("sbs_step"), drawers):
        with tab:
            if tab.open:
                draw()


step_tabs()

with st.expander("Show the code that made these numbers"):
    st.code(resources.source(ac.self_attention), language="python")
    st.code(resources.source(ac.attention), language="python")
    st.code(resources.source(ac.softmax), language="python")
