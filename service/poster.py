"""QR codes (segno) and the printable A4 poster (reportlab) of a QR site."""

from __future__ import annotations

import io
from dataclasses import dataclass

import segno
from reportlab.lib.colors import HexColor, black, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

_DARK = HexColor("#0b0c0c")
_BLUE = HexColor("#1d70b8")


@dataclass(frozen=True)
class PosterText:
    """The words on a poster; the default ask and privacy line are the plain-English ones."""

    council: str
    site_name: str
    url: str
    ask: str = "How safe do you feel here? Tell us in 2 minutes."
    privacy: str = "Anonymous: we do not ask your name, and we do not keep your internet address with your answers."


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
    canvas.setFillColor(_DARK)
    canvas.rect(0, height - 30 * mm, width, 30 * mm, stroke=0, fill=1)
    canvas.setFillColor(_BLUE)
    canvas.rect(0, height - 33 * mm, width, 3 * mm, stroke=0, fill=1)
    canvas.setFillColor(white)
    canvas.setFont("Helvetica-Bold", 22)
    canvas.drawString(20 * mm, height - 19 * mm, text.council)
    canvas.setFillColor(black)
    y = _draw_lines(canvas, _wrap(text.ask, 26), "Helvetica-Bold", 34, 20 * mm, height - 55 * mm)
    size = 110 * mm
    _draw_qr(canvas, text.url, (width - size) / 2, y - size - 8 * mm, size)
    y = y - size - 22 * mm
    canvas.setFont("Helvetica", 14)
    canvas.drawCentredString(width / 2, y, "Scan the code with your phone camera, or type this address:")
    canvas.setFont("Helvetica-Bold", 22)
    canvas.drawCentredString(width / 2, y - 11 * mm, text.url.removeprefix("https://").removeprefix("http://"))
    canvas.setFont("Helvetica", 13)
    canvas.drawCentredString(width / 2, y - 21 * mm, text.site_name)
    _draw_lines(canvas, _wrap(text.privacy, 80), "Helvetica", 11, 20 * mm, 32 * mm)
    canvas.setFont("Helvetica", 11)
    canvas.drawString(20 * mm, 15 * mm, "In danger now? Call 999.  Under 19 and want to talk? Childline 0800 1111.")
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


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + ([line] if line else [])


def _draw_lines(canvas: Canvas, lines: list[str], font: str, size: int, x: float, y: float) -> float:
    canvas.setFont(font, size)
    for line in lines:
        canvas.drawString(x, y, line)
        y -= size * 1.25
    return y
