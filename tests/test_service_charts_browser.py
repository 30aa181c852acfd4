"""Issue 17: charts legible on a phone, in a real Chromium at 360x740, 768x1024 and 1366x900.

Every chart on the staff pages is measured as drawn: each word's rendered font size (font-size x
rendered width / viewBox width) and its box height are at least 12 px, no two words' boxes
intersect, and every word lies inside its chart. The trend chart is seeded with seven age bands
whose latest values lie within 0.02 of one another, so its end labels would overlap if they were
not spread apart. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from service.store.db import transaction
from service.store.models import AnalysisRun
from tests.browser import ARTIFACTS, chromium_page, needs_chromium, screenshot, serve
from tests.dashboard_data import PASSWORD, START, seed

pytestmark = [pytest.mark.browser, needs_chromium]
VIEWPORTS = ((360, 740), (768, 1024), (1366, 900))
PAGES = (("overview", "/dashboard/"), ("representativeness", "/dashboard/representativeness/?source=qr&period=2024Q4"),
         ("voices", "/dashboard/voices/?source=qr"))
BANDS = ("11-12", "13-15", "16-17", "18-21", "22-24", "25-34", "35+")

# For every visible chart: rendered font size and box of each word, and the chart's own box.
MEASURE = """() => [...document.querySelectorAll('svg.voice-chart')].filter(s => s.getBoundingClientRect().width > 0).map(svg => {
  const box = svg.getBoundingClientRect();
  const scale = box.width / svg.viewBox.baseVal.width;
  return {id: svg.dataset.chart, box: [box.left, box.top, box.right, box.bottom],
          texts: [...svg.querySelectorAll('text')].map(t => {
            const r = t.getBoundingClientRect();
            return {text: t.textContent, size: parseFloat(t.getAttribute('font-size')) * scale, box: [r.left, r.top, r.right, r.bottom]};
          })};
})"""


def _crowded_trend(factory) -> None:
    """Two more quarters for the QR source, with seven age bands ending within 0.02 of each other."""
    for q, start in (("2024Q3", START + timedelta(days=182)), ("2024Q4", START + timedelta(days=273))):
        table = [{"level": band, "label": band, "n": 10 + i, "base_n": 100, "sample_pct": 10.0 + i,
                  "population_pct": 12.0, "representation_index": round((0.6 + 0.1 * i) if q == "2024Q3" else 1.0 + 0.003 * i, 3),
                  "gap_pct_points": 0.0, "shortfall": 0.0, "responses_needed": 0} for i, band in enumerate(BANDS)]
        result = {"n_respondents": 100, "r_indicator": 0.8, "caveats": [], "summary": [],
                  "dimensions": [{"variable": "age_band", "n_stated": 100, "n_not_stated": 0, "chi_square": 2.0,
                                  "p_value": 0.15, "dissimilarity": 0.2, "summary": [], "table": table}]}
        with transaction(factory) as session:
            session.add(AnalysisRun(kind="representativeness", source_key="qr", period_start=start,
                                    period_end=start + timedelta(days=90), method="compare_to_census",
                                    parameters={"period": q}, result=result))


def _overlaps(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5


def _problems(charts: list[dict]) -> list[str]:
    found = []
    for chart in charts:
        texts = chart["texts"]
        for t in texts:
            if t["size"] < 12 or t["box"][3] - t["box"][1] < 12:
                found.append(f"{chart['id']}: {t['text']!r} is {t['size']:.1f} px ({t['box'][3] - t['box'][1]:.1f} px high)")
            left, top, right, bottom = chart["box"]
            if t["box"][0] < left - 0.5 or t["box"][2] > right + 0.5 or t["box"][1] < top - 0.5 or t["box"][3] > bottom + 0.5:
                found.append(f"{chart['id']}: {t['text']!r} runs outside the chart")
        for i, a in enumerate(texts):
            found += [f"{chart['id']}: {a['text']!r} overlaps {b['text']!r}" for b in texts[i + 1:] if _overlaps(a["box"], b["box"])]
    return found


def test_browser_every_chart_reads_at_12px_or_more_without_overlapping_words(app):
    factory = app.extensions["voice_sessions"]
    seed(factory)
    _crowded_trend(factory)
    problems: dict[str, list[str]] = {}
    seen: dict[str, set[str]] = {}
    with serve(app) as base:
        for width, height in VIEWPORTS:
            with chromium_page(viewport={"width": width, "height": height}) as page:
                page.goto(f"{base}/sign-in")
                page.fill("input[name=email]", "analyst@example.org")
                page.fill("input[name=password]", PASSWORD)
                page.click("main form button")
                page.wait_for_load_state()
                for name, path in PAGES:
                    page.goto(base + path)
                    page.wait_for_load_state("networkidle")
                    charts = page.evaluate(MEASURE)
                    seen.setdefault(f"{name} at {width}", set()).update(c["id"] for c in charts)
                    screenshot(page, f"charts-{name}-{width}")
                    for chart in charts:  # each chart on its own too, as drawn at this width
                        ARTIFACTS.mkdir(exist_ok=True)
                        page.locator(f"svg.voice-chart[data-chart='{chart['id']}']:visible").screenshot(
                            path=str(ARTIFACTS / f"chart-{chart['id']}-{width}.png"))
                    if found := _problems(charts):
                        problems[f"{name} at {width}"] = found
                    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} at {width} scrolls sideways"
    assert not problems, "\n".join(f"{where}: {found[:6]}" for where, found in problems.items())
    # The measurement covered the charts that matter: bars with counts, bars with two series, the crowded trend.
    for width, _ in VIEWPORTS:
        assert {"weekly", "sites"} <= seen[f"overview at {width}"]
        assert {"rep-age_band", "trend-age_band"} <= seen[f"representativeness at {width}"]
        assert "topics" in seen[f"voices at {width}"]


def test_the_measure_finds_tiny_and_overlapping_words():
    # The check above must be able to fail: a 7 px word, and two words in one place.
    chart = {"id": "c", "box": [0, 0, 100, 100], "texts": [
        {"text": "tiny", "size": 7.0, "box": [0, 0, 20, 8]},
        {"text": "a", "size": 13.0, "box": [10, 20, 40, 36]}, {"text": "b", "size": 13.0, "box": [30, 25, 60, 41]},
        {"text": "out", "size": 13.0, "box": [90, 50, 130, 66]}]}
    found = _problems([chart])
    assert any("'tiny' is 7.0 px" in f for f in found) and any("'a' overlaps 'b'" in f for f in found)
    assert any("'out' runs outside" in f for f in found)
