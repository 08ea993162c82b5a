"""State lives here: the shared settings, their defaults, the sidebar that edits
them, and the cached loaders every page uses.

Every shared control has an explicit key and ``bind="query-params"``, so the
address bar is a shareable link that reopens the same sentences and settings.
A value in the URL that makes no sense (``?d_k=-3``, ``?embeddings=nope``) is
replaced by the default before the widgets are built.

Pages never build widgets for shared settings; they call ``current_settings()``
and the helpers below.
"""

from __future__ import annotations

import gc
import threading
from dataclasses import dataclass

import numpy as np
import streamlit as st

import attention_core as ac
from ui import messages

# id -> label. The label is what the widget shows AND what the URL carries
# (Streamlit binds a select's displayed option), so labels are short and stable.
EMBEDDINGS = {
    "glove": "GloVe 50-d",
    "concepts": "GloVe concept axes",
    "random": "random vectors",
    "toy": "tutorial 2-D",
    "upload": "upload a file",
}
EMBEDDING_HELP = (
    "GloVe 50-d: real vectors for 400,000 words (Pennington, Socher, Manning). "
    "Concept axes: each word as its GloVe cosine with each concept word below. "
    "Random: a fixed random vector per word (seeded). Tutorial 2-D: apple (2, 2), phones (2, 2), "
    "love (-4, 3), juice (4, 0), cat, sat, mat. Upload: a GloVe or word2vec text file."
)
PROJECTIONS = {
    "off": "off",
    "random": "random",
    "random_v": "random, W_V too",
    "learned": "learned",
}
PROJECTION_CAPTIONS = [
    "Q = K = V = X, the tutorial's first version",
    "seeded random W_Q, W_K; W_V = I, so outputs stay word vectors",
    "as in the paper: W_V random too [d_model x d_k]; outputs leave word space",
    "W_Q, W_K trained to find the word that decides a sense",
]
HEATMAP_VIEWS = ("weights", "scaled scores", "raw scores")  # the Sentence Lab's "Heatmap shows" (in the link)
OOV = {
    "zero": "zero vector",
    "random": "random vector",
    "mean": "average word",
}
OOV_HELP = ("zero vector: no information (uniform attention, contributes nothing); random vector: a fixed "
            "meaningless vector per word; average word: the mean of the vocabulary.")


@dataclass(frozen=True)
class Defaults:
    """The view a link without parameters opens, with the reason for each value."""

    s1: str = "I love Apple phones"  # the tutorial's first sentence
    s2: str = "I love apple juice"  # ... and its second: same "apple", other meaning
    target: str = "apple"  # the word the tutorial follows
    embeddings: str = "glove"  # real vectors: the claim is checked on real data
    dim: int = 50  # random vectors as wide as GloVe, so the two compare
    seed: int = 0
    concepts: str = "tech, fruit, food, smart, nature, sweet"  # the tutorial's named axes
    oov: str = "zero"  # "we know nothing about this word": no invented meaning
    projections: str = "off"  # the tutorial starts without W_Q, W_K, W_V
    d_k: int = 16  # small enough to print, large enough to learn (paper: 64 of 512)
    proj_seed: int = 0
    scale: bool = True  # the paper's softmax(QK^T / sqrt(d_k))


DEFAULTS = Defaults()
LIMITS = {"dim": (2, 300), "seed": (0, 10_000), "d_k": (1, 64), "proj_seed": (0, 10_000)}
TOY_DEFAULT_HINT = "love apple phones"


@dataclass(frozen=True)
class Settings:
    s1: str
    s2: str
    target: str
    embeddings: str
    dim: int
    seed: int
    concepts: tuple[str, ...]
    oov: str
    projections: str
    d_k: int
    proj_seed: int
    scale: bool


# --- URL hygiene ----------------------------------------------------------------

def _valid_int(raw, key: str) -> bool:
    try:
        value = int(str(raw))
    except ValueError:
        return False
    lo, hi = LIMITS[key]
    return lo <= value <= hi


def sanitize_query_params() -> list[str]:
    """Drop URL values the widgets could not accept, before the widgets are built.

    Returns the names of the parameters that were reset to their defaults.
    """
    qp = st.query_params
    rules = {
        "embeddings": lambda v: v in EMBEDDINGS.values(),
        "projections": lambda v: v in PROJECTIONS.values(),
        "oov": lambda v: v in OOV.values(),
        "scale": lambda v: v.lower() in ("true", "false"),
        "dim": lambda v: _valid_int(v, "dim"),
        "seed": lambda v: _valid_int(v, "seed"),
        "d_k": lambda v: _valid_int(v, "d_k"),
        "proj_seed": lambda v: _valid_int(v, "proj_seed"),
        "matrix_view": lambda v: v in HEATMAP_VIEWS,
    }
    reset = []
    for key, ok in rules.items():
        if key in qp:
            values = qp.get_all(key)
            if len(values) != 1 or not ok(values[0]):
                reset.append(key)
    for key in reset:
        del qp[key]
        st.session_state.pop(key, None)
    return reset


