"""Server-rendered charts: axis ticks are round numbers that cover every bar and point."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from service.reports.charts import BarChart, LineChart


def _texts(svg: str) -> list[str]:
    """Every word a reader sees in the chart, in document order (the SVG must be well-formed XML)."""
    return [e.text or "" for e in ElementTree.fromstring(svg).iter() if e.tag.rsplit("}", 1)[-1] == "text"]


def _has_run(texts: list[str], run: list[str]) -> bool:
    """Whether ``run`` appears in ``texts`` as consecutive items, in that order."""
    return any(texts[i:i + len(run)] == run for i in range(len(texts) - len(run) + 1))


@pytest.mark.parametrize(("top", "unit", "ticks"), [
    (37, "", ["0", "10", "20", "30", "40"]),
    (316, "", ["0", "100", "200", "300", "400"]),
    (1746, "", ["0", "500", "1,000", "1,500", "2,000"]),
    (23.4, "%", ["0%", "5%", "10%", "15%", "20%", "25%"]),
    (63, "%", ["0%", "20%", "40%", "60%", "80%"]),
    (4, "", ["0", "1", "2", "3", "4"]),
])
def test_bar_chart_ticks_are_round_and_cover_the_largest_bar(top, unit, ticks):
    chart = BarChart(id="c", title="Responses", category_label="Week", value_label="responses", series=("n",),
                     rows=(("a", (top,)), ("b", (top / 3,))), unit=unit)
    texts = _texts(chart.svg())
    assert _has_run(texts, ticks), texts  # the axis reads 0 .. top in round steps, left to right
    assert texts.index("a") < texts.index("b") and "responses" in texts  # bars in the given order, axis named


def test_line_chart_ticks_are_round():
    chart = LineChart(id="l", title="Index", value_label="index", periods=("2023Q1", "2023Q2"),
                      series=(("16-24", (0.6, 1.3)), ("25-34", (0.9, 1.1))))
    texts = _texts(chart.svg())
    assert _has_run(texts, ["0", "0.50", "1", "1.50"]), texts
    assert _has_run(texts, ["2023Q1", "2023Q2"]) and "index" in texts  # periods in order, axis named
    assert {"16-24 1.30", "25-34 1.10"} <= set(texts)  # each line is labelled with its latest value
