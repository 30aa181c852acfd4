"""The SNA export as files: an XLSX workbook, a bundle of CSVs and a labelled SPSS file.

The same inputs give byte-identical CSV and XLSX: the workbook's document properties carry the
data snapshot's time, not the clock, and every zip member is written with a fixed date.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import weights
from service.reports.cells import defuse_formula
from service.reports.labels import ETHNIC_GROUP_LABELS
from service.reports.sna import SnaReport
from service.reports.text import SYNTHETIC_NOTE

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
DICTIONARY = (
    ("channel", "The survey or feedback channel the responses came from."),
    ("wording / question", "The question as asked, and its key in Community Voice."),
    ("answer / topic", "The answer given, or the topic of the codeframe found in the free-text answer."),
    ("n", "Respondents giving this answer (blank when suppressed)."),
    ("base_n", "Respondents who answered the question: the base of the percentage (blank when the whole group is suppressed)."),
    ("pct", "Unweighted percentage of base_n."),
    ("ci_low / ci_high", "95% Wilson interval of the unweighted percentage."),
    ("weighted_pct", "Percentage weighted to the channel's target population in Census 2021 (bounded raking on age, sex "
                     "and ethnic group; the Methodology sheet names each run's population, and why a period is not weighted)."),
    ("weighted_ci_low / weighted_ci_high", "95% confidence interval of the weighted percentage (logit interval, linearised standard error, weights held fixed)."),
    ("effective_n", "Kish effective sample size of the weighted base."),
    ("ppi_pct / ppi_ci_low / ppi_ci_high", "Topic share allowing for the topic model's coding errors: prediction-powered inference "
     "(Angelopoulos et al., Science 2023) on the model's codes of every comment and the reviewed random audit sample, "
     "with its 95% interval (weighted where the channel is). Before enough audit reviews, the model-only share."),
    ("ppi_label", "Whether ppi_pct is corrected (with the number of audit reviews) or the uncorrected model-only share."),
    ("design_effect", "base_n / effective_n: how much the weights widen the interval (1 = not at all)."),
    ("evidence", "How strong a weighted figure is: n, effective n, design effect, interval, channel and the population weighted to."),
    ("suppressed", "True when the cell is hidden: fewer than the minimum cell size, or hidden so it cannot be worked out from a total."),
    ("census_pct", "Share of residents of the ages the channel speaks for, Census 2021."),
    ("index", "Representation index: respondents' share divided by residents' share (1 = in proportion; below 0.8 = under-represented)."),
    ("expected_n", "Respondents the group would have had, at the same base, if in proportion to the Census."),
    ("responses_needed", "Responses from the group alone that would bring it to its Census share p: (pN - n) / (1 - p), rounded up."),
    ("suppression", "Why a cell is blank: fewer than the threshold, or hidden so that another hidden cell cannot be worked out from totals."),
    ("responses_needed_min", "Where the group's count is suppressed, the least number of such responses (the count is not shown)."),
)


def methodology_rows(report: SnaReport) -> list[tuple[str, str]]:
    """Item and value rows of the methodology sheet (also the methods section of the narrative)."""
    snap = report.snapshot
    rows = [("Title", f"{report.council}: Strategic Needs Assessment Theme 6 Community Voice, {report.year}")]
    if report.is_synthetic:
        rows.append(("Data", SYNTHETIC_NOTE))
    rows += [("Channels", "; ".join(f"{name}: {n:,} responses" for name, n in report.facts.get("channels", {}).items())),
             ("Period", f"Survey waves of {report.year}; QR feedback submitted in {report.year}"),
             ("Data snapshot", snap.snapshot_at.isoformat(timespec="seconds") if snap and snap.snapshot_at else "-"),
             ("Input fingerprint", snap.fingerprint if snap else "-")]
    for _key, run in sorted((snap.weighting_runs if snap else {}).items()):
        deff, eff = run.get("design_effect"), run.get("effective_n")
        population = run.get("population_text") or "Census 2021"
        text = (f"{run['source']} {run['period']}: {run['method']} on "
                f"{', '.join(run['variables'])} to {population}, every weight kept at most {run.get('cap')} x the mean "
                f"by bounded raking (the margins still hold); design effect {deff:.2f}, effective n {eff:,.0f}"
                if deff and eff else f"{run['source']} {run['period']}: {run['method']} to {population}")
        if run.get("methods"):  # what it was weighted to, thin categories combined, variables left out
            text += f". {run['methods'][:1].upper()}{run['methods'][1:]}."
        rows.append((f"Weighting run {run['id']}", text))
    for key, reason in (snap.unweighted if snap else {}).items():
        rows.append((f"Not weighted: {key.replace('|', ' ')}", f"{reason} Its figures are unweighted."))
    if snap and snap.topics_run:
        rows.append(("Topics", f"topics run {snap.topics_run['id']}, codeframe version {snap.topics_run['codeframe_version']}, "
                               f"model {snap.topics_run['model_version']}; a reviewer's codes replace the model's"))
    rows += [
        ("Weighted figures", "Each respondent carries the weight of the weighting run of their own channel and "
                             "period (wave or quarter); a figure over several periods uses the union of their respondents, "
                             "each with their own run's weights, and a group with any respondent outside a run is left "
                             "unweighted. 95% intervals: logit interval on the linearised standard error with the weights "
                             "held fixed (weights.estimate_share, as R's svyciprop), the same estimator as the dashboard, "
                             "the API and the briefings."),
        ("Precision", f"Percentages on the table sheets are rounded to {PCT_DIGITS} decimal place; the Data sheet and "
                      "the CSV files hold them unrounded. Header rows are frozen and filtered."),
        ("Suppression", f"Counts below {report.min_cell} are hidden with their percentages, and a second cell where a "
                        "hidden one could be worked out from a total; a group with a base below that shows no figures."),
        ("What the figures can claim", "What the people who answered said, and - weighted - an estimate of what residents "
                                       "with the same mix of what each run above was weighted to (age, sex, ethnic group where "
                                       "listed) would say, if those who answered are like those who did not."),
        ("What they cannot claim", "They are not a random sample: people who chose to answer may differ from their "
                                   "neighbours in ways weighting cannot correct. Free-text topics are machine-coded with reviewer checks."),
    ]
    return rows


def write_xlsx(report: SnaReport) -> bytes:
    """The workbook: contents, one sheet per table, the methodology and the data dictionary."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    contents = book.active
    contents.title = "Contents"
    contents.append([f"{report.council}: SNA Theme 6 Community Voice {report.year}"])
    contents["A1"].font = Font(bold=True, size=14)
    if report.is_synthetic:
        contents.append([SYNTHETIC_NOTE])
    for table in report.tables:
        contents.append([table.title, table.heading])
        sheet = book.create_sheet(table.title[:31])
        sheet.append([table.heading])
        sheet["A1"].font = Font(bold=True)
        for note in table.notes:
            sheet.append([note])
        sheet.append(list(table.frame.columns))
        header = sheet.max_row
        for row in _rounded(table.frame).itertuples(index=False):
            sheet.append([_cell(v) for v in row])
        sheet.freeze_panes = sheet.cell(row=header + 1, column=1)
        sheet.auto_filter.ref = f"A{header}:{get_column_letter(max(len(table.frame.columns), 1))}{sheet.max_row}"
    _data_sheet(book, report)
    methods = book.create_sheet("Methodology")
    for row in methodology_rows(report):
        methods.append(list(row))
    dictionary = book.create_sheet("Data dictionary")
    dictionary.append(["column", "meaning"])
    for row in DICTIONARY:
        dictionary.append(list(row))
    stamp = _stamp(report)
    book.properties.created = stamp
    book.properties.modified = stamp
    book.properties.creator = "Community Voice"
    buffer = io.BytesIO()
    book.save(buffer)
    return repack(buffer.getvalue(), stamp)


