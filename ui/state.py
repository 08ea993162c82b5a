"""State lives here: this session's settings (from the controls table), its 2-D vectors and
its upload, joined to the core's pipeline. Pages read settings and call ``analyse``; they never
build shared widgets or compute attention themselves.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

import attention_core as ac
from ui import controls, resources
from ui.controls import Settings, current_settings, mechanism  # noqa: F401 - what pages read

__all__ = ["Settings", "current_settings", "mechanism", "effective_mechanism", "learned_unavailable",
           "embedding_source", "analyse", "learned_for", "lesson_sentence", "has_words", "oov_label", "toy_source",
           "set_toy_vectors", "toy_is_edited"]


def embedding_source(settings: Settings):
    """The embeddings the settings ask for. Raises AttentionLabError with a message to show."""
    kind = settings.embeddings
    if kind == "glove":
        return resources.glove()
    if kind == "concepts":
        return resources.concept_source(settings.concepts)
    if kind == "random":
        return ac.random_embeddings(settings.dim, settings.seed)
    if kind == "toy":
        return toy_source()
    upload = st.session_state.get("upload_file")
    if upload is None:
        raise ac.WaitingForInputError(
            f"Upload a GloVe or word2vec text file of at most {ac.MAX_UPLOAD_BYTES / 1e6:g} MB "
            f"({ac.MAX_UPLOAD_BYTES:,} bytes) in the sidebar (or pick other vectors); a larger file is refused by "
            "the uploader. An uploaded file stays in the browser that uploaded it: a shared link cannot carry it.")
    parsed = resources.parsed_upload(upload)
    if parsed.error is not None:
        raise ac.VectorFileError(parsed.error)
    return parsed.table


def learned_for(settings: Settings, source) -> ac.Projections | None:
    """The trained projections when the settings ask for them and the vectors are GloVe (else None:
    the core then says why learned projections cannot be used)."""
    if settings.projections != "learned" or settings.embeddings != "glove":
        return None
    return resources.trained(settings.d_k, settings.proj_seed).projections


def learned_unavailable(settings: Settings) -> bool:
    """Learned projections asked for with vectors they were not trained on (not a mistake: a state)."""
    return settings.projections == "learned" and settings.embeddings != "glove"


def effective_mechanism(settings: Settings) -> ac.Mechanism:
    """The mechanism the pages run: the settings', except that learned projections fall back to off
    with vectors other than GloVe (the sidebar says so)."""
    mech = mechanism(settings)
    return dataclasses.replace(mech, projections="off") if learned_unavailable(settings) else mech


def analyse(text: str, settings: Settings, source=None, **changes) -> ac.SentenceAnalysis:
    """``text`` through the core's pipeline with this session's settings; ``changes`` replace
    fields of the mechanism (e.g. ``projections="off"`` for a page that compares variants).

    Raises AttentionLabError with a message for the user."""
    source = embedding_source(settings) if source is None else source
    mech = dataclasses.replace(effective_mechanism(settings), **changes)
    learned = learned_for(settings, source) if mech.projections == "learned" else None
    heads = resources.trained_heads().projections if learned is not None and mech.heads > 1 else None
    return ac.analyse(text, source, mech, target=settings.target, oov=settings.oov, learned=learned,
                      learned_heads=heads)


def has_words(text: str) -> bool:
    """True when the tokenizer finds a word (so "!!! ???" counts as empty, as the rule says)."""
    try:
        ac.tokenize(text, max_tokens=1)
    except ac.EmptyInputError:
        return False
    return True


def lesson_sentence(settings: Settings) -> tuple[str, str]:
    """(name, text) of the sentence a one-sentence page uses: sentence 1, or sentence 2 if 1 has no words."""
    if not has_words(settings.s1) and has_words(settings.s2):
        return "Sentence 2", settings.s2
    return "Sentence 1", settings.s1


def oov_label(settings: Settings) -> str:
    return controls.BY_KEY["oov"].options[settings.oov]


# --- the tutorial's 2-D vectors, as edited on the Step by step page ------------------

TOY_KEY = "toy_vectors"  # word -> (x, y), for this browser session


def toy_source() -> ac.VectorTable:
    """The tutorial's 2-D vectors, as edited on the Step by step page (if they were)."""
    edited = st.session_state.get(TOY_KEY)
    return ac.toy_embeddings(edited) if edited else resources.default_toy()


def set_toy_vectors(vectors: dict[str, tuple[float, float]] | None) -> None:
    """Store edited toy vectors for every page of this session (None = the tutorial's)."""
    if vectors and vectors != {w: tuple(v) for w, v in ac.TOY_VECTORS.items()}:
        st.session_state[TOY_KEY] = vectors
    else:
        st.session_state.pop(TOY_KEY, None)


def toy_is_edited() -> bool:
    return TOY_KEY in st.session_state
