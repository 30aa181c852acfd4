"""Staff pages for QR sites: create, edit, retire; download QR codes (SVG, PNG) and A4 posters (PDF)."""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from ingest import clean_text
from service.pipeline.ingest_runs import load_wards
from service.reports.poster import PosterText, poster_pdf, qr_png, qr_svg
from service.store import sites as site_store
from service.store.models import Site
from service.web.access import STAFF, allow
from service.web.sessions import get_session

logger = logging.getLogger(__name__)
blueprint = Blueprint("sites", __name__, url_prefix="/sites")

KINDS = {"station": "Station", "bus_stop": "Bus stop", "bus_route": "Bus route", "park": "Park",
         "town_centre": "Town centre", "school": "School", "event": "Event"}
EDITORS = ("admin", "engagement")


@blueprint.get("/")
@allow(*STAFF)
def index():
    """Every site with its short address, response count and status."""
    rows = [(site, n, _short_url(site)) for site, n in site_store.list_sites(get_session())]
    return render_template("sites/index.html", rows=rows, kinds=KINDS, wards=_ward_names(), **_page(),
                           address_warning=_address_warning())


@blueprint.route("/new", methods=["GET", "POST"])
@allow(*EDITORS)
def new():
    """Create a site; it gets a short unguessable code at once."""
    values, errors = _read_form() if request.method == "POST" else ({"question_set": _default_set()}, {})
    if request.method == "POST" and not errors:
        session = get_session()
        site = site_store.add_site(session, **values)
        session.commit()
        logger.info("site %s created by user %s", site.code, _user_id())
        flash(f"Site “{site.name}” created. Its address is {_short_url(site)}.")
        return redirect(url_for("sites.show", site_id=site.id))
    return render_template("sites/edit.html", site=None, values=values, errors=errors, **_choices(), **_page()), (400 if errors else 200)


@blueprint.get("/<int:site_id>")
@allow(*STAFF)
def show(site_id: int):
    """One site: its QR code, downloads, and how many responses it brought."""
    site = _site(site_id)
    return render_template("sites/show.html", site=site, url=_short_url(site), kinds=KINDS, wards=_ward_names(), **_page(),
                           address_warning=_address_warning(), question_sets=_question_set_words())


@blueprint.route("/<int:site_id>/edit", methods=["GET", "POST"])
@allow(*EDITORS)
def edit(site_id: int):
    """Change a site's name, kind, ward, campaign or questions; the code (and posters) stay the same."""
    site = _site(site_id)
    if request.method == "GET":
        values = {k: getattr(site, k) or "" for k in ("name", "kind", "ward", "campaign", "question_set")}
        return render_template("sites/edit.html", site=site, values=values, errors={}, **_choices(), **_page())
    values, errors = _read_form()
    if errors:
        return render_template("sites/edit.html", site=site, values=values, errors=errors, **_choices(), **_page()), 400
    for key, value in values.items():
        setattr(site, key, value)
    get_session().commit()
    flash(f"Site “{site.name}” saved.")
    return redirect(url_for("sites.show", site_id=site.id))


@blueprint.post("/<int:site_id>/retire")
@allow(*EDITORS)
def retire(site_id: int):
    """Retire a site (its address then shows a polite closed page), or open it again."""
    site = _site(site_id)
    is_retired = request.form.get("action") != "reopen"
    if is_retired and request.form.get("confirm") != "yes":  # one click never retires: say what it does first
        return render_template("sites/retire.html", site=site, url=_short_url(site), **_page())
    site_store.set_site_retired(get_session(), site, is_retired)
    get_session().commit()
    flash(f"Site “{site.name}” {'retired: its posters now show a closed page' if is_retired else 'is open again'}.")
    return redirect(url_for("sites.show", site_id=site.id))


@blueprint.get("/<int:site_id>/qr.svg")
@allow(*STAFF)
def qr_code_svg(site_id: int):
    """The site's QR code as SVG."""
    site = _site(site_id)
    return _download(qr_svg(_short_url(site), title=site.name), "image/svg+xml", f"qr-{site.code}.svg")


@blueprint.get("/<int:site_id>/qr.png")
@allow(*STAFF)
def qr_code_png(site_id: int):
    """The site's QR code as PNG."""
    site = _site(site_id)
    return _download(qr_png(_short_url(site)), "image/png", f"qr-{site.code}.png")