#: Decimal places of the percentages on the table sheets; the "Data" sheet and the CSVs are unrounded.
PCT_DIGITS = 1
PCT_COLUMNS = ("pct", "ci_low", "ci_high", "weighted_pct", "weighted_ci_low", "weighted_ci_high", "census_pct", "ppi_pct",
               "ppi_ci_low", "ppi_ci_high")


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """The table with its percentages rounded to :data:`PCT_DIGITS` places, as printed."""
    out = frame.copy()
    for column in PCT_COLUMNS:
        if column in out.columns:
            out[column] = pd.to_numeric(out[column], errors="coerce").round(PCT_DIGITS)
    return out


def _data_sheet(book: Any, report: SnaReport) -> None:
    """Every table's rows unrounded on one sheet, with the table's key first, header frozen and filtered."""
    sheet = book.create_sheet("Data")
    tables = [t.frame.loc[:, ~t.frame.columns.duplicated()].assign(table=t.key) for t in report.tables if not t.frame.empty]
    frame = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=["table"])
    frame = frame[["table", *[c for c in frame.columns if c != "table"]]]
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append([_cell(v) for v in row])
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def _stamp(report: SnaReport) -> datetime:
    at = report.snapshot.snapshot_at if report.snapshot else None
    return (at or datetime(2000, 1, 1)).replace(tzinfo=None, microsecond=0)


