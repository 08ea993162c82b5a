"""The guided lesson's sections: what each says, its one live chart, and the page that goes further.

The numbers come from ``attention_core.lesson`` (measured with this app's pipeline); this module
only words them and draws them. Texts are fixed (never user text).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import attention_core as ac
from ui import charts, resources, run_queue

L = ac.lesson
BLUE, ORANGE, GREEN, PINK = charts.OKABE_ITO[0], charts.OKABE_ITO[1], charts.OKABE_ITO[2], charts.OKABE_ITO[3]

INTRO = {
    "problem": "The same word can mean different things: *Apple* in **I love Apple phones** is a company, *apple* "
               "in **I love apple juice** is a fruit. A word embedding such as GloVe gives each word one fixed "
               "vector, learned from billions of words of text.",
    "static": "That one vector has to serve every meaning. The tutorial pictures it as *50 % tech, 50 % fruit*. "
              "Here we measure it: apple's GloVe cosine with the average direction of a few tech words "
              "(technology, computer, software, …) and of a few fruit words (fruit, banana, orange, …).",
    "scratch": "The tutorial's idea: give each word a new vector that is a **weighted average of every word of the "
               "sentence**, e.g. apple' = 0.1 × love + 0.5 × apple + 0.4 × phones. Mixing in a tech word should "
               "pull apple toward tech.",
    "dot": "Where do the weights come from? From how similar two words are: their **dot product**, "
           "a · b = a₁b₁ + a₂b₂. The tutorial's 2-D vectors: apple = (2, 2), phones = (2, 2), love = (−4, 3), "
           "juice = (4, 0).",
    "softmax": "Scores can be negative and do not sum to 1. **Softmax** turns them into weights: "
               "wᵢ = e^(sᵢ) / Σⱼ e^(sⱼ). Every weight is positive and they sum to 1.",
    "parameters": "With nothing learned, the score of two words is just their GloVe dot product, and a word is "
                  "always most similar to **itself**. The tutorial's fix: learnable weight matrices.",
    "qkv": "Each word gets three vectors: a **query** q = x W_Q (what it looks for), a **key** k = x W_K (what it "
           "offers) and a **value** v = x W_V (what it passes on). Here W_Q and W_K were trained on a small task: "
           "tell the tech *apple* from the fruit *apple* (and the two *banks*).",
    "formula": "All words at once: **Attention(Q, K, V) = softmax(Q Kᵀ / √d_k) V**. Why divide by √d_k? A dot "
               "product of d_k random numbers grows like √d_k, and large scores make softmax pick one word.",
    "worked": "The whole thing on the tutorial's sentences, with real GloVe vectors, the learned W_Q and W_K, and "
              "the residual stream of a transformer (each word leaves as itself + what attention brings).",
    "advantages": "The tutorial's advantages: attention is **parallel** (every word at once) and connects any two "
                  "words **directly**. A recurrent network (RNN) reads one word after another.",
    "next": "Attention compares every word with every word, but nothing in it says **where** a word stands. The "
            "tutorial's next steps fix that and stack the mechanism into a transformer.",
}

FURTHER = {  # section -> (page script, label): where the app goes deeper
    "problem": ("views/sentence_lab.py", "Your own sentences: Sentence Lab"),
    "static": ("views/sentence_lab.py", "Every word's meaning: Sentence Lab"),
    "scratch": ("views/step_by_step.py", "Follow every number in Step by step"),
    "dot": ("views/step_by_step.py", "Every dot product by hand: Step by step"),
    "softmax": ("views/why_scale.py", "Softmax and temperature: Why scale?"),
    "parameters": ("views/why_projections.py", "Symmetric scores: Why projections?"),
    "qkv": ("views/learned.py", "See W_Q, W_K learn: Learned projections"),
    "formula": ("views/why_scale.py", "Measure the scaling on Why scale?"),
    "worked": ("views/exercises.py", "Now the tutorial's exercises, checked"),
    "advantages": ("views/rnn_vs_attention.py", "RNN vs attention, measured"),
}
NEXT_PAGES = (
    ("views/word_order.py", "Positional encoding: Word order", "the sin/cos encoding, and the causal mask"),
    ("views/multi_head.py", "Multi-head attention", "several heads, each with its own W_Q, W_K, W_V"),
    ("views/transformer_block.py", "The transformer block", "attention + residual + layer norm + feed-forward"),
    ("views/exercises.py", "Practice exercises", "the tutorial's three exercises, checked"),
)


def _shares_chart(m: L.Measured, title: str) -> dict:
    return charts.attention_bars(np.asarray(m.numbers["shares"]), m.numbers["labels"], title=title, colour=BLUE,
                                 x_title="tech share of (tech, fruit)", width=300)


def chart(slug: str, m: L.Measured) -> dict:
    """The section's one live chart (a Vega-Lite spec)."""
    n = m.numbers
    if slug == "problem":
        near, sims = zip(*resources.neighbours(n["vector"], ("apple",), k=8))
        return charts.value_bars(np.array(sims), list(near), x_title="cosine with apple (one vector, both senses)",
                                 colour=BLUE, width=300, title="apple's nearest GloVe words")
    if slug == "static":
        return charts.value_bars(np.asarray(n["cosines"]), n["concepts"], title="apple's cosine with each concept",
                                 x_title="cosine", colour=BLUE, width=300)
    if slug in ("scratch", "worked"):
        return _shares_chart(m, "apple's tech share, before and after")
    if slug == "dot":
        return charts.value_bars(np.asarray(n["dots"]), n["words"], title="apple · each word", x_title="dot product",
                                 colour=ORANGE, width=300)
    if slug == "softmax":
        w = np.asarray(n["weights"])
        return charts.attention_bars(w, ["score -2", "score 8", "score 8"], colour=GREEN, width=300,
                                     title=f"softmax([-2, 8, 8]) = [{w[0]:.1e}, {w[1]:.5f}, {w[2]:.5f}]")
    if slug in ("parameters", "qkv"):
        return charts.attention_bars(np.asarray(n["weights"]), n["words"], title="where apple looks", colour=PINK,
                                     width=300)
    if slug == "formula":
        df = pd.DataFrame({"d_k": np.tile(n["d_k"], 2), "largest weight": np.r_[n["unscaled"], n["scaled"]],
                           "scores": ["QKᵀ (no scaling)"] * len(n["d_k"]) + ["QKᵀ / √d_k"] * len(n["d_k"])})
        return charts.line_chart(df, "d_k", "largest weight", colour="scores", log_x=True, y_domain=(0.0, 1.0),
                                 palette=charts.LESSON_COLOURS, title="a row's largest weight, 10 random words")
    if slug == "advantages":
        rows = n["rows"]
        df = pd.DataFrame({"words (n)": [r["n_tokens"] for r in rows] * 2,
                           "multiply-adds": [r["rnn_madds"] for r in rows] + [r["attention_core_madds"] for r in rows],
                           "model": ["RNN: 2 x n x d²"] * len(rows) + ["attention: 2 x n² x d"] * len(rows)})
        return charts.line_chart(df, "words (n)", "multiply-adds", colour="model", log_y=True,
                                 title="work per sentence, d = 50 (not O(1))")
    if slug == "next":
        return charts.value_bars(np.asarray(n["with"]), n["words"], x_title="distance (without positions: 0)",
                                 title="with positions: how far each word moves",
                                 colour=GREEN, width=300)
    raise KeyError(slug)


def links(slug: str) -> None:
    if slug == "next":
        for path, label, what in NEXT_PAGES:
            st.page_link(path, label=label, help=what, icon=":material/arrow_forward:")  # short: one line at 1366 px
    elif slug in FURTHER:
        path, label = FURTHER[slug]
        st.page_link(path, label=label, icon=":material/arrow_forward:")


@run_queue.one_off(st.cache_data(show_spinner=False, max_entries=32))  # computed out of the queue
def measured(slug: str) -> L.Measured:
    """One measurement per section per server process: the inputs are fixed, so is the answer."""
    return L.measure(slug, glove=resources.glove(), learned=resources.trained(16, 0).projections)


@run_queue.one_off(st.cache_data(show_spinner=False, max_entries=2))
def exercise_1() -> L.Measured:
    """Exercise 1's measured answer (the word bank weights most under learned W_Q, W_K): fixed inputs."""
    return L.measure_exercise_1(glove=resources.glove(), learned=resources.trained(16, 0).projections)
