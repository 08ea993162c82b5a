"""Shared fixtures. Core fixtures first; page/browser fixtures may be added below."""

from __future__ import annotations

import pytest

import attention_core


@pytest.fixture(scope="session")
def glove():
    """The real GloVe 6B 50d table, loaded once for the whole test session."""
    return attention_core.load_glove()


# =====================================================================================
# Browser tests (tests/test_browser.py): one `streamlit run` server and one Chromium
# per session, a fresh browser context per test. Helpers live in tests/browser_support.py.
# Missing Chromium/Playwright -> skip, unless ATTENTION_LAB_REQUIRE_BROWSER=1 (CI) -> fail.
# =====================================================================================

from tests import browser_support as _bs  # noqa: E402


def _browser_unavailable(reason: str):
    if _bs.browser_required():
        pytest.fail(f"{_bs.REQUIRE_ENV}=1 but the browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


@pytest.fixture(scope="session")
def lab_server():
    """`streamlit run app.py` on a free loopback port; its output goes to artifacts/streamlit-server.log."""
    reason = _bs.browser_missing_reason()
    if reason:
        _browser_unavailable(reason)
    for stale in _bs.SCREENSHOTS.glob("FAILED-*.png"):  # from an earlier run
        stale.unlink()
    server = _bs.start_server()
    _bs.ACTIVE_SERVER = server
    yield server
    _bs.ACTIVE_SERVER = None
    _bs.stop_server(server)


@pytest.fixture(scope="session")
def lab_browser(lab_server):
    """Debian's Chromium, launched once per session through Playwright."""
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        browser = _bs.launch_browser(pw)
    except Exception as exc:  # e.g. a Chromium that cannot start here
        pw.stop()
        _browser_unavailable(f"Chromium at {_bs.CHROMIUM} did not start: {exc}")
    yield browser
    browser.close()
    pw.stop()


@pytest.fixture
def lab(request, lab_browser, lab_server):
    """A fresh context + page (1600x1200) that records requests, websockets and dialogs.

    At teardown: a screenshot of a failed test goes to artifacts/screenshots/FAILED-<test>.png,
    and a test that did not call ``lab.assert_clean()`` itself is checked here.
    """
    page = _bs.LabPage.open(lab_browser, lab_server)
    yield page
    try:
        rep = getattr(request.node, "_lab_rep_call", None)
        if rep is not None and rep.failed:
            safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in request.node.name)[:120]
            try:
                _bs.SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.page.screenshot(path=str(_bs.SCREENSHOTS / f"FAILED-{safe}.png"), full_page=True)
            except Exception:
                pass
        elif rep is not None and rep.passed and not page.checked:
            page.assert_clean()
    finally:
        page.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item._lab_rep_call = report
    if report.failed and item.get_closest_marker("browser") is not None and _bs.ACTIVE_SERVER is not None:
        report.sections.append(("streamlit server log (last 60 lines)", _bs.ACTIVE_SERVER.log_tail(60)))
    return report