@blueprint.get("/<int:site_id>/poster.pdf")
@allow(*STAFF)
def poster(site_id: int):
    """A printable A4 poster for the site."""
    site = _site(site_id)
    notices = []
    if _page().get("has_synthetic"):
        notices.append("DEMONSTRATION ONLY: synthetic data, do not put up.")
    if _address_warning():
        notices.append("TEST PRINT: the public address is not set ([form] public_url), so this code may not work on the street.")
    text = PosterText(council=current_app.config["VOICE"].app.council_name, site_name=site.name, url=_short_url(site),
                      notice=" ".join(notices))
    return _download(poster_pdf(text), "application/pdf", f"poster-{site.code}.pdf")


def _page() -> dict[str, Any]:
    """The staff layout's context (navigation, the synthetic-data banner); these pages pass their own wards."""
    from service.web.pages import page_context

    context = page_context("sites")
    del context["wards"]
    return context


def _user_id() -> Any:
    from flask import g

    return getattr(g.get("user"), "id", None)


def _site(site_id: int) -> Site:
    site = get_session().get(Site, site_id)
    if site is None:
        abort(404, "There is no such site. It may have been typed wrong; go back to the list of sites.")
    return site


def _address_warning() -> str:
    """What to tell staff while ``[form] public_url`` is not set (posters then carry this server's address)."""
    if current_app.config["VOICE"].form.public_url:
        return ""
    return (f"The public address is not set, so QR codes and posters use the address you are using now "
            f"({request.host_url.rstrip('/')}), which residents' phones may not reach. Ask an admin to set "
            "[form] public_url in config.toml (for example https://voice.havering.gov.uk) before printing.")


def _question_set_words() -> dict[str, str]:
    """Each configured question set in words: its name and the questions it asks."""
    config = current_app.config["VOICE"]
    wording = {q.key: q.wording or q.column for q in config.source(config.form.source).mapping.questions}
    sets = config.form.question_sets
    return {name: f"{name.capitalize()}{' (the default)' if i == 0 else ''}: " + "; ".join(wording.get(k, k) for k in keys)
            for i, (name, keys) in enumerate(sets.items())}


def _short_url(site: Site) -> str:
    """The address printed on posters: the configured public address, else the one in use now."""
    base = current_app.config["VOICE"].form.public_url or request.host_url.rstrip("/")
    return f"{base}/q/{site.code}"


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    inline = request.args.get("download") is None
    disposition = "inline" if inline else "attachment"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'{disposition}; filename="{filename}"'})


def _wards() -> list[tuple[str, str]]:
    wards = current_app.extensions.get("voice_wards") or load_wards(current_app.config["VOICE"])
    return [(w.code, w.name) for w in wards]


def _ward_names() -> dict[str, str]:
    return dict(_wards())


def _default_set() -> str:
    return next(iter(current_app.config["VOICE"].form.question_sets))


def _choices() -> dict[str, Any]:
    words = _question_set_words()  # "Standard (the default): How safe do you feel here?; ..."
    return {"kinds": KINDS, "ward_choices": _wards(),
            "question_sets": [(name, text.split(": ", 1)[1]) for name, text in words.items()]}


def _read_form() -> tuple[dict[str, Any], dict[str, str]]:
    """The posted site fields, cleaned, and a message for each one that needs fixing."""
    values = {
        "name": clean_text(request.form.get("name"))[:200],
        "kind": clean_text(request.form.get("kind")),
        "ward": clean_text(request.form.get("ward")) or None,
        "campaign": clean_text(request.form.get("campaign"))[:200] or None,
        "question_set": clean_text(request.form.get("question_set")) or None,
    }
    errors = {}
    if not values["name"]:
        errors["name"] = "Enter a name residents would recognise, such as “Romford station, north entrance”."
    if values["kind"] not in KINDS:
        errors["kind"] = "Choose what kind of place this is."
    if values["ward"] and values["ward"] not in _ward_names():
        errors["ward"] = "Choose a ward from the list, or leave it empty."
    sets = current_app.config["VOICE"].form.question_sets
    if values["question_set"] not in sets:
        errors["question_set"] = "Choose one of the question sets in config.toml [form.question_sets]."
    return values, errors
