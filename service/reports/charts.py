"""Charts people can read: hand-built SVG with labelled axes and values, a table and a CSV of the same figures.

A chart is a frozen value holding exactly the figures it shows; the page draws it with
:meth:`BarChart.svg`, shows :meth:`BarChart.table` as its text alternative, and the CSV download
writes :meth:`BarChart.csv`, so the three can never disagree. Series differ by fill pattern (bars)
or marker shape (lines) and are labelled with their values, so no meaning depends on colour alone.

Each chart draws at two widths: :data:`WIDE` for laptops and :data:`COMPACT` for phones (the page
shows one by screen width). The SVG is drawn at its own width in pixels and only shrinks to fit,
so text of :data:`FONT` units is at least 12 px wherever a layout is shown: on a 360 px phone the
compact one is about 330 px wide (14 × 330 / 340 ≈ 13.6 px). Count axes tick whole numbers only.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from html import escape

from service.reports.cells import defuse_formula

WIDE, COMPACT = 720, 340
FONT = 14  # every word on a chart, in SVG units
_CHAR_W = 0.56 * FONT  # average width of a character of Arial at FONT, for wrapping and room
_LINE = FONT + 6  # one line of text
# Solid dark blue, white with a black outline, and diagonal hatching: tell apart without colour.
_FILLS = ("#1d70b8", "#ffffff", "url(#{id}-hatch)")
_BAR = 20
# Distinct line markers, told apart by shape and fill, never by colour: five shapes solid, the
# same five hollow, a cross and a plus, then the five hollow with a dot inside. Beyond these a
# series is marked with its number, so two series never share a marker.
_SHAPES = ("circle", "square", "triangle", "diamond", "down")
MARKERS = (tuple((shape, "solid") for shape in _SHAPES) + tuple((shape, "hollow") for shape in _SHAPES)
           + (("cross", ""), ("plus", "")) + tuple((shape, "dotted") for shape in _SHAPES))


class _Drawn:
    """What both kinds of chart share: drawing themselves at both widths."""

    def svg(self, width: int = WIDE) -> str:
        raise NotImplementedError

    def drawings(self) -> tuple[tuple[str, str], ...]:
        """("wide", svg) and ("compact", svg): the page shows the one that suits the screen."""
        return ("wide", self.svg(WIDE)), ("compact", self.svg(COMPACT))


@dataclass(frozen=True)
class BarChart(_Drawn):
    """Horizontal bars: one group per category, one bar per series, each bar labelled with its value.

    ``counts`` says the values are counts (responses), so the axis ticks whole numbers only.
    """

    id: str
    title: str
    category_label: str
    value_label: str
    series: tuple[str, ...]
    rows: tuple[tuple[str, tuple[float | None, ...]], ...]
    bases: tuple[int | None, ...] = ()
    unit: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    counts: bool = False

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

    def svg(self, width: int = WIDE) -> str:
        """The chart as an accessible inline SVG ``width`` units (and pixels, at most) wide.

        Each category's name sits above its bars (wrapped, never cut off), so long names need no
        room on the left and the same drawing works on a phone.
        """
        top = max((v for _, values in self.rows for v in values if v is not None), default=0.0)
        scale_max, n_ticks = _scale(top, integer=self.counts)
        texts = [_format(v, self.unit) if v is not None else "no data" for _, vs in self.rows for v in vs]
        room = max(48, round(max((len(t) for t in texts), default=4) * _CHAR_W) + 10)
        pad = 8
        plot_w = width - 2 * pad - room
        svg_id = f"{self.id}-{width}"
        parts: list[str] = []
        y = 8
        if len(self.series) > 1:
            y = _bar_legend(parts, svg_id, self.series, pad, y, width - 2 * pad)
        for label, values in self.rows:
            for line in _wrap(label, width - 2 * pad):
                y += _LINE
                parts.append(_text(pad, y - 5, line))
            y += 4
            for s, value in enumerate(values):
                parts.append(_bar(svg_id, pad, y, plot_w, value, scale_max, s, self.unit))
                y += _BAR + 4
            y += 8
        parts.append(_axis(pad, y, plot_w, scale_max, n_ticks, self.value_label, self.unit))
        height = y + 2 * _LINE + 8
        description = self._description()
        return _svg_open(svg_id, self.title, width, height, description, self.id) + "".join(parts) + "</svg>"

    def _description(self) -> str:
        first = "; ".join(f"{label}: " + ", ".join(f"{s} {_format(v, self.unit)}" for s, v in zip(self.series, values))
                          for label, values in self.rows[:4])
        return f"{self.title}. {first}{' ...' if len(self.rows) > 4 else ''}. The table below gives every figure."


@dataclass(frozen=True)
class LineChart(_Drawn):
    """Lines over periods, one per series, each point marked with the series' own shape.

    The wide drawing labels each line at its end (labels nudged apart so none overlap, with a
    leader line to the point); the compact one lists the lines below the plot.
    """

    id: str
    title: str
    value_label: str
    periods: tuple[str, ...]
    series: tuple[tuple[str, tuple[float | None, ...]], ...]
    unit: str = ""
    counts: bool = False

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

    def end_labels(self) -> list[str]:
        """Each line's name and latest value, as the chart labels it."""
        out = []
        for name, values in self.series:
            latest = next((v for v in reversed(values) if v is not None), None)
            shown = _format(latest, self.unit) if self.counts or self.unit or latest is None else f"{latest:.2f}"
            out.append(f"{name} {shown}" if latest is not None else f"{name} (no data)")
        return out

    def svg(self, width: int = WIDE) -> str:
        """The chart as an accessible inline SVG ``width`` units (and pixels, at most) wide."""
        values = [v for _, vs in self.series for v in vs if v is not None]
        scale_max, n_ticks = _scale(max(values, default=0.0), integer=self.counts)
        tick_texts = [_format(scale_max * i / n_ticks, self.unit) for i in range(n_ticks + 1)]
        labels = self.end_labels()
        top, plot_h = 14, (200 if width < WIDE else 260)
        end_room = 34 + round(max(len(t) for t in labels) * _CHAR_W)
        # Labels at the line ends when they fit beside the plot, one above another; else a list below it.
        listed = width < WIDE or end_room > width // 3 or len(labels) * _LINE > plot_h
        left = _LINE + 10 + round(max(len(t) for t in tick_texts) * _CHAR_W)
        right = 14 if listed else end_room
        plot_w = width - left - right
        bottom = top + plot_h
        parts: list[str] = []
        for i, text in enumerate(tick_texts):
            ty = bottom - plot_h * i / n_ticks
            parts.append(f'<line x1="{left}" y1="{ty:.1f}" x2="{left + plot_w}" y2="{ty:.1f}" stroke="#b1b4b6"/>')
            parts.append(_text(left - 6, ty + 5, text, anchor="end"))
        xs = _positions(len(self.periods), left, plot_w)
        parts += _period_labels(self.periods, xs, bottom + _LINE + 4, left, left + plot_w)
        parts.append(_text(left + plot_w / 2, bottom + 2 * _LINE + 8, "Period", anchor="middle"))
        parts.append(_text(_LINE - 4, top + plot_h / 2, self.value_label, anchor="middle", rotate=True))
        ends: list[tuple[float, float, int]] = []
        for s, (_name, vals) in enumerate(self.series):
            points = [(xs[i], bottom - plot_h * (v / scale_max if scale_max else 0)) for i, v in enumerate(vals) if v is not None]
            if len(points) > 1:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
                parts.append(f'<polyline points="{path}" fill="none" stroke="#0b0c0c" stroke-width="2"/>')
            parts += [_marker(s, x, y) for x, y in points]
            if points:
                ends.append((*points[-1], s))
        height = bottom + 2 * _LINE + 18
        if listed:
            for s, label in enumerate(labels):
                for k, line in enumerate(_wrap(label, width - 40)):
                    height += _LINE
                    if k == 0:
                        parts.append(_marker(s, 14, height - 10))
                    parts.append(_text(30, height - 5, line))
            height += 8
        else:
            wanted = sorted(((y, s) for _x, y, s in ends), key=lambda item: item[0])
            placed = _spread([y for y, _ in wanted], _LINE, top, bottom)
            label_x = left + plot_w + 12
            for (y0, s), y in zip(wanted, placed):
                x0 = next(x for x, _y, k in ends if k == s)
                if abs(y - y0) > 1 or x0 < left + plot_w - 1:
                    parts.append(f'<line x1="{x0 + 6:.1f}" y1="{y0:.1f}" x2="{label_x - 2:.1f}" y2="{y:.1f}" stroke="#505a5f" '
                                 'stroke-width="1" stroke-dasharray="3 3"/>')
                parts.append(_marker(s, label_x + 6, y))
                parts.append(_text(label_x + 16, y + 5, labels[s]))
        svg_open = _svg_open(f"{self.id}-{width}", self.title, width, height,
                             f"{self.title}; the table below gives every figure.", self.id)
        return svg_open + "".join(parts) + "</svg>"


