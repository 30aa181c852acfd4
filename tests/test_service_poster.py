"""A printed poster, scanned: the closest honest stand-in for "a resident scans a poster and answers".

Staff create a site and download its A4 poster through the app; poppler's pdftoppm rasterises the
PDF at print and screen resolutions, Pillow turns the page into a rough phone photo (tilted,
keystoned, blurred, dim, JPEG), and a real QR decoder (zxing-cpp, a PyPI wheel) reads it. The
decoded address must be the site's short address, and the same as the address printed in words.
A headless Chromium at phone size then opens that address and sends the form (browser marker).

Needs pdftoppm and pdftotext (Debian poppler-utils, in .ci/apt-packages.txt); the phone test also
needs /usr/bin/chromium. Pictures of the pages go to test-artifacts/poster/ (git-ignored).
"""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
import zxingcpp
from PIL import Image, ImageEnhance, ImageFilter
from sqlalchemy import select

from service import create_app
from service.pipeline.ingest_runs import register_sources
from service.store.accounts import add_user
from service.store.db import transaction
from service.store.models import Response, Site, Source
from tests.browser import ARTIFACTS, chromium_page, needs_chromium, screenshot, serve

PUBLIC_URL = "https://voice.havering.gov.uk"
SITE_WARD = "E05013983"  # the ward the bus stop is in, chosen by staff when they create the site
HOME_WARD = "E05013968"  # Cranham: the ward the resident says they live in, on the form
PASSWORD = "correct horse battery staple"
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 7a) AppleWebKit/537.36 (KHTML, like Gecko) "
                       "Chrome/126.0.0.0 Mobile Safari/537.36"}
MM_PER_INCH = 25.4

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
                                reason="needs pdftoppm and pdftotext (apt-get install poppler-utils)")


@pytest.fixture
def poster_app(config):
    """The app with a public address for posters; no minimum answering time (the browser is quick)."""
    app = create_app(replace(config, form=replace(config.form, public_url=PUBLIC_URL, min_seconds=0)))
    register_sources(app.extensions["voice_sessions"], config)
    yield app
    app.extensions["voice_engine"].dispose()


@pytest.fixture
def staff(poster_app, factory):
    """A test client signed in through the sign-in page as an engagement officer."""
    with transaction(factory) as session:
        add_user(session, "engagement@example.org", "Test Engagement", "engagement", PASSWORD)
    client = poster_app.test_client()
    reply = client.post("/sign-in", data={"csrf_token": _csrf(client, "/sign-in"), "email": "engagement@example.org",
                                          "password": PASSWORD})
    assert reply.status_code == 302, reply.data[:500]
    return client


@pytest.fixture
def site(staff, factory) -> Site:
    """A bus-stop site created through the staff page, as an engagement officer would."""
    fields = {"name": "Romford station, bus stop K", "kind": "bus_stop", "ward": SITE_WARD, "campaign": "",
              "question_set": "standard"}
    reply = staff.post("/sites/new", data={"csrf_token": _csrf(staff, "/sites/new"), **fields})
    assert reply.status_code == 302, reply.data[:500]
    with factory() as session:
        return session.scalars(select(Site)).one()


def _csrf(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _rasterise(pdf: bytes, dpi: int, folder: Path) -> Image.Image:
    """The first page of ``pdf`` as a grey image at ``dpi``, rendered by poppler's pdftoppm."""
    (folder / "poster.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", "-singlefile", str(folder / "poster.pdf"),
                    str(folder / f"poster-{dpi}")], check=True, timeout=60)
    return Image.open(folder / f"poster-{dpi}.png").convert("L")


def _phone_photo(page: Image.Image) -> Image.Image:
    """A rough phone-camera photo of a printed page: tilted 4°, keystoned, blurred, dim, low contrast, JPEG."""
    tilted = page.rotate(4, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    width, height = tilted.size
    inset = 0.06 * width  # the top edge looks shorter: the phone is held below the poster, pointing up
    corners = [(0, 0), (width, 0), (width, height), (0, height)]
    seen = [(inset, 0), (width - inset, 0), (width, height), (0, height)]
    rows = []
    for (x, y), (u, v) in zip(corners, seen):
        rows += [[u, v, 1, 0, 0, 0, -x * u, -x * v], [0, 0, 0, u, v, 1, -y * u, -y * v]]
    coefficients = np.linalg.solve(np.array(rows, float), np.array(corners, float).reshape(8))
    photo = tilted.transform((width, height), Image.Transform.PERSPECTIVE, tuple(coefficients),
                             Image.Resampling.BICUBIC, fillcolor=255)
    photo = photo.filter(ImageFilter.GaussianBlur(max(0.7, width / 1500)))
    photo = ImageEnhance.Brightness(ImageEnhance.Contrast(photo).enhance(0.6)).enhance(0.85)
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=35)
    return Image.open(io.BytesIO(out.getvalue())).convert("L")


