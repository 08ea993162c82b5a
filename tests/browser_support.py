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

FIRST_SIDEBAR_LABEL = "Sentence 1"  # the shared sidebar's first widget, on every page
IDLE_SELECTOR = "[data-testid='stApp'][data-test-script-state='notRunning']"
# Streamlit 1.67 wraps every element in <Suspense fallback={<div data-testid="stSkeleton">}>
LAZY_PLACEHOLDER_SELECTOR = "[data-testid='stSkeleton']"
EXCEPTION_SELECTOR = "[data-testid='stException']"
# Streamlit 1.67 renders st.vega_lite_chart as <div data-testid="stVegaLiteChart" class="... vega-embed">
# holding Vega's <svg class="marks"> by default, or a <canvas class="marks"> when the spec asks for the
# canvas renderer (usermeta.embedOptions.renderer) or the data is large (checked in the DOM): both count.
CHART_SELECTOR = ", ".join(
    f"{host} {mark}" for host in ("[data-testid='stVegaLiteChart']", ".vega-embed") for mark in ("svg.marks", "canvas")
)
NAV_LINK_SELECTOR = "[data-testid='stSidebarNavLink']"

LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}

ACTIVE_SERVER = None  # the session's Server while the browser tests run (for failure reports)


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
    # Each element's component code loads lazily; until it has, a placeholder stands in its place.
    page.wait_for_function(f"() => !document.querySelector({LAZY_PLACEHOLDER_SELECTOR!r})", timeout=timeout)


def is_local_url(url: str) -> bool:
    """True for loopback http(s)/ws(s) URLs and for data: / blob: / about: URLs."""
    scheme = url.split(":", 1)[0].lower()
    if scheme in ("data", "blob", "about"):
        return True
    host = urlsplit(url).hostname or ""
    return host in LOCAL_HOSTS or host.strip("[]") in LOCAL_HOSTS


# Installed in every test context before the app's own scripts: counts the websocket
# messages the app receives from the server. A rerun always sends messages back; the
# script-state attribute alone can miss a fast run (React may render "running" and
# "notRunning" in one batch, so the attribute never changes).
WS_COUNTER_JS = """(() => {
    const Native = window.WebSocket;
    window.__labWsIn = 0;
    class CountingWebSocket extends Native {
        constructor(...args) {
            super(...args);
            this.addEventListener('message', () => { window.__labWsIn += 1; });
        }
    }
    window.WebSocket = CountingWebSocket;
})();"""


def wait_rerun(page, action, *, timeout: float = 30_000, expect_rerun: bool = True) -> None:
    """Do ``action()`` (a click, an Enter, an upload) and wait until the rerun it causes is over.

    "A rerun happened" = the server sent the page a websocket message after the
    action (counted by ``WS_COUNTER_JS``); then the script state must be back
    at notRunning. When ``expect_rerun`` is False (an action that may or may
    not rerun), a missing message within 5 s is not an error.
    """
    before = page.evaluate("() => window.__labWsIn")
    if before is None:
        raise RuntimeError("WS_COUNTER_JS is not installed in this page (open it with LabPage.open)")
    action()
    try:
        page.wait_for_function(f"() => window.__labWsIn > {int(before)}",
                               timeout=min(timeout, 10_000) if expect_rerun else 5_000)
    except Exception as exc:
        if expect_rerun:
            raise AssertionError(f"no rerun within 10 s of the action: {exc}") from None
    wait_idle(page, timeout=timeout)


def wait_until(page, predicate, *, timeout: float = 15_000, interval_ms: int = 100, message: str = "condition"):
    """Poll ``predicate()`` (Python) until it is truthy; return its value or raise AssertionError."""
    deadline = time.monotonic() + timeout / 1000
    value = predicate()
    while not value:
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout / 1000:.0f} s waiting for {message}")
        page.wait_for_timeout(interval_ms)
        value = predicate()
    return value


