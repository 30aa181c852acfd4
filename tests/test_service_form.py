"""The residents' QR form (service/web/views/form.py, submissions.accept_submission) on a real database."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from sqlalchemy import select, text

from service import create_app
from service.pipeline.ingest_runs import register_sources
from service.store import sites as site_store
from service.store.db import transaction
from service.store.models import Answer, FreeText, Question, Response, Source

ANSWER = {"safe_here": "2", "feel_safer": "Better lighting", "happened": ["Harassment"], "age_band": "13-15",
          "ward": "E05013983", "consent": "yes"}


def _make_app(config, **form):
    app = create_app(replace(config, form=replace(config.form, **form)))
    app.config.update(TESTING=True)
    register_sources(app.extensions["voice_sessions"], config)
    return app


@pytest.fixture
def form_app(config):
    """The app with the minimum time-to-submit turned off, so tests can submit at once."""
    app = _make_app(config, min_seconds=0)
    yield app
    app.extensions["voice_engine"].dispose()


@pytest.fixture
def site(factory):
    with transaction(factory) as session:
        return site_store.add_site(session, "Romford station", "station", "E05013983", None, None)


def _open(client, code, **query):
    page = client.get(f"/q/{code}", query_string=query)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    fields = {name: re.search(rf'name="{name}" value="([^"]+)"', html).group(1) for name in ("csrf_token", "token")}
    return html, fields


def _responses(factory):
    with factory() as session:
        query = select(Response).join(Source).where(Source.key == "form")
        return list(session.scalars(query))


def test_form_page_has_labelled_questions_and_no_personal_contact_fields(form_app, site):
    html, _ = _open(form_app.test_client(), site.code)
    assert '<html lang="en"' in html
    assert "How safe do you feel here?" in html and "Romford station" in html
    assert 'for="feel_safer"' in html and "You can enter up to 1,000 characters" in html
    assert 'aria-hidden="true"' in html and 'tabindex="-1"' in html  # the honeypot
    names = set(re.findall(r'name="([^"]+)"', html))
    assert names <= {"csrf_token", "token", "lang", "website", "safe_here", "feel_safer", "happened", "age_band", "sex",
                     "ethnicity", "ward", "postcode_district", "consent", "viewport", "robots"}
    assert 'type="email"' not in html and 'type="tel"' not in html


def test_form_submit_stores_one_response_with_site_and_ward(form_app, site, factory):
    client = form_app.test_client()
    _, tokens = _open(client, site.code)
    reply = client.post(f"/q/{site.code}", data={**ANSWER, **tokens})
    assert reply.status_code == 303 and reply.headers["Location"].endswith(f"/q/{site.code}/thanks?lang=en")
    thanks = client.get(reply.headers["Location"]).get_data(as_text=True)
    assert "Thank you" in thanks and "999" in thanks and "Childline" in thanks and "Crimestoppers" in thanks
    [response] = _responses(factory)
    assert (response.site_id, response.ward, response.age_band) == (site.id, "E05013983", "13-15")
    assert not response.is_suspected_bot and response.consent is None  # public task: consent is not asked


def test_form_submit_stores_each_answer_typed_with_its_free_text(form_app, site, factory, engine):
    # On PostgreSQL one statement stores the response, its answers and free texts; on SQLite three.
    client = form_app.test_client()
    _, tokens = _open(client, site.code)
    happened = ["Robbery", "Harassment"]
    assert client.post(f"/q/{site.code}", data={**ANSWER, **tokens, "happened": happened}).status_code == 303
    [response] = _responses(factory)
    with factory() as session:
        query = select(Question.key, Answer).join(Question, Answer.question_id == Question.id).where(Answer.response_id == response.id)
        answers = {key: answer for key, answer in session.execute(query)}
        [free_text] = session.scalars(select(FreeText)).all()
    assert set(answers) == {"safe_here", "feel_safer", "happened"}
    assert (answers["safe_here"].value_number, answers["safe_here"].value_text, answers["safe_here"].value_list) == (2.0, None, None)
    assert answers["happened"].value_list == happened and answers["happened"].value_number is None
    assert answers["feel_safer"].value_text is None  # the text itself lives in free_texts
    assert (free_text.response_id, free_text.question_id, free_text.original) == (
        response.id, answers["feel_safer"].question_id, "Better lighting")
    with engine.connect() as connection:  # SQL NULL, not JSON null, where an answer is not a list
        assert connection.execute(text("SELECT count(*) FROM answers WHERE value_list IS NULL")).scalar() == 2


def test_form_site_retired_after_its_page_was_read_stores_nothing(form_app, site, factory, engine):
    client = form_app.test_client()
    _, tokens = _open(client, site.code)  # this worker now trusts the open site for a while
    with transaction(factory) as session:
        site_store.set_site_retired(session, session.merge(site), True)
    reply = client.post(f"/q/{site.code}", data={**ANSWER, **tokens})
    assert reply.status_code == 410 and "This poster is no longer in use" in reply.get_data(as_text=True)
    with engine.connect() as connection:
        counts = [connection.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in ("responses", "answers", "free_texts")]
    assert counts == [0, 0, 0]


def test_form_double_submit_with_the_same_token_stores_one_response(form_app, site, factory):
    client = form_app.test_client()
    _, tokens = _open(client, site.code)
    first = client.post(f"/q/{site.code}", data={**ANSWER, **tokens})
    second = client.post(f"/q/{site.code}", data={**ANSWER, **tokens, "feel_safer": "changed my mind"})
    assert first.status_code == second.status_code == 303
    [response] = _responses(factory)
    assert response.raw["feel_safer"] == "Better lighting"


def test_form_empty_submit_shows_error_summary_linking_to_fields(form_app, site, factory):
    client = form_app.test_client()
    _, tokens = _open(client, site.code)
    reply = client.post(f"/q/{site.code}", data=tokens)
    html = reply.get_data(as_text=True)
    assert reply.status_code == 400
    assert "<title>Error:" in html and "There is a problem" in html
    assert '<a href="#safe_here">Select how safe you feel here</a>' in html
    assert 'id="consent"' not in html  # public task: no consent tick box
    assert 'id="safe_here-error"' in html
    assert _responses(factory) == []


def test_form_text_is_escaped_and_control_characters_stripped(form_app, site, factory):
    client = form_app.test_client()
    _, tokens = _open(client, site.code)
    script = "<script>alert(1)</script>\x00\x07"
    reply = client.post(f"/q/{site.code}", data={**tokens, "feel_safer": script})  # no answer: shown again
    html = reply.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    client.post(f"/q/{site.code}", data={**ANSWER, **tokens, "feel_safer": script})
    with factory() as session:
        assert session.scalar(select(FreeText.original)) == "<script>alert(1)</script>"


def test_form_too_long_text_counts_characters_without_javascript(form_app, site):
    client = form_app.test_client()
    _, tokens = _open(client, site.code)
    html = client.post(f"/q/{site.code}", data={**ANSWER, **tokens, "feel_safer": "a" * 1005}).get_data(as_text=True)
    assert "Your answer must be 1,000 characters or fewer. You have 5 too many" in html
    assert "You have 5 characters too many" in html


def test_form_honeypot_keeps_the_response_flagged_as_suspected_bot(form_app, site, factory):
    client = form_app.test_client()
    _, tokens = _open(client, site.code)
    reply = client.post(f"/q/{site.code}", data={**ANSWER, **tokens, "website": "http://spam.example"})
    assert reply.status_code == 303  # a bot is not told
    [response] = _responses(factory)
    assert response.is_suspected_bot and response.raw["suspected_bot"] == ["honeypot"]


def test_form_submitted_too_fast_is_kept_and_flagged(config, site, factory):
    app = _make_app(config, min_seconds=600)
    client = app.test_client()
    _, tokens = _open(client, site.code)
    assert client.post(f"/q/{site.code}", data={**ANSWER, **tokens}).status_code == 303
    [response] = _responses(factory)
    assert response.is_suspected_bot and response.raw["suspected_bot"] == ["too_fast"]
    app.extensions["voice_engine"].dispose()


def test_form_without_csrf_token_is_refused_and_shown_again(form_app, site, factory):
    client = form_app.test_client()
    _, tokens = _open(client, site.code)
    reply = client.post(f"/q/{site.code}", data={**ANSWER, "token": tokens["token"]})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 400
    assert "please check your answers and send them again" in html and "Better lighting" in html
    assert _responses(factory) == []


def test_form_forged_or_other_site_token_is_refused(form_app, site, factory):
    client = form_app.test_client()
    _, tokens = _open(client, site.code)
    for token in ("forged", tokens["token"] + "x"):
        reply = client.post(f"/q/{site.code}", data={**ANSWER, **tokens, "token": token})
        assert reply.status_code == 400
    with transaction(factory) as session:
        other = site_store.add_site(session, "Raphael Park", "park", None, None, None)
    assert client.post(f"/q/{other.code}", data={**ANSWER, **tokens}).status_code == 400
    assert _responses(factory) == []


def test_form_rate_limit_per_client_answers_429(config, site, factory):
    app = _make_app(replace(config, limits=replace(config.limits, form_per_client="2 per minute")), min_seconds=0)
    client = app.test_client()
    replies = []
    for _ in range(3):
        _, tokens = _open(client, site.code)
        replies.append(client.post(f"/q/{site.code}", data={**ANSWER, **tokens}))
    assert [r.status_code for r in replies] == [303, 303, 429]
    seconds = int(replies[-1].headers["Retry-After"])
    page = replies[-1].get_data(as_text=True)
    assert 0 < seconds <= 60 and f"please wait {seconds} seconds, then select" in page
    # the class on one school network keeps its answers: the form comes back filled in, same token
    assert 'value="Better lighting"' not in page and ">Better lighting</textarea>" in page
    assert re.search(r'name="safe_here" type="radio" value="2" checked', page)
    assert f'name="token" value="{tokens["token"]}"' in page
    assert len(_responses(factory)) == 2
    app.extensions["voice_engine"].dispose()


def _redis_or_skip(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is not reachable at {url}: {error}")


def test_form_limits_in_redis_are_shared_between_workers(config, site, factory):
    """Two app instances (two gunicorn workers) on one Redis count one client's submissions together."""
    import uuid

    url = "redis://127.0.0.1:6379/0"
    _redis_or_skip(url)
    shared = replace(config, limits=replace(config.limits, storage_uri=url, form_per_client="3 per minute"))
    apps = [_make_app(shared, min_seconds=0), _make_app(shared, min_seconds=0)]
    address = f"form-client-{uuid.uuid4().hex}"  # counts left in Redis by an earlier run do not count
    codes = []
    try:
        for i in range(5):
            client = apps[i % 2].test_client()
            page = client.get(f"/q/{site.code}", environ_base={"REMOTE_ADDR": address}).get_data(as_text=True)
            tokens = {k: re.search(rf'name="{k}" value="([^"]+)"', page).group(1) for k in ("csrf_token", "token")}
            codes.append(client.post(f"/q/{site.code}", data={**ANSWER, **tokens},
                                     environ_base={"REMOTE_ADDR": address}).status_code)
    finally:
        for app in apps:
            app.extensions["voice_engine"].dispose()
    assert codes == [303, 303, 303, 429, 429]
    assert len(_responses(factory)) == 3


