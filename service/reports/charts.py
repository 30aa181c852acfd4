"""Charts people can read: hand-built SVG with labelled axes and values, a table and a CSV of the same figures.

A chart is a frozen value holding exactly the figures it shows; the page draws it with
:meth:`BarChart.svg`, shows :meth:`BarChart.table` as its text alternative, and the CSV download
writes :meth:`BarChart.csv`, so the three can never disagree. Series differ by fill pattern and
are labelled with their values, so no meaning depends on colour alone.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from html import escape

from service.reports.cells import defuse_formula

# Solid dark blue, white with a black outline, and diagonal hatching: tell apart without colour.
_FILLS = ("#1d70b8", "#ffffff", "url(#hatch)")
_MARKERS = ("circle", "square", "triangle", "diamond", "cross")
_ROW = 26
_LABEL_W = 230
_CHAR_W = 8.4  # average width of a label character at the chart's font size, in SVG units
_PLOT_W = 430


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars: one row per category, one bar per series, each bar labelled with its value."""

    id: str
    title: str
    category_label: str
    value_label: str
    series: tuple[str, ...]
    rows: tuple[tuple[str, tuple[float | None, ...]], ...]
    bases: tuple[int | None, ...] = ()
    unit: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_empty(self) -> bool:
        """Say whether there is nothing to draw."""
        return not self.rows

    def table(self) -> dict:
        """Header and rows of the data table alternative (values formatted, base n beside them)."""
        header = [self.category_label, *[f"{name} ({self.value_label})" for name in self.series]]
        if self.bases:
            header.append("Base (n)")
        body = []
        for i, (label, values) in enumerate(self.rows):
            cells = [label, *[_format(v, self.unit) for v in values]]
            if self.bases:
                cells.append(_format(self.bases[i], ""))
            body.append(cells)
        return {"header": header, "rows": body}

    def csv(self) -> str:
        """The figures shown, as CSV (unrounded, one column per series, base n last when known)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        header = [self.category_label, *self.series] + (["base_n"] if self.bases else [])
        writer.writerow(header)
        for i, (label, values) in enumerate(self.rows):
            row = [defuse_formula(label), *["" if v is None else round(v, 4) for v in values]]
            if self.bases:
                row.append("" if self.bases[i] is None else self.bases[i])
            writer.writerow(row)
        return out.getvalue()

    def svg(self) -> str:
        """The chart as an accessible inline SVG (role img, title and description)."""
        n_series = max(len(self.series), 1)
        height = 40 + len(self.rows) * (_ROW * n_series + 10) + 60
        # Long category names (bus routes, ethnic groups) get room on the left instead of being cut off.
        longest = max((len(label) for label, _ in self.rows), default=0)
        shift = max(0, round(longest * _CHAR_W) - (_LABEL_W - 8))
        width = _LABEL_W + _PLOT_W + 80 + shift
        top = max((v for _, values in self.rows for v in values if v is not None), default=0.0)
        scale_max, n_ticks = _scale(top)
        parts = [_svg_open(self.id, self.title, width, height, self._description()), f'<g transform="translate({shift},0)">']
        y = 30
        for label, values in self.rows:
            parts.append(_text(_LABEL_W - 8, y + (_ROW * n_series) / 2 + 5, label, anchor="end"))
            for s, value in enumerate(values):
                parts.append(_bar(y + s * _ROW, value, scale_max, s, self.unit))
            y += _ROW * n_series + 10
        parts.append(_axis(y, scale_max, n_ticks, self.value_label, self.unit))
        parts.append(_legend(self.series, y + 45))
        parts.append("</g></svg>")
        return "".join(parts)

    def _description(self) -> str:
        first = "; ".join(f"{label}: " + ", ".join(f"{s} {_format(v, self.unit)}" for s, v in zip(self.series, values))
                          for label, values in self.rows[:4])
        return f"{self.title}. {first}{' ...' if len(self.rows) > 4 else ''}. The table below gives every figure."


@dataclass(frozen=True)
class LineChart:
    """Lines over periods, one per series, each point marked with a distinct shape and its value."""

    id: str
    title: str
    value_label: str
    periods: tuple[str, ...]
    series: tuple[tuple[str, tuple[float | None, ...]], ...]
    unit: str = ""

    @property
    def is_empty(self) -> bool:
        """Say whether there is nothing to draw."""
        return not self.series or len(self.periods) < 1

    def table(self) -> dict:
        """Header and rows of the data table alternative: one row per series, one column per period."""
        return {"header": ["Group", *self.periods],
                "rows": [[name, *[_format(v, self.unit) for v in values]] for name, values in self.series]}

    def csv(self) -> str:
        """The figures shown, as CSV: one row per series, one column per period."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["group", *self.periods])
        for name, values in self.series:
            writer.writerow([defuse_formula(name), *["" if v is None else round(v, 4) for v in values]])
        return out.getvalue()

    def svg(self) -> str:
        """The chart as an accessible inline SVG."""
        width, height, left, right, top, bottom = 740, 360, 60, 200, 30, 60
        plot_w, plot_h = width - left - right, height - top - bottom
        values = [v for _, vs in self.series for v in vs if v is not None]
        scale_max, n_ticks = _scale(max(values, default=0.0))
        step = plot_w / max(len(self.periods) - 1, 1)
        parts = [_svg_open(self.id, self.title, width, height, f"{self.title}; the table below gives every figure.")]
        for i in range(n_ticks + 1):
            tick = scale_max * i / n_ticks
            ty = top + plot_h - plot_h * i / n_ticks
            parts.append(f'<line x1="{left}" y1="{ty:.1f}" x2="{left + plot_w}" y2="{ty:.1f}" stroke="#b1b4b6"/>')
            parts.append(_text(left - 6, ty + 5, _format(tick, self.unit), anchor="end", size=14))
        for i, period in enumerate(self.periods):
            parts.append(_text(left + i * step, top + plot_h + 20, period, anchor="middle", size=14))
        parts.append(_text(left + plot_w / 2, height - 10, "Period", anchor="middle", size=15))
        parts.append(_text(14, top + plot_h / 2, self.value_label, anchor="middle", size=15, rotate=True))
        for s, (name, vals) in enumerate(self.series):
            points = [(left + i * step, top + plot_h - plot_h * (v / scale_max if scale_max else 0), v)
                      for i, v in enumerate(vals) if v is not None]
            if len(points) > 1:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
                parts.append(f'<polyline points="{path}" fill="none" stroke="#0b0c0c" stroke-width="2"/>')
            for x, y, _v in points:
                parts.append(_marker(_MARKERS[s % len(_MARKERS)], x, y))
            if points:
                x, y, v = points[-1]
                parts.append(_text(x + 10, y + 5, f"{name} {_format(v, self.unit)}", size=14))
        parts.append("</svg>")
        return "".join(parts)


