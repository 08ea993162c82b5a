"""Word order: the paper's sinusoidal positional encoding, and what it changes.

Self-attention on its own cannot see word order. Every score is a dot product of
two word vectors, and every output a weighted average of value rows, so reordering
the words only reorders the rows and columns of every matrix: "the dog bit the man"
and "the man bit the dog" give "man" the very same output. The transformer's answer
(Vaswani et al., 2017, section 3.5) is to add a vector that depends on the position
alone to each word before attention:

    PE[pos, 2i]     = sin(pos / base^(2i / d_model))    (n_positions, d_model)
    PE[pos, 2i + 1] = cos(pos / base^(2i / d_model))
    X_with_positions = X + strength * PE[:n_tokens]     (n_tokens, d_model)

Nothing here is learned and nothing is random: the page can print every number.
"""

from __future__ import annotations

import math
import numbers
from collections import Counter
from collections.abc import Sequence

import numpy as np

from .attention import Projections, _as_float64, self_attention
from .errors import NonFiniteError, OutOfRangeError, SettingsError, ShapeError
from .numbers import MAX_RANDOM_SIZE, check_whole

MAX_POSITIONS = 4096  # the longest sentence the encoding is drawn for; 4096 x 4096 float64 is 128 MB
MAX_STRENGTH = 10.0  # a GloVe row is ~5 long and so is a 50-d encoding row: 10x already drowns the words
DEFAULT_BASE = 10000.0  # the paper's base: wavelengths from 2 pi to 10000 * 2 pi positions


def _check_real(name: str, value, low: float, high: float, *, low_open: bool = False, why: str = "") -> float:
    """``value`` as a float in [low, high] (or (low, high] with ``low_open``), else an AttentionLabError.

    NaN and infinities are ``NonFiniteError``; bools, strings and numbers outside the range are
    ``OutOfRangeError`` naming the range (a slider's True is not a number, and 1e400 is not "large").
    """
    why = f" ({why})" if why else ""
    bracket = "(" if low_open else "["
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise OutOfRangeError(f"{name} must be a number in {bracket}{low:g}, {high:g}]; got {value!r:.40}{why}.")
    value = float(value)
    if not math.isfinite(value):
        raise NonFiniteError(f"{name} must be a finite number in {bracket}{low:g}, {high:g}]; got {value}{why}.")
    if value > high or value < low or (low_open and value == low):
        raise OutOfRangeError(f"{name} must be a number in {bracket}{low:g}, {high:g}]; got {value:g}{why}.")
    return value


def _check_base(base) -> float:
    """The encoding's base: finite and > 1 (base 1 makes every frequency 1; below 1 they grow)."""
    if isinstance(base, bool) or not isinstance(base, numbers.Real) or not math.isfinite(float(base)):
        raise NonFiniteError(f"base must be a finite number greater than 1 (the paper uses 10000); got {base!r:.40}.")
    if float(base) <= 1.0:
        raise OutOfRangeError(f"base must be greater than 1 (the paper uses 10000); got {float(base):g}: with a "
                              "base of 1 or less the frequencies stop falling from one pair of dimensions to the next.")
    return float(base)