def test_form_keeps_the_answers_when_the_limits_storage_is_down(config, site, factory, caplog):
    """Redis unreachable: the submission is stored (and the failure logged), not lost to a 500."""
    down = replace(config, limits=replace(config.limits, storage_uri="redis://127.0.0.1:9/0"))
    app = _make_app(down, min_seconds=0)
    client = app.test_client()
    replies = []
    for _ in range(2):
        _, tokens = _open(client, site.code)
        replies.append(client.post(f"/q/{site.code}", data={**ANSWER, **tokens}).status_code)
    app.extensions["voice_engine"].dispose()
    assert replies == [303, 303]
    assert len(_responses(factory)) == 2
    # Said once, not once per request.
    assert caplog.text.count("rate limits not counted, the limits storage failed") == 1


def test_form_rate_limit_per_site_counts_every_client(config, site):
    app = _make_app(replace(config, limits=replace(config.limits, form_per_site="2 per minute")), min_seconds=0)
    codes = []
    for n in range(3):
        client = app.test_client()
        environ = {"REMOTE_ADDR": f"192.0.2.{n + 1}"}
        page = client.get(f"/q/{site.code}", environ_base=environ).get_data(as_text=True)
        tokens = {k: re.search(rf'name="{k}" value="([^"]+)"', page).group(1) for k in ("csrf_token", "token")}
        codes.append(client.post(f"/q/{site.code}", data={**ANSWER, **tokens}, environ_base=environ).status_code)
    assert codes == [303, 303, 429]
    app.extensions["voice_engine"].dispose()


