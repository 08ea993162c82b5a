"""Plant each of the eight page-arithmetic mistakes found by the seams review in a scratch copy of the
project, run the fast tests there, and report which test catches it (each must be caught).

Run: ``python tests/mutations.py`` (about 30 s; not collected by pytest: a check of the tests themselves).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ["tests/test_core_lessons.py", "tests/test_structure.py", "tests/test_app_lessons.py", "tests/test_app.py"]

# (name, file, the right line, the mistake)
MUTATIONS = [
    ("Why scale? divides by d_k", "attention_core/lessons.py",
     "softmax(scores / resolve_scale(True, trace.d_k))", "softmax(scores / trace.d_k)"),
    ("'scaled scores' shows raw scores", "attention_core/lessons.py",
     '"scaled scores": trace.scaled_scores', '"scaled scores": trace.scores'),
    ("step 7 shows the values", "attention_core/lessons.py",
     'Step("7. contextual_embeddings = attention_weights @ values", t.contextual_embeddings',
     'Step("7. contextual_embeddings = attention_weights @ values", t.values'),
    ("'follow one word' computes q.q", "attention_core/lessons.py",
     "dot_line(t.queries[row], t.keys[j]", "dot_line(t.queries[row], t.queries[j]"),
    ("Why projections? ignores the scale switch", "attention_core/lessons.py",
     'run = {"scale": mechanism.scale, "causal": mechanism.causal}\n    variants',
     'run = {"scale": True, "causal": mechanism.causal}\n    variants'),
    ("the Outputs CSV exports values", "attention_core/lessons.py",
     "words, W, out = a.words, a.trace.attention_weights, a.trace.contextual_embeddings",
     "words, W, out = a.words, a.trace.attention_weights, a.trace.values"),
    ("Learned's random side uses the learned projections", "attention_core/lessons.py",
     "return AttendsTo(tuple(words), self_attention(X, start, **run)",
     "return AttendsTo(tuple(words), self_attention(X, learned, **run)"),
    ("the training store never evicts", "ui/resources.py",
     "while len(self.runs) >= self.size:", "while False:"),
]


def main() -> int:
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split()
    missed = 0
    for name, path, right, wrong in MUTATIONS:
        with tempfile.TemporaryDirectory() as tmp:
            for f in files:
                if f.startswith(".venv/") or not (ROOT / f).is_file():
                    continue
                (Path(tmp) / f).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / f, Path(tmp) / f)
            target = Path(tmp) / path
            source = target.read_text(encoding="utf-8")
            if right not in source:
                print(f"{name}: the line to mutate is gone from {path}; update this script")
                return 2
            target.write_text(source.replace(right, wrong, 1), encoding="utf-8")
            run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-m",
                                  "not browser", *TESTS], cwd=tmp, capture_output=True, text=True)
            caught = [line for line in run.stdout.splitlines() if line.startswith("FAILED")]
            print(f"{name}: " + (caught[0].split(" - ")[0] if caught else "NOT CAUGHT"))
            missed += not caught
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
