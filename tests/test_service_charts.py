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


@pytest.mark.parametrize("top", [1, 2, 3, 7])
def test_count_axes_tick_whole_numbers_only(top):
    # Issue 17: a count axis never reads 0.50 or 1.50.
    chart = BarChart(id="c", title="Responses", category_label="Week", value_label="responses", series=("n",),
                     rows=(("a", (float(top),)), ("b", (0.0,))), counts=True)
    for width in (720, 340):
        texts = _texts(chart.svg(width))
        ticks = texts[texts.index("b") + 2:texts.index("responses")]  # after the last bar's value label
        assert ticks and all(t.isdigit() for t in ticks), ticks
        assert int(ticks[-1]) >= top and ticks[0] == "0"
    fractional = BarChart(id="c", title="Share", category_label="Week", value_label="index", series=("n",),
                          rows=(("a", (2.0,)),))
    assert "0.50" in _texts(fractional.svg())  # the rule is for counts; an index may tick in halves


def _shape(element) -> str:
    """One drawn part of a marker, with its geometry relative to the part itself (not where it sits)."""
    import re

    tag = element.tag.rsplit("}", 1)[-1]
    numbers = [float(n) for n in re.findall(r"-?[\d.]+", element.get("points") or element.get("d") or "")]
    offsets = [round(v - numbers[i % 2], 1) for i, v in enumerate(numbers)]
    size = element.get("r") or element.get("width") or ""
    return f"{tag}:{element.get('fill')}:{size}:{offsets}:{element.text or ''}"


def _markers(svg: str) -> dict[str, str]:
    """Series number -> the marker drawn for it (its shapes and fills, without position)."""
    out: dict[str, set[str]] = {}
    for group in ElementTree.fromstring(svg).iter():
        if group.get("class") == "voice-marker":
            out.setdefault(group.get("data-series"), set()).add("|".join(_shape(c) for c in group))
    assert all(len(shapes) == 1 for shapes in out.values()), out  # a series keeps its marker at every point
    return {k: next(iter(v)) for k, v in out.items()}


@pytest.mark.parametrize("n_series", [2, 5, 10, 17, 20])
def test_line_series_never_share_a_marker(n_series):
    chart = LineChart(id="l", title="Index", value_label="index", periods=("2023Q1", "2023Q2", "2023Q3"),
                      series=tuple((f"group {i}", (0.5, 1.0, 1.0 + i / 100)) for i in range(n_series)))
    for width in (720, 340):
        markers = _markers(chart.svg(width))
        assert len(markers) == n_series and len(set(markers.values())) == n_series, markers
        fills = {part.split(":")[1] for marker in markers.values() for part in marker.split("|")}
        assert fills <= {"#0b0c0c", "#ffffff", "None"}, fills  # black and white only: shape and fill, not colour


def test_line_end_labels_are_spread_apart_when_the_values_are_close():
    chart = LineChart(id="l", title="Index", value_label="index", periods=("2023Q1", "2023Q2"),
                      series=tuple((f"g{i}", (0.5, 1.0 + i / 1000)) for i in range(6)))
    root = ElementTree.fromstring(chart.svg(720))
    ends = sorted(float(t.get("y")) for t in root.iter() if t.tag.endswith("text") and (t.text or "").startswith("g"))
    assert len(ends) == 6 and min(b - a for a, b in zip(ends, ends[1:])) >= 18  # a line of 14-unit text apart


def test_close_end_labels_spread_both_ways_around_their_values():
    from service.reports.charts import _spread

    placed = _spread([10, 100, 101, 102, 103, 200], 20, 0, 260)
    assert placed[1:5] == [71.5, 91.5, 111.5, 131.5]  # centred on 101.5, not pushed down from 100
    assert placed[0] == 10 and placed[5] == 200  # labels with room stay beside their lines
    assert _spread([250, 255, 258], 20, 0, 260) == [220, 240, 260]  # kept inside the plot
