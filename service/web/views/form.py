"""The residents' QR-code form at ``/q/<code>``: quick, anonymous, accessible, hard to abuse.

Each form carries a signed token (issued with the page) whose random part becomes the response's
external id, so a double click or a refresh stores one response, and whose timestamp tells how
long the person took. Submissions are rate-limited per client address and per site; addresses are
used only for counting. The page works without JavaScript.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from babel import Locale
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_babel import Babel, get_locale, gettext
from flask_wtf.csrf import CSRFError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.exceptions import RequestEntityTooLarge

from ingest import FormResult, FormSpec, suspect_bot
from service.pipeline.ingest_runs import load_wards
from service.pipeline.submissions import accept_submission, form_spec
from service.store import sites as site_store
from service.store.db import DatabaseError, StoreFailure
from service.web import form_text
from service.web.access import public
from service.web.limits import client_address, wait_seconds
from service.web.sessions import get_session

logger = logging.getLogger(__name__)
blueprint = Blueprint("form", __name__)

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
FORM_MAX_BYTES = 32 * 1024  # 1,000 characters of any script, percent-encoded, fit easily
FORM_MAX_PARTS = 60
_TOKEN_SALT = "voice-form-submission"
#: How long a worker trusts an open site's name and question set without reading them again.
#: Retirement needs no waiting: the page reads the site afresh and the insert checks it.
SITE_CACHE_SECONDS = 30.0
#: The form's static files. Their URLs carry a hash of the content, so phones may keep them for a
#: year (no revalidation round trip per page on a slow connection); a changed file gets a new URL.
ASSETS = ("govuk/govuk-frontend.min.css", "voice-form.css", "voice-form-start.js", "voice-form.js")
ASSET_CACHE_CONTROL = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class _OpenSite:
    """What the form needs of an open site, safe to share between a worker's threads."""

    id: int
    code: str
    name: str
    question_set: str | None


@blueprint.record_once
def _set_up(state: BlueprintSetupState) -> None:
    """Attach Flask-Babel (unless the app already has it) and load the borough's wards once."""
    app: Flask = state.app
    if "babel" not in app.extensions:
        Babel(app, locale_selector=_select_locale, default_translation_directories=str(TRANSLATIONS))
    app.extensions["voice_wards"] = load_wards(app.config["VOICE"])
    folder = Path(app.static_folder or "")
    app.extensions["voice_form_assets"] = {name: hashlib.sha256((folder / name).read_bytes()).hexdigest()[:12]
                                           for name in ASSETS}
    app.add_template_global(_asset_url, "form_asset")
    app.after_request(_cache_versioned_asset)


def _asset_url(filename: str) -> str:
    """The URL of one of the form's :data:`ASSETS`, with its content hash."""
    return url_for("static", filename=filename, v=current_app.extensions["voice_form_assets"][filename])


def _cache_versioned_asset(response: Response) -> Response:
    if request.endpoint == "static" and response.status_code in (200, 304):
        version = current_app.extensions["voice_form_assets"].get((request.view_args or {}).get("filename"))
        if version is not None and request.args.get("v") == version:
            response.headers["Cache-Control"] = ASSET_CACHE_CONTROL
    return response


def _select_locale() -> str:
    """The language the resident chose (``lang``), else the browser's best match among the configured ones."""
    languages = current_app.config["VOICE"].form.languages
    chosen = request.args.get("lang") or _posted_lang()
    if chosen in languages:
        return chosen
    if request.blueprint == "form":
        return request.accept_languages.best_match(languages) or languages[0]
    return languages[0]


def _posted_lang() -> str | None:
    """The ``lang`` field of a posted form; ``None`` when the body was refused (the 413 page must not read it again)."""
    if request.method != "POST" or g.get("body_refused"):
        return None
    try:
        return request.form.get("lang")
    except RequestEntityTooLarge:
        g.body_refused = True
        return None


@blueprint.before_request
def _limit_size() -> None:
    """Refuse oversized form posts before they are parsed (the app-wide limit is for staff uploads)."""
    request.max_content_length = FORM_MAX_BYTES
    request.max_form_parts = FORM_MAX_PARTS
    if request.content_length and request.content_length > FORM_MAX_BYTES:
        abort(413)


@blueprint.get("/q/<code>")
@public
def show(code: str):
    """The form of one QR site, or a polite closed page for a retired or unknown code."""
    if code != code.lower():  # codes are lower case; a poster read aloud or typed on a phone may not be
        return redirect(url_for("form.show", code=code.lower(), **request.args), code=301)
    site, closed = _open_site(code, is_fresh=True)
    if closed is not None:
        return closed
    return _render_form(site, {}, ())