def _positions(n: int, left: float, plot_w: float) -> list[float]:
    """x of each period: spread over the plot, a single period in its middle."""
    if n == 1:
        return [left + plot_w / 2]
    return [left + plot_w * i / (n - 1) for i in range(n)]


def _period_labels(periods: tuple[str, ...], xs: list[float], y: float, low: float, high: float) -> list[str]:
    """Period names under the axis; when they would touch, every k-th one (always the latest)."""
    widest = max((len(p) for p in periods), default=0) * _CHAR_W + 10
    spacing = (xs[-1] - xs[0]) / (len(xs) - 1) if len(xs) > 1 else widest
    every = max(1, math.ceil(widest / spacing)) if spacing else 1
    out = []
    last = len(periods) - 1
    for i, period in enumerate(periods):
        if (last - i) % every:
            continue
        half = len(period) * _CHAR_W / 2
        anchor, x = "middle", xs[i]
        if x - half < low - 20:
            anchor, x = "start", low - 20
        elif x + half > high + 10:
            anchor, x = "end", high + 10
        out.append(_text(x, y, period, anchor=anchor))
    return out


def _spread(ys: list[float], gap: float, low: float, high: float) -> list[float]:
    """Positions as near ``ys`` (sorted) as possible, at least ``gap`` apart, within [low, high].

    Labels that would touch form a cluster centred on the mean of where they want to be, so a
    bunch of close values spreads both ways instead of being pushed down past the others.
    """
    clusters: list[tuple[int, int, float]] = []  # (first label, how many, position of the first)
    for i, y in enumerate(ys):
        clusters.append((i, 1, y))
        while len(clusters) > 1 and clusters[-2][2] + clusters[-2][1] * gap > clusters[-1][2]:
            (first, n_a, _), (_, n_b, _) = clusters[-2], clusters[-1]
            n = n_a + n_b
            mean = sum(ys[first:first + n]) / n
            clusters[-2:] = [(first, n, mean - gap * (n - 1) / 2)]
    out = [top + gap * k for _, n, top in clusters for k in range(n)]
    for i in range(len(out)):  # inside the plot: pushed down from the top, then up from the bottom
        out[i] = max(out[i], low, out[i - 1] + gap if i else low)
    if out and out[-1] > high:
        out[-1] = high
        for i in range(len(out) - 2, -1, -1):
            out[i] = min(out[i], out[i + 1] - gap)
    return out


