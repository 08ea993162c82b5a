"""Numbers at the edges of the core: checking the whole numbers a caller passes in, and
formatting the numbers a screen prints.

``check_seed`` / ``check_whole`` turn what numpy would refuse with its own message
(``default_rng(-1)``: "expected non-negative integer") or silently accept
(``int(1.5) == 1``) into an ``AttentionLabError`` that says the allowed range.

``format_number`` prints any float in at most ``MAX_NUMBER_CHARS`` characters, so a
legal but huge entry (3.4e38, float32's largest) fits a heatmap cell or a metric.
"""

from __future__ import annotations

import math
import numbers

from .errors import AttentionLabError, OutOfRangeError

SEED_MAX = 2**32 - 1  # numpy's SeedSequence takes any non-negative int; 32 bits is what every RNG API agrees on
MAX_RANDOM_SIZE = 4096  # a side of a random matrix (Projections.random): 4096 x 4096 float64 is 128 MB
MAX_NUMBER_CHARS = 10  # "-3.457e+38" is 10; a heatmap cell or a metric has room for about that


def check_whole(name: str, value, low: int, high: int,
                error: type[AttentionLabError] = OutOfRangeError, why: str = "") -> int:
    """``value`` as an ``int`` when it is a whole number with ``low <= value <= high``.

    Parameters
    ----------
    name : str
        How the message calls it ("seed", "d_k").
    value : int or numpy integer
        ``bool`` (a ``True`` is not a size), floats (even 2.0: a slider set to 1.5
        must not become 1 quietly), NaN and strings are refused.
    low, high : int
        The allowed range, inclusive; both appear in the message.
    error : subclass of AttentionLabError
        ``ShapeError`` for sizes of arrays, ``OutOfRangeError`` for everything else.
    why : str
        Appended to the message: where the limit comes from.

    Raises
    ------
    error
        "d_k must be a whole number from 1 to 64; got 512."
    """
    why = f" ({why})" if why else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise error(f"{name} must be a whole number from {low:,} to {high:,}; got {value!r:.40}{why}.")
    if not low <= int(value) <= high:
        raise error(f"{name} must be a whole number from {low:,} to {high:,}; got {int(value):,}{why}.")
    return int(value)


def check_seed(seed, name: str = "seed") -> int:
    """A random seed: a whole number from 0 to 2**32 - 1 (``OutOfRangeError`` otherwise).

    numpy's ``default_rng`` raises its own ``ValueError`` on a negative seed and a
    ``TypeError`` on a float; this says what a seed may be instead.
    """
    return check_whole(name, seed, 0, SEED_MAX)


def format_number(x: float, digits: int = 4) -> str:
    """``x`` for a screen, in at most ``MAX_NUMBER_CHARS`` (10) characters.

    Parameters
    ----------
    x : float
        Any float (numpy scalars too).
    digits : int
        Significant digits, 1 to 6 (clipped); fewer are shown when the width
        needs it.

    Returns
    -------
    str
        ``"0"`` for zero (and -0.0); fixed notation ("0.1235", "-12.35", "123457")
        when 1e-4 <= |x| < 1e6; scientific ("3.403e+38", "1.5e-05") otherwise;
        ``"NaN"``, ``"∞"``, ``"-∞"`` for non-finite values (callers check finiteness
        and refuse those; these keep a slip readable instead of printing "nan").

    Why: ``f"{x}"`` of float32's largest value prints 39 characters and a
    ``:.4f`` format prints all 39 digits of 3.4e38; a heatmap cell shows about
    ten. Beyond a million the digits after the fourth are noise for a learner,
    and below 1e-4 fixed notation shows only zeros, so both switch to scientific
    notation, whose length is bounded by the exponent's (at most 3 digits for a
    float64). Trailing zeros are dropped ("0.5", not "0.5000").
    """
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if x == 0:
        return "0"
    digits = min(max(int(digits), 1), 6)
    if 1e-4 <= abs(x) < 1e6:
        for d in range(digits, 0, -1):  # "-0.000123456" is 12: drop digits until it fits
            out = f"{x:.{d}g}"  # significant digits
            if "e" in out:  # 123456 with 4 digits: "1.235e+05" is honest but needlessly odd; print it whole
                out = f"{x:.0f}"
            if len(out) <= MAX_NUMBER_CHARS:
                return out
        return out  # unreachable: "-1000000" (8) is the widest a 1-digit fixed form gets
    for d in range(digits, 0, -1):  # the widest that fits: "-1.235e-100" is 11, so drop a digit
        mantissa, exponent = f"{x:.{d - 1}e}".split("e")
        if not math.isfinite(float(f"{mantissa}e{exponent}")):
            # rounding up past float64's largest (1.797...e308 -> "1.798e+308") would print a number that
            # does not exist; cut the digits instead of rounding them: "1.797e+308"
            full_mantissa, exponent = f"{x:.16e}".split("e")
            mantissa = full_mantissa[: len(full_mantissa) - 17 + d] if d > 1 else full_mantissa.split(".")[0]
        if "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")
        out = f"{mantissa}e{exponent}"
        if len(out) <= MAX_NUMBER_CHARS:
            return out
    return out  # unreachable for float64: "-1e-308" is 7 characters
