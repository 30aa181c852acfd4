"""Staff pages for QR sites (service/web/views/sites.py) and their QR codes and posters."""

from __future__ import annotations

import base64
import re
import zlib
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from service.reports.poster import PosterText, make_qr, poster_pdf, qr_svg
from service.store import sites as site_store
from service.store.accounts import add_user
from service.store.db import transaction
from service.store.models import Site


def _signed_in(app, factory, role):
    with transaction(factory) as session:
        user = add_user(session, f"{role}@example.invalid", role.title(), role, "correct horse battery staple")
    client = app.test_client()
    now = datetime.now(timezone.utc).timestamp()
    with client.session_transaction() as cookie:
        cookie.update(user_id=user.id, generation=user.session_generation, signed_in_at=now, last_seen=now)
    return client


def _csrf(client, path):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


@pytest.fixture
def site(factory):
    with transaction(factory) as session:
        return site_store.add_site(session, "Harrow Lodge Park", "park", "E05013976", "Feel safe here? 2024", None)


def test_sites_engagement_officer_creates_a_site_with_a_short_unguessable_code(app, factory):
    client = _signed_in(app, factory, "engagement")
    token = _csrf(client, "/sites/new")
    reply = client.post("/sites/new", data={"csrf_token": token, "name": "Romford station, north entrance",
                                            "kind": "station", "ward": "E05013983", "campaign": "", "question_set": "short"})
    assert reply.status_code == 302
    with factory() as session:
        site = session.scalar(select(Site))
    assert re.fullmatch(r"[abcdefghjkmnpqrstuvwxyz23456789]{8}", site.code)
    assert (site.name, site.kind, site.ward, site.campaign, site.question_set) == (
        "Romford station, north entrance", "station", "E05013983", None, "short")
    page = client.get(reply.headers["Location"]).get_data(as_text=True)
    assert f"http://localhost/q/{site.code}" in page and "A4 poster (PDF)" in page


def test_sites_form_errors_name_each_field(app, factory):
    client = _signed_in(app, factory, "admin")
    token = _csrf(client, "/sites/new")
    reply = client.post("/sites/new", data={"csrf_token": token, "name": " ", "kind": "castle", "ward": "nowhere",
                                            "question_set": "missing"})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 400
    assert "Enter a name residents would recognise" in html and "Choose what kind of place this is." in html
    assert "Choose a ward from the list, or leave it empty." in html
    assert "Choose one of the question sets in config.toml [form.question_sets]." in html


def test_sites_viewer_sees_sites_but_cannot_create_or_retire(app, factory, site):
    client = _signed_in(app, factory, "viewer")
    listing = client.get("/sites/").get_data(as_text=True)
    assert "Harrow Lodge Park" in listing and "Add a site" not in listing
    assert client.get("/sites/new").status_code == 403
    assert client.post(f"/sites/{site.id}/retire", data={"action": "retire"}).status_code in (400, 403)


def test_sites_signed_out_visitor_is_sent_to_sign_in(client, site):
    reply = client.get(f"/sites/{site.id}/poster.pdf")
    assert reply.status_code == 302 and "/sign-in" in reply.headers["Location"]


def test_sites_edit_keeps_the_code_and_retire_closes_the_form(app, factory, site):
    client = _signed_in(app, factory, "engagement")
    token = _csrf(client, f"/sites/{site.id}/edit")
    client.post(f"/sites/{site.id}/edit", data={"csrf_token": token, "name": "Harrow Lodge Park, east gate", "kind": "park",
                                                "ward": "E05013976", "campaign": "", "question_set": "standard"})
    asked = client.post(f"/sites/{site.id}/retire", data={"csrf_token": token, "action": "retire"})
    assert asked.status_code == 200 and "Yes, retire this site" in asked.get_data(as_text=True)
    with factory() as session:
        assert not session.get(Site, site.id).is_retired  # one click only asks
    client.post(f"/sites/{site.id}/retire", data={"csrf_token": token, "action": "retire", "confirm": "yes"})
    with factory() as session:
        stored = session.get(Site, site.id)
    assert (stored.code, stored.name, stored.is_retired) == (site.code, "Harrow Lodge Park, east gate", True)
    assert stored.retired_at is not None
    assert app.test_client().get(f"/q/{site.code}").status_code == 410
    client.post(f"/sites/{site.id}/retire", data={"csrf_token": token, "action": "reopen"})
    assert app.test_client().get(f"/q/{site.code}").status_code == 200


def test_sites_qr_codes_encode_the_short_address(app, factory, site):
    client = _signed_in(app, factory, "viewer")
    svg = client.get(f"/sites/{site.id}/qr.svg")
    png = client.get(f"/sites/{site.id}/qr.png?download=1")
    assert svg.mimetype == "image/svg+xml" and svg.data.startswith(b"<?xml") and b"<svg" in svg.data
    assert png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")
    assert png.headers["Content-Disposition"] == f'attachment; filename="qr-{site.code}.png"'
    assert svg.data == qr_svg(f"http://localhost/q/{site.code}", title=site.name)
    assert make_qr(f"http://localhost/q/{site.code}").error in ("M", "Q", "H")  # survives wear on a poster


def test_sites_poster_is_a_one_page_a4_pdf_with_the_address_in_text(app, factory, site):
    client = _signed_in(app, factory, "viewer")
    reply = client.get(f"/sites/{site.id}/poster.pdf")
    assert reply.mimetype == "application/pdf" and reply.data.startswith(b"%PDF")
    pdf = poster_pdf(PosterText(council="Havering Council", site_name="Harrow Lodge Park", url="https://voice.example/q/abcdefgh"))
    # reportlab writes page content as ASCII85 of Flate; decode it to read the words.
    streams = b"".join(zlib.decompress(base64.a85decode(m.strip().removesuffix(b"~>")))
                       for m in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S))
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") == 1
    assert b"595.2756 841.8898" in pdf  # A4 in points
    for words in (b"voice.example/q/abcdefgh", b"How safe do you feel here?", b"we do not ask your name", b"999"):
        assert words in streams


def test_sites_warn_while_the_public_address_is_not_set_and_posters_say_test_print(app, factory, site):
    client = _signed_in(app, factory, "engagement")
    for path in ("/sites/", f"/sites/{site.id}"):
        page = client.get(path).get_data(as_text=True)
        assert 'id="address-warning"' in page and "[form] public_url" in page and "http://localhost" in page
    assert b"TEST PRINT: the public address is not set" in _page_text(client.get(f"/sites/{site.id}/poster.pdf").data)


def _page_text(pdf: bytes) -> bytes:
    # reportlab writes page content as ASCII85 of Flate; decode it to read the words.
    return b"".join(zlib.decompress(base64.a85decode(m.strip().removesuffix(b"~>")))
                    for m in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S))


def test_sites_page_names_the_question_set_in_words(app, factory, site):
    page = _signed_in(app, factory, "viewer").get(f"/sites/{site.id}").get_data(as_text=True)
    assert "Standard (the default): How safe do you feel here?; What would make you feel safer here?" in page
    assert "safe_here" not in page