# --- the sidebar ----------------------------------------------------------------

def render_sidebar() -> None:
    """Build every shared control, once per run, from app.py."""
    reset = sanitize_query_params()
    sb = st.sidebar
    sb.header("Sentences")
    sb.text_input("Sentence 1", value=DEFAULTS.s1, key="s1", bind="query-params")
    sb.text_input("Sentence 2 (optional)", value=DEFAULTS.s2, key="s2", bind="query-params")
    sb.text_input("Target word (followed on every page)", value=DEFAULTS.target, key="target", bind="query-params")

    sb.header("Embeddings")
    emb = _ID[sb.selectbox("Word vectors", list(EMBEDDINGS.values()), key="embeddings", bind="query-params",
                           help=EMBEDDING_HELP)]
    if emb == "random":
        c1, c2 = sb.columns(2)
        c1.number_input("Dimension", *LIMITS["dim"], value=DEFAULTS.dim, key="dim", bind="query-params")
        c2.number_input("Vector seed", *LIMITS["seed"], value=DEFAULTS.seed, key="seed", bind="query-params",
                        help="which random vectors: the same seed always gives every word the same vector")
    if emb == "toy":
        sb.caption("2-D vectors for: " + ", ".join(ac.TOY_VECTORS) + ". Try: love apple phones.")
    if emb == "upload":
        sb.file_uploader("GloVe or word2vec text file (max 5 MB)", type=["txt", "vec"], key="upload_file")
        _upload_summary(sb)
    sb.text_input("Concept words (axes and read-out)", value=DEFAULTS.concepts, key="concepts", bind="query-params")
    sb.selectbox("Unknown words get", list(OOV.values()), key="oov", bind="query-params", help=OOV_HELP)

    sb.header("Mechanism")
    _ID[sb.radio("Projections W_Q, W_K, W_V", list(PROJECTIONS.values()), captions=PROJECTION_CAPTIONS,
                        key="projections", bind="query-params")]
    c1, c2 = sb.columns(2)  # always shown: Why projections? and Learned use them even when off here
    c1.number_input("d_k", *LIMITS["d_k"], value=DEFAULTS.d_k, key="d_k", bind="query-params",
                    help="columns of W_Q and W_K: the size of queries and keys (and of values with "
                         "'random, W_V too'; with projections off, d_k = d_model)")
    c2.number_input("Projection seed", *LIMITS["proj_seed"], value=DEFAULTS.proj_seed, key="proj_seed",
                    bind="query-params", help="random start of W_Q, W_K, W_V (also the start of training)")
    if _ID.get(st.session_state.get("projections"), DEFAULTS.projections) == "off":
        sb.caption("Projections off: Q = K = V = X, so d_k is the vectors' own size (d_model: 50 for GloVe, 2 for "
                   "the tutorial's). d_k and the seed above still set Why projections? and Learned projections.")
    sb.toggle("Scale scores by 1/√d_k", value=DEFAULTS.scale, key="scale", bind="query-params")
    if reset:  # said at the top of the page, where it is seen (fixed names only, never user text)
        named = ", ".join(f"{LINK_NAMES[key]} ({key})" if key in LINK_NAMES else key for key in reset)
        st.warning(f"This link had setting(s) that make no sense: {named}. Using the defaults for them.",
                   icon=":material/link_off:")


def _upload_summary(where) -> None:
    """What the uploaded file gave (size, duplicates, ignored rows), in the sidebar, so every page shows it.
    A file that cannot be read is explained by the page itself."""
    upload = st.session_state.get("upload_file")
    if upload is None:
        return
    try:
        table = _uploaded_source(upload.getvalue(), upload.name)
    except ac.AttentionLabError:
        return
    lines = [f"{len(table.words):,} words x {table.dim} numbers"] + list(getattr(table, "notes", ()))
    messages.info(". ".join(line.rstrip(".") for line in lines) + ".", where)  # escaped: the file is user text


_ID = {label: key for table in (EMBEDDINGS, PROJECTIONS, OOV) for key, label in table.items()}


LINK_NAMES = {"embeddings": "Word vectors", "dim": "Dimension", "seed": "Vector seed", "oov": "Unknown words get",
              "projections": "Projections", "proj_seed": "Projection seed", "scale": "Scale scores",
              "matrix_view": "Heatmap shows"}  # the labels a reader sees for a link's parameters


