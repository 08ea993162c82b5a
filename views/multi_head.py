"""Multi-head attention: several heads side by side, what each one looks at, and why 8 (measured)."""

import pandas as pd
import streamlit as st

import attention_core as ac
from ui import charts, controls, messages, resources, run_queue, state, tables

settings = state.current_settings()

st.title("Multi-head attention")
st.caption("The paper runs several attentions side by side, each with its own W_Q, W_K, W_V of d_model / h "
           "columns, joins their outputs and mixes them with W_O. Different heads can look for different things.")

name, text = state.lesson_sentence(settings)
d_model = state.embedding_source(settings).dim if settings.embeddings != "upload" else None
offered = [h for h in ("1", "2", "5", "10") if d_model and d_model % int(h) == 0] or ["1"]


@run_queue.fragment  # another number of heads reruns only the heads, not the sidebar and the page
def heads() -> None:
    h = int(controls.widget("heads", options=offered))
    learned = settings.projections == "learned" and settings.embeddings == "glove"
    changes = {"heads": h}
    if learned and h == 2:  # the trained heads saw X + positions: give them what they were trained on
        changes["positions"] = resources.trained_heads().config.position_strength
    elif learned and h > 1:
        changes["projections"] = "random"
        messages.info(f"Trained heads exist for 2 heads: showing {h} random heads instead.")
    try:
        res = state.analyse(text, settings, **changes)
    except ac.AttentionLabError as exc:
        messages.problem(name, exc)
        return
    if res.heads is None:  # one head: the attention of every other page
        charts.show(charts.heatmap(res.trace.attention_weights, res.words, title="head 1 (the only one)",
                                   value_name="weight", masked=res.blocked))
    if res.heads is not None:
        view = ac.lessons.heads_view(res)
        words = res.words
        kind = {"identity": "off: each head compares the words on its own slice of dimensions", "random":
                "random, seeded per head", "learned": "trained for two jobs, the sense word and the previous word "
                "(how well, on held-out sentences: below). On this sentence, the weight on the previous word: " +
                ", ".join(f"head {k + 1} {p:.2f}" for k, p in enumerate(view.previous))}
        st.caption(f"Heads: {kind.get(res.heads.projections.kind, res.heads.projections.kind)}.")
        cols = st.columns(min(h, 5))
        for k in range(h):
            with cols[k % len(cols)]:
                charts.show(charts.heatmap(view.weights[k], words, title=f"head {k + 1}", value_name="weight",
                                           masked=res.blocked, size=330 if h <= 2 else 150))
        if view.target_rows is not None:
            target = words[res.target_index]
            shares = pd.DataFrame({"head": [f"head {k + 1}" for k in range(h)],
                                   f"weight on each word ({', '.join(words)})":
                                       [" ".join(f"{w:.2f}" for w in row) for row in view.target_rows],
                                   f"length of what it adds to '{target}'": view.contribution.round(3)})
            st.table(tables.arrow(shares), hide_index=True)  # static: a data grid costs the browser far more
        st.code("\n".join(view.shapes), language=None)


heads()

if settings.projections == "learned" and settings.embeddings == "glove":
    run = resources.trained_heads()
    st.header("Two trained heads split the work")
    c = st.columns(len(run.heldout))
    for col, spec in zip(c, run.heldout):
        col.metric(f"head {spec.head}: attention on the sense word", f"{spec.cue_attention:.2f}")
        col.metric(f"head {spec.head}: attention on the previous word", f"{spec.previous_attention:.2f}")
    st.caption(f"Measured on {run.n_heldout} held-out sentences (their sense words never occur in training). "
               "Nobody told the heads which job is theirs: which head takes which depends only on the random "
               f"start. Held-out accuracy: sense {run.heldout_sense_accuracy:.0%}, previous word "
               f"{run.heldout_previous_accuracy:.0%}; one head alone cannot do both.")

st.header("Why 8 heads? What it costs, measured")
costs = pd.DataFrame(ac.head_costs(512, (1, 2, 4, 8, 16), 20))
st.table(tables.arrow(costs[["n_heads", "d_k", "parameters", "madds", "attention_patterns"]]), hide_index=True,
             width="stretch")
st.markdown("For the paper's d_model = 512 and a 20-word sentence, every choice of h costs **the same** "
            "parameters and multiply-adds: the heads share out the 512 columns. What changes is each head's "
            "width (d_k = 512 / h: 64 for 8 heads, the tutorial's numbers) and how many separate attention "
            "patterns the layer can form. 8 was the paper's choice; its own ablation found 1 head and 32 heads "
            "somewhat worse than 8, which this table does not measure.")

with st.expander("Show the code that made these numbers"):
    st.code(resources.source(ac.multi_head_attention), language="python")
