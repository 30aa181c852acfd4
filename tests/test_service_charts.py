"""Server-rendered charts: axis ticks are round numbers that cover every bar and point."""

from __future__ import annotations

import re

import pytest

from service.reports.charts import BarChart, LineChart


def _axis_labels(svg: str) -> list[str]:
    """The tick labels under the plot (font size 14, centred) of a bar chart."""
    return re.findall(r'<text x="[\d.]+" y="[\d.]+" font-size="14" text-anchor="middle" fill="#0b0c0c">([^<]+)</text>', svg)


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
    assert _axis_labels(chart.svg()) == ticks


def test_line_chart_ticks_are_round():
    chart = LineChart(id="l", title="Index", value_label="index", periods=("2023Q1", "2023Q2"),
                      series=(("16-24", (0.6, 1.3)), ("25-34", (0.9, 1.1))))
    labels = re.findall(r'font-size="14" text-anchor="end" fill="#0b0c0c">([^<]+)</text>', chart.svg())
    assert labels == ["0", "0.50", "1", "1.50"]