def _get(key: str):
    value = st.session_state.get(key)
    return getattr(DEFAULTS, key) if value is None else value


def current_settings() -> Settings:
    """The shared settings, validated (a page can trust every field)."""
    def pick(key, table):
        v = st.session_state.get(key)
        ids = {label: k for k, label in table.items()}
        return ids.get(v, getattr(DEFAULTS, key))

    def bounded(key):
        try:
            v = int(_get(key))
        except (TypeError, ValueError):
            return getattr(DEFAULTS, key)
        lo, hi = LIMITS[key]
        return v if lo <= v <= hi else getattr(DEFAULTS, key)

    concepts = tuple(dict.fromkeys(ac.lookup_key(c.strip()) for c in str(_get("concepts")).split(",") if c.strip()))
    return Settings(
        s1=str(_get("s1")), s2=str(_get("s2")), target=str(_get("target")).strip(),
        embeddings=pick("embeddings", EMBEDDINGS), dim=bounded("dim"), seed=bounded("seed"),
        concepts=concepts[:12], oov=pick("oov", OOV), projections=pick("projections", PROJECTIONS),
        d_k=bounded("d_k"), proj_seed=bounded("proj_seed"), scale=bool(_get("scale")),
    )


# --- cached loaders ---------------------------------------------------------------

@st.cache_resource(show_spinner="Loading GloVe: 400,000 words x 50 numbers…")
def glove() -> ac.VectorTable:
    """GloVe, loaded once per server process and shared by every session."""
    table = ac.load_glove()
    table.unit_matrix  # noqa: B018 - build the search matrix once, here, not in a user's rerun
    # The server runs a full gc.collect() after every rerun. With pandas, Altair,
    # scikit-learn and GloVe's 400,000-word list loaded, that walks ~150k
    # long-lived objects each time (~75 ms of every edit). They live as long as
    # the process, so move them out of the collector's sight once.
    gc.freeze()
    return table


@st.cache_resource(max_entries=32, show_spinner=False)
def _concept_source(concepts: tuple[str, ...]) -> ac.ConceptEmbeddings:
    return ac.concept_embeddings(concepts, glove())


@st.cache_resource(max_entries=8, show_spinner="Reading your vector file…")
def _uploaded_source(data: bytes, name: str) -> ac.VectorTable:
    return ac.parse_vectors(data, name=name)


def embedding_source(settings: Settings):
    """The embeddings the settings ask for. Raises AttentionLabError with a message to show."""
    if settings.embeddings == "glove":
        return glove()
    if settings.embeddings == "concepts":
        return _concept_source(settings.concepts)
    if settings.embeddings == "random":
        return ac.random_embeddings(settings.dim, settings.seed)
    if settings.embeddings == "toy":
        return toy_source()
    upload = st.session_state.get("upload_file")
    if upload is None:
        raise ac.VectorFileError("Upload a GloVe or word2vec text file in the sidebar (or pick other vectors). "
                                 "An uploaded file stays in the browser that uploaded it: a shared link cannot "
                                 "carry it.")
    return _uploaded_source(upload.getvalue(), upload.name)


def toy_source() -> ac.VectorTable:
    """The tutorial's 2-D vectors, as edited on the Step by step page (if they were)."""
    edited = st.session_state.get(TOY_KEY)
    return ac.toy_embeddings(edited) if edited else _default_toy()


@st.cache_resource
def _default_toy() -> ac.VectorTable:
    return ac.toy_embeddings()


@st.cache_resource(max_entries=64, show_spinner=False)
def _random_projections(d_model: int, d_k: int, seed: int, d_v: int | None = None) -> ac.Projections:
    return ac.Projections.random(d_model, d_k, d_v=d_v, seed=seed)


def projections_for(settings: Settings, d_model: int) -> ac.Projections | None:
    """None (= identity) when projections are off.

    "random" and "random, W_V too" draw the same W_Q, W_K from the same seed, so
    they give the same attention weights: only where the outputs live differs.
    """
    if settings.projections == "off":
        return None
    if settings.projections == "random":
        return _random_projections(d_model, settings.d_k, settings.proj_seed)
    if settings.projections == "random_v":
        return _random_projections(d_model, settings.d_k, settings.proj_seed, settings.d_k)
    return learned_projections(settings, d_model)


class SettingsError(ac.AttentionLabError):
    """Settings that do not go together (not a problem with any one sentence)."""