def _wrap(text: str, width: float) -> list[str]:
    """Words on lines of at most ``width`` units (a word longer than a line gets a line to itself)."""
    most = max(1, int(width / _CHAR_W))
    lines: list[str] = []
    for word in str(text).split() or [""]:
        if lines and len(lines[-1]) + 1 + len(word) <= most:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _svg_open(svg_id: str, title: str, width: int, height: int, description: str, chart_id: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="voice-chart" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-labelledby="{svg_id}-title {svg_id}-desc" focusable="false" '
            f'data-chart="{escape(chart_id)}">'
            f'<title id="{svg_id}-title">{escape(title)}</title><desc id="{svg_id}-desc">{escape(description)}</desc>'
            f'<defs><pattern id="{svg_id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
            '<rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#0b0c0c" stroke-width="3"/>'
            '</pattern></defs>')


def _fill(chart_id: str, series: int) -> str:
    return _FILLS[series % len(_FILLS)].replace("{id}", chart_id)


def _bar_legend(parts: list[str], chart_id: str, series: tuple[str, ...], x0: float, y: float, width: float) -> float:
    """Swatches and names of the series, wrapping onto further lines; returns the y below them."""
    x = x0
    y += _LINE
    for s, name in enumerate(series):
        step = 24 + len(name) * _CHAR_W + 16
        if x > x0 and x + step > x0 + width:
            x, y = x0, y + _LINE
        parts.append(f'<rect x="{x:.1f}" y="{y - 14:.1f}" width="18" height="14" fill="{_fill(chart_id, s)}" stroke="#0b0c0c"/>')
        parts.append(_text(x + 24, y - 2, name))
        x += step
    return y + 8


