"""The QR form in a real headless Chromium at phone size: keyboard only, JavaScript off, axe scan.

Needs the Debian packages chromium and chromium-driver (see .ci/apt-packages.txt); skipped with a
reason when /usr/bin/chromium is absent. Screenshots go to test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import base64
import threading
from dataclasses import replace
from importlib.resources import files
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from service import create_app
from service.pipeline.ingest_runs import register_sources
from service.store import sites as site_store
from service.store.db import transaction
from service.store.models import Response, Source

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "form"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-dev-shm-usage")

if not CHROMIUM.exists():
    pytest.skip("/usr/bin/chromium is absent: install the Debian packages chromium and chromium-driver "
                "(listed in .ci/apt-packages.txt) to run the browser tests", allow_module_level=True)

from selenium import webdriver  # noqa: E402  (only importable where the browser tests run)
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402


@pytest.fixture
def served(config, factory):
    """The app on a real WSGI server on loopback, with one QR site; yields (base URL, site)."""
    app = create_app(replace(config, form=replace(config.form, min_seconds=0)))
    register_sources(app.extensions["voice_sessions"], config)
    with transaction(factory) as session:
        site = site_store.add_site(session, "Romford station", "station", "E05013983", None, None)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", site
    server.shutdown()
    app.extensions["voice_engine"].dispose()


def _browser(width: int, javascript: bool = True):
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={max(width, 500)},800")
    # A phone's screen (desktop windows have a minimum width, so emulate the device's metrics).
    options.add_experimental_option("mobileEmulation", {"deviceMetrics": {"width": width, "height": 740, "pixelRatio": 2}})
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    service = webdriver.ChromeService(executable_path="/usr/bin/chromedriver")
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(20)
    return driver


@pytest.fixture
def phone():
    driver = _browser(360)
    yield driver
    driver.quit()


def _shot(driver, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    (ARTIFACTS / f"{name}.png").write_bytes(base64.b64decode(shot["data"]))


def _tab_to(driver, element_id: str, limit: int = 80) -> None:
    """Press Tab until the element with this id has focus, as a keyboard user would."""
    for _ in range(limit):
        if driver.execute_script("return document.activeElement && document.activeElement.id") == element_id:
            return
        driver.switch_to.active_element.send_keys(Keys.TAB)
    raise AssertionError(f"Tab never reached #{element_id}: it is not keyboard reachable")


def _axe(driver) -> list[dict]:
    """Serious and critical WCAG 2.2 A/AA violations found by axe-core (bundled in a Python package)."""
    source = (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")
    driver.execute_script(source)
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"
        ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target)}))));")
    return [v for v in result if v["impact"] in ("serious", "critical")]


def test_form_browser_keyboard_only_submission_stores_one_response(served, phone, factory):
    base, site = served
    phone.get(f"{base}/q/{site.code}")
    assert phone.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert _axe(phone) == []
    _shot(phone, "1-form")
    _tab_to(phone, "safe_here")
    phone.switch_to.active_element.send_keys(Keys.ARROW_DOWN)  # moves to and chooses 2, "Unsafe"
    _tab_to(phone, "feel_safer")
    phone.switch_to.active_element.send_keys("Better lighting by the bus stop")
    status = phone.find_element(By.CSS_SELECTOR, ".govuk-character-count__status")  # the live count (JavaScript)
    WebDriverWait(phone, 5).until(lambda _: "969 characters remaining" in status.text)
    _tab_to(phone, "age_band")
    phone.switch_to.active_element.send_keys("13")
    for _ in range(40):  # no consent box under public task: on past the privacy details to the button
        if phone.switch_to.active_element.text == "Send my answers":
            break
        phone.switch_to.active_element.send_keys(Keys.TAB)
    assert phone.switch_to.active_element.text == "Send my answers"
    phone.switch_to.active_element.send_keys(Keys.ENTER)
    WebDriverWait(phone, 20).until(lambda _: phone.find_element(By.TAG_NAME, "h1").text == "Thank you")
    assert _axe(phone) == []
    _shot(phone, "3-thanks")
    with factory() as session:
        responses = list(session.scalars(select(Response).join(Source).where(Source.key == "form")))
    assert [(r.site_id, r.age_band, r.raw["safe_here"]) for r in responses] == [(site.id, "13-15", "2")]
    assert responses[0].raw["feel_safer"] == "Better lighting by the bus stop"


def test_form_browser_empty_submit_shows_error_summary_at_320px(served, factory):
    base, site = served
    driver = _browser(320)
    try:
        driver.get(f"{base}/q/{site.code}")
        assert driver.execute_script("return document.documentElement.scrollWidth") <= 320  # no sideways scrolling
        driver.find_element(By.CSS_SELECTOR, "button.govuk-button").click()
        # The click posts the form; wait for the answer page rather than looking before it has loaded.
        summary = WebDriverWait(driver, 20).until(
            expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".govuk-error-summary")))
        links = [a.get_attribute("href").rsplit("#", 1)[1] for a in summary.find_elements(By.TAG_NAME, "a")]
        assert links == ["safe_here"]  # public task: no consent box to tick
        assert driver.title.startswith("Error:")
        assert _axe(driver) == []
        _shot(driver, "2-errors-320px")
        summary.find_element(By.TAG_NAME, "a").send_keys(Keys.ENTER)
        assert driver.execute_script("return document.activeElement.id") == "safe_here"
    finally:
        driver.quit()
    with factory() as session:
        assert session.scalar(select(Response.id).join(Source).where(Source.key == "form")) is None


def test_form_browser_form_is_complete_with_javascript_off_at_320px(served):
    base, site = served
    driver = _browser(320, javascript=False)
    try:
        driver.get(f"{base}/q/{site.code}")
        assert driver.execute_script("return document.documentElement.scrollWidth") <= 320
        assert driver.find_element(By.ID, "feel_safer-info").text == "You can enter up to 1,000 characters"
        assert driver.find_element(By.CSS_SELECTOR, "button.govuk-button").is_displayed()
        _shot(driver, "5-form-320px-no-js")
    finally:
        driver.quit()


def test_form_browser_page_reflows_at_200_percent_zoom(served):
    base, site = served
    driver = _browser(640)  # 640 px at 200% zoom: 320 CSS pixels, the WCAG 1.4.10 reflow width
    try:
        driver.get(f"{base}/q/{site.code}")
        driver.execute_script("document.documentElement.style.zoom = '200%'")
        overflow = driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1
        _shot(driver, "4-zoom-200")
    finally:
        driver.quit()
