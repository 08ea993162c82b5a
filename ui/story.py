"""The Sentence Lab's first tab: the tutorial's story on one screen.

Per sentence: the words, where the target looks, and what it means before and after
(its nearest GloVe words, and its share between the two concepts that are its senses).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import streamlit as st

import attention_core as ac
from ui import charts, messages, resources, scenes, state
from ui.readout import colour_of
from ui.state import Settings

LONG = 16  # above this many words a row of bars shows only the largest weights


def mechanism_line(settings: Settings) -> str:
    """The mechanism in plain words (fixed labels only, never user text)."""
    settings = dataclasses.replace(settings, projections=state.effective_mechanism(settings).projections)
    proj = {"off": "no projections (Q = K = V = X)", "random": "random W_Q, W_K", "random_v": "random W_Q, W_K, W_V",
            "learned": "learned W_Q, W_K"}[settings.projections]
    return " · ".join([proj, "residual stream on (x + attention)" if settings.residual else "no residual stream",
                       "scores / √d_k" if settings.scale else "no scaling"])


def target_bars(a: ac.SentenceAnalysis, colour: str, where=None) -> None:
    """The target's row of weights as bars; for a long sentence only its largest weights, in sentence order."""
    i, words = a.target_index, a.words
    row = a.trace.attention_weights[i]
    keep = np.sort(np.argsort(row)[::-1][:10]) if len(words) > LONG else np.arange(len(words))
    title = f"where '{words[i]}' looks " + (f"(its 10 largest of {len(words)} weights)" if len(words) > LONG
                                             else "(its row of weights)")
    labels = [charts.token_labels(words)[j].split(" ", 1)[0] + " " + words[j] for j in keep]
    charts.show(charts.attention_bars(row[keep], [lab.split(" ", 1)[1] for lab in labels], title=title,
                                      colour=colour), where)


def render(results: Mapping[str, ac.SentenceAnalysis], settings: Settings, source) -> None:
    st.caption("Mechanism: " + mechanism_line(settings))
    plain = settings.projections == "off" and not settings.residual
    targets = {name: a for name, a in results.items() if a.target_index is not None}
    if not targets:
        messages.info(messages.target_missing(settings.target, "either sentence",
                                              ": type it into a sentence, or pick another target in the sidebar"))
    senses = resources.sense_pairs()
    near = {}  # (sentence, stage) -> nearest words: every sentence's before and after in one search
    if settings.embeddings == "glove":
        asks = [((name, stage), vector, (a.tokens.keys[a.target_index],)) for name, a in targets.items()
                if a.word_space for stage, vector in (("before", a.before[a.target_index]),
                                                      ("after", a.after[a.target_index]))]
        found = resources.neighbours_of([(vector, exclude) for _, vector, exclude in asks], k=5)
        near = {key: [w for w, _ in row] for (key, _, _), row in zip(asks, found)}
    for col, (name, a) in zip(st.columns(len(results), gap="large"), results.items()):
        i, colour = a.target_index, colour_of(name)
        with col:
            charts.show(charts.token_strip(a.words, a.known, i, colour=colour))
            messages.sentence_notices(a.tokens, a.known, source.name, state.oov_label(settings))
            if i is None:
                if targets:
                    messages.info(messages.target_missing(settings.target, "this sentence"))
                continue
            target_bars(a, colour)
            if settings.embeddings == "glove" and a.word_space:
                key = a.tokens.keys[i]
                concepts, _ = ac.known_part(settings.concepts, resources.glove())
                read = ac.lessons.concept_readout(a.before[i], a.after[i], concepts, resources.glove(), key, senses)
                if read.shares is not None:
                    s, t = (read.concepts[k].name for k in read.pair)
                    st.metric(messages.escape(f"'{a.words[i]}' as {s} (vs {t})"), f"{read.shares[1]:.0%} {s}",
                              f"{100 * (read.shares[1] - read.shares[0]):+.0f} points (before: {read.shares[0]:.0%})")
                for stage in ("before", "after"):
                    st.text(f"nearest words {stage}: {', '.join(near[name, stage])}")
    if not targets:
        return
    if settings.causal and len(targets) == 2:
        a, b = targets.values()
        gap = ac.lessons.target_difference(a, b)
        seen = " ".join(a.tokens.keys[: a.target_index + 1])  # the lookup keys: the same in both
        messages.info(f"Causal mask on: '{a.words[a.target_index]}' sees only the words up to itself. "
                      + (f"Both sentences begin '{seen}', so its output is exactly the same in both (largest "
                         f"difference {gap:.1e}): the later word cannot tell the senses apart."
                         if gap == 0 else f"Its output differs between the sentences by at most {gap:.3g}."))
    first = next(iter(targets.values()))
    if not settings.scale and settings.embeddings == "glove":  # the class switched it off: say what it did
        i = first.target_index
        top = float(first.trace.attention_weights[i].max())
        messages.info(f"Scaling is off: the scores go into softmax without the division by √d_k, so "
                      f"'{first.words[i]}' puts {top:.2f} of its attention on one word. The page 'Why scale?' "
                      "measures why.")
    if plain and settings.embeddings != "random":
        note = plain_note(first)
        if note:
            st.info(messages.escape(note), icon=":material/lightbulb:")
    elif settings.embeddings == "glove":
        if st.button("Show the tutorial's plain version (no projections, no residual)", on_click=scenes.apply,
                     args=("plain",), icon=":material/undo:"):
            st.rerun()  # the scene set the sidebar: the whole page reruns, not only the tabs' fragment


def plain_note(a: ac.SentenceAnalysis) -> str | None:
    """What plain attention does to the target word, read off its own scores and weights (None: one word).

    The tutorial's point is that x · x usually beats x · y, so a word mostly looks at itself; its own 2-D
    example is a tie (apple · apple = apple · phones = 8), where the word shares its attention instead."""
    i = a.target_index
    m = ac.lessons.self_match(a.trace, i)
    if m.best_other is None:
        return None
    w, o = a.words[i], a.words[m.best_other]
    own, other = float(a.trace.attention_weights[i, i]), float(a.trace.attention_weights[i, m.best_other])
    lead = f"Plain attention (the tutorial's first version): '{w}' · '{w}' = {m.self_score:.1f}"
    if np.isclose(m.self_score, m.other_score, rtol=1e-9, atol=1e-12):
        return (f"{lead}, the same as '{w}' · '{o}' = {m.other_score:.1f}, so '{w}' shares its attention between "
                f"itself and '{o}' (weights {own:.2f} and {other:.2f}).")
    if m.self_score > m.other_score:
        then = (f"so '{w}' mostly looks at itself ({own:.2f} of its attention) and moves only a little."
                if own >= 0.5 else f"so itself gets its largest weight ({own:.2f}), the rest spread over the others.")
        return f"{lead}, more than with any other word (best: '{o}', {m.other_score:.1f}), {then}"
    return (f"{lead}, less than '{w}' · '{o}' = {m.other_score:.1f}, so '{w}' looks most at '{o}' "
            f"({other:.2f} of its attention) and moves towards it.")