def _bar(chart_id: str, x0: float, y: float, plot_w: float, value: float | None, scale_max: float, series: int, unit: str) -> str:
    if value is None:
        return _text(x0 + 4, y + 15, "no data")
    width = plot_w * (value / scale_max) if scale_max else 0
    return (f'<rect x="{x0}" y="{y}" width="{max(width, 1):.1f}" height="{_BAR}" fill="{_fill(chart_id, series)}" '
            f'stroke="#0b0c0c" stroke-width="1"/>' + _text(x0 + width + 6, y + 15, _format(value, unit)))


def _axis(x0: float, y: float, plot_w: float, scale_max: float, n_ticks: int, label: str, unit: str) -> str:
    parts = [f'<line x1="{x0}" y1="{y}" x2="{x0 + plot_w}" y2="{y}" stroke="#0b0c0c"/>']
    for i in range(n_ticks + 1):
        x = x0 + plot_w * i / n_ticks
        anchor = "start" if i == 0 else "middle"
        parts.append(f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y + 5}" stroke="#0b0c0c"/>')
        parts.append(_text(x, y + _LINE, _format(scale_max * i / n_ticks, unit), anchor=anchor))
    parts.append(_text(x0 + plot_w / 2, y + 2 * _LINE + 2, label, anchor="middle"))
    return "".join(parts)


def _marker(series: int, x: float, y: float) -> str:
    """The marker of series number ``series``: no two series of a chart share one."""
    return f'<g class="voice-marker" data-series="{series}">{_shape(series, x, y)}</g>'


def _shape(series: int, x: float, y: float) -> str:
    if series >= len(MARKERS):
        number = str(series + 1)
        return (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="#ffffff" stroke="#0b0c0c" stroke-width="2"/>'
                + _text(x, y + 5, number, anchor="middle"))
    shape, style = MARKERS[series]
    if style == "dotted":
        return _shape(MARKERS.index((shape, "hollow")), x, y) + f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="#0b0c0c"/>'
    fill = "#0b0c0c" if style == "solid" else "#ffffff"
    line = 'stroke="#0b0c0c" stroke-width="2"'
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5.5" fill="{fill}" {line}/>'
    if shape == "square":
        return f'<rect x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" fill="{fill}" {line}/>'
    if shape == "triangle":
        return f'<polygon points="{x:.1f},{y - 7:.1f} {x - 6.5:.1f},{y + 5:.1f} {x + 6.5:.1f},{y + 5:.1f}" fill="{fill}" {line}/>'
    if shape == "down":
        return f'<polygon points="{x:.1f},{y + 7:.1f} {x - 6.5:.1f},{y - 5:.1f} {x + 6.5:.1f},{y - 5:.1f}" fill="{fill}" {line}/>'
    if shape == "diamond":
        return f'<polygon points="{x:.1f},{y - 7:.1f} {x + 7:.1f},{y:.1f} {x:.1f},{y + 7:.1f} {x - 7:.1f},{y:.1f}" fill="{fill}" {line}/>'
    if shape == "cross":
        return f'<path d="M{x - 5:.1f},{y - 5:.1f} L{x + 5:.1f},{y + 5:.1f} M{x - 5:.1f},{y + 5:.1f} L{x + 5:.1f},{y - 5:.1f}" {line}/>'
    return f'<path d="M{x - 6:.1f},{y:.1f} L{x + 6:.1f},{y:.1f} M{x:.1f},{y - 6:.1f} L{x:.1f},{y + 6:.1f}" {line}/>'


def _text(x: float, y: float, text: str, anchor: str = "start", rotate: bool = False) -> str:
    turn = f' transform="rotate(-90 {x:.1f} {y:.1f})"' if rotate else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{FONT}" text-anchor="{anchor}" fill="#0b0c0c"{turn}>'
            f"{escape(str(text))}</text>")


def _scale(value: float, integer: bool = False) -> tuple[float, int]:
    """An axis maximum at or above ``value`` and its number of intervals (1 to 5), every tick a
    round number: a step of 1, 2 or 5 times a power of ten (0, 10, 20, 30, 40 rather than 12.5).
    With ``integer`` (counts) the step is at least 1, so no tick reads 0.50 or 1.50."""
    if not value > 0 or math.isinf(value):
        return (1.0, 1) if integer else (1.0, 4)
    power = 10.0 ** math.floor(math.log10(value / 5))
    if integer:
        power = max(power, 1.0)
    for multiple in (1, 2, 5, 10):
        step = multiple * power
        n = max(1 if integer else 2, math.ceil(value / step - 1e-9))
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
