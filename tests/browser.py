"""Shared helpers for browser tests: a headless Chromium (the system's, via Playwright), a real
WSGI server on loopback, and an axe-core accessibility scan using the axe.min.js a package ships."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (apt-get install chromium)")


@contextmanager
def serve(app) -> Iterator[str]:
    """Serve ``app`` with werkzeug on a free loopback port; yield its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def chromium_page(downloads: bool = True, **options):
    """A Playwright page in the system Chromium (never a downloaded browser).

    ``options`` go to Playwright's ``new_context``, e.g. a phone's ``viewport``, ``user_agent``,
    ``is_mobile`` and ``has_touch``; the default is a 1280x900 desktop window.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        options = {"accept_downloads": downloads, "viewport": {"width": 1280, "height": 900}, **options}
        context = browser.new_context(**options)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def axe_source() -> str:
    """The axe-core script shipped inside the ``axe-playwright-python`` package (no network)."""
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def serious_violations(page) -> list[str]:
    """Run axe-core on the page; return 'id: help (n nodes)' for each serious or critical violation."""
    page.evaluate(axe_source())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes, e.g. {v['nodes'][0]['target']})"
            for v in result["violations"] if v.get("impact") in ("serious", "critical")]


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ (git-ignored) and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=os.environ.get("VOICE_FULL_SCREENSHOTS", "1") == "1")
    return path
