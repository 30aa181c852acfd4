"""Ingest runs end to end: real files and a real HTTP server into a real database."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from ingest import RawRecord
from service.pipeline.ingest_runs import (
    PullOptions,
    ingest_raw_records,
    register_sources,
    run_all_ingests,
    run_ingest,
)
from service.store.models import (
    Answer,
    IngestRun,
    QuarantinedRow,
    Response,
    ResponseVersion,
    Source,
)
from tests.exports import variables_mapping, write_csv, write_sav, write_xlsx

HEADER = ["Respondent ID", "Date submitted", "Survey", "Age group", "Sex",
          "How safe do you feel in your neighbourhood during the day?", "What would make you feel safer?",
          "I agree to my answers being used"]


def _row(i, safe="4", text="More lighting"):
    return [f"CSS-{i:05d}", "21/04/2023 10:15", "2023", "25-34", "Female", safe, text, "Yes"]


def _write(path, rows, header=HEADER, **changes):  # every configured column of css, the others blank
    return write_csv(path, header, rows, **changes)


def _count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def sources(factory, config):
    register_sources(factory, config)
    return config


def test_same_file_again_is_a_no_op(factory, sources, session):
    folder = sources.source("css").path
    _write(folder / "export.csv", [_row(i) for i in range(3)])
    first = run_ingest(factory, sources, "css")
    _write(folder / "copy.csv", [_row(i) for i in range(3)])  # the same bytes under another name
    again = run_ingest(factory, sources, "css")
    assert (first[0].status, first[0].n_new) == ("finished", 3)
    assert [r.status for r in again] == ["skipped", "skipped"]
    assert _count(session, Response) == 3 and _count(session, IngestRun) == 1


def test_changed_record_updates_and_keeps_history(factory, sources, session):
    folder = sources.source("css").path
    _write(folder / "week1.csv", [_row(1), _row(2)])
    run_ingest(factory, sources, "css")
    _write(folder / "week2.csv", [_row(1), _row(2, safe="1")])
    report = next(r for r in run_ingest(factory, sources, "css") if r.status == "finished")
    assert (report.n_new, report.n_updated, report.n_unchanged) == (0, 1, 1)
    changed = session.scalar(select(Response).where(Response.external_id == "CSS-00002"))
    assert _count(session, ResponseVersion, ResponseVersion.response_id == changed.id) == 1
    assert session.scalar(select(Answer.value_number).where(Answer.response_id == changed.id, Answer.value_number.is_not(None))) == 1.0


def _safe_day(session, external_id):
    response = session.scalar(select(Response).where(Response.external_id == external_id))
    return session.scalar(select(Answer.value_number).where(Answer.response_id == response.id, Answer.value_number.is_not(None)))


def _history(session, external_id):
    response = session.scalar(select(Response).where(Response.external_id == external_id))
    return [v.raw[HEADER[5]] for v in session.scalars(select(ResponseVersion).where(ResponseVersion.response_id == response.id))]


@pytest.mark.parametrize("batch", [1000, 2], ids=["one batch", "copies in different batches"])
def test_later_copy_of_an_id_is_kept_the_earlier_goes_to_history_and_a_rerun_changes_nothing(factory, sources, session,
                                                                                             monkeypatch, batch):
    monkeypatch.setattr("service.pipeline.ingest_runs.BATCH", batch)
    folder = sources.source("css").path
    rows = [_row(1), _row(2), _row(1, safe="2"), _row(2)]
    _write(folder / "export.csv", rows)
    report = run_ingest(factory, sources, "css")[0]
    assert (report.n_read, report.n_new, report.n_duplicate, report.n_quarantined) == (4, 2, 2, 0)
    assert _safe_day(session, "CSS-00001") == 2.0 and _history(session, "CSS-00001") == ["4"]
    assert _count(session, QuarantinedRow) == 0
    [choice] = [n for n in report.notes if "CSS-00001" in n]
    assert "export.csv row 4" in choice and "later in the file" in choice and "kept in history" in choice
    assert batch == 2 or "export.csv row 2" in choice  # across batches the earlier copy is known as "stored earlier in this input"
    assert choice in session.scalar(select(IngestRun.notes))
    _write(folder / "again.csv", [*rows, _row(3)])  # the same copies again, in a file with one more row
    again = next(r for r in run_ingest(factory, sources, "css") if r.input_name == "again.csv")
    assert (again.n_new, again.n_updated, again.n_duplicate) == (1, 0, 2)
    # across batches row 2 comes first and is known as a version already replaced: superseded, not unchanged
    assert (again.n_unchanged, again.n_superseded) == ((2, 0) if batch > 4 else (1, 1))
    session.expire_all()
    assert _safe_day(session, "CSS-00001") == 2.0 and _history(session, "CSS-00001") == ["4"]
    assert _count(session, ResponseVersion) == 1 and _count(session, Response) == 3


def test_copy_with_the_later_submitted_time_wins_wherever_it_is_in_the_file(factory, sources, session):
    late, early = _row(1, safe="5"), _row(1, safe="1")
    late[1], early[1] = "21/04/2023 11:00", "21/04/2023 09:00"
    _write(sources.source("css").path / "export.csv", [late, early])
    report = run_ingest(factory, sources, "css")[0]
    assert (report.n_new, report.n_duplicate) == (1, 1)
    assert _safe_day(session, "CSS-00001") == 5.0 and _history(session, "CSS-00001") == ["1"]
    assert any("export.csv row 2 is kept over export.csv row 3 (later submitted time)" in n for n in report.notes)


def test_copy_older_than_the_stored_one_is_kept_in_history_not_stored(factory, sources, session):
    folder = sources.source("css").path
    late, early = _row(1, safe="5"), _row(1, safe="1")
    late[1], early[1] = "21/04/2023 11:00", "21/04/2023 09:00"
    _write(folder / "week1.csv", [late])
    run_ingest(factory, sources, "css")
    _write(folder / "week2.csv", [early])
    report = next(r for r in run_ingest(factory, sources, "css") if r.input_name == "week2.csv")
    assert (report.n_new, report.n_updated, report.n_superseded) == (0, 0, 1)
    assert "superseded 1" in report.summary()
    assert _safe_day(session, "CSS-00001") == 5.0 and _history(session, "CSS-00001") == ["1"]
    assert any("earlier submitted time than the stored copy, which is kept" in n for n in report.notes)


def test_bad_cells_are_quarantined_alone_and_bad_records_whole(factory, sources, session):
    rows = [_row(1), _row(2, safe="7"), [*_row(3)[:1], "31/04/2023", *_row(3)[2:]], _row(4, text="x" * 25_000), ["", *_row(5)[1:]]]
    _write(sources.source("css").path / "e.csv", rows)
    report = run_ingest(factory, sources, "css")[0]
    # rows 3 and 5 keep their responses (one bad answer each); the bad date and the missing id keep out the whole record
    assert (report.n_read, report.n_new, report.n_quarantined, report.n_fields_quarantined) == (5, 3, 2, 2)
    assert "quarantined 2, fields quarantined 2;" in report.summary()
    assert "e.csv: 1 response(s) stored without safe_day (range); each cell is quarantined with its row, column and value" in report.notes
    stored = {r.external_id: r for r in session.scalars(select(Response))}
    assert sorted(stored) == ["CSS-00001", "CSS-00002", "CSS-00004"]
    assert (stored["CSS-00002"].age_band, stored["CSS-00002"].sex) == ("25-34", "female")  # demographics kept
    assert _count(session, Answer, Answer.response_id == stored["CSS-00002"].id) == 1  # the free text, not the bad scale
    rows = {q.scope: [] for q in session.scalars(select(QuarantinedRow))}
    for q in session.scalars(select(QuarantinedRow).order_by(QuarantinedRow.location)):
        rows[q.scope].append(q)
    fields, records = rows["field"], rows["record"]
    assert [(q.external_id, q.field, q.rule, q.response_id) for q in fields] == [
        ("CSS-00002", HEADER[5], "range", stored["CSS-00002"].id), ("CSS-00004", HEADER[6], "max_length", stored["CSS-00004"].id)]
    assert fields[0].reason.startswith("e.csv row 3, field 'How safe do you feel in your neighbourhood during the day?': "
                                       "value '7'; expected a number from 1 to 5")
    assert fields[0].reason.endswith("the response is stored without it")
    assert "free text of at most 20,000 characters (this one has 25,000)" in fields[1].reason
    assert records[0].reason.startswith("e.csv row 4, field 'Date submitted': value '31/04/2023'; expected a date such as 21/04/2023")
    assert records[1].reason == "e.csv row 6, field 'Respondent ID': value ''; every record needs its own id"
    assert report.quarantine_reasons == [records[0].reason, records[1].reason]


def test_20_mb_cell_is_quarantined_alone_with_a_bounded_raw_copy(factory, sources, session):
    _write(sources.source("css").path / "e.csv", [_row(1, text="y" * (20 * 1024 * 1024))])
    report = run_ingest(factory, sources, "css")[0]
    assert (report.n_new, report.n_quarantined, report.n_fields_quarantined) == (1, 0, 1)
    row = session.scalar(select(QuarantinedRow))
    assert (row.scope, row.rule) == ("field", "max_length")
    for raw in (row.raw, session.scalar(select(Response.raw))):
        text = raw["What would make you feel safer?"]
        assert len(text) < 101_000 and text.endswith("[cut: 20,971,520 characters in the source]")


def test_missing_column_fails_the_run_and_says_so(factory, sources, session):
    _write(sources.source("css").path / "e.csv", [["X", *_row(1)[1:]]], rename={"Respondent ID": "Respondent"})
    report = run_ingest(factory, sources, "css")[0]
    assert report.status == "failed"
    assert ("e.csv: column 'Respondent ID' (set by [sources.css] mapping.id_column) is not in the file; "
            "the closest are 'Respondent'") in report.errors[0]
    assert session.scalar(select(IngestRun.status)) == "failed"
    assert _count(session, Response) == 0 and _count(session, QuarantinedRow) == 0


def _with_css(config, mapping=None, file=None):
    css = config.source("css")
    css = replace(css, mapping=mapping or css.mapping, file=file or css.file)
    return replace(config, sources=tuple(css if s.key == "css" else s for s in config.sources))


def _nothing_stored(session):
    return [_count(session, model) for model in (Response, Answer, QuarantinedRow, ResponseVersion)] == [0, 0, 0, 0]


GENDER = "Is your gender the same as the sex you were registered at birth?"


def test_demographic_column_named_without_its_question_mark_stops_the_run_and_stores_nothing(factory, sources, session):
    # issue 16: a config naming the column without its "?" stored 320 rows, every one "not stated"
    css = sources.source("css")
    config = _with_css(sources, mapping=replace(css.mapping, gender_identity_column=GENDER.rstrip("?")))
    _write(css.path / "e.csv", [_row(i) for i in range(3)])
    report = run_ingest(factory, config, "css")[0]
    message = (f"e.csv: column {GENDER.rstrip('?')!r} (set by [sources.css] mapping.gender_identity_column) is not in "
               f"the file; the closest are {GENDER!r}")
    assert report.status == "failed" and report.n_read == 0
    assert len(report.errors) == 1 and report.errors[0].startswith(message), report.errors
    assert "Nothing was stored" in report.errors[0] and "\n" not in report.errors[0]
    assert _nothing_stored(session)
    run = session.scalar(select(IngestRun))
    assert (run.status, run.errors, run.n_read) == ("failed", report.errors, 0)


def test_file_column_saved_with_a_question_mark_stops_the_run_naming_the_closest_and_the_key(factory, sources, session):
    _write(sources.source("css").path / "e.csv", [_row(1), _row(2)], rename={"Sex": "Sex?"})
    report = run_ingest(factory, sources, "css")[0]
    assert report.status == "failed"
    assert report.errors[0].startswith("e.csv: column 'Sex' (set by [sources.css] mapping.sex_column) is not in the file; "
                                       "the closest are 'Sex?'. Nothing was stored.")
    assert _nothing_stored(session)


def test_every_missing_column_is_counted_in_the_one_message(factory, sources, session):
    _write(sources.source("css").path / "e.csv", [_row(1)], drop=["Sex", "Ward", "Postcode"])
    report = run_ingest(factory, sources, "css")[0]
    assert report.status == "failed" and "(set by [sources.css] mapping.sex_column)" in report.errors[0]
    assert "(2 more configured column(s) missing: 'Ward', 'Postcode')" in report.errors[0]
    assert _nothing_stored(session)


def test_optional_column_may_be_absent_and_its_field_is_not_stated(factory, sources, session):
    css = sources.source("css")
    _write(css.path / "e.csv", [_row(1)], drop=["Postcode"])
    refused = run_ingest(factory, sources, "css")[0]
    assert refused.status == "failed" and "column 'Postcode' (set by [sources.css] mapping.postcode_column)" in refused.errors[0]
    config = _with_css(sources, mapping=replace(css.mapping, optional=("Postcode",)))
    report = run_ingest(factory, config, "css")[0]
    assert (report.status, report.n_new) == ("finished", 1)
    stored = session.scalar(select(Response))
    assert (stored.sex, stored.postcode_district) == ("female", None)


def test_optional_column_that_the_mapping_does_not_read_is_refused():
    from ingest import SourceMapping

    with pytest.raises(ValueError, match=r"optional names 'Postcode\?', which no key of the mapping reads"):
        SourceMapping(id_column="Respondent ID", postcode_column="Postcode", optional=("Postcode?",))


def test_wrong_sheet_stops_the_run_and_the_right_one_is_then_stored(factory, sources, session):
    from openpyxl import load_workbook

    css = sources.source("css")
    path = write_xlsx(css.path / "export.xlsx", HEADER, [_row(1), _row(2)])
    book = load_workbook(path)
    book.active.title = "Responses"
    cover = book.create_sheet("Summary", 0)  # the first sheet, as survey tools put a summary before the responses
    for line in (["Question", "Responses"], ["How safe do you feel?", 212]):
        cover.append(line)
    book.save(path)
    report = run_ingest(factory, sources, "css")[0]
    assert report.status == "failed"
    assert report.errors[0].startswith("export.xlsx: the header read from row 1 (1 row(s)) holds none of the ")
    assert "found: 'Question', 'Responses'" in report.errors[0] and "Fix [sources.css.file] header_row, header_rows or sheet" in report.errors[0]
    assert _nothing_stored(session)
    named = _with_css(sources, file=replace(css.file, sheet="Summary"))
    again = run_ingest(factory, named, "css")[0]
    assert again.status == "failed" and "of sheet 'Summary'" in again.errors[0] and _nothing_stored(session)
    fixed = run_ingest(factory, _with_css(sources, file=replace(css.file, sheet="Responses")), "css")
    assert [(r.status, r.n_new) for r in fixed] == [("finished", 2)]


def test_wrong_header_row_stops_the_run_and_the_right_one_is_then_stored(factory, sources, session):
    css = sources.source("css")
    body = (css.path / "body.csv")
    _write(body, [_row(1), _row(2)])
    (css.path / "export.csv").write_text("Community Safety Survey 2023\nExported 01/05/2023\n"
                                         + body.read_text(encoding="utf-8"), encoding="utf-8")
    body.unlink()
    report = run_ingest(factory, sources, "css")[0]
    assert report.status == "failed"
    assert report.errors[0].startswith("export.csv: the header read from row 1 (1 row(s)) holds none of the ")
    assert "found: 'Community Safety Survey 2023'" in report.errors[0]
    assert _nothing_stored(session)
    fixed = run_ingest(factory, _with_css(sources, file=replace(css.file, header_row=3)), "css")
    assert [(r.status, r.n_new) for r in fixed] == [("finished", 2)]


def test_interrupted_run_keeps_whole_batches_and_the_next_run_resumes(factory, sources, session):
    def records(stop_after=None):
        for i in range(2500):
            if i == stop_after:
                raise KeyboardInterrupt("power cut")
            data = dict(zip(HEADER, _row(i)))
            yield RawRecord(data["Respondent ID"], data, f"feed record {i + 1}")

    with pytest.raises(KeyboardInterrupt):
        ingest_raw_records(factory, sources, "css", records(stop_after=2300), "feed")
    assert _count(session, Response) == 2000  # two whole batches; the third was rolled back
    assert _count(session, Answer) == 2000 * 2  # every stored response has all its answers
    assert session.scalar(select(IngestRun.status)) == "interrupted"
    report = ingest_raw_records(factory, sources, "css", records(), "feed")
    assert (report.n_new, report.n_unchanged) == (500, 2000)


def _rest_config(config, url):
    qr = replace(config.source("qr"), url=url, rest=replace(config.source("qr").rest, backoff=0.0, max_retries=1))
    return replace(config, sources=tuple(qr if s.key == "qr" else s for s in config.sources))


def _qr(i, site="zzsite1"):
    return {"id": f"qr-{i}", "submitted_at": "2024-02-01T10:00:00Z", "site": site, "consent": "yes",
            "age_band": "13-15", "safe_here": 2, "happened": ["Robbery"], "feel_safer": "More police"}


def test_rest_pull_stores_records_and_resumes_from_the_cursor(factory, sources, session, http_server):
    from service.store.models import Site

    session.add(Site(code="zzsite1", name="Romford station", kind="station"))
    session.commit()
    feed = [_qr(i) for i in range(5)] + [_qr(99, site="nosuch")]

    def reply(request):
        start = int(request.query.get("cursor", 0))
        following = start + 4 if start + 4 < len(feed) else None
        return 200, {}, {"data": feed[start:start + 4], "next_cursor": str(following) if following else None}

    http_server.reply = reply
    config = _rest_config(sources, http_server.url + "/feed")
    options = PullOptions(environ={"VOICE_QR_VENDOR_TOKEN": "t0ken"})
    report = run_ingest(factory, config, "qr", options=options)[0]
    assert (report.status, report.n_new, report.n_quarantined) == ("finished", 5, 1)
    assert session.scalar(select(Source.cursor).where(Source.key == "qr")) == "4"
    again = run_ingest(factory, config, "qr", options=options)[0]
    assert http_server.requests[-2].query["cursor"] == "4"
    assert (again.n_new, again.n_unchanged) == (0, 1)


def test_failing_api_is_recorded_on_its_run_and_other_sources_still_run(factory, sources, session, http_server):
    http_server.reply = lambda request: (500, {}, {"error": "down"})
    _write(sources.source("css").path / "export.csv", [_row(1)])
    config = _rest_config(sources, http_server.url + "/feed")
    reports = run_all_ingests(factory, config, options=PullOptions(environ={"VOICE_QR_VENDOR_TOKEN": "t"}, sleep=lambda s: None))
    by_source = {r.source: r for r in reports}
    assert by_source["css"].status == "finished" and by_source["css"].n_new == 1
    assert by_source["qr"].status == "failed"
    assert "failed on all 2 attempts (last: HTTP 500)" in by_source["qr"].errors[0]
    stored = session.scalar(select(IngestRun).join(Source).where(Source.key == "qr"))
    assert stored.status == "failed" and "HTTP 500" in stored.errors[0]


def test_missing_token_variable_fails_the_run_naming_it(factory, sources, http_server):
    report = run_ingest(factory, _rest_config(sources, http_server.url), "qr", options=PullOptions(environ={}))[0]
    assert report.status == "failed"
    assert report.errors == ["source 'qr': the environment variable VOICE_QR_VENDOR_TOKEN holding its API token is not set; set it and run again"]


def test_spss_file_in_the_drop_folder_is_ingested_with_value_labels(factory, sources, session):
    css = sources.source("css")  # SPSS variable names have no spaces: the mapping names variables
    names = write_sav(css.path / "export.sav", ["Respondent ID", "Date submitted", "Sex"],
                      [["S1", "21/04/2023", 1.0], ["S2", "22/04/2023", 2.0]], value_labels={"Sex": {1.0: "Female", 2.0: "Male"}})
    css = replace(css, mapping=variables_mapping(css.mapping, names))
    config = replace(sources, sources=tuple(css if s.key == "css" else s for s in sources.sources))
    report = run_ingest(factory, config, "css")[0]
    assert (report.status, report.n_new) == ("finished", 2)
    assert list(session.scalars(select(Response.sex).order_by(Response.external_id))) == ["female", "male"]


def test_progress_reports_rate_and_time_left(factory, sources):
    from service.pipeline.ingest_runs import Progress

    seen = []
    _write(sources.source("css").path / "export.csv", [_row(i) for i in range(2500)])
    run_ingest(factory, sources, "css", options=PullOptions(progress=seen.append))
    assert [p.n_read for p in seen] == [1000, 2000, 2500]
    assert seen[0].n_total == 2500 and seen[-1].seconds_left == 0.0
    assert Progress("css", "e.csv", 500, 1000, 2.0).rate == 250.0
    assert Progress("css", "e.csv", 500, 1000, 2.0).seconds_left == 2.0


def test_repeated_short_texts_are_screened_once_per_run_and_each_copy_is_flagged(factory, sources, session, monkeypatch):
    from service.pipeline import bulk_screen
    from service.pipeline.screening import screen_text
    from service.store.models import FreeText, SafeguardingFlag

    screened = []

    def counting(text, *, use_model=True):
        screened.append(text)
        return screen_text(text, use_model=use_model)

    monkeypatch.setattr(bulk_screen, "screen_text", counting)
    harm = "My stepdad hits me when he is drunk"
    long = ("More lighting on the path by the station please, " * 5).strip()  # over ScreenMemo.LONGEST: screened each time
    rows = [_row(1, text=harm), _row(2, text="Nothing"), _row(3, text=harm), _row(4, text="Nothing"),
            _row(5, text=long), _row(6, text=long)]
    _write(sources.source("css").path / "e.csv", rows)
    assert run_ingest(factory, sources, "css")[0].n_new == 6
    assert sorted(screened) == sorted([harm, "Nothing", long, long])
    texts = list(session.scalars(select(FreeText).order_by(FreeText.id)))
    assert [t.redacted == screen_text(t.original).redacted for t in texts] == [True] * 6
    flagged = set(session.scalars(select(SafeguardingFlag.free_text_id)))
    assert flagged == {t.id for t in texts if t.original == harm} and len(flagged) == 2


def _write_utf16_tab(path, rows):  # Excel's "Unicode Text": UTF-16 with a byte-order mark, tab-separated
    write_csv(path.with_suffix(".txt"), HEADER, rows, encoding="utf-16", delimiter="\t")


def _write_xlsx(path, rows):
    write_xlsx(path.with_suffix(".xlsx"), HEADER, rows)


def _write_sav(path, rows):
    return write_sav(path.with_suffix(".sav"), HEADER, rows)


@pytest.mark.parametrize("write", [_write_utf16_tab, _write_xlsx, _write_sav], ids=["utf-16 text", "xlsx", "spss"])
def test_tick_mark_in_a_scale_cell_keeps_the_response_in_every_file_type(factory, sources, session, write):
    source = sources.source("css")
    names = write(source.path / "export", [_row(1), _row(2, safe="✓")])
    if write is _write_sav:  # SPSS variables have no spaces: the mapping names the variables
        source = replace(source, mapping=variables_mapping(source.mapping, names))
        sources = replace(sources, sources=tuple(source if s.key == "css" else s for s in sources.sources))
    report = run_ingest(factory, sources, "css")[0]
    assert (report.status, report.n_new, report.n_quarantined, report.n_fields_quarantined) == ("finished", 2, 0, 1)
    kept = session.scalar(select(Response).where(Response.external_id == "CSS-00002"))
    assert (kept.age_band, kept.sex) == ("25-34", "female")
    row = session.scalar(select(QuarantinedRow))
    assert (row.scope, row.value, row.response_id) == ("field", "✓", kept.id)
    assert row.location.endswith("row 3") and "value '✓'; expected a number; the response is stored without it" in row.reason


def test_a_row_that_declines_consent_is_not_stored_anywhere_and_is_counted(factory, sources, session):
    """Analyst trial 3: 19 rows answering "No" to consent were stored as responses (consent = 0)."""
    folder = sources.source("css").path
    declined = _row(2, text="please do not use this")
    declined[-1] = "No"
    _write(folder / "export.csv", [_row(1), declined, _row(3)])
    report = run_ingest(factory, sources, "css")[0]
    assert (report.status, report.n_read, report.n_new, report.n_declined, report.n_quarantined) == ("finished", 3, 2, 1, 0)
    assert "declined consent 1 (not stored)" in report.summary()
    assert "export.csv: 1 row(s) answered no to consent; nothing of them was stored (not even in quarantine)" in report.notes
    assert _count(session, Response, Response.external_id == "CSS-00002") == 0
    assert _count(session, QuarantinedRow) == 0
    assert session.scalar(select(IngestRun.notes).where(IngestRun.id == report.run_id)) == report.notes


def test_a_later_copy_declining_consent_keeps_the_stored_copy_and_says_how_to_erase_it(factory, sources, session):
    folder = sources.source("css").path
    _write(folder / "week1.csv", [_row(1), _row(2)])
    run_ingest(factory, sources, "css")
    withdrawn = _row(2)
    withdrawn[-1] = "No"
    _write(folder / "week2.csv", [_row(1), withdrawn])
    report = next(r for r in run_ingest(factory, sources, "css") if r.status == "finished")
    assert (report.n_unchanged, report.n_declined) == (1, 1)
    assert any("id 'CSS-00002' answered no to consent in week2.csv, but an earlier copy that consented is stored"
               in note and "voice erase css CSS-00002" in note for note in report.notes)
    assert _count(session, Response, Response.external_id == "CSS-00002") == 1


def test_an_id_column_that_repeats_in_most_rows_stops_the_run_before_anything_is_stored(factory, sources, session):
    """Analyst trial 3: a Typeform hidden field taken for the id made 92 rows into 2 responses, and the run 'finished'."""
    folder = sources.source("css").path
    rows = [_row(i % 2) for i in range(30)]
    for i, row in enumerate(rows):
        row[5] = str(1 + i % 5)  # each copy differs, so each is a real duplicate, not the same row twice
    _write(folder / "export.csv", rows)
    report = run_ingest(factory, sources, "css")[0]
    assert report.status == "failed"
    assert ("export.csv: 28 of the first 30 rows repeat an id already met in column 'Respondent ID' "
            "([sources.css.mapping] id_column), so it does not hold one value per response. Nothing was stored.") in report.errors[0]
    assert _count(session, Response) == 0


def test_a_few_corrected_copies_of_an_id_do_not_stop_the_run(factory, sources, session):
    folder = sources.source("css").path
    rows = [_row(i) for i in range(20)] + [_row(i, safe="2") for i in range(9)]
    _write(folder / "export.csv", rows)
    report = run_ingest(factory, sources, "css")[0]
    assert (report.status, report.n_new, report.n_duplicate) == ("finished", 20, 9)


def test_seen_ids_answers_membership_across_merges_and_counts_each_once():
    from service.pipeline.seen_ids import SeenIds

    seen = SeenIds()
    seen.MERGE_AT = 100
    values = [hash(f"R{i:07d}") for i in range(1_050)]
    for start in range(0, 1_000, 50):
        seen.update(values[start:start + 50])
    seen.update(values[:10])  # met again: not counted twice
    assert len(seen) == 1_000
    assert all(v in seen for v in values[:1_000]) and not any(v in seen for v in values[1_000:])
    assert "R0000001" not in seen


def test_a_declined_row_that_may_disclose_harm_is_kept_for_the_safeguarding_queue_only(factory, sources, session):
    """A resident who said no to consent but wrote of harm is still seen by the safeguarding lead at once;
    the response counts in no figure and shows on no page but the queue."""
    from service.reports.dashboard import ResponseFilter, response_page
    from service.store.models import SafeguardingFlag
    from service.store.reads import responses_frame

    folder = sources.source("css").path
    plain = _row(2, text="please do not use this")
    plain[-1] = "No"
    harm = _row(3, text="my stepdad hits me and I am scared to go home")
    harm[-1] = "No"
    _write(folder / "export.csv", [_row(1), plain, harm])
    report = run_ingest(factory, sources, "css")[0]
    assert (report.n_new, report.n_declined, report.n_declined_kept) == (2, 1, 1)
    assert any("1 row(s) answered no to consent but may disclose harm" in note for note in report.notes)
    kept = session.scalar(select(Response).where(Response.external_id == "CSS-00003"))
    assert kept.consent is False
    assert _count(session, SafeguardingFlag) == 1
    assert list(responses_frame(session, ["css"])["id"]) == [session.scalar(select(Response.id).where(Response.external_id == "CSS-00001"))]
    page = response_page(session, ResponseFilter(source="css"), 1, 50, {})
    assert page["total"] == 1 and [i["id"] for i in page["items"]] != [kept.id]


def test_a_declined_row_that_breaks_another_rule_is_declined_not_quarantined(factory, sources, session):
    """Trial 4: a consent-no row with a bad field was kept whole in quarantine, its answers with it."""
    folder = sources.source("css").path
    broken = _row(2, text="more police on the high street")
    broken[1], broken[-1] = "31/04/2023 10:15", "No"  # no such day, and consent no
    unfinished = _row(3)
    unfinished[1] = ""  # no submitted time: an unfinished response
    _write(folder / "export.csv", [_row(1), broken, unfinished])
    report = run_ingest(factory, sources, "css")[0]
    assert (report.n_new, report.n_declined, report.n_quarantined) == (1, 1, 1)
    assert _count(session, QuarantinedRow, QuarantinedRow.external_id == "CSS-00002") == 0
    reason = session.scalar(select(QuarantinedRow.reason).where(QuarantinedRow.external_id == "CSS-00003"))
    assert "submitted time left empty" in reason


def test_a_mapping_that_quarantines_most_of_the_first_rows_by_one_rule_stops_the_run(factory, sources, session):
    """Trial 4: a wrong date format quarantined all 90 rows of a JotForm export, and the run said 'finished'."""
    folder = sources.source("css").path
    rows = [_row(i) for i in range(12)]
    for row in rows:
        row[1] = "Mar 3, 2023"  # a format the css mapping does not read
    _write(folder / "export.csv", rows)
    report = run_ingest(factory, sources, "css")[0]
    assert report.status == "failed"
    assert report.errors[0].startswith("export.csv: 12 of the first 12 rows break rule 'date' on column 'Date submitted', "
                                       "so [sources.css] does not fit this file. Nothing was stored.")
    assert _count(session, Response) == 0 and _count(session, QuarantinedRow) == 0