def sinusoidal_encoding(n_positions: int, d_model: int, base: float = DEFAULT_BASE) -> np.ndarray:
    """The paper's positional encoding: one row per position, sines and cosines interleaved.

    PE[pos, 2i] = sin(pos / base^(2i / d_model)) and PE[pos, 2i + 1] = cos(pos / base^(2i / d_model)),
    for i = 0 .. ceil(d_model / 2) - 1. Column pair (2i, 2i + 1) turns at angular frequency
    w_i = base^(-2i / d_model): from 1 radian per position (pair 0, wavelength 2 pi) down to
    almost 1 / base (the last pair, wavelength up to base * 2 pi), a clock with many hands.

    Parameters
    ----------
    n_positions : int, 1 .. MAX_POSITIONS (4096)
        Rows: positions 0 .. n_positions - 1.
    d_model : int, 1 .. 4096
        Columns, the embedding size (50 for GloVe 6B 50d, 2 for the tutorial's vectors). An odd
        d_model keeps the sine of its last pair and drops the cosine (the last column is a sine).
    base : float > 1, finite
        10000 in the paper.

    Returns
    -------
    PE : ndarray of float64, shape (n_positions, d_model), every entry in [-1, 1]

    Notes
    -----
    Why sines and cosines. Each column pair is a point on the unit circle at angle pos * w_i, so a
    fixed offset k is a rotation by k * w_i in that plane:

        [sin((pos + k) w), cos((pos + k) w)] = [[cos kw, sin kw], [-sin kw, cos kw]] @ [sin pos w, cos pos w]

    Hence PE[pos + k] = R_k @ PE[pos] with a block-diagonal rotation R_k that depends on k but not
    on pos (``offset_rotation``): "k words later" is the same linear map wherever the sentence is,
    which a linear layer (W_Q, W_K) can learn to use. For the same reason the dot product of two
    positions depends only on their distance, PE[p] . PE[q] = sum_i cos((p - q) w_i), and each row has
    length sqrt(d_model / 2) (each pair has length 1). With an odd d_model the lone last sine breaks
    these identities in that one column; every complete pair keeps them.

    The angle is computed as pos / base^(2i/d_model), the paper's formula as written, in float64.
    """
    n_positions = check_whole("n_positions", n_positions, 1, MAX_POSITIONS, ShapeError,
                              why="the number of words the encoding is drawn for")
    d_model = check_whole("d_model", d_model, 1, MAX_RANDOM_SIZE, ShapeError)
    base = _check_base(base)
    n_pairs = (d_model + 1) // 2  # an odd d_model needs one more sine column
    positions = np.arange(n_positions, dtype=np.float64)[:, None]  # (n_positions, 1)
    two_i = 2.0 * np.arange(n_pairs, dtype=np.float64)  # (n_pairs,) 0, 2, 4, ...
    wavelength_factor = base ** (two_i / d_model)  # (n_pairs,) base^(2i/d_model), from 1 up to < base
    angles = positions / wavelength_factor  # (n_positions, n_pairs) pos / base^(2i/d_model)
    PE = np.empty((n_positions, 2 * n_pairs), dtype=np.float64)  # (n_positions, 2 * n_pairs)
    PE[:, 0::2] = np.sin(angles)  # (n_positions, n_pairs) even columns: sines
    PE[:, 1::2] = np.cos(angles)  # (n_positions, n_pairs) odd columns: cosines
    return PE[:, :d_model]  # (n_positions, d_model) an odd d_model drops the last cosine


