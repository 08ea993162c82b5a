"""From typed text to everything a page shows: one function, ``analyse``.

    text -> tokenize -> Tokens                        (n_tokens words and lookup keys)
         -> embeddings.lookup -> X                    (n_tokens, d_model), known flags
         -> Mechanism's projections -> self_attention (the trace: queries ... outputs)
         -> SentenceAnalysis                          (+ the target's index, before/after vectors)

Every switch of the lesson is a field of ``Mechanism``; a page never calls
``self_attention`` itself, so a new switch (a causal mask, positions, a residual
stream, heads) is one field here and is seen by every page at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .attention import AttentionTrace, Projections, self_attention
from .embeddings import OOV_POLICIES
from .errors import EmptyInputError, SettingsError
from .heads import MultiHeadProjections, MultiHeadTrace, check_heads, multi_head_attention
from .positions import MAX_STRENGTH, add_positions
from .text import Tokens, tokenize

PROJECTION_KINDS = ("off", "random", "random_v", "learned")
MAX_D_K = 64
MAX_HEADS = 10  # heads the page offers at most (GloVe's 50 = 10 heads of 5)


@dataclass(frozen=True)
class Mechanism:
    """The switches of self-attention, with the reason for each default.

    Attributes
    ----------
    projections : "off" | "random" | "random_v" | "learned"
        off: Q = K = V = X (the tutorial's first version); random: seeded W_Q, W_K with
        W_V = I (outputs stay word vectors); random_v: W_V random too [d_model x d_k], as in
        the paper; learned: W_Q, W_K trained on the word-sense task (W_V = I).
    d_k : int
        columns of W_Q and W_K (ignored when projections are off: then d_k = d_model).
    seed : int
        the random start of W_Q, W_K, W_V (and of training).
    scale : bool
        divide the scores by sqrt(d_k), the paper's softmax(Q K^T / sqrt(d_k)).
    causal : bool
        each word attends only to itself and the words before it (a decoder's mask).
    positions : float
        how strongly the paper's sinusoidal position encoding is added to X (X + positions * PE);
        0 = off, and then attention cannot tell word order (any reordering reorders the outputs).
    heads : int
        the number of attention heads (each with d_model / heads columns); 1 = the tutorial's single head.
    residual : bool
        the residual stream: each word leaves as x + attention(x), itself plus its context (the
        transformer's "residual connection"). Off = the tutorial's first version, output = attention(x).
    """

    projections: str = "off"  # the tutorial starts without W_Q, W_K, W_V
    d_k: int = 16  # small enough to print, large enough to learn (the paper: 64 of 512)
    seed: int = 0
    scale: bool = True  # the paper's choice; off reproduces the tutorial's hand-computed numbers
    causal: bool = False  # the tutorial's attention sees the whole sentence
    residual: bool = False  # the tutorial's first version has no residual stream
    positions: float = 0.0  # strength of the sinusoidal positions added to X (0 = off, as in the tutorial)
    heads: int = 1  # attention heads; 1 everywhere unless a page asks for more (the Multi-head page)

    def __post_init__(self):
        if self.projections not in PROJECTION_KINDS:
            raise SettingsError(f"projections must be one of {', '.join(PROJECTION_KINDS)}; got {self.projections!r}")
        if not isinstance(self.positions, (int, float)) or not 0 <= self.positions <= MAX_STRENGTH:
            raise SettingsError(f"the position strength must be a number from 0 to {MAX_STRENGTH:g}; "
                                f"got {self.positions!r}")
        if not isinstance(self.heads, (int, np.integer)) or not 1 <= self.heads <= MAX_HEADS:
            raise SettingsError(f"the number of heads must be a whole number from 1 to {MAX_HEADS}; got {self.heads!r}")
        if not isinstance(self.d_k, (int, np.integer)) or not 1 <= self.d_k <= MAX_D_K:
            raise SettingsError(f"d_k must be a whole number from 1 to {MAX_D_K}; got {self.d_k!r}")


def make_projections(mechanism: Mechanism, d_model: int, learned: Projections | None = None) -> Projections | None:
    """W_Q, W_K, W_V for ``mechanism`` on vectors of ``d_model`` numbers; None = off (identity).

    "random" and "random_v" draw the same W_Q, W_K from the same seed, so they give the
    same attention weights: only where the outputs live differs. "learned" needs the
    trained projections (``learned``, from ``train_projections`` on GloVe), which only fit
    vectors of the size they were trained on.
    """
    kind = mechanism.projections
    if kind == "off":
        return None
    if kind in ("random", "random_v"):
        return Projections.random(d_model, mechanism.d_k, d_v=mechanism.d_k if kind == "random_v" else None,
                                  seed=mechanism.seed)
    if learned is None or learned.d_model != d_model:
        raise SettingsError("Learned projections were trained on GloVe 50-d vectors: pick GloVe 50-d in the "
                            "sidebar, or set projections to off or random.")
    return learned


def make_heads(mechanism: Mechanism, d_model: int, learned: MultiHeadProjections | None = None) -> MultiHeadProjections:
    """``mechanism.heads`` heads of width d_model / heads.

    off: head i's W_Q = W_K = W_V = the identity's columns of its slice (each head compares words on its
    own d_model / heads dimensions; W_O = I); random: seeded per head; learned: the heads trained on the
    sense + previous-word task (``train_heads``), which must be given and have this many heads.
    """
    h = mechanism.heads
    d_k = check_heads(d_model, h)  # raises with the divisors of d_model
    if mechanism.projections == "off":
        eye = np.eye(d_model)
        heads = tuple(Projections(eye[:, i * d_k:(i + 1) * d_k], eye[:, i * d_k:(i + 1) * d_k],
                                  eye[:, i * d_k:(i + 1) * d_k], kind="identity") for i in range(h))
        return MultiHeadProjections(heads, np.eye(d_model), kind="identity")
    if mechanism.projections in ("random", "random_v"):
        return MultiHeadProjections.random(d_model, h, seed=mechanism.seed)
    if learned is None or learned.n_heads != h or learned.d_model != d_model:
        raise SettingsError(f"Trained heads exist for {learned.n_heads if learned else 2} heads on GloVe 50-d "
                            "vectors: pick that number of heads, or random heads.")
    return learned


def find_target(tokens: Tokens, target: str) -> int | None:
    """The first token equal to ``target``, or None.

    The target goes through the tokenizer too, so it is compared as the sentence's words are:
    case, accents typed two ways, ’ and a clitic ("Apple's" follows "Apple") make no difference.
    A target of several words follows its first word.
    """
    try:
        key = tokenize(target).keys[0]
    except EmptyInputError:
        return None
    return tokens.keys.index(key) if key in tokens.keys else None


@dataclass(frozen=True)
class SentenceAnalysis:
    """One sentence through the whole pipeline: what every page reads.

    Attributes
    ----------
    tokens : Tokens, n_tokens words
    known : (n_tokens,) bool, False = out of vocabulary
    trace : AttentionTrace, every intermediate (X, queries, keys, values, scores, weights, outputs)
    target_index : int or None, the followed word's position
    mechanism : Mechanism that made it
    embeddings : (n_tokens, d_model) the static word vectors (trace.X adds the positions, if any)
    """

    tokens: Tokens
    known: np.ndarray
    trace: AttentionTrace
    target_index: int | None
    mechanism: Mechanism
    embeddings: np.ndarray  # (n_tokens, d_model) the static word vectors, before any positions are added
    heads: MultiHeadTrace | None = None  # every head's trace, the concatenation and W_O (mechanism.heads > 1)

    @property
    def words(self) -> tuple[str, ...]:
        return self.tokens.words

    @property
    def blocked(self) -> np.ndarray | None:
        """(n_tokens, n_tokens) True where the causal mask blocks attention (None without a mask)."""
        return ~np.isfinite(self.trace.scaled_scores) if self.mechanism.causal else None

    @property
    def word_space(self) -> bool:
        """True when ``after`` compares with the embeddings: W_V = I (outputs are averages of word
        vectors), or the residual stream is on (each output is the word's own vector plus a change)."""
        return self.trace.projections.values_in_word_space or self.mechanism.residual

    @property
    def before(self) -> np.ndarray:
        """(n_tokens, d) what each word was before attention, in the outputs' space.

        The embeddings X when W_V = I or with the residual stream (whose output x + attention(x)
        is a word vector plus a change); otherwise the values X @ W_V, because an output is an
        average of values and only compares with them (like with like).
        """
        return self.embeddings if self.word_space else self.trace.values

    @property
    def after(self) -> np.ndarray:
        """(n_tokens, d) each word after attention: the contextual embeddings, plus the word's own
        vector when the residual stream is on (x + attention(x))."""
        out = self.trace.contextual_embeddings
        return self.trace.X + out if self.mechanism.residual else out


def analyse(text: str, embeddings, mechanism: Mechanism = Mechanism(), *, target: str = "", oov: str = "zero",
            learned: Projections | None = None, learned_heads: MultiHeadProjections | None = None
            ) -> SentenceAnalysis:
    """Tokenize, embed, attend: ``text`` through ``mechanism``.

    Parameters
    ----------
    text : the sentence as typed
    embeddings : any ``Embeddings`` (GloVe, concept axes, random, toy, an upload)
    mechanism : the switches (projections, d_k, seed, scale, causal)
    target : the word to follow ("" = none)
    oov : what unknown words get ("zero", "random", "mean")
    learned : the trained projections, needed when ``mechanism.projections == "learned"``
    learned_heads : the trained heads, needed for learned projections with ``mechanism.heads > 1``

    Raises
    ------
    AttentionLabError (EmptyInputError, SettingsError, NonFiniteError, ...) with a message for the user.
    """
    if oov not in OOV_POLICIES:
        raise SettingsError(f"unknown words must get one of {', '.join(OOV_POLICIES)}; got {oov!r}")
    tokens = tokenize(text)
    lookup = embeddings.lookup(tokens.keys, oov=oov)  # X: (n_tokens, d_model)
    projections = make_projections(mechanism, embeddings.dim, learned) if mechanism.heads == 1 or \
        mechanism.projections != "learned" else None  # learned heads replace the single learned head
    heads_proj = make_heads(mechanism, embeddings.dim, learned_heads) if mechanism.heads > 1 else None
    X = add_positions(lookup.vectors, mechanism.positions) if mechanism.positions else lookup.vectors
    trace = self_attention(X, projections, scale=mechanism.scale, causal=mechanism.causal)  # trace.X: with positions
    if mechanism.residual and trace.values.shape[1] != trace.X.shape[1]:
        raise SettingsError(f"The residual stream adds each output to its word's own vector, so both need "
                            f"{trace.X.shape[1]} numbers; W_V [{trace.X.shape[1]} x {trace.values.shape[1]}] makes "
                            "outputs of another size. Pick projections other than 'random, W_V too', or turn the "
                            "residual stream off.")
    heads = None if heads_proj is None else multi_head_attention(X, heads_proj, scale=mechanism.scale,
                                                                 causal=mechanism.causal)
    return SentenceAnalysis(tokens=tokens, known=lookup.known, trace=trace, target_index=find_target(tokens, target),
                            mechanism=mechanism, embeddings=lookup.vectors, heads=heads)