def _decode(image: Image.Image) -> list[str]:
    """Every QR code zxing-cpp finds in the image."""
    return [code.text for code in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


def _printed_words(pdf: bytes, folder: Path) -> list[tuple[str, float, float]]:
    """The poster's words as pdftotext reads them, with each word's left and right edge in mm."""
    (folder / "words.pdf").write_bytes(pdf)
    html = subprocess.run(["pdftotext", "-bbox", str(folder / "words.pdf"), "-"], capture_output=True, text=True,
                          check=True, timeout=60).stdout
    words = []
    for line in html.splitlines():
        if "<word " in line:
            attrs = dict(part.split("=", 1) for part in line.split("<word ", 1)[1].split(">", 1)[0].split())
            text = line.split(">", 1)[1].rsplit("</word>", 1)[0]
            words.append((text, float(attrs["xMin"].strip('"')) * MM_PER_INCH / 72,
                          float(attrs["xMax"].strip('"')) * MM_PER_INCH / 72))
    return words


def _save(image: Image.Image, name: str) -> None:
    folder = ARTIFACTS / "poster"
    folder.mkdir(parents=True, exist_ok=True)
    image.save(folder / f"{name}.png")


def _qr_box(page: Image.Image) -> tuple[int, int, int, int, float]:
    """The QR symbol's box on the page (left, top, right, bottom, in pixels) and its module size.

    Measured from the pixels, not from our drawing code: the decoder says roughly where the code
    is; the box is the extent of the dark pixels around it, and a module is one seventh of the
    top-left finder pattern's width.
    """
    (code,) = zxingcpp.read_barcodes(page, formats=zxingcpp.BarcodeFormat.QRCode)
    corners = [code.position.top_left, code.position.top_right, code.position.bottom_right, code.position.bottom_left]
    xs, ys = [p.x for p in corners], [p.y for p in corners]
    pad = (max(xs) - min(xs)) // 8
    left, top = min(xs) - pad, min(ys) - pad
    dark = np.asarray(page)[top:max(ys) + pad, left:max(xs) + pad] < 128
    rows, cols = np.flatnonzero(dark.any(axis=1)), np.flatnonzero(dark.any(axis=0))
    box = (left + cols[0], top + rows[0], left + cols[-1] + 1, top + rows[-1] + 1)
    top_row = dark[rows[0]][cols[0]:]
    finder = int(np.argmin(top_row)) if not top_row.all() else len(top_row)
    return (*box, finder / 7)


def test_poster_printed_at_150_and_72_dpi_decodes_to_the_short_address_also_in_words(site, staff, tmp_path):
    reply = staff.get(f"/sites/{site.id}/poster.pdf")
    assert reply.status_code == 200 and reply.mimetype == "application/pdf"
    short_url = f"{PUBLIC_URL}/q/{site.code}"
    for dpi in (150, 72):
        page = _rasterise(reply.data, dpi, tmp_path)
        assert abs(page.width - 210 / MM_PER_INCH * dpi) <= 1 and abs(page.height - 297 / MM_PER_INCH * dpi) <= 1  # A4
        photo = _phone_photo(page)
        _save(page, f"poster-{dpi}dpi")
        _save(photo, f"poster-{dpi}dpi-phone-photo")
        assert _decode(page) == [short_url], f"the poster rasterised at {dpi} dpi"
        assert _decode(photo) == [short_url], f"a rough phone photo of the poster at {dpi} dpi"
    words = [text for text, _, _ in _printed_words(reply.data, tmp_path)]
    assert [w for w in words if "/q/" in w] == [short_url.removeprefix("https://")]  # typed by hand: no scheme needed


def test_poster_qr_is_large_with_a_quiet_zone_and_the_address_fits_inside_print_margins(site, staff, tmp_path):
    pdf = staff.get(f"/sites/{site.id}/poster.pdf").data
    dpi = 150
    page = _rasterise(pdf, dpi, tmp_path)
    left, top, right, bottom, module = _qr_box(page)
    width_mm, height_mm = (right - left) / dpi * MM_PER_INCH, (bottom - top) / dpi * MM_PER_INCH
    # A phone reads a code from about ten times its width: 40 mm is a first-row scan at a bus stop.
    assert width_mm >= 40 and abs(width_mm - height_mm) < 1, (width_mm, height_mm)
    assert module / dpi * MM_PER_INCH >= 1.0  # a module of a millimetre or more survives a cheap printer
    # The quiet zone: four modules of blank paper all round (ISO/IEC 18004), no text or edge in it.
    quiet = round(4 * module)
    pixels = np.asarray(page)
    around = pixels[top - quiet:bottom + quiet, left - quiet:right + quiet].copy()
    assert top - quiet >= 0 and left - quiet >= 0 and right + quiet <= page.width and bottom + quiet <= page.height
    around[quiet:-quiet, quiet:-quiet] = 255
    assert around.min() >= 200, "something is printed in the QR code's quiet zone"
    # Most printers cannot print the outer 5 mm of a sheet; the typed address must be whole inside that.
    (address,) = [(x0, x1) for text, x0, x1 in _printed_words(pdf, tmp_path) if "/q/" in text]
    assert address[0] >= 10 and address[1] <= 200, address


def test_poster_long_public_address_and_site_name_stay_inside_print_margins(tmp_path):
    from service.reports.poster import PosterText, poster_pdf

    url = "https://community-safety-voice.london-borough-of-havering.gov.uk/q/abcdefgh"
    name = ("Romford station, north entrance, bus stop K (towards Harold Hill) by the ticket barriers, "
            "opposite the taxi rank and the cycle hub")
    pdf = poster_pdf(PosterText(council="Havering Council", site_name=name, url=url))
    words = _printed_words(pdf, tmp_path)
    assert min(x0 for _, x0, _ in words) >= 10 and max(x1 for _, _, x1 in words) <= 200
    assert [w for w, _, _ in words if "/q/" in w] == [url.removeprefix("https://")]
    assert " ".join(w for w, _, _ in words).count(name) == 1
    assert _decode(_rasterise(pdf, 72, tmp_path)) == [url]


def test_poster_qr_svg_and_png_downloads_decode_to_the_short_address(site, staff, tmp_path):
    import weasyprint

    short_url = f"{PUBLIC_URL}/q/{site.code}"
    png = staff.get(f"/sites/{site.id}/qr.png?download=1")
    svg = staff.get(f"/sites/{site.id}/qr.svg")
    assert png.mimetype == "image/png" and svg.mimetype == "image/svg+xml"
    image = Image.open(io.BytesIO(png.data))
    assert _decode(image) == [short_url]
    # The PNG printed 3 cm wide at 150 dpi (a sticker, or a corner of a leaflet).
    small = image.convert("L").resize((round(30 / MM_PER_INCH * 150),) * 2, Image.Resampling.LANCZOS)
    assert _decode(small) == [short_url]
    # The SVG drawn by a real SVG renderer (WeasyPrint's), 40 mm wide on a page, then rasterised.
    html = f'<img style="width: 40mm" src="data:image/svg+xml;base64,{base64.b64encode(svg.data).decode()}">'
    page = _rasterise(weasyprint.HTML(string=html).write_pdf(), 150, tmp_path)
    assert _decode(page) == [short_url]


@pytest.mark.browser
@needs_chromium
def test_poster_scanned_by_phone_opens_the_form_and_one_answer_is_stored(poster_app, site, staff, factory, tmp_path):
    photo = _phone_photo(_rasterise(staff.get(f"/sites/{site.id}/poster.pdf").data, 150, tmp_path))
    _save(photo, "scan-1-phone-photo")
    (scanned,) = _decode(photo)
    assert scanned == f"{PUBLIC_URL}/q/{site.code}"
    with serve(poster_app) as base, chromium_page(downloads=False, **PHONE) as page:
        page.goto(base + urlsplit(scanned).path)  # the public address, served here from loopback
        assert page.locator("h1").inner_text() == "Tell us how safe you feel here"
        assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
        screenshot(page, "poster/scan-2-form")
        page.get_by_label("Unsafe", exact=True).tap()
        page.fill("#feel_safer", "Better lighting at the bus stop")
        page.get_by_label("Harassment").tap()
        page.select_option("#ward", HOME_WARD)
        page.get_by_role("button", name="Send my answers").tap()
        page.wait_for_url("**/thanks*")
        assert page.locator("h1").inner_text() == "Thank you"
        screenshot(page, "poster/scan-3-thanks")
    with factory() as session:
        rows = session.execute(select(Response, Site).join(Source).join(Site, Response.site_id == Site.id)
                               .where(Source.key == "form")).all()
    assert [(r.site_id, s.code, s.ward, r.ward, r.raw["safe_here"]) for r, s in rows] == [
        (site.id, site.code, SITE_WARD, HOME_WARD, "2")]
    raw = rows[0][0].raw
    assert (raw["feel_safer"], raw["happened"]) == ("Better lighting at the bus stop", ["Harassment"])
    assert not rows[0][0].is_suspected_bot