def repack(data: bytes, stamp: datetime) -> bytes:
    """Rewrite a zip (XLSX) with a fixed member date, and the core properties' modified time fixed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                import re

                iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>" + iso.encode() + rb"\2", content)
            target.writestr(zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME), content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.tz_localize(None).to_pydatetime() if value.tzinfo else value.to_pydatetime()
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return round(float(value), 4)
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    return defuse_formula(value)


def csv_members(report: SnaReport) -> dict[str, bytes]:
    """File name to CSV bytes: one per table, plus the methodology and the data dictionary."""
    members = {}
    for i, table in enumerate(report.tables, start=1):
        name = f"{i:02d}_{table.key}.csv"
        members[name] = table.frame.map(_cell).to_csv(index=False, lineterminator="\n").encode("utf-8")
    members["methodology.csv"] = pd.DataFrame(methodology_rows(report), columns=["item", "value"]).to_csv(
        index=False, lineterminator="\n").encode("utf-8")
    members["data_dictionary.csv"] = pd.DataFrame(DICTIONARY, columns=["column", "meaning"]).to_csv(
        index=False, lineterminator="\n").encode("utf-8")
    return members


def write_csv_zip(report: SnaReport) -> bytes:
    """The CSV bundle as one zip with fixed member dates."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in csv_members(report).items():
            target.writestr(zipfile.ZipInfo(name, FIXED_ZIP_TIME), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


SAV_CODES = {
    "source": {"css": 1, "shout": 2, "qr": 3, "form": 4},
    "sex": {"female": 1, "male": 2, "withheld": 8, "not_stated": 9},
    "ethnic_group": {"H1": 1, "H2": 2, "H3": 3, "H4": 4, "H5": 5, "withheld": 8, "not_stated": 9},
}
#: The fields that together could single a respondent out, and the order they are withheld in.
QUASI_IDENTIFIERS = ("source", "quarter", "age_band", "sex", "ethnic_group", "site", "ward")
WITHHOLD_ORDER = ("ward", "site", "ethnic_group", "age_band", "sex", "quarter")
WITHHELD = "withheld"
BROAD_AGES = ((0, 17, "under 18"), (18, 24, "18-24"), (25, 44, "25-44"), (45, 64, "45-64"), (65, 200, "65+"))


def broad_age(band: object) -> str:
    """An age band coarsened to under 18 / 18-24 / 25-44 / 45-64 / 65+ (by its lower age); "" if unknown."""
    if not isinstance(band, str) or band in ("", "not_stated"):
        return ""
    low, _high = weights.parse_age_band(band)
    return next(label for start, end, label in BROAD_AGES if start <= low <= end)


def k_anonymous(frame: pd.DataFrame, k: int) -> pd.DataFrame:
    """The record-level fields with ages coarsened and, field by field (:data:`WITHHOLD_ORDER`), the
    value of every respondent whose combination of :data:`QUASI_IDENTIFIERS` fewer than ``k``
    share replaced by "withheld"; no respondent is dropped."""
    out = frame.copy()
    out["age_band"] = out["age_band"].map(broad_age)
    for column in QUASI_IDENTIFIERS:
        out[column] = out[column].fillna("").astype(str)
    for column in WITHHOLD_ORDER:
        sizes = out.groupby(list(QUASI_IDENTIFIERS), sort=False)["source"].transform("size")
        out.loc[sizes < k, column] = WITHHELD
    return out


def write_sav(report: SnaReport) -> bytes:
    """Response-level data with weights as a labelled SPSS .sav (pyreadstat), for analysts only, not for publication.

    Ages are coarsened and any value that would leave a respondent in a combination of
    :data:`QUASI_IDENTIFIERS` shared by fewer than the report's ``min_cell`` is "withheld"
    (:func:`k_anonymous`). The export is made only by analysts and archived and logged.
    """
    import pyreadstat

    frame = report.snapshot.frame if report.snapshot else pd.DataFrame()
    frame = k_anonymous(frame, report.min_cell) if len(frame) else frame
    data = pd.DataFrame({"response_id": frame["id"].astype(float)})
    labels = {"response_id": "Community Voice response id"}
    value_labels: dict[str, dict[float, str]] = {}
    for column, codes in SAV_CODES.items():
        data[column] = frame[column].map(lambda v, c=codes: c.get(v, np.nan) if isinstance(v, str) else np.nan).astype(float)
        names = report.names if column == "source" else {}
        value_labels[column] = {float(n): names.get(k, _label(column, k)) for k, n in codes.items()}
    labels.update(source="Channel", sex="Sex", ethnic_group="Ethnic group (ONS 2021 high-level)")
    for column, label in (("wave", "Survey wave"), ("quarter", "Calendar quarter of the response"),
                          ("age_band", "Broad age band (under 18, 18-24, 25-44, 45-64, 65+)"),
                          ("ward", "2022 ward code"), ("site", "QR site code")):
        data[column] = frame[column].fillna("").astype(str)
        labels[column] = label
    for key in sorted(c for c in frame.columns if c.startswith(("safe_", "knife_", "gangs_", "police_", "response_"))):
        data[key], coded = _answer_codes(frame[key], report.options.get(key, ()))
        if coded:
            value_labels[key] = coded
        labels[key] = key.replace("_", " ")
    data["weight"] = frame["weight"].astype(float)
    labels["weight"] = "Weight to Census 2021 from the stored weighting run (missing: none for this period)"
    data["weight_run"] = frame["weight_run"].astype(float)
    labels["weight_run"] = "Weighting run id"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sna.sav"
        pyreadstat.write_sav(data, str(path), column_labels=labels, variable_value_labels=value_labels,
                             file_label=f"SNA T6 {report.year}: NOT FOR PUBLICATION, analysts only"
                             + (" SYNTHETIC" if report.is_synthetic else ""))
        return path.read_bytes()


def _answer_codes(values: pd.Series, options: tuple[str, ...]) -> tuple[pd.Series, dict[float, str]]:
    """Answers as numbers: a closed question's options coded 1, 2, ... in questionnaire order, with their
    value labels; an answer the questionnaire does not list gets the next code (never dropped); a scale
    answer stays its number."""
    present = [str(v) for v in values if not (v is None or (isinstance(v, float) and np.isnan(v)))]
    if not options:
        numbers = pd.to_numeric(pd.Series(present, dtype=object), errors="coerce")
        if numbers.notna().all():
            return pd.to_numeric(values, errors="coerce").astype(float), {}
    order = list(options) + sorted(set(present) - set(options))
    codes = {answer: float(i + 1) for i, answer in enumerate(order)}
    coded = values.map(lambda v: np.nan if v is None or (isinstance(v, float) and np.isnan(v)) else codes[str(v)])
    return coded.astype(float), {code: answer for answer, code in codes.items()}


def _label(column: str, code: str) -> str:
    if code == WITHHELD:
        return "Withheld (rare combination)"
    if column == "ethnic_group":
        return ETHNIC_GROUP_LABELS.get(code, code)
    return code.replace("_", " ").capitalize()
