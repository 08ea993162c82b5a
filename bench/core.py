"""Core benchmarks: GloVe load, nearest words, self-attention vs its two matrix products.

Run: python bench/core.py      (prints a table; figures go in the README)

Budgets (DESIGN.md): GloVe load <= 1.0 s; 40 nearest-word queries <= 60 ms; training <= 3 s.
Each figure is the median of several runs in this process, except the first
GloVe load, which is measured in a fresh interpreter (a cold start).
"""

from __future__ import annotations

import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import attention_core as ac  # noqa: E402


def median_time(fn, repeat: int = 15) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def cold_glove_load() -> float:
    """First load_glove() + search matrix in a fresh interpreter (what a server's first visitor waits)."""
    code = (
        "import time, attention_core as ac; t = time.perf_counter(); g = ac.load_glove(); "
        "g.unit_matrix; print(time.perf_counter() - t)"
    )
    runs = [float(subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                                 check=True).stdout) for _ in range(3)]
    return float(np.median(runs))


def main() -> None:
    rows = []
    rows.append(("GloVe load (fresh process, incl. search matrix)", cold_glove_load(), 1.0))
    glove = ac.load_glove()
    glove.unit_matrix  # noqa: B018
    rng = np.random.default_rng(0)
    sentence = glove.lookup(ac.tokenize("I love Apple phones and apple juice " * 6).keys).vectors[:40]
    rows.append(("nearest_words: 40 vectors x 400k words, k=8", median_time(
        lambda: ac.nearest_words(sentence, glove, k=8)), 0.060))
    times, result = [], None
    for _ in range(3):
        t = time.perf_counter()
        result = ac.train_projections(glove, d_k=16, steps=300, seed=0)
        times.append(time.perf_counter() - t)
    rows.append(("train_projections (d_k 16, 300 Adam steps, 270 sentences)", float(np.median(times)), 3.0))
    base = ac.train_projections(glove, d_k=16, steps=300, seed=0, learn_projections=False)
    times, heads = [], None
    for _ in range(3):
        t = time.perf_counter()
        heads = ac.train_heads(glove, n_heads=2, seed=0)
        times.append(time.perf_counter() - t)
    rows.append(("train_heads (2 heads, sense + previous word, 300 steps)", float(np.median(times)), 3.0))
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, python {platform.python_version()}, "
          f"numpy {np.__version__}")
    print(f"{'what':58s} {'median':>10s} {'budget':>8s}")
    for what, t, budget in rows:
        print(f"{what:58s} {t * 1000:8.1f} ms {budget * 1000:6.0f} ms {'ok' if t <= budget else 'OVER'}")
    print()
    print("learned vs random W_Q, W_K on held-out sentences (cue words never seen in training):")
    print(f"  accuracy {result.heldout_accuracy:.1%} vs {base.heldout_accuracy:.1%}; attention from the word to "
          f"its cue {result.heldout_cue_attention:.3f} vs {base.heldout_cue_attention:.3f} "
          f"({result.heldout_cue_attention / base.heldout_cue_attention:.1f}x)")
    print("two trained heads on held-out sentences (attention on the sense word / on the previous word):")
    for spec in heads.heldout:
        print(f"  head {spec.head}: {spec.cue_attention:.3f} / {spec.previous_attention:.3f}")
    print()
    print(f"{'self_attention, d = 64':30s} {'full trace':>12s} {'2 matmuls':>12s} {'ratio':>7s}")
    for n in (10, 128, 1024):
        X = rng.standard_normal((n, 64))
        P = ac.Projections.random(64, 64, seed=0)
        Q, K, V = X @ P.W_Q, X @ P.W_K, X @ P.W_V
        full = median_time(lambda X=X, P=P: ac.self_attention(X, P), repeat=25 if n < 1024 else 7)
        two = median_time(lambda Q=Q, K=K, V=V: (Q @ K.T) @ V, repeat=25 if n < 1024 else 7)
        print(f"{'n = ' + str(n):30s} {full * 1e3:9.3f} ms {two * 1e3:9.3f} ms {full / two:6.1f}x")
    print("\n(the full trace also projects X three times, checks every input and result for NaN/inf,"
          " and runs a stable softmax; the ratio is what that safety and teaching detail costs)")


if __name__ == "__main__":
    main()