def test_form_oversized_post_is_refused_with_413(form_app, site, factory):
    client = form_app.test_client()
    _, tokens = _open(client, site.code)
    reply = client.post(f"/q/{site.code}", data={**ANSWER, **tokens, "feel_safer": "x" * 40_000})
    assert reply.status_code == 413
    assert "too much to send in one go" in reply.get_data(as_text=True)
    assert _responses(factory) == []


def test_form_no_ip_address_is_stored(form_app, site, factory):
    client = form_app.test_client()
    _, tokens = _open(client, site.code)
    client.post(f"/q/{site.code}", data={**ANSWER, **tokens}, environ_base={"REMOTE_ADDR": "198.51.100.77"})
    [response] = _responses(factory)
    assert "198.51.100.77" not in str(response.raw)


def test_form_retired_and_unknown_codes_show_a_polite_closed_page(form_app, site, factory):
    client = form_app.test_client()
    assert client.get("/q/nosuchcode").status_code == 404
    assert "We cannot find this page" in client.get("/q/nosuchcode").get_data(as_text=True)
    with transaction(factory) as session:
        site_store.set_site_retired(session, session.merge(site), True)
    reply = client.get(f"/q/{site.code}")
    assert reply.status_code == 410 and "This poster is no longer in use" in reply.get_data(as_text=True)
    assert client.post(f"/q/{site.code}", data=ANSWER).status_code == 410