def learned_projections(settings: Settings, d_model: int) -> ac.Projections:
    """W_Q, W_K trained on the word-sense sentences (cached per d_k and seed)."""
    if settings.embeddings != "glove" or d_model != glove().dim:
        raise SettingsError(
            "Learned projections were trained on GloVe 50-d vectors: pick GloVe 50-d in the sidebar, "
            "or set projections to off or random."
        )
    return trained(settings.d_k, settings.proj_seed).projections


@st.cache_resource
def sense_pairs() -> dict[str, tuple[str, str]]:
    """The word-sense data's ambiguous words and their two senses (apple -> technology, fruit)."""
    return ac.sense_pairs(ac.load_word_senses())


class _TrainingStore:
    """Finished training runs, shared by every session of the server, at most ``size`` of them.

    Not ``st.cache_resource`` on the training function itself: the Learned page
    passes a callback that draws a live loss curve, and Streamlit refuses cached
    functions that draw into containers made outside them.
    """

    def __init__(self, size: int = 16):
        self.size = size
        self.runs: dict[tuple[int, int, bool], ac.TrainingResult] = {}
        self.lock = threading.Lock()


@st.cache_resource
def _training_store() -> _TrainingStore:
    return _TrainingStore()


def trained(d_k: int, seed: int, learn: bool = True, on_step=None) -> ac.TrainingResult:
    """One training run per (d_k, seed, learn), shared by every session; ``on_step`` sees only a fresh run."""
    store = _training_store()
    key = (int(d_k), int(seed), bool(learn))
    with store.lock:  # one run at a time: a class asking at once trains once
        if key not in store.runs:
            if on_step is None:
                with st.spinner("Training W_Q and W_K on the word-sense sentences…"):
                    result = ac.train_projections(glove(), d_k=d_k, seed=seed, learn_projections=learn)
            else:
                result = ac.train_projections(glove(), d_k=d_k, seed=seed, learn_projections=learn,
                                              on_step=on_step)
            if len(store.runs) >= store.size:
                store.runs.pop(next(iter(store.runs)))
            store.runs[key] = result
        return store.runs[key]


TOY_KEY = "toy_vectors"  # the Step by step page's edited 2-D vectors (word -> (x, y))


def set_toy_vectors(vectors: dict[str, tuple[float, float]] | None) -> None:
    """Store edited toy vectors for every page of this session (None = the tutorial's)."""
    if vectors and vectors != {w: tuple(v) for w, v in ac.TOY_VECTORS.items()}:
        st.session_state[TOY_KEY] = vectors
    else:
        st.session_state.pop(TOY_KEY, None)


def toy_is_edited() -> bool:
    return TOY_KEY in st.session_state


# --- one sentence, analysed -----------------------------------------------------------

@dataclass(frozen=True)
class Analysis:
    """A sentence through the whole pipeline."""

    tokens: ac.Tokens
    known: np.ndarray  # (n_tokens,) bool
    trace: ac.AttentionTrace
    target_index: int | None  # first token equal to the target word, if any


def embed(text: str, settings: Settings, source=None) -> tuple[ac.Tokens, ac.Lookup]:
    """Tokenize and look up. Raises AttentionLabError with a message for the user."""
    source = embedding_source(settings) if source is None else source
    tokens = ac.tokenize(text)
    return tokens, source.lookup(tokens.keys, oov=settings.oov)


def analyse(text: str, settings: Settings, source=None) -> Analysis:
    """Tokenize, embed, attend. Raises AttentionLabError with a message for the user."""
    source = embedding_source(settings) if source is None else source
    tokens, lookup = embed(text, settings, source)
    trace = ac.self_attention(lookup.vectors, projections_for(settings, source.dim), scale=settings.scale)
    return Analysis(tokens=tokens, known=lookup.known, trace=trace, target_index=target_index(tokens, settings))


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


def target_index(tokens: ac.Tokens, settings: Settings) -> int | None:
    """The first token equal to the target word, or None.

    The target goes through the tokenizer too, so it is compared as the sentence's words are:
    case, accents typed two ways, ’ and a clitic ("Apple's" follows "Apple") make no difference.
    """
    try:
        target = ac.tokenize(settings.target).keys[0]
    except ac.EmptyInputError:
        return None
    return tokens.keys.index(target) if target in tokens.keys else None


@st.cache_data(max_entries=512, show_spinner=False)
def neighbours(vector: tuple[float, ...], exclude: tuple[str, ...], k: int = 8) -> list[tuple[str, float]]:
    """Nearest GloVe words of one 50-d vector (cached: the same vector is asked for on every rerun)."""
    return ac.nearest_words(np.array([vector]), glove(), k=k, exclude=[exclude])[0]
