"""Word order: attention alone cannot tell "the dog bit the man" from "the man bit the dog"; positions can."""

import numpy as np
import pandas as pd
import streamlit as st

import attention_core as ac
from ui import charts, controls, messages, resources, run_queue, state

settings = state.current_settings()
strength = settings.positions
ROUNDING = 1e-12  # a difference this small is float rounding, not a difference

st.title("Word order: lost and found")
st.caption("Self-attention compares every word with every word, but nothing in softmax(Q Kᵀ / √d_k) V says where "
           "a word stands. Reorder the words and each word's output stays the same. The paper adds a sinusoidal "
           "encoding of the position to each word; 'Word order' in the sidebar sets how strongly.")

@run_queue.fragment  # another sentence here reruns only this comparison, not the sidebar
def comparison() -> None:
    c1, c2 = st.columns(2)
    text_a, text_b = controls.widget("wo_s1", c1), controls.widget("wo_s2", c2)
    try:
        a, b = state.analyse(text_a, settings), state.analyse(text_b, settings)
        order = ac.lessons.word_order(a, b)
    except ac.AttentionLabError as exc:
        messages.problem("Word order", exc)
        return

    st.header("1. Same words, another order")
    m1, m2 = st.columns(2)
    def shown(x: float) -> str:  # float rounding (~1e-16) reads "≈ 0"; its exact value is said below
        return "≈ 0" if x <= ROUNDING else ac.format_number(x)

    m1.metric("largest difference without positions", shown(order.without),
              help="max over words and dimensions of |output in one sentence − the same word's output in the other|")
    m2.metric(f"with positions (strength {strength:g})", shown(order.with_positions),
              help="the same measure with X + strength · PE")
    if order.without <= ROUNDING:
        st.markdown(f"Without positions every word leaves attention with **the same vector** in both sentences "
                    f"(largest difference {order.without:.1e}: float rounding). Who bit whom is lost.")
    if settings.causal:
        messages.info("The causal mask is on: each word sees only the words before it, so the order matters even "
                      "without positions.")
    if strength == 0:
        messages.info("Positions are off: set 'Word order (positional encoding)' in the sidebar to 1 to see the "
                      "outputs separate.")
    words = list(b.words)
    # float rounding alone (~1e-16, different per word) drawn on an axis that fits it read as "man moved most"
    rounding = float(np.max(order.per_word, initial=0.0)) <= ROUNDING
    c1, c2 = st.columns([3, 2])
    with c1:
        charts.show(charts.value_bars(np.zeros_like(order.per_word) if rounding else order.per_word, words,
                                      title=f"how far each word's output moves (strength {strength:g})",
                                      x_title="|output difference|" + (" (≈ 0: float rounding)" if rounding else ""),
                                      domain=(0.0, 1.0) if rounding else None))
    with c2:
        curve = pd.DataFrame({"strength": order.strengths, "largest difference": order.curve})
        charts.show(charts.line_chart(curve, "strength", "largest difference",
                                      title="the difference grows with the strength"), width="stretch")

    st.header("2. The encoding itself")
    enc = ac.lessons.encoding_view(a)
    c1, c2 = st.columns([3, 2])
    with c1:
        cols = [f"{'sin' if j % 2 == 0 else 'cos'} {j // 2}" for j in range(enc.pe.shape[1])]
        charts.show(charts.heatmap(enc.pe, [f"pos {i}" for i in range(len(enc.pe))], cols, diverging=True, bound=1.0,
                                   title=f"PE [{enc.pe.shape[0]} positions x {enc.pe.shape[1]} dimensions]",
                                   value_name="PE", size=500, row_px=36,
                                   axis_titles=("dimension: sin 0, cos 0, sin 1, cos 1, ...", "position")))
        st.caption("Interleaved, as in the paper: even columns are sin(pos / 10000^(2i/d_model)), odd columns the "
                   "cos of the same angle. Each sin/cos pair turns at its own speed: fast on the left, slow on the "
                   "right.")
    with c2:
        sim = pd.DataFrame({"distance": enc.distances, "PE(0) · PE(k)": enc.dots})
        charts.show(charts.line_chart(sim, "distance", "PE(0) · PE(k)", title="two positions' dot product"),
                    width="stretch")
        st.caption("It depends only on the distance between the positions: moving by k is a rotation of every "
                   "sin/cos pair, the same whatever the start, so relative positions are a linear function.")
    n1, n2 = st.columns(2)
    n1.metric("length of an encoding row", f"{enc.encoding_norm:.2f}", help="√(d_model / 2): half sin², half cos²")
    n2.metric("typical length of these word vectors", f"{enc.embedding_norm:.2f}")
    st.caption(f"At strength 1 the encoding is about as long as a word vector ({enc.encoding_norm:.2f} against "
               f"{enc.embedding_norm:.2f}), so position and meaning weigh about the same: the strength is a choice, "
               "not magic (the paper scales the embeddings by √d_model instead).")


comparison()

with st.expander("Show the code that made these numbers"):
    st.code(resources.source(ac.sinusoidal_encoding), language="python")
    st.code(resources.source(ac.word_order_differences), language="python")
    st.code(resources.source(ac.lessons.word_order), language="python")
