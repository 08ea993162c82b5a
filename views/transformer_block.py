"""The transformer block: attention, add, layer norm, feed-forward, add, layer norm (the paper's order)."""

import pandas as pd
import streamlit as st

import attention_core as ac
from ui import charts, messages, resources, state, tables

settings = state.current_settings()

st.title("The transformer block")
st.caption("Self-attention is one part of a transformer's block. The paper's order: attention, add the word's "
           "own vector back (the residual stream), layer norm, a feed-forward network on each word, add, layer "
           "norm. Every shape and number below is for your sentence; the switches are in the sidebar.")

name, text = state.lesson_sentence(settings)
try:
    res = state.analyse(text, settings)
    view = ac.lessons.block_view(res)
except ac.AttentionLabError as exc:
    messages.problem(name, exc)
    st.stop()
messages.sentence_notices(res.tokens, res.known, state.embedding_source(settings).name, state.oov_label(settings))
words, n, d = res.words, len(res.words), view.d_model

st.header("1. What each stage keeps of the word")
c1, c2 = st.columns([3, 2])
with c1:
    curve = pd.DataFrame(view.survival_rows)
    charts.show(charts.line_chart(curve, "stage", "mean cosine with the input", colour="residual stream",
                                  title="how much of each word's own vector survives",  # (y: the cosine; fits 1366 px)
                                  x_title="stage", categorical_x=True, y_domain=(-1, 1),
                                  palette=(charts.OKABE_ITO[2], "#666666")), width="stretch")
with c2:
    on, off = view.final_survival
    st.metric("after the block, with the residual stream", f"{on:.2f}", help="mean cosine of output and input")
    st.metric("without it", f"{off:.2f}")
    st.markdown("With the residual stream each word leaves the block as **itself plus a change**; without it, "
                f"the block's output keeps little of the word (cosine {off:.2f}): a second block would hardly "
                "know which word it is looking at.")

st.header("2. Every stage, its shape and what switches it")
st.dataframe(tables.arrow(view.stage_table), hide_index=True, width="stretch")
st.caption(f"n_tokens = {n}, d_model = {d}; the feed-forward network is 4 x d_model = {4 * d} wide. "
           "Projections, scaling, the causal mask and the residual stream come from the sidebar; 'Word order' adds "
           "the positional encoding to X before the block.")

st.header("3. Parameters")
st.dataframe(tables.arrow(view.parameter_rows), hide_index=True, width="stretch")
st.markdown("The feed-forward weights here are **random** (seeded), not trained: the picture shows what the "
            "block's *plumbing* does to a word (the residual stream, the normalisation), not what a trained "
            "network would add. Training would shape W_1 and W_2 so that each word's change carries useful "
            "features.")
one_head, eight_heads = view.ffn_share
st.caption(f"The table counts one head, as the tutorial has: the network is then {one_head:.0%} of the paper's "
           f"block. The paper's block has 8 heads (W_Q, W_K, W_V of 512 x 64 each) and an output matrix W_O "
           f"(512 x 512): {view.paper_attention:,} numbers for attention, so the network is {eight_heads:.0%} of it.")

with st.expander("Show the code that made these numbers"):
    st.code(resources.source(ac.transformer_block), language="python")
    st.code(resources.source(ac.layer_norm), language="python")
