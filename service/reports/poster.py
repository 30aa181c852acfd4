"""QR codes (segno) and the printable A4 poster (reportlab) of a QR site."""

from __future__ import annotations

import io
from dataclasses import dataclass

import segno
from reportlab.lib.colors import HexColor, black, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

_DARK = HexColor("#0b0c0c")
_BLUE = HexColor("#1d70b8")
_MARGIN = 20 * mm  # most printers cannot print the outer 5 mm; keep every word well inside that


@dataclass(frozen=True)
class PosterText:
    """The words on a poster; the default ask and privacy line are the plain-English ones."""

    council: str
    site_name: str
    url: str
    ask: str = "How safe do you feel here? Tell us in 2 minutes."
    privacy: str = "Anonymous: we do not ask your name, and we do not keep your internet address with your answers."
    notice: str = ""  # a red band across the top: a demo, or a test print without the public address


def make_qr(url: str) -> segno.QRCode:
    """A QR code for ``url`` with medium error correction (survives some dirt and wear on a poster)."""
    return segno.make(url, error="m", micro=False)


def qr_svg(url: str, title: str = "") -> bytes:
    """The QR code as an SVG document (scales to any print size)."""
    out = io.BytesIO()
    make_qr(url).save(out, kind="svg", scale=10, border=4, title=title or url, dark="#0b0c0c")
    return out.getvalue()


def qr_png(url: str, scale: int = 12) -> bytes:
    """The QR code as a PNG image, ``scale`` pixels per module."""
    out = io.BytesIO()
    make_qr(url).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def poster_pdf(text: PosterText) -> bytes:
    """A printable A4 poster: the ask, a large QR code, the short address in text, and the privacy line."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"{text.council}: {text.site_name}")
    canvas.setAuthor(text.council)
    width, height = A4
    line = width - 2 * _MARGIN  # the longest a line of words may be
    canvas.setFillColor(_DARK)
    canvas.rect(0, height - 30 * mm, width, 30 * mm, stroke=0, fill=1)
    canvas.setFillColor(_BLUE)
    canvas.rect(0, height - 33 * mm, width, 3 * mm, stroke=0, fill=1)
    canvas.setFillColor(white)
    canvas.setFont("Helvetica-Bold", _fitting_size(text.council, "Helvetica-Bold", 22, line))
    canvas.drawString(_MARGIN, height - 19 * mm, text.council)
    if text.notice:
        canvas.setFillColor(HexColor("#d4351c"))
        canvas.rect(0, height - 45 * mm, width, 12 * mm, stroke=0, fill=1)
        canvas.setFillColor(white)
        canvas.setFont("Helvetica-Bold", _fitting_size(text.notice, "Helvetica-Bold", 12, line, smallest=7))
        canvas.drawString(_MARGIN, height - 40.5 * mm, text.notice)
    canvas.setFillColor(black)
    y = _draw_lines(canvas, _wrap(text.ask, "Helvetica-Bold", 34, line), "Helvetica-Bold", 34, _MARGIN, height - 55 * mm)
    size = 110 * mm
    _draw_qr(canvas, text.url, (width - size) / 2, y - size - 8 * mm, size)
    y = y - size - 22 * mm
    canvas.setFont("Helvetica", 14)
    canvas.drawCentredString(width / 2, y, "Scan the code with your phone camera, or type this address:")
    # A long public address gets smaller type rather than running off the paper (the QR code is
    # what most people use; the words are for typing), and breaks over lines only past 12 pt.
    address = text.url.removeprefix("https://").removeprefix("http://")
    size = _fitting_size(address, "Helvetica-Bold", 22, line, smallest=12)
    y = _draw_lines(canvas, _split(address, "Helvetica-Bold", size, line), "Helvetica-Bold", size, width / 2, y - 11 * mm, centred=True)
    _draw_lines(canvas, _wrap(text.site_name, "Helvetica", 13, line), "Helvetica", 13, width / 2, y, centred=True)
    _draw_lines(canvas, _wrap(text.privacy, "Helvetica", 11, line), "Helvetica", 11, _MARGIN, 32 * mm)
    canvas.setFont("Helvetica", 11)
    canvas.drawString(_MARGIN, 15 * mm, "In danger now? Call 999.  Under 19 and want to talk? Childline 0800 1111.")
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _draw_qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    """Draw the QR code as vector squares, so it prints sharp at any size."""
    matrix = [list(row) for row in make_qr(url).matrix]
    n = len(matrix)
    quiet = 4
    cell = size / (n + 2 * quiet)
    canvas.setFillColor(black)
    for row_index, row in enumerate(matrix):
        for col_index, dark in enumerate(row):
            if dark:
                canvas.rect(x + (col_index + quiet) * cell, y + size - (row_index + quiet + 1) * cell, cell, cell, stroke=0, fill=1)


def _fitting_size(text: str, font: str, size: float, width: float, smallest: float = 12) -> float:
    """The largest size up to ``size`` (in half points, not below ``smallest``) at which ``text`` fits ``width``."""
    while size > smallest and stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Words of ``text`` in lines no wider than ``width`` points; a word too long for a line is split."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and stringWidth(candidate, font, size) > width:
            lines.append(line)
            candidate = word
        *full, line = _split(candidate, font, size, width)
        lines += full
    return lines + ([line] if line else [])


def _split(text: str, font: str, size: float, width: float) -> list[str]:
    """``text`` broken between characters into lines no wider than ``width`` points (one line if it fits)."""
    lines = [""]
    for char in text:
        if lines[-1] and stringWidth(lines[-1] + char, font, size) > width:
            lines.append("")
        lines[-1] += char
    return lines


def _draw_lines(canvas: Canvas, lines: list[str], font: str, size: float, x: float, y: float, centred: bool = False) -> float:
    """Draw ``lines`` downwards from ``y`` (left-aligned at ``x``, or centred on it); return the next ``y``."""
    canvas.setFont(font, size)
    draw = canvas.drawCentredString if centred else canvas.drawString
    for line in lines:
        draw(x, y, line)
        y -= size * 1.25
    return y