# --- reading the page -------------------------------------------------------------------

CHART_TEXTS_JS = """() => {
    const out = [];
    for (const chart of document.querySelectorAll("[data-testid='stVegaLiteChart']")) {
        for (const t of chart.querySelectorAll('svg text')) out.push(t.textContent);
        for (const el of chart.querySelectorAll('[aria-label]')) out.push(el.getAttribute('aria-label'));
    }
    return out;
}"""


def chart_texts(page) -> list[str]:
    """Every text mark and aria-label inside the page's SVG-rendered Vega-Lite charts.

    Only SVG charts have text nodes: a chart rendered to <canvas> contributes
    nothing. The app keeps its token chips in SVG ("the words stay text nodes");
    the tests read words from those and never numbers from heatmaps.
    """
    return page.evaluate(CHART_TEXTS_JS)


SVG_CHART_WORDS_JS = """() => [...document.querySelectorAll("[data-testid='stVegaLiteChart'] svg.marks")]
    .map(svg => [...svg.querySelectorAll('text')].map(t => t.textContent))
    .filter(texts => texts.length > 0)"""


def svg_chart_text_groups(page) -> list[list[str]]:
    """The text marks of each SVG chart, one list per chart, in page order (e.g. sentence 1's chips first)."""
    return page.evaluate(SVG_CHART_WORDS_JS)


def visible_charts(page) -> int:
    """How many charts are drawn and visible (an svg or canvas inside a stVegaLiteChart)."""
    return page.locator(CHART_SELECTOR).evaluate_all(
        "els => els.filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; }).length"
    )


def exception_texts(page) -> list[str]:
    return [e.inner_text()[:2000] for e in page.locator(EXCEPTION_SELECTOR).all()]


def alert_texts(page, kind: str | None = None) -> list[str]:
    """Bodies of st.error / st.warning / st.info / st.success boxes (``kind`` = "Error", "Warning", ...)."""
    sel = f"[data-testid='stAlertContent{kind}']" if kind else "[data-testid='stAlertContainer']"
    return [e.inner_text() for e in page.locator(sel).all()]


def nav_pages(page, base_url: str) -> list[tuple[str, str]]:
    """(title, absolute URL) of every page in the sidebar navigation, in order.

    Expands a collapsed list ("View N more") and collapsed sections first. An app
    with a single page shows no navigation: then the current page is the list.
    """
    view_more = page.locator("[data-testid='stSidebarNavViewButton']")
    if view_more.count() and view_more.first.inner_text().strip().lower().startswith("view") and \
            "more" in view_more.first.inner_text().lower():
        view_more.first.click()
        page.wait_for_timeout(200)
    for header in page.locator("[data-testid='stNavSectionHeader']").all():
        section = header.locator("xpath=..")
        if section.locator(NAV_LINK_SELECTOR).count() == 0:
            header.click()
            page.wait_for_timeout(200)
    pages = []
    for link in page.locator(NAV_LINK_SELECTOR).all():
        label = link.locator("[data-testid='stMarkdownContainer']")
        title = (label.first.inner_text() if label.count() else link.inner_text()).strip()
        href = link.get_attribute("href") or "/"
        if href.startswith("/"):
            href = base_url + href
        pages.append((title, href))
    if not pages:  # one page only: Streamlit hides the navigation
        heading = page.locator("[data-testid='stMain'] h1")
        title = heading.first.inner_text().strip() if heading.count() else page.title()
        pages.append((title, base_url + "/"))
    return pages


