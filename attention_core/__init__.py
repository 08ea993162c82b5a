"""Attention Lab's core: the maths and the data of self-attention.

Pure numpy + scikit-learn, float64, no Streamlit or Altair, and no work at
import time (GloVe is loaded on the first ``load_glove()`` call).
"""

from . import concepts, lessons
from .attention import Attended, AttentionTrace, Projections, attention, resolve_scale, self_attention, softmax
from .block import (
    FFN_MULTIPLIER,
    LAYER_NORM_EPS,
    MAX_BLOCK_D_MODEL,
    STAGES,
    BlockTrace,
    FeedForward,
    block_parameter_counts,
    layer_norm,
    stage_similarity,
    transformer_block,
)
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
from .exercises import (
    EXERCISE_1_SENTENCE,
    MISTAKES,
    TOLERANCES,
    AnswerError,
    Exercise2Check,
    PartCheck,
    Tolerance,
    check_exercise_1,
    check_exercise_2,
    check_shape,
    exercise_2_expected,
    exercise_3_shapes,
    parse_numbers,
    parse_shape,
)
from .experiments import ScalingMeasurement, measure_scaling, query_key_scores
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
from .positions import (
    MAX_POSITIONS,
    MAX_STRENGTH,
    add_positions,
    encoding_scale,
    match_reordering,
    offset_rotation,
    order_experiment,
    position_similarity,
    sinusoidal_encoding,
    word_order_differences,
)
from .rnn import APPLE_MUSIC, ElmanRNN, attention_first_word_weight, first_word_influence, rnn_vs_attention
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
    "add_positions", "analyse", "AnswerError", "APPLE_MUSIC", "Attended", "attention", "attention_first_word_weight",
    "AttentionLabError", "AttentionTrace", "block_parameter_counts", "BlockTrace", "check_exercise_1",
    "check_exercise_2", "check_heads", "check_seed", "check_shape", "check_whole", "clean_text", "Concept",
    "concept_axes", "concept_cosines", "concept_embeddings", "concept_scores", "ConceptEmbeddings", "concepts",
    "cosine_to", "DEFAULT_CONCEPT_TEXT", "DEFAULT_CONCEPTS", "divisors", "ElmanRNN", "Embeddings", "EmptyInputError",
    "encoding_scale", "Exercise2Check", "EXERCISE_1_SENTENCE", "exercise_2_expected", "exercise_3_shapes",
    "FeedForward", "FFN_MULTIPLIER", "find_target", "first_word_influence", "format_number", "head_costs",
    "HeadsConfig", "HeadSpecialisation", "HeadsTrainingResult", "known_part", "layer_norm", "LAYER_NORM_EPS", "lessons",
    "load_glove", "load_word_senses", "Lookup", "lookup_key", "make_projections", "MaskError", "match_reordering",
    "MAX_BLOCK_D_MODEL", "MAX_POSITIONS", "MAX_STRENGTH", "MAX_TOKENS", "MAX_UPLOAD_BYTES", "measure_scaling",
    "Mechanism", "MISTAKES", "multi_head_attention", "MultiHeadProjections", "MultiHeadTrace", "nearest_words",
    "NonFiniteError", "NonFiniteVectorFileError", "NotEnoughWordsError", "offset_rotation", "OOV_POLICIES",
    "order_experiment", "OutOfRangeError", "parse_concepts", "parse_numbers", "parse_shape", "parse_vectors",
    "PartCheck", "PCA2D", "pca_2d", "position_similarity", "PROJECTION_KINDS", "Projections", "query_key_scores",
    "random_embeddings", "RandomEmbeddings", "resolve_scale", "rnn_vs_attention", "ScalingMeasurement",
    "self_attention", "sense_concepts",
    "sense_pairs", "SenseExample", "sentence_report", "SentenceAnalysis", "SettingsError", "ShapeError",
    "sinusoidal_encoding", "softmax", "stage_similarity", "STAGES", "tokenize", "Tokens", "Tolerance", "TOLERANCES",
    "toy_embeddings", "TOY_VECTORS", "train_heads", "train_projections", "TrainingConfig", "TrainingResult",
    "transformer_block", "UnknownWordError", "VectorFileError", "VectorTable", "WaitingForInputError",
    "word_order_differences",
]
from . import lesson
