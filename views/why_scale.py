"""Why scale? Measure it: the variance of q . k grows like d_k, and softmax saturates unless we divide."""

import numpy as np
import pandas as pd
import streamlit as st

import attention_core as ac
from ui import charts, controls, messages, resources, run_queue, state

settings = state.current_settings()


@run_queue.one_off(st.cache_data(max_entries=4, show_spinner="Drawing 20,000 random scores q · k per d_k…"))
def measured(seed: int) -> ac.ScalingMeasurement:  # a new seed is measured out of the queue
    return ac.measure_scaling(seed=seed)  # ~15 ms: here, not in the worker (where a training could hold it up)


st.title("Why scale by 1/√d_k?")
st.caption("The tutorial leaves the √d_k for later. Here it is measured: random queries and keys with "
           "independent unit-variance entries, and what happens to the scores and to softmax as d_k grows.")

@run_queue.fragment  # another seed reruns only the measurement, not the sidebar and the page
def measurement() -> None:
    seed = controls.widget("scale_seed", width=260)  # kept when the class visits another page and comes back
    m = measured(int(seed))

    st.header("1. The scores' variance grows like d_k")
    var = pd.DataFrame({  # theory last and dashed: drawn on top of the measurement it matches
        "d_k": np.concatenate([m.d_k, m.d_k, m.d_k]),
        "variance": np.concatenate([m.score_variance, m.scaled_variance, m.d_k.astype(float)]),
        "what": ["measured Var(q · k)"] * len(m.d_k) + ["measured Var(q · k / √d_k)"] * len(m.d_k)
        + ["theory: d_k"] * len(m.d_k),
    })
    charts.show(charts.line_chart(var, "d_k", "variance", colour="what", log_x=True, log_y=True, dashed="theory: d_k",
                                  palette=charts.LESSON_COLOURS,
                                  title="variance of the scores (log-log)", x_title="d_k",
                                  y_title="variance"), width="stretch")
    measured_cols = {"Var(q · k) measured": m.score_variance, "Var(q · k / √d_k) measured": m.scaled_variance}
    st.table(pd.DataFrame({"d_k": m.d_k, **measured_cols}).style.format("{:.3f}", subset=list(measured_cols)),
             hide_index=True)  # both to 3 decimals: at d_k = 1 the two are the same number, and read so
    st.markdown("Each q · k is a sum of d_k products of independent numbers with variance 1, so its variance is d_k: "
                "the scores spread out as the vectors get longer. Dividing by the standard deviation √d_k brings them "
                "back to variance 1, whatever d_k is. (Measured without multiplying out the vectors: for a given q, "
                "q · k with a random k is a normal number with variance |q|², so each query draws |q| and one such "
                "number per key: the same scores, in the code below.)")

    st.header(f"2. Without scaling, softmax becomes one-hot (rows of {m.n_tokens} keys)")
    peak = pd.DataFrame({
        "d_k": np.concatenate([m.d_k, m.d_k]),
        "largest weight": np.concatenate([m.max_weight_unscaled, m.max_weight_scaled]),
        "entropy": np.concatenate([m.entropy_unscaled, m.entropy_scaled]),
        "scores": ["unscaled"] * len(m.d_k) + ["scaled by 1/√d_k"] * len(m.d_k),
    })
    c1, c2 = st.columns(2)
    with c1:
        charts.show(charts.line_chart(peak, "d_k", "largest weight", colour="scores", log_x=True,
                                      palette=charts.LESSON_COLOURS,
                                      title="mean largest weight in a row", y_title="largest weight"), width="stretch")
    with c2:
        charts.show(charts.line_chart(peak, "d_k", "entropy", colour="scores", log_x=True,
                                      palette=charts.LESSON_COLOURS,
                                      title=f"mean row entropy (uniform = ln {m.n_tokens} = {np.log(m.n_tokens):.2f})",
                                      y_title="entropy (nats)"), width="stretch")
    st.caption(f"Entropy measures how spread out a row of weights is: ln n (here ln {m.n_tokens} = "
               f"{np.log(m.n_tokens):.2f}, in nats, the unit of the natural log) when every word gets the same weight, "
               "0 when one word gets it all.")
    st.markdown("A saturated softmax puts almost all weight on one word, and its gradient almost vanishes, so the "
                "model stops learning where to look. With the 1/√d_k factor the rows stay equally soft at any size.")


measurement()

st.header("3. Your sentence, scaling off and on")
name, text = state.lesson_sentence(settings)
try:
    res = state.analyse(text, settings)
except ac.AttentionLabError as exc:
    messages.problem(name, exc)
    st.stop()
messages.sentence_notices(res.tokens, res.known, state.embedding_source(settings).name, state.oov_label(settings))
words, d_k = res.words, res.trace.d_k
cmp = ac.lessons.scaling_comparison(res.trace)
c1, c2 = st.columns(2)
with c1:
    charts.show(charts.heatmap(cmp.unscaled, words, title="weights, scaling off (divide by 1)", value_name="weight",
                               masked=res.blocked))
with c2:
    charts.show(charts.heatmap(cmp.scaled, words, title=f"weights, scaling on (divide by √{d_k})", masked=res.blocked,
                               value_name="weight"))
if (i := res.target_index) is not None:
    st.markdown(f"The target word attends to itself with weight **{cmp.unscaled[i, i]:.3f}** without scaling and "
                f"**{cmp.scaled[i, i]:.3f}** with it.")


@run_queue.fragment  # another temperature reruns only this section
def temperature_section() -> None:
    st.header("4. Scaling is a temperature")
    sqrt_d_k = float(np.sqrt(d_k))  # exact, so that at this T the weights ARE the scaled attention weights
    temperature = st.select_slider("Temperature T: weights = softmax(scores / T)",
                                   options=sorted({0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, sqrt_d_k}),
                                   value=sqrt_d_k, key="temperature", format_func=lambda t: f"{t:.4g}")
    hot = ac.lessons.temperature_weights(res.trace, temperature)
    row = res.target_index if res.target_index is not None else 0
    charts.show(charts.attention_bars(hot[row], words, title=f"row of '{words[row]}' at T = {temperature:.4g}"))
    at_sqrt = ac.lessons.temperature_weights(res.trace, float(np.sqrt(d_k)))
    gap = float(np.max(np.abs(at_sqrt - res.trace.attention_weights))) if settings.scale else None
    st.markdown(
        f"Low T sharpens the weights towards one-hot; high T flattens them towards uniform (1/{len(words)} each). "
        f"Dividing by √d_k is exactly the temperature T = √{d_k} = {np.sqrt(d_k):.3f}"
        + ((": at that T these weights are identical to the scaled attention weights." if gap == 0 else
            f": at that T these weights equal the scaled attention weights (largest difference {gap:.1e}, rounding).")
           if gap is not None else ".")
    )


temperature_section()

with st.expander("Show the code that made these numbers"):
    for code in (ac.measure_scaling, ac.query_key_scores, ac.resolve_scale, ac.lessons.scaling_comparison):
        st.code(resources.source(code), language="python")
