"""Attention Lab's core: the maths and the data of self-attention.

Pure numpy + scikit-learn, float64, no Streamlit or Altair, and no work at
import time (GloVe is loaded on the first ``load_glove()`` call).
"""

from . import concepts, lessons
from .attention import Attended, AttentionTrace, Projections, attention, resolve_scale, self_attention, softmax
from .concepts import (
    DEFAULT_CONCEPT_TEXT,
    Concept,
    concept_axes,
    concept_cosines,
    known_part,
    parse_concepts,
    sense_concepts,
)
from .embeddings import (
    DEFAULT_CONCEPTS,
    OOV_POLICIES,
    TOY_VECTORS,
    ConceptEmbeddings,
    Embeddings,
    Lookup,
    RandomEmbeddings,
    VectorTable,
    concept_embeddings,
    cosine_to,
    load_glove,
    random_embeddings,
    toy_embeddings,
)
from .errors import (
    AttentionLabError,
    EmptyInputError,
    MaskError,
    NonFiniteError,
    NonFiniteVectorFileError,
    NotEnoughWordsError,
    OutOfRangeError,
    SettingsError,
    ShapeError,
    UnknownWordError,
    VectorFileError,
    WaitingForInputError,
)
from .experiments import ScalingMeasurement, measure_scaling
from .geometry import PCA2D, concept_scores, nearest_words, pca_2d
from .heads import (
    MultiHeadProjections,
    MultiHeadTrace,
    check_heads,
    divisors,
    head_costs,
    multi_head_attention,
)
from .heads_training import HeadsConfig, HeadSpecialisation, HeadsTrainingResult, train_heads
from .numbers import check_seed, check_whole, format_number
from .pipeline import PROJECTION_KINDS, Mechanism, SentenceAnalysis, analyse, find_target, make_projections
from .text import MAX_TOKENS, Tokens, clean_text, lookup_key, tokenize
from .training import (
    SenseExample,
    TrainingConfig,
    TrainingResult,
    load_word_senses,
    sense_pairs,
    sentence_report,
    train_projections,
)
from .vectorfile import MAX_UPLOAD_BYTES, parse_vectors

__all__ = [
    "AttentionLabError", "AttentionTrace", "ConceptEmbeddings", "DEFAULT_CONCEPTS", "EmptyInputError",
    "Embeddings", "Lookup", "MAX_TOKENS", "MaskError", "NonFiniteError", "NotEnoughWordsError",
    "OOV_POLICIES", "PCA2D", "Projections", "RandomEmbeddings", "ShapeError", "TOY_VECTORS", "Tokens",
    "UnknownWordError", "VectorFileError", "VectorTable", "attention", "concept_embeddings",
    "concept_scores", "cosine_to", "load_glove", "nearest_words", "parse_vectors", "pca_2d",
    "random_embeddings", "resolve_scale", "self_attention", "softmax", "tokenize", "lookup_key", "toy_embeddings",
    "ScalingMeasurement", "measure_scaling", "SenseExample", "TrainingConfig", "TrainingResult",
    "load_word_senses", "sense_pairs", "sentence_report", "train_projections",
    OutOfRangeError,
    SettingsError,
    "MultiHeadProjections", "MultiHeadTrace", "check_heads", "divisors", "head_costs", "multi_head_attention",
    "HeadsConfig", "HeadSpecialisation", "HeadsTrainingResult", "train_heads",
]