def _svg_open(chart_id: str, title: str, width: int, height: int, description: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="voice-chart" viewBox="0 0 {width} {height}" '
            f'width="100%" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false">'
            f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(description)}</desc>'
            '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
            '<rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#0b0c0c" stroke-width="3"/>'
            '</pattern></defs>')


def _bar(y: float, value: float | None, scale_max: float, series: int, unit: str) -> str:
    if value is None:
        return _text(_LABEL_W + 4, y + 18, "no data", size=14)
    width = _PLOT_W * (value / scale_max) if scale_max else 0
    fill = _FILLS[series % len(_FILLS)]
    return (f'<rect x="{_LABEL_W}" y="{y + 3}" width="{max(width, 1):.1f}" height="{_ROW - 6}" fill="{fill}" '
            f'stroke="#0b0c0c" stroke-width="1"/>' + _text(_LABEL_W + width + 6, y + 18, _format(value, unit), size=14))


def _axis(y: float, scale_max: float, n_ticks: int, label: str, unit: str) -> str:
    parts = [f'<line x1="{_LABEL_W}" y1="{y}" x2="{_LABEL_W + _PLOT_W}" y2="{y}" stroke="#0b0c0c"/>']
    for i in range(n_ticks + 1):
        x = _LABEL_W + _PLOT_W * i / n_ticks
        parts.append(f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y + 5}" stroke="#0b0c0c"/>')
        parts.append(_text(x, y + 20, _format(scale_max * i / n_ticks, unit), anchor="middle", size=14))
    parts.append(_text(_LABEL_W + _PLOT_W / 2, y + 38, label, anchor="middle", size=15))
    return "".join(parts)


def _legend(series: tuple[str, ...], y: float) -> str:
    if len(series) < 2:
        return ""
    parts, x = [], 10
    for s, name in enumerate(series):
        parts.append(f'<rect x="{x}" y="{y}" width="18" height="14" fill="{_FILLS[s % len(_FILLS)]}" stroke="#0b0c0c"/>')
        parts.append(_text(x + 24, y + 12, name, size=14))
        x += 40 + 8 * len(name)
    return "".join(parts)


def _marker(shape: str, x: float, y: float) -> str:
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="#0b0c0c"/>'
    if shape == "square":
        return f'<rect x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" fill="#ffffff" stroke="#0b0c0c" stroke-width="2"/>'
    if shape == "triangle":
        return f'<polygon points="{x:.1f},{y - 6:.1f} {x - 6:.1f},{y + 5:.1f} {x + 6:.1f},{y + 5:.1f}" fill="#1d70b8" stroke="#0b0c0c"/>'
    if shape == "diamond":
        return f'<polygon points="{x:.1f},{y - 6:.1f} {x + 6:.1f},{y:.1f} {x:.1f},{y + 6:.1f} {x - 6:.1f},{y:.1f}" fill="#ffffff" stroke="#0b0c0c" stroke-width="2"/>'
    return (f'<path d="M{x - 5:.1f},{y - 5:.1f} L{x + 5:.1f},{y + 5:.1f} M{x - 5:.1f},{y + 5:.1f} L{x + 5:.1f},{y - 5:.1f}" '
            'stroke="#0b0c0c" stroke-width="2"/>')


def _text(x: float, y: float, text: str, anchor: str = "start", size: int = 15, rotate: bool = False) -> str:
    turn = f' transform="rotate(-90 {x:.1f} {y:.1f})"' if rotate else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="#0b0c0c"{turn}>'
            f"{escape(str(text))}</text>")


def _scale(value: float) -> tuple[float, int]:
    """An axis maximum at or above ``value`` and its number of intervals (2 to 5), every tick a
    round number: a step of 1, 2 or 5 times a power of ten (0, 10, 20, 30, 40 rather than 12.5)."""
    if not value > 0 or math.isinf(value):
        return 1.0, 4
    power = 10.0 ** math.floor(math.log10(value / 5))
    for multiple in (1, 2, 5, 10):
        step = multiple * power
        n = max(2, math.ceil(value / step - 1e-9))
        if n <= 5:
            return round(n * step, 10), n
    return 10 * power * 5, 5  # not reached: a step of 10 * power always fits in 5


def _format(value: float | int | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "%":
        return f"{value:.1f}%" if value < 10 and value != int(value) else f"{value:.0f}%"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:.2f}"