def test_form_database_unreachable_shows_calm_try_again_page(config, site):
    dead = replace(config, database=replace(config.database, url="postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2"))
    app = create_app(replace(dead, form=replace(config.form, min_seconds=0)), check=False)
    reply = app.test_client().get(f"/q/{site.code}")
    html = reply.get_data(as_text=True)
    assert reply.status_code == 503
    assert "We could not save your answers just now. Nothing has been saved yet." in html
    app.extensions["voice_engine"].dispose()


def test_form_failure_mid_transaction_stores_nothing_and_answers_503(form_app, site, factory, engine):
    client = form_app.test_client()
    _, tokens = _open(client, site.code)
    # Move a table the submission writes to after the response row: the insert fails half-way.
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE free_texts RENAME TO free_texts_away"))
    try:
        reply = client.post(f"/q/{site.code}", data={**ANSWER, **tokens})
        assert reply.status_code == 503
        assert "Nothing has been saved yet" in reply.get_data(as_text=True)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM responses")).scalar() == 0
            assert connection.execute(text("SELECT count(*) FROM answers")).scalar() == 0
    finally:
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE free_texts_away RENAME TO free_texts"))
    assert client.post(f"/q/{site.code}", data={**ANSWER, **tokens}).status_code == 303  # the same token works again
    assert len(_responses(factory)) == 1


def test_form_language_list_appears_when_a_second_language_is_configured(config, site, tmp_path):
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    catalog = Catalog(locale="cy")
    catalog.add("Tell us how safe you feel here", "Dywedwch wrthym pa mor ddiogel rydych chi'n teimlo yma")
    (tmp_path / "cy" / "LC_MESSAGES").mkdir(parents=True)
    with open(tmp_path / "cy" / "LC_MESSAGES" / "messages.mo", "wb") as handle:
        write_mo(handle, catalog)
    app = _make_app(config, min_seconds=0, languages=("en", "cy"))
    app.extensions["babel"].translation_directories.insert(0, str(tmp_path))
    client = app.test_client()
    english, _ = _open(client, site.code)
    assert 'href="?lang=cy"' in english and "Cymraeg" in english
    welsh, tokens = _open(client, site.code, lang="cy")
    assert '<html lang="cy"' in welsh and "Dywedwch wrthym pa mor ddiogel" in welsh
    reply = client.post(f"/q/{site.code}?lang=cy", data={**ANSWER, **tokens, "lang": "cy"})
    assert reply.headers["Location"].endswith("lang=cy")
    app.extensions["voice_engine"].dispose()


def test_form_does_not_wait_long_for_a_limits_storage_that_never_answers(config, site, factory):
    """A Redis address that takes the connection but never replies: the answers are stored within seconds."""
    import socket
    import time

    with socket.socket() as silent:  # accepts connections (the kernel's backlog) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        stuck = replace(config, limits=replace(config.limits, storage_uri=f"redis://127.0.0.1:{port}/0"))
        app = _make_app(stuck, min_seconds=0)
        client = app.test_client()
        _, tokens = _open(client, site.code)
        started = time.monotonic()
        reply = client.post(f"/q/{site.code}", data={**ANSWER, **tokens})
        took = time.monotonic() - started
        app.extensions["voice_engine"].dispose()
    assert reply.status_code == 303
    assert len(_responses(factory)) == 1
    assert took < 10  # two counters at most, each given up after about a second


