"""The rows of the table of controls (data only): each control's key, label, default, kind, options or
limits, help, and whether it is in the link. ``ui.controls`` builds everything else from them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import attention_core as ac


@dataclass(frozen=True)
class Control:
    """One control. ``options``: id -> label; the label is what the widget shows AND what the URL
    carries (Streamlit binds a select's displayed option), so labels are short and stable."""

    key: str
    label: str
    default: object
    kind: str  # text | select | radio | number | toggle | segmented | tabs
    section: str = ""  # the sidebar's header above it; "" = a page's own control
    options: dict[str, str] = field(default_factory=dict)
    limits: tuple[float, float] | None = None
    step: float | None = None  # number rows with a float default: the +/- step
    help: str | None = None
    in_link: bool = True  # bound to the URL (else kept for the session when a page is left)
    captions: tuple[str, ...] = ()
    shown_when: tuple[str, str] | None = None  # (key, id): a sidebar row shown only while that select has that id
    pair: bool = False  # shares a row with the next control in the sidebar
    parse: Callable[[object], object] | None = None  # widget value -> Settings value
    max_chars: int | None = None  # text rows: the most the box (and so the link) carries; every link reopens


EMBEDDING_HELP = (
    "GloVe 50-d: real vectors for 400,000 words (Pennington, Socher, Manning). "
    "Concept axes: each word as its GloVe cosine with each concept word below. "
    "Random: a fixed random vector per word (seeded). Tutorial 2-D: apple (2, 2), phones (2, 2), "
    "love (-4, 3), juice (4, 0), cat, sat, mat. Upload: a GloVe or word2vec text file."
)

CONTROLS: tuple[Control, ...] = (
    Control("present", "Presenter view", False, "toggle", "View",
            help="For a projector: the sidebar closes, charts and their text grow. Open the sidebar "
                 "(top left) to change anything, or to leave presenter view."),
    # text rows carry max_chars: a 100,000-character sentence in the link made the address unopenable (HTTP 400);
    # 500 characters are ~90 words, more than the 64 the tokenizer uses
    Control("s1", "Sentence 1", "I love Apple phones", "text", "Sentences", max_chars=500),  # the tutorial's first
    Control("s2", "Sentence 2 (optional)", "I love apple juice", "text", "Sentences", max_chars=500),  # other sense
    Control("target", "Target word (followed on every page)", "apple", "text", "Sentences", max_chars=60,
            parse=lambda v: str(v).strip()),
    Control("embeddings", "Word vectors", "glove", "select", "Embeddings", help=EMBEDDING_HELP,
            options={"glove": "GloVe 50-d", "concepts": "GloVe concept axes", "random": "random vectors",
                     "toy": "tutorial 2-D", "upload": "upload a file"}),  # real vectors: checked on real data
    Control("dim", "Dimension", 50, "number", "Embeddings", limits=(2, 300), pair=True,
            shown_when=("embeddings", "random")),  # as wide as GloVe, so the two compare
    Control("seed", "Vector seed", 0, "number", "Embeddings", limits=(0, 10_000), shown_when=("embeddings", "random"),
            help="which random vectors: the same seed always gives every word the same vector"),
    Control("concepts", "Concepts (name: a few words; ...)", ac.DEFAULT_CONCEPT_TEXT, "text", "Embeddings",
            max_chars=400,  # twice the default's ~190 characters
            parse=lambda v: ac.parse_concepts(v).concepts,  # the tutorial's named axes, each a few words
            help="Each concept is the average direction of a few words: 'tech: technology computer software'. "
                 "Separate concepts with ';'. A plain list 'tech, fruit' makes one-word concepts."),
    Control("oov", "Unknown words get", "zero", "select", "Embeddings",
            options={"zero": "zero vector", "random": "random vector", "mean": "average word"},
            help="zero vector: no information (uniform attention, contributes nothing); random vector: a fixed "
                 "meaningless vector per word; average word: the mean of the vocabulary."),  # no invented meaning
    Control("projections", "Projections W_Q, W_K, W_V", "learned", "radio", "Mechanism",
            options={"off": "off", "random": "random", "random_v": "random, W_V too", "learned": "learned"},
            captions=("Q = K = V = X, the tutorial's first version",
                      "seeded random W_Q, W_K; W_V = I, so outputs stay word vectors",
                      "as in the paper: W_V random too [d_model x d_k]; outputs leave word space",
                      "W_Q, W_K trained to find the word that decides a sense")),  # the story's clearest view
    Control("d_k", "d_k", 16, "number", "Mechanism", limits=(1, ac.pipeline.MAX_D_K), pair=True,
            help="columns of W_Q and W_K: the size of queries and keys (and of values with 'random, W_V too'; "
                 "with projections off, d_k = d_model)"),  # small enough to print, large enough to learn
    Control("proj_seed", "Projection seed", 0, "number", "Mechanism", limits=(0, 10_000),
            help="random start of W_Q, W_K, W_V (also the start of training)"),
    Control("scale", "Scale scores by 1/√d_k", True, "toggle", "Mechanism"),  # the paper's softmax(QKᵀ/√d_k)
    Control("positions", "Word order (positional encoding)", 0.0, "number", "Mechanism", limits=(0.0, 5.0),
            step=0.5, help="How strongly the paper's sin/cos encoding of each word's position is added to its "
                           "vector: X + strength · PE. 0 = off: attention then cannot tell word order (see the "
                           "Word order page); 1 = about as long as a GloVe word vector."),  # the tutorial has none
    Control("causal", "Causal mask: each word sees only the words before it", False, "toggle", "Mechanism",
            help="A decoder's mask (GPT): the scores of later words are set to -inf before the softmax, so their "
                 "weights are exactly 0."),  # the tutorial's attention sees the whole sentence
    Control("residual", "Residual stream: output = x + attention(x)", True, "toggle", "Mechanism",
            help="On: each word leaves as itself plus its context, as in a transformer. Off: the tutorial's "
                 "first version, where the output is only the weighted average."),  # keeps each word itself
    # the pages' own controls
    Control("tab", "Sentence Lab tab", "story", "tabs",
            options={"story": "Story", "attention": "Attention", "map": "Map", "meaning": "Meaning"}),
    Control("matrix_view", "Heatmap shows", "weights", "segmented",
            options={v: v for v in ac.lessons.HEATMAP_VIEWS},
            help="weights = softmax(scaled scores); scaled scores = raw scores / √d_k (or / 1 with scaling off); "
                 "raw scores = Q Kᵀ"),
    Control("sbs_step", "Step by step's step", "x", "tabs",  # one step drawn at a time; a link opens any step
            options={"x": "1. X", "w": "2. W_Q, W_K, W_V", "qkv": "3. Q, K, V", "scores": "4. scores",
                     "scaled": "5. scaled", "weights": "6. weights", "outputs": "7. outputs", "hand": "By hand",
                     "tutorial": "Tutorial's example", "work": "How much work?"}),
    Control("wp_part", "Why projections? part", "off", "tabs",  # one part drawn at a time, in the link
            options={"off": "1. Off: symmetric", "random": "2. W_Q ≠ W_K: one-way", "all": "3. Off, random, learned"}),
    Control("lesson", "Step", "1", "segmented",  # the guided lesson's step, in the link: ?lesson=5
            options={str(i): str(i) for i in range(1, len(ac.lesson.SECTIONS) + 1)}),
    Control("exercise", "Exercise", "ex2", "tabs",  # the Exercises page's open exercise, in the link
            options={"ex1": "Exercise 1: the river bank", "ex2": "Exercise 2: cat sat mat",
                     "ex3": "Exercise 3: shapes"}),  # in the tutorial's order; exercise 2 opens (no GloVe run)
    Control("heads", "Heads", "2", "segmented", options={h: h for h in ("1", "2", "5", "10")},
            help="h heads, each with d_k = d_model / h columns (GloVe: 50 = 1 x 50, 2 x 25, 5 x 10, 10 x 5; the 2-D "
                 "vectors: 1 or 2). Learned projections: the 2 trained heads."),  # the Multi-head page's own
    Control("wo_s1", "Sentence A", "the dog bit the man", "text", max_chars=500),  # the Word order page's pair:
    Control("wo_s2", "Sentence B: the same words in another order", "the man bit the dog", "text", max_chars=500),
    Control("sbs_sentence", "Sentence", "Sentence 1", "segmented", in_link=False,
            options={"Sentence 1": "Sentence 1", "Sentence 2": "Sentence 2"}),
    Control("class", "Class code", "", "text", max_chars=12,  # the class poll (ui.poll): ?class=ABCD-EFGH
            help="The code of a class your teacher started, e.g. ABCD-EFGH: your guesses go to the teacher's "
                 "screen, and the answers show when the teacher reveals them."),
    Control("scale_seed", "Random seed of the measurement", 0, "number", limits=(0, 1000), in_link=False),
)