@blueprint.post("/q/<code>")
@public
def submit(code: str):
    """Check and store one submission, then send the resident to the thank-you page (303)."""
    if code != code.lower():
        return redirect(url_for("form.submit", code=code.lower(), **request.args), code=308)
    wait = wait_seconds(("form_client", client_address()), ("form_site", code))
    site, closed = _open_site(code)
    if closed is not None:
        return closed
    if wait is not None:  # a class on one school network: keep their answers and say how long to wait
        return _too_many(site, wait)
    form = current_app.config["VOICE"].form
    token = _read_token(request.form.get("token", ""), code, form.token_hours)
    data = _posted()
    if token is None:
        notice = gettext("This page was open for a long time, so please check your answers and send them again.")
        return _render_form(site, data, (), notice=notice, status=400)
    nonce, issued_at = token
    seconds = (datetime.now(timezone.utc) - issued_at).total_seconds()
    reasons = suspect_bot(request.form.get("website", ""), seconds, form.min_seconds)
    try:
        result = accept_submission(current_app.extensions["voice_engine"], _spec(site), data, site=site.code,
                                   site_id=site.id, external_id=f"form-{nonce}", bot_reasons=reasons)
    except DatabaseError as error:
        logger.error("form submission not stored: %s", error)
        return _try_again()
    if result.status == "closed":
        _sites().pop(site.code, None)
        return _closed(site.code, is_unknown=False)
    if result.status == "invalid":
        return _render_form(site, result.form.values, result.form.errors, status=400, token=request.form.get("token"))
    if reasons:
        logger.info("form submission for site %s flagged as a suspected bot: %s", site.code, ", ".join(reasons))
    return redirect(url_for("form.thanks", code=site.code, lang=str(get_locale())), code=303)


@blueprint.get("/q/<code>/thanks")
@public
def thanks(code: str):
    """Thank the resident, say what happens next and where to get help now."""
    return render_template("form/thanks.html", **_page(code))


@blueprint.get("/q/<code>/privacy")
@public
def privacy(code: str):
    """The privacy notice in full, in plain English, under the standard headings."""
    return render_template("form/privacy.html", **_page(code), notice=_notice())


@blueprint.get("/q/<code>/privacy/easy-read")
@public
def privacy_easy_read(code: str):
    """The privacy notice in easy read: short sentences, one idea each."""
    return render_template("form/privacy_easy.html", **_page(code), notice=_notice())


def _notice() -> dict[str, Any]:
    """What the privacy notice fills in from ``[privacy]``: controller, basis, DPO, retention."""
    config = current_app.config["VOICE"]
    privacy_config = config.privacy
    return {"controller": privacy_config.controller or config.app.council_name,
            "is_consent": privacy_config.lawful_basis == "consent", "dpo_email": privacy_config.dpo_email,
            "dpo_address": privacy_config.dpo_address, "months": privacy_config.retention_months,
            "consent_min_age": privacy_config.consent_min_age}


def _too_many(site: _OpenSite, seconds: int):
    notice = gettext("A lot of answers have come from here in a short time. Your answers are still here: please "
                     "wait %(seconds)s seconds, then select “Send my answers” again.", seconds=seconds)
    page, _status = _render_form(site, _posted(), (), notice=notice, status=429, token=request.form.get("token"))
    return page, 429, {"Retry-After": str(seconds)}


@blueprint.errorhandler(413)
def _too_large(_error: Exception):
    g.body_refused = True  # the body is not read again for the language (issue 19, finding 8)
    message = gettext("That was too much to send in one go. Please shorten your answer and try again.")
    return render_template("form/try_again.html", message=message, **_page(_code())), 413


@blueprint.errorhandler(CSRFError)
def _csrf_failed(_error: CSRFError):
    # Usually a page left open for hours (or cookies turned off): show the answers again to resend.
    try:
        site, closed = _open_site(_code())
    except DatabaseError:
        return _try_again()
    if closed is not None:
        return closed
    notice = gettext("This page was open for a long time, so please check your answers and send them again.")
    return _render_form(site, _posted(), (), notice=notice, status=400)


def _code() -> str:
    return str((request.view_args or {}).get("code", ""))


def _page(code: str) -> dict[str, Any]:
    """What every resident page needs: council, language, the languages on offer, the site code."""
    config = current_app.config["VOICE"]
    lang = str(get_locale())
    choices = [(c, Locale.parse(c).get_display_name(c).capitalize()) for c in config.form.languages]
    return {"council": config.app.council_name, "lang": lang.replace("_", "-"), "lang_code": lang,
            "languages": choices if len(choices) > 1 else [], "code": code}


def _open_site(code: str, *, is_fresh: bool = False) -> tuple[_OpenSite | None, Any]:
    """The open site with this code, or (None, a closed page response).

    Submissions use the worker's copy of an open site for up to :data:`SITE_CACHE_SECONDS` (one round
    trip less each); ``is_fresh`` reads it from the database, as the page does every time.
    """
    sites = _sites()
    cached = sites.get(code)
    if cached is not None and not is_fresh and cached[0] > time.monotonic():
        return cached[1], None
    try:
        row = site_store.find_site(get_session(), code) if len(code) <= 20 else None
    except StoreFailure as error:
        logger.error("form: database unavailable while looking up a site: %s", str(error).splitlines()[0])
        return None, _try_again()
    if row is None or row.is_retired:
        sites.pop(code, None)
        return None, _closed(code, is_unknown=row is None)
    site = _OpenSite(row.id, row.code, row.name, row.question_set)
    sites[code] = (time.monotonic() + SITE_CACHE_SECONDS, site)
    return site, None


