"""Answer options in questionnaire order (issue 20 item 13) in every SNA export: CSV, XLSX and the .sav.

Synthetic demo data. The order each export must keep is read from the stored questions (the
questionnaire's own list), not from the export code.
"""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest
from sqlalchemy import select

from service.store.db import make_engine, make_session_factory
from service.store.models import Question, Source

CLOSED = ("knife_crime_problem", "knife_crime_trend", "gangs_problem", "gangs_trend", "police_relied_on",
          "response_to_violence")


@pytest.fixture(scope="module")
def exports(demo):
    from service.reports.generate import make_sna

    config, _result = demo
    engine = make_engine(config.database.url)
    factory = make_session_factory(engine)
    with factory() as session:
        out = {fmt: make_sna(session, config, 2023, fmt).content for fmt in ("xlsx", "csv", "sav")}
        options = {key: list(opts) for key, opts in session.execute(
            select(Question.key, Question.options).join(Source, Question.source_id == Source.id)
            .where(Source.key == "css", Question.key.in_(CLOSED)))}
    engine.dispose()
    return out, options


def _answers(frame: pd.DataFrame, key: str) -> list[str]:
    return [str(a) for a in frame.loc[frame["question"] == key, "answer"]]


def test_the_questionnaires_order_is_not_alphabetical(exports):
    _out, options = exports
    assert set(options) == set(CLOSED)
    assert all(opts != sorted(opts) for opts in options.values())  # else these tests could not fail


def test_csv_bundle_lists_answers_in_questionnaire_order(exports):
    out, options = exports
    with zipfile.ZipFile(io.BytesIO(out["csv"])) as bundle:
        tables = pd.concat([pd.read_csv(bundle.open(name)) for name in ("01_perception.csv", "02_trust.csv")])
    for key, opts in options.items():
        assert _answers(tables, key) == opts, key


def test_xlsx_sheets_list_answers_in_questionnaire_order(exports):
    out, options = exports
    for sheet in ("T1 Perception", "T2 Trust"):
        raw = pd.read_excel(io.BytesIO(out["xlsx"]), sheet_name=sheet, header=None)
        header = raw.index[raw.iloc[:, 0].astype(str) == "wording"][0]
        frame = raw.iloc[header + 1:].set_axis(raw.iloc[header], axis=1)
        for key in frame["question"].dropna().unique():
            assert _answers(frame, key) == options[key], (sheet, key)


def test_sav_codes_answers_in_questionnaire_order_with_value_labels(exports, tmp_path):
    import pyreadstat

    out, options = exports
    path = tmp_path / "sna.sav"
    path.write_bytes(out["sav"])
    coded, meta = pyreadstat.read_sav(str(path))
    labelled, _meta = pyreadstat.read_sav(str(path), apply_value_formats=True)
    for key, opts in options.items():
        labels = meta.variable_value_labels[key]
        assert [labels[code] for code in sorted(labels)][:len(opts)] == opts, key
        answered = coded[key].notna()
        assert answered.sum() > 100
        assert (labelled.loc[answered, key].map({v: k for k, v in labels.items()}) == coded.loc[answered, key]).all()
    assert pd.api.types.is_float_dtype(coded["safe_day"]) and set(coded["safe_day"].dropna()) <= {1, 2, 3, 4, 5}
