"""Helpers for the browser tests: a real ``streamlit run`` server and Debian's Chromium.

Nothing here imports Playwright at module level, so collecting the test suite
works (and the browser tests skip with a clear reason) where Playwright or
Chromium is missing.

Used by the fixtures in ``tests/conftest.py`` (browser block) and by
``tests/test_browser.py``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO_ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
SERVER_LOG = ARTIFACTS / "streamlit-server.log"

CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright cannot download its own browser here
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-default-apps",
]
REQUIRE_ENV = "ATTENTION_LAB_REQUIRE_BROWSER"

IDLE_SELECTOR = "[data-testid='stApp'][data-test-script-state='notRunning']"
EXCEPTION_SELECTOR = "[data-testid='stException']"
# Streamlit 1.67 renders st.vega_lite_chart as a stVegaLiteChart element holding a
# .vega-embed with a <canvas> (the default renderer); svg is accepted too.
CHART_SELECTOR = "[data-testid='stVegaLiteChart'] .vega-embed canvas, [data-testid='stVegaLiteChart'] .vega-embed svg"
NAV_LINK_SELECTOR = "[data-testid='stSidebarNavLink']"

LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


# --- what is missing ------------------------------------------------------------------


def browser_missing_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"Chromium not found at {CHROMIUM} (install Debian's `chromium` package)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"the playwright Python package is not importable ({exc}); pip install playwright"
    if shutil.which("streamlit") is None and not (Path(sys.executable).parent / "streamlit").exists():
        return "the `streamlit` command is not installed next to this Python"
    return None


def browser_required() -> bool:
    """True when CI demands the browser tests (missing Chromium is then a failure, not a skip)."""
    return os.environ.get(REQUIRE_ENV, "").strip() == "1"


# --- the server -----------------------------------------------------------------------


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _streamlit_command(port: int) -> list[str]:
    exe = Path(sys.executable).parent / "streamlit"
    prefix = [str(exe)] if exe.exists() else [sys.executable, "-m", "streamlit"]
    return prefix + [
        "run", "app.py",
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--browser.gatherUsageStats", "false",
    ]


@dataclass
class Server:
    """A running ``streamlit run app.py`` (stop it with ``stop_server``)."""

    proc: subprocess.Popen
    port: int
    log_path: Path
    _log_file: object = field(repr=False, default=None)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])


def wait_healthy(url: str, proc: subprocess.Popen | None = None, timeout: float = 60.0) -> None:
    """Wait until GET <url>/_stcore/health answers "ok" (or the process dies, or time runs out)."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode} before becoming healthy")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as resp:
                body = resp.read().decode("utf-8", errors="replace").strip()
                if resp.status == 200 and body == "ok":
                    return
                last = f"HTTP {resp.status}: {body[:80]!r}"
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
            last = repr(exc)
        time.sleep(0.2)
    raise TimeoutError(f"{url}/_stcore/health was not 'ok' after {timeout:.0f} s (last: {last})")


def start_server(log_path: Path = SERVER_LOG, timeout: float = 60.0) -> Server:
    """Start the app on a free loopback port, cwd = repo root, output to ``log_path``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_file = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed in stop_server
    env = dict(os.environ, PYTHONUNBUFFERED="1", STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    proc = subprocess.Popen(
        _streamlit_command(port), cwd=REPO_ROOT, stdout=log_file, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, env=env, start_new_session=True,
    )
    server = Server(proc=proc, port=port, log_path=log_path, _log_file=log_file)
    try:
        wait_healthy(server.url, proc, timeout=timeout)
    except Exception:
        stop_server(server)
        raise
    return server


def stop_server(server: Server, timeout: float = 10.0) -> None:
    """Terminate the server process (only the one we started), then close its log."""
    proc = server.proc
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)
    if server._log_file is not None:
        server._log_file.close()
        server._log_file = None


# --- the browser ----------------------------------------------------------------------


def launch_browser(playwright, headless: bool = True):
    """Debian's Chromium through Playwright, with no background network traffic."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=headless, args=list(CHROMIUM_ARGS))


def wait_idle(page, timeout: float = 30_000, settle_ms: int = 300) -> None:
    """Wait until Streamlit's script run is over, then let the frontend settle.

    After an action, the run may not have *started* yet when this is called, so
    the state is polled twice, around a short settle.
    """
    page.wait_for_selector(IDLE_SELECTOR, state="attached", timeout=timeout)
    page.wait_for_timeout(settle_ms)
    page.wait_for_selector(IDLE_SELECTOR, state="attached", timeout=timeout)


def is_local_url(url: str) -> bool:
    """True for loopback http(s)/ws(s) URLs and for data: / blob: / about: URLs."""
    scheme = url.split(":", 1)[0].lower()
    if scheme in ("data", "blob", "about"):
        return True
    host = urlsplit(url).hostname or ""
    return host in LOCAL_HOSTS or host.strip("[]") in LOCAL_HOSTS


def screenshot(page, name: str, width: int = 1600, height: int = 3200) -> Path:
    """Save ``artifacts/screenshots/<name>.png`` of the whole app.

    Streamlit scrolls inside its own container, so a full-page screenshot of a
    normal viewport shows only the first screen: the viewport is made tall
    first (and restored afterwards).
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    old = page.viewport_size
    page.set_viewport_size({"width": width, "height": height})
    try:
        wait_idle(page, settle_ms=500)
        page.screenshot(path=str(path), full_page=True)
    finally:
        if old:
            page.set_viewport_size(old)
    return path