def _sites() -> dict[str, tuple[float, _OpenSite]]:
    return current_app.extensions.setdefault("voice_form_sites", {})


def _closed(code: str, *, is_unknown: bool):
    page = render_template("form/closed.html", is_unknown=is_unknown, **_page(code))
    return page, 404 if is_unknown else 410


def _try_again():
    message = gettext("We could not save your answers just now. Nothing has been saved yet. Please try again in a minute.")
    return render_template("form/try_again.html", message=message, is_database=True, **_page(_code())), 503


def _spec(site: _OpenSite) -> FormSpec:
    """The questions the site asks; built once per app and question set (the configuration does not change)."""
    specs: dict[str | None, FormSpec] = current_app.extensions.setdefault("voice_form_specs", {})
    spec = specs.get(site.question_set)
    if spec is None:
        config = current_app.config["VOICE"]
        try:
            spec = form_spec(config, site.question_set, current_app.extensions["voice_wards"])
        except LookupError:
            logger.warning("site %s asks question set %r, which is not configured; using the default", site.code,
                           site.question_set)
            return form_spec(config, None, current_app.extensions["voice_wards"])
        specs[site.question_set] = spec
    return spec


def _posted() -> dict[str, Any]:
    return {key: values if len(values) > 1 else values[0] for key, values in request.form.lists()}


def _serializer() -> URLSafeTimedSerializer:
    # Built once per app and secret: making one tests its JSON module by encoding a dict, each time.
    secret, serializer = current_app.extensions.get("voice_form_serializer", (None, None))
    if serializer is None or secret != current_app.secret_key:
        serializer = URLSafeTimedSerializer(current_app.secret_key, salt=_TOKEN_SALT)
        current_app.extensions["voice_form_serializer"] = (current_app.secret_key, serializer)
    return serializer


def _issue_token(code: str) -> str:
    return _serializer().dumps({"s": code, "n": secrets.token_urlsafe(16)})


def _read_token(token: str, code: str, hours: int) -> tuple[str, datetime] | None:
    """The token's random part and issue time, or None when forged, expired or for another site."""
    try:
        payload, issued = _serializer().loads(token, max_age=int(timedelta(hours=hours).total_seconds()),
                                              return_timestamp=True)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(payload, dict) or payload.get("s") != code or not isinstance(payload.get("n"), str):
        return None
    return payload["n"], issued


def _render_form(site: _OpenSite, values: Mapping[str, Any], errors: tuple, *, notice: str = "", status: int = 200,
                 token: str | None = None):
    spec = _spec(site)
    result = FormResult(values=values, errors=errors)
    messages = {e.field: form_text.error_message(e, _wording(spec, e.field)) for e in result.errors}
    return render_template(
        "form/form.html", site=site, token=token or _issue_token(site.code), notice=notice,
        questions=[_question_view(q, values, messages, spec.max_text) for q in spec.questions],
        about=_about_view(spec, values, messages), errors=[(f, m) for f, m in messages.items()],
        consent=bool(values.get("consent")) and values.get("consent") not in ("", "no"),
        parent_consent=values.get("parent_consent") in (True, "yes"), asks_consent=spec.asks_consent,
        consent_min_age=spec.consent_min_age,
        **_page(site.code),
    ), status


def _wording(spec: FormSpec, key: str) -> str:
    return next((q.wording or q.column for q in spec.questions if q.key == key), key)


def _question_view(question: Any, values: Mapping[str, Any], messages: Mapping[str, str], max_text: int) -> dict[str, Any]:
    value = values.get(question.key, [] if question.type == "multiple_choice" else "")
    view: dict[str, Any] = {"key": question.key, "type": question.type, "legend": gettext(question.wording or question.column),
                            "required": question.required, "error": messages.get(question.key), "value": value}
    if question.type in ("scale", "number"):
        low, high = int(question.minimum or 1), int(question.maximum or 5)
        labels = form_text.SCALE_LABELS if (low, high) == (1, 5) else ()
        view["options"] = [(str(n), str(labels[n - low]) if labels else str(n), str(n) == str(value)) for n in range(low, high + 1)]
    elif question.options:
        chosen = value if isinstance(value, list) else [value]
        view["options"] = [(o, gettext(o), o in chosen) for o in question.options]
    elif question.type == "free_text":
        text = str(value or "")
        view["max_text"] = max_text
        view["max_text_shown"] = f"{max_text:,}"
        view["n_left"] = max_text - len(text)
    return view


def _about_view(spec: FormSpec, values: Mapping[str, Any], messages: Mapping[str, str]) -> dict[str, Any]:
    chosen = {name: str(values.get(name) or "") for name in ("age_band", "sex", "ethnicity", "ward", "postcode_district")}
    return {
        "values": chosen,
        "errors": {name: messages[name] for name in chosen if name in messages},
        "age_bands": [(b, form_text.age_band_label(b)) for b in spec.mapping.age_bands],
        "sexes": [("female", gettext("Female")), ("male", gettext("Male"))],
        "ethnicities": form_text.ethnicity_groups(),
        "wards": [(w.code, w.name) for w in spec.wards],
    }
