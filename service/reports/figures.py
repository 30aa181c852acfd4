"""Charts for briefings: horizontal bars with 95% intervals, black on white, hatched series, values printed.

Drawn with matplotlib in a job or CLI command (never a page request), as SVG for HTML and PDF
and PNG for DOCX, from the same figures the tables beside them show.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

HATCHES = ("", "////", "....")
FILLS = ("#404040", "white", "white")


@dataclass(frozen=True)
class Bar:
    """One bar: label, series, value (percent) and optional interval; ``None`` value = suppressed."""

    label: str
    series: str
    value: float | None
    low: float | None = None
    high: float | None = None


def bar_chart(bars: list[Bar], title: str, xlabel: str = "Percent") -> tuple[str, bytes]:
    """Return (SVG text, PNG bytes) of a grouped horizontal bar chart."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.hashsalt": "community-voice", "svg.fonttype": "none", "font.size": 8,
                         "font.family": "sans-serif", "font.sans-serif": ["Liberation Sans", "DejaVu Sans"]})
    labels = list(dict.fromkeys(b.label for b in bars))
    series = list(dict.fromkeys(b.series for b in bars))
    height = 0.8 / max(len(series), 1)
    fig, ax = plt.subplots(figsize=(7.0, 0.35 + 0.32 * len(labels) * max(len(series), 1) ** 0.7 + 0.5))
    for s, name in enumerate(series):
        for bar in (b for b in bars if b.series == name):
            y = labels.index(bar.label) + (s - (len(series) - 1) / 2) * height
            if bar.value is None:
                ax.text(1, y, "suppressed (small number)", va="center", fontsize=7)
                continue
            ax.barh(y, bar.value, height=height * 0.9, color=FILLS[s % 3], edgecolor="black", hatch=HATCHES[s % 3],
                    linewidth=0.6, label=name if labels.index(bar.label) == 0 or True else None)
            if bar.low is not None and bar.high is not None and not np.isnan(bar.low):
                ax.errorbar(bar.value, y, xerr=[[bar.value - bar.low], [bar.high - bar.value]], fmt="none",
                            ecolor="black", elinewidth=0.8, capsize=2)
            ax.text(max(bar.high or 0, bar.value) + 1, y, f"{bar.value:.0f}%", va="center", fontsize=7)
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 105)
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left", fontsize=9, fontweight="bold")
    ax.spines[["top", "right"]].set_visible(False)
    handles, names = ax.get_legend_handles_labels()
    unique = dict(zip(names, handles))
    if len(series) > 1:
        ax.legend(unique.values(), unique.keys(), loc="lower right", fontsize=7, frameon=True)
    fig.tight_layout()
    svg, png = io.StringIO(), io.BytesIO()
    fig.savefig(svg, format="svg", metadata={"Date": None})
    fig.savefig(png, format="png", dpi=200)
    plt.close(fig)
    text = svg.getvalue()
    return text[text.index("<svg"):], png.getvalue()