def test_form_code_in_capitals_finds_the_site(form_app, site):
    client = form_app.test_client()
    reply = client.get(f"/q/{site.code.upper()}", query_string={"lang": "en"})
    assert reply.status_code == 301 and reply.headers["Location"].endswith(f"/q/{site.code}?lang=en")
    assert client.get(f"/q/{site.code.upper()}", follow_redirects=True).status_code == 200


def test_form_public_task_shows_no_consent_box_and_lets_an_11_year_old_send(form_app, site, factory):
    client = form_app.test_client()
    html, tokens = _open(client, site.code)
    assert 'name="consent"' not in html and "11 to 12" in html
    answer = {k: v for k, v in ANSWER.items() if k != "consent"}
    assert client.post(f"/q/{site.code}", data={**answer, **tokens, "age_band": "11-12"}).status_code == 303
    [response] = _responses(factory)
    assert response.age_band == "11-12" and response.consent is None


@pytest.fixture
def consent_app(config):
    """The app of a council whose lawful basis is consent."""
    app = _make_app(replace(config, privacy=replace(config.privacy, lawful_basis="consent")), min_seconds=0)
    yield app
    app.extensions["voice_engine"].dispose()


def test_form_consent_basis_asks_consent_and_a_parent_for_under_13s(consent_app, site, factory):
    client = consent_app.test_client()
    html, tokens = _open(client, site.code)
    assert 'name="consent"' in html and 'name="parent_consent"' in html
    child = {**ANSWER, "age_band": "11-12"}
    refused = client.post(f"/q/{site.code}", data={**child, **tokens}).get_data(as_text=True)
    assert "You are under 13, so ask a parent or carer to read this with you" in refused
    assert _responses(factory) == []
    empty = client.post(f"/q/{site.code}", data=tokens).get_data(as_text=True)
    assert '<a href="#consent">Select the box to say you are happy for us to use your answers</a>' in empty
    assert client.post(f"/q/{site.code}", data={**child, **tokens, "parent_consent": "yes"}).status_code == 303
    assert client.post(f"/q/{site.code}", data={**ANSWER, **_open(client, site.code)[1]}).status_code == 303  # 13-15
    assert sorted(r.consent for r in _responses(factory)) == [True, True]


def test_privacy_notice_has_the_standard_headings_filled_from_config(config, site):
    privacy = replace(config.privacy, dpo_email="dpo@havering.example", dpo_address="Town Hall, Romford RM1 3BD",
                      retention_months=18)
    app = _make_app(replace(config, privacy=privacy), min_seconds=0)
    html = app.test_client().get(f"/q/{site.code}/privacy").get_data(as_text=True)
    headings = re.findall(r'<h2 class="govuk-heading-m" id="[^"]+">([^<]+)</h2>', html)
    assert headings == ["Who we are", "What we collect and why", "Our lawful basis", "Who sees your answers",
                        "How long we keep your answers", "Your rights", "Contact our data protection officer",
                        "Complain to the ICO", "If you need help now"]
    assert "public task" in html and "Article 6(1)(e)" in html and "tick a box" in html
    assert "dpo@havering.example" in html and "Town Hall, Romford RM1 3BD" in html and "for 18 months" in html
    assert "ico.org.uk/make-a-complaint" in html and "on the next page" not in html
    easy = app.test_client().get(f"/q/{site.code}/privacy/easy-read").get_data(as_text=True)
    assert "We keep your words for 18 months." in easy and "tell the ICO" in easy
    app.extensions["voice_engine"].dispose()


def test_form_help_offers_routes_that_need_no_call(form_app, site):
    html, _ = _open(form_app.test_client(), site.code)
    help_part = html[html.index('id="help"'):]
    assert "childline.org.uk/get-support/1-2-1-counsellor-chat" in help_part
    assert "crimestoppers-uk.org/give-information" in help_part and "fearless.org" in help_part
    assert "met.police.uk" in help_part
    assert "the numbers are on the next page" not in html