def screenshot(page, name: str, width: int = 1600, min_height: int = 900, max_height: int = 12_000) -> Path:
    """Save ``artifacts/screenshots/<name>.png`` of the whole app, ``width`` pixels wide.

    Streamlit scrolls inside its own container (stMain), so a full-page
    screenshot of a normal viewport shows only the first screen: the viewport
    is resized to the content's height first (and restored afterwards).
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    old = page.viewport_size
    measure = """() => {
        const main = document.querySelector("[data-testid='stMain']");
        const side = document.querySelector("[data-testid='stSidebarContent']");
        return Math.max(main ? main.scrollHeight : 0, side ? side.scrollHeight : 0);
    }"""
    try:
        height = min_height
        for _ in range(3):  # charts that stretch reflow at a new size; measure until stable
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_timeout(150)
            wait_idle(page, settle_ms=50)
            wanted = max(min_height, min(max_height, int(page.evaluate(measure)) + 16))
            if wanted == height:
                break
            height = wanted
        page.wait_for_timeout(200)
        page.screenshot(path=str(path), full_page=True)
    finally:
        if old:
            page.set_viewport_size(old)
    return path


# --- one test's page ---------------------------------------------------------------------


@dataclass
class LabPage:
    """A fresh browser context + page on the app, recording what the page does.

    ``requests`` and ``websockets`` hold every URL the page asked for (checked
    to be on the loopback interface), ``dialogs`` every alert/confirm/prompt
    (there must be none), ``page_errors`` uncaught JavaScript errors.
    """

    page: object
    context: object
    server: Server
    requests: list[str] = field(default_factory=list)
    websockets: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    checked: bool = False

    @classmethod
    def open(cls, browser, server: Server, viewport=(1600, 1200)) -> LabPage:
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                      service_workers="block")
        context.set_default_timeout(30_000)
        context.add_init_script(WS_COUNTER_JS)
        page = context.new_page()
        lab = cls(page=page, context=context, server=server)
        page.on("request", lambda req: lab.requests.append(req.url))
        page.on("websocket", lambda ws: lab.websockets.append(ws.url))
        page.on("pageerror", lambda err: lab.page_errors.append(str(err)[:500]))

        def on_dialog(dialog):
            lab.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        return lab

    def goto(self, path_and_query: str = "/", timeout: float = 60_000) -> None:
        """Open ``path_and_query`` (e.g. "/", "/?s1=hello", "/step_by_step") and wait for the run to finish."""
        self.page.goto(self.server.url + path_and_query, wait_until="domcontentloaded", timeout=timeout)
        wait_idle(self.page, timeout=timeout)
        # The run can be over ("notRunning") while the frontend still waits for the code of a widget
        # (Streamlit loads widget components lazily: on a fresh load of Step by step the sidebar's text
        # and number inputs appeared ~100 ms after the run ended, and CI caught that gap). Every page
        # has the shared sidebar, so its first widget, "Sentence 1", being visible means "drawn".
        self.sidebar.get_by_label(FIRST_SIDEBAR_LABEL, exact=True).wait_for(state="visible", timeout=timeout)

    @property
    def sidebar(self):
        return self.page.locator("[data-testid='stSidebar']")

    def text_input(self, label: str):
        return self.sidebar.get_by_label(label, exact=True)

    def set_text(self, label: str, value: str) -> None:
        """Type ``value`` into the sidebar text/number input labelled ``label`` and commit it with Enter."""
        box = self.text_input(label)
        before = box.input_value()
        box.fill(value)
        changed = box.input_value() != before  # an unchanged value commits nothing, so no rerun
        wait_rerun(self.page, lambda: box.press("Enter"), expect_rerun=changed)

    def foreign_urls(self) -> list[str]:
        return [u for u in self.requests + self.websockets if not is_local_url(u)]

    def assert_clean(self) -> None:
        """No request left the machine, no dialog opened, no exception box is on the page."""
        self.checked = True
        foreign = self.foreign_urls()
        assert not foreign, f"the page made requests off the loopback interface: {foreign[:10]}"
        assert not self.dialogs, f"a dialog opened (user text executed as script?): {self.dialogs}"
        excs = exception_texts(self.page)
        assert not excs, f"exception on the page: {excs}"

    def close(self) -> None:
        self.context.close()