def frequencies(d_model: int, base: float = DEFAULT_BASE) -> np.ndarray:
    """w_i = base^(-2i / d_model), the angle (radians) pair i turns by per position: shape (ceil(d_model / 2),)."""
    d_model = check_whole("d_model", d_model, 1, MAX_RANDOM_SIZE, ShapeError)
    base = _check_base(base)
    two_i = 2.0 * np.arange((d_model + 1) // 2, dtype=np.float64)  # (n_pairs,)
    return 1.0 / base ** (two_i / d_model)  # (n_pairs,) from 1 down towards 1 / base


def offset_rotation(k: int, d_model: int, base: float = DEFAULT_BASE) -> np.ndarray:
    """R_k, the (d_model, d_model) matrix with PE[pos + k] = R_k @ PE[pos] for every pos.

    Block diagonal: one 2 x 2 rotation [[cos k w_i, sin k w_i], [-sin k w_i, cos k w_i]] per column
    pair, so it is orthogonal (it keeps lengths) and does not depend on pos. ``k`` may be negative
    (a step back is the inverse rotation, R_{-k} = R_k^T).

    Needs an even d_model: with an odd one the last column is a sine without its cosine, and
    sin((pos + k) w) cannot be computed from sin(pos w) alone (``ShapeError``).
    """
    d_model = check_whole("d_model", d_model, 1, MAX_RANDOM_SIZE, ShapeError)
    if d_model % 2:
        raise ShapeError(f"the offset rotation needs an even d_model (pairs of sine and cosine); got {d_model}: "
                         "the last column is a sine without its cosine.")
    k = check_whole("k", k, -MAX_POSITIONS, MAX_POSITIONS)
    angles = k * frequencies(d_model, base)  # (n_pairs,) k w_i
    c, s = np.cos(angles), np.sin(angles)  # (n_pairs,) each
    R = np.zeros((d_model, d_model), dtype=np.float64)  # (d_model, d_model)
    idx = np.arange(0, d_model, 2)  # (n_pairs,) first column of each pair
    R[idx, idx] = c  # sin row:  cos kw * sin + sin kw * cos
    R[idx, idx + 1] = s
    R[idx + 1, idx] = -s  # cos row: -sin kw * sin + cos kw * cos
    R[idx + 1, idx + 1] = c
    return R


def add_positions(X, strength: float, base: float = DEFAULT_BASE) -> np.ndarray:
    """X + strength * PE: each word plus the encoding of where it stands.

    Parameters
    ----------
    X : array_like (n_tokens, d_model), finite; n_tokens <= MAX_POSITIONS
    strength : float in [0, MAX_STRENGTH]
        0 = positions off (X comes back unchanged, as a float64 copy). The paper uses 1 with embeddings
        scaled by sqrt(d_model); here the embeddings are used as they are, so the strength says how long
        the encoding is next to a word: ``encoding_scale`` prints both lengths.
    base : float > 1, the encoding's base (10000 in the paper)

    Returns
    -------
    ndarray of float64 (n_tokens, d_model)

    Why add instead of append: adding keeps d_model, so W_Q, W_K, W_V and the rest of the model are
    unchanged; in high dimensions the encoding and the word's meaning mostly occupy different
    directions, so both survive the sum.
    """
    X = _as_float64(X, "X (the embeddings)", 2)  # (n_tokens, d_model)
    strength = _check_real("the position strength", strength, 0.0, MAX_STRENGTH, why="0 = positions off")
    n_tokens, d_model = X.shape
    if n_tokens == 0 or d_model == 0:
        raise ShapeError(f"X must have at least one token and one dimension, got shape {X.shape}")
    if n_tokens > MAX_POSITIONS:
        raise ShapeError(f"the sentence has {n_tokens:,} words; positions are encoded for at most "
                         f"{MAX_POSITIONS:,}. Use a shorter text.")
    PE = sinusoidal_encoding(n_tokens, d_model, base)  # (n_tokens, d_model)
    with np.errstate(over="ignore", invalid="ignore"):
        X_with_positions = X + strength * PE  # (n_tokens, d_model)
    if not np.all(np.isfinite(X_with_positions)):
        raise NonFiniteError("adding the positions overflowed (the vectors are too large); use smaller numbers.")
    return X_with_positions


def position_similarity(d_model: int, max_distance: int,
                        base: float = DEFAULT_BASE) -> tuple[np.ndarray, np.ndarray]:
    """PE[0] . PE[k] for k = 0 .. max_distance: how alike two positions k words apart are.

    Returns
    -------
    distances : (max_distance + 1,) int, 0 .. max_distance
    dot_products : (max_distance + 1,) float64, sum_i cos(k w_i) over the complete pairs;
        d_model / 2 at distance 0 for an even d_model (floor(d_model / 2) for an odd one).

    The same numbers hold for any two positions p and p + k (the dot product depends only on the
    distance, see ``sinusoidal_encoding``), so one row of the chart covers the whole sentence. It falls
    off with distance (neighbours look alike) but not monotonically: the fast pairs wrap around.
    """
    max_distance = check_whole("max_distance", max_distance, 0, MAX_POSITIONS - 1, ShapeError)
    PE = sinusoidal_encoding(max_distance + 1, d_model, base)  # (max_distance + 1, d_model)
    distances = np.arange(max_distance + 1)  # (max_distance + 1,)
    dot_products = PE @ PE[0]  # (max_distance + 1,) PE[k] . PE[0]
    return distances, dot_products


def encoding_scale(X, base: float = DEFAULT_BASE) -> dict[str, float]:
    """How long the encoding rows are next to the embedding rows: the strength is a choice, not magic.

    Parameters
    ----------
    X : array_like (n_tokens, d_model), the sentence's embeddings

    Returns
    -------
    dict with
        ``d_model`` : the embedding size
        ``encoding_norm`` : sqrt(d_model / 2), the length of every encoding row (each sine-cosine pair
            has length 1; for an odd d_model this is the typical length)
        ``encoding_norm_measured`` : mean length of PE's rows for this sentence's positions
        ``embedding_norm`` : mean length of the rows of X (an all-zero unknown word counts as 0)
        ``embedding_norm_median`` : median length of the rows of X
        ``equal_strength`` : embedding_norm / encoding_norm, the strength at which the encoding is as long
            as a typical word (GloVe 50d: about 1; the tutorial's 2-D vectors: about 3 to 4)

    A strength well below ``equal_strength`` nudges the words; well above it, the position outweighs
    the meaning and words mostly attend by where they are.
    """
    X = _as_float64(X, "X (the embeddings)", 2)  # (n_tokens, d_model)
    n_tokens, d_model = X.shape
    if n_tokens == 0 or d_model == 0:
        raise ShapeError(f"X must have at least one token and one dimension, got shape {X.shape}")
    if n_tokens > MAX_POSITIONS:
        raise ShapeError(f"the sentence has {n_tokens:,} words; positions are encoded for at most {MAX_POSITIONS:,}.")
    PE = sinusoidal_encoding(n_tokens, d_model, base)  # (n_tokens, d_model)
    with np.errstate(over="ignore"):
        row_norms = np.linalg.norm(X, axis=1)  # (n_tokens,) an entry near 1e308 gives inf
    if not np.all(np.isfinite(row_norms)):
        raise NonFiniteError("the embeddings are too large to measure their length; use smaller numbers.")
    encoding_norm = math.sqrt(d_model / 2)
    embedding_norm = float(row_norms.mean())
    return {
        "d_model": d_model,
        "encoding_norm": encoding_norm,
        "encoding_norm_measured": float(np.linalg.norm(PE, axis=1).mean()),
        "embedding_norm": embedding_norm,
        "embedding_norm_median": float(np.median(row_norms)),
        "equal_strength": embedding_norm / encoding_norm,
    }


def match_reordering(keys_a: Sequence[str], keys_b: Sequence[str]) -> np.ndarray:
    """The permutation with keys_b[i] == keys_a[permutation[i]]: where each word of b stood in a.

    A repeated word ("the" twice) is matched in order: the first "the" of b to the first of a.
    Raises ``SettingsError`` when b is not a reordering of a's words.
    """
    keys_a, keys_b = list(keys_a), list(keys_b)
    if sorted(keys_a) != sorted(keys_b):
        only_a = sorted((Counter(keys_a) - Counter(keys_b)).elements())
        only_b = sorted((Counter(keys_b) - Counter(keys_a)).elements())
        raise SettingsError("to compare word order, the second sentence must use the same words as the first in "
                            f"another order; only in the first: {', '.join(only_a[:5]) or 'none'}; only in the "
                            f"second: {', '.join(only_b[:5]) or 'none'}.")
    unused: dict[str, list[int]] = {}
    for index, key in enumerate(keys_a):
        unused.setdefault(key, []).append(index)
    return np.array([unused[key].pop(0) for key in keys_b], dtype=np.intp)  # (n_tokens,)


def _check_permutation(permutation, n_tokens: int) -> np.ndarray:
    perm = np.asarray(permutation)
    if perm.ndim != 1 or perm.shape[0] != n_tokens or not np.issubdtype(perm.dtype, np.integer) \
            or not np.array_equal(np.sort(perm), np.arange(n_tokens)):
        raise ShapeError(f"the permutation must list each of the {n_tokens} positions 0 .. {n_tokens - 1} once "
                         f"(whole numbers); got {np.asarray(permutation).tolist()!r:.80}")
    return perm.astype(np.intp)


def _reordered_outputs(X_a, X_b, permutation, strength, projections, scale, causal, base):
    """(output_a[permutation], output_b): both sentences' outputs, a's rows put in b's order."""
    X_a = _as_float64(X_a, "X_a (the first sentence)", 2)  # (n_tokens, d_model)
    X_b = _as_float64(X_b, "X_b (the reordered sentence)", 2)  # (n_tokens, d_model)
    if X_a.shape != X_b.shape:
        raise ShapeError(f"the two sentences must have the same words, so the same shape; got {X_a.shape} "
                         f"and {X_b.shape}")
    perm = _check_permutation(permutation, X_a.shape[0])  # (n_tokens,)
    if not np.array_equal(X_b, X_a[perm]):
        raise ShapeError("X_b must be X_a reordered by the permutation (X_b[i] == X_a[permutation[i]]); "
                         "it is not: check the permutation's direction.")
    out_a = self_attention(add_positions(X_a, strength, base), projections, scale=scale,
                           causal=causal).contextual_embeddings  # (n_tokens, d_v)
    out_b = self_attention(add_positions(X_b, strength, base), projections, scale=scale,
                           causal=causal).contextual_embeddings  # (n_tokens, d_v)
    return out_a[perm], out_b  # (n_tokens, d_v) each, row i = the same word


def word_order_differences(X_a, X_b, permutation, strength: float, projections: Projections | None = None, *,
                           scale=True, causal: bool = False, base: float = DEFAULT_BASE) -> np.ndarray:
    """How far each word's output moves when the sentence is reordered: (n_tokens,) lengths.

    Sentence b is sentence a reordered: X_b[i] == X_a[permutation[i]] (``match_reordering`` finds the
    permutation from the words). Both go through ``add_positions(., strength)`` and ``self_attention``;
    entry i is || output_b[i] - output_a[permutation[i]] ||, the change of word i of b's output against
    the same word's output in a.

    Without positions (strength 0, no causal mask) every entry is 0 up to float rounding (~1e-15):
    attention is permutation-equivariant. Positions, or a causal mask, make it > 0.

    Raises
    ------
    ShapeError when the permutation is not one, or X_b is not X_a reordered by it.
    """
    a_in_b_order, out_b = _reordered_outputs(X_a, X_b, permutation, strength, projections, scale, causal, base)
    return np.linalg.norm(out_b - a_in_b_order, axis=1)  # (n_tokens,)


def order_experiment(X_a, X_b, permutation, strength: float, projections: Projections | None = None, *,
                     scale=True, causal: bool = False, base: float = DEFAULT_BASE) -> float:
    """The largest |difference| between the two sentences' outputs once the reordering is undone.

    max_{i, j} | output_b[i, j] - output_a[permutation[i], j] |, with outputs as in
    ``word_order_differences`` (same arguments). "the dog bit the man" against "the man bit the dog":
    ~1e-16 without positions ("man" leaves attention with the same vector whoever bit whom), clearly
    > 0 with them, growing with the strength.
    """
    a_in_b_order, out_b = _reordered_outputs(X_a, X_b, permutation, strength, projections, scale, causal, base)
    return float(np.max(np.abs(out_b - a_in_b_order)))
