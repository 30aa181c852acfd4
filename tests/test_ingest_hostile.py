"""Hostile input for the connectors: damaged files, odd text and forged webhooks never crash them.

Each property either gets records (or a code) back or the package's own error naming the file or
field; any other exception type, a hang or a lost original fails the test.
"""

from __future__ import annotations

import io
import multiprocessing
import random
import signal
import subprocess
import sys
import tracemalloc
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from ingest import (
    NOT_STATED,
    IngestError,
    RawRecord,
    RecordError,
    ResponseRecord,
    SignatureError,
    SourceUnavailable,
    VocabularyError,
    map_record,
    parse_delivery,
    read_file_records,
    sign_body,
    verify_signature,
)
from ingest import vocabulary as vocab
from service.config import load_config

PROJECT = Path(__file__).resolve().parent.parent
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)
WARDS = (vocab.Ward("E05013974", "Harold Wood"), vocab.Ward("E05013975", "Havering-atte-Bower"))

# Text with the characters that break naive parsers: controls, NUL, BOM, emoji, combining marks.
hostile_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=200) | st.sampled_from(
    ["", " ", "\x00", "\ufeff", "\u202e", "😀" * 50, "e\u0301" * 20, "9" * 5000, "x" * 100_000, "\r\n\r", "NaN", "-1"])


def _read_all(path: Path) -> list[RawRecord]:
    return list(read_file_records(path, "id"))


def _survives(path: Path) -> list[RawRecord]:
    """Read a whole file: records, or an IngestError whose message names the file."""
    try:
        return _read_all(path)
    except IngestError as error:
        assert path.name in str(error)
        return []


# --- CSV ---------------------------------------------------------------------------------------

csv_piece = st.sampled_from([
    b"id,name,text\r\n", b"id;a;b\n", b"id\ta\n", b"\xef\xbb\xbf", b"\x00", b'"', b'"a,b"', b'"unclosed,',
    b",", b";", b"\t", b"\n", b"\r", b"caf\xc3\xa9", b"caf\xe9", b"\x81\x8d", b"\xff\xfe", b"\xc3", b"R1,x,y\n",
    b"x" * 70_000, b'"' + b"y" * 50_000 + b'"', b"\xf0\x9f\x98\x80",
]) | st.binary(max_size=64)


@FAST
@given(data=st.lists(csv_piece, max_size=30))
def test_csv_any_bytes_give_records_or_an_ingest_error_naming_the_file(tmp_path, data):
    path = tmp_path / "hostile export.csv"
    path.write_bytes(b"".join(data))
    for record in _survives(path):
        assert record.location.startswith("hostile export.csv row ")


@FAST
@given(text=st.lists(st.text(max_size=30), min_size=1, max_size=5), encoding=st.sampled_from(["utf-8", "utf-8-sig"]))
def test_csv_quoted_cells_round_trip_whatever_they_hold(tmp_path, text, encoding):
    """Delimiters, quotes and newlines inside quoted cells come back exactly (the original is not lost)."""
    import csv

    values = [t.replace("\x00", "").replace("\r", "") for t in text]  # NUL and lone CR are not CSV text
    path = tmp_path / "quoted.csv"
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow(["id", *[f"c{i}" for i in range(len(values))]])
        writer.writerow(["R1", *values])
    records = _read_all(path)
    if all(not v.strip() for v in values) or not records:
        return
    (record,) = records
    assert [record.data[f"c{i}"] for i in range(len(values))] == values


def test_csv_very_long_line_without_newline_is_read_whole(tmp_path):
    # How long it takes is measured in bench/limits/run.py, not here.
    path = tmp_path / "long.csv"
    path.write_bytes(b"id,text\nR1," + b"z" * 5_000_000)
    (record,) = _read_all(path)
    assert record.external_id == "R1" and record.data["text"] == "z" * 5_000_000


# --- XLSX --------------------------------------------------------------------------------------


def _workbook_bytes(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


XLSX = _workbook_bytes([["id", "text"], *[[f"R{i}", f"answer {i} café"] for i in range(40)]])


@FAST
@given(cut=st.integers(0, len(XLSX) - 1))
def test_xlsx_truncated_anywhere_gives_records_or_an_ingest_error(tmp_path, cut):
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(XLSX[:cut])
    _survives(path)


@FAST
@given(flips=st.lists(st.tuples(st.integers(0, len(XLSX) - 1), st.integers(1, 255)), min_size=1, max_size=8))
def test_xlsx_with_flipped_bytes_gives_records_or_an_ingest_error(tmp_path, flips):
    damaged = bytearray(XLSX)
    for position, mask in flips:
        damaged[position] ^= mask
    path = tmp_path / "flipped.xlsx"
    path.write_bytes(bytes(damaged))
    _survives(path)


def _raw_workbook(rows_xml: bytes, repeat: int = 1) -> bytes:
    """A workbook whose sheet XML we write ourselves (openpyxl's writer cuts cells to Excel's 32,767
    characters), as ``repeat`` copies of ``rows_xml`` under an ``id, text`` header and no <dimension>."""
    head = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            + _row("id", "text"))
    source = zipfile.ZipFile(io.BytesIO(XLSX))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as workbook:
        for item in source.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                workbook.writestr(item, source.read(item.filename))
                continue
            with workbook.open(item.filename, "w", force_zip64=True) as sheet:
                sheet.write(head)
                for _ in range(repeat):
                    sheet.write(rows_xml)
                sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def _row(*cells: str) -> bytes:
    return ("<row>" + "".join(f'<c t="inlineStr"><is><t>{c}</t></is></c>' for c in cells) + "</row>").encode()


def test_xlsx_zip_bomb_is_refused_before_anything_is_expanded(tmp_path):
    """A sheet of 6 MB of XML packed into about 20 kB: refused from the zip directory alone."""
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(_raw_workbook(_row("R", "b" * 40) * 1_000, repeat=50))
    assert path.stat().st_size < 200_000
    tracemalloc.start()
    try:
        with pytest.raises(SourceUnavailable, match=r"^bomb.xlsx: part 'xl/worksheets/sheet1.xml' expands to 6,300,258 "
                           r"bytes \(as declared\) from [\d,]+ packed, \d+:1, over the limit of 100:1; the file looks "
                           "like a zip bomb and was not opened"):
            read_file_records(path, "id")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000, f"peak {peak:,} bytes"


def test_xlsx_twenty_megabyte_cell_is_kept_whole(tmp_path):
    # Text that packs like real text (about 2:1); the same word four million times packs 682:1, a zip bomb.
    big = "caf\u00e9 " + random.Random(0).randbytes(10_000_000).hex()
    path = tmp_path / "big cell.xlsx"
    path.write_bytes(_raw_workbook(_row("R1", big)))
    (record,) = _read_all(path)
    assert record.data["text"] == big


# --- SPSS --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sav_bytes(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("sav") / "good.sav"
    frame = pd.DataFrame({"id": [f"R{i}" for i in range(30)], "sex": [1.0, 2.0] * 15})
    pyreadstat.write_sav(frame, str(path), variable_value_labels={"sex": {1.0: "Male", 2.0: "Female"}})
    return path.read_bytes()


def _survives_in_child(path: Path) -> int:
    """Read a file in a forked child (a native crash must not take pytest down); its exit code."""
    child = multiprocessing.get_context("fork").Process(target=_survives, args=(path,))
    child.start()
    child.join(30)
    return child.exitcode


# Fewer examples: each one starts the reader's child interpreter (about 0.3 s).
@settings(FAST, max_examples=25)
@given(data=st.data())
def test_sav_damaged_bytes_give_records_or_an_ingest_error_naming_the_file(tmp_path, sav_bytes, data):
    damaged = bytearray(sav_bytes[: data.draw(st.integers(0, len(sav_bytes)), label="cut")])
    for position in data.draw(st.lists(st.integers(0, max(0, len(damaged) - 1)), max_size=6), label="flips"):
        if damaged:
            damaged[position] ^= data.draw(st.integers(1, 255))
    path = tmp_path / "damaged.sav"
    path.write_bytes(bytes(damaged))
    # 1 = another exception type; -11 = a segfault that got past the reader's child process.
    assert _survives_in_child(path) == 0


def test_sav_damaged_header_does_not_crash_the_process(tmp_path, sav_bytes):
    """pyreadstat segfaults on this header; the reader's child process dies, and the caller gets an IngestError.

    If a new pyreadstat stops crashing on this file, find another that crashes it: the message check
    below makes sure the test goes through the crash, not just through an ordinary refusal.
    """
    damaged = bytearray(sav_bytes[:552])
    damaged[215] ^= 0xFB  # a variable record's field, in a file cut short
    path = tmp_path / "crash.sav"
    path.write_bytes(bytes(damaged))
    script = ("import sys; from pathlib import Path; from ingest import IngestError, read_file_records\n"
              "try:\n    list(read_file_records(Path(sys.argv[1]), 'id'))\n"
              "except IngestError as error:\n    print(error)\n")
    child = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=60)
    assert child.returncode == 0, child.stderr[-500:]
    assert child.stdout.startswith(f"crash.sav: pyreadstat stopped with signal {signal.SIGSEGV.value} (SIGSEGV) "
                                   "while reading the header; the file looks damaged. Export the file again from SPSS")


@FAST
@given(junk=st.binary(max_size=600))
def test_sav_random_bytes_give_an_ingest_error_naming_the_file(tmp_path, junk):
    path = tmp_path / "junk.sav"
    path.write_bytes(junk)
    assert _survives_in_child(path) == 0


# --- Vocabulary --------------------------------------------------------------------------------

def _code_or_refusal(function, label, valid: set | None = None, **kwargs):
    try:
        code = function(label, **kwargs)
    except VocabularyError as error:
        assert error.field and error.expected
        return
    if valid is not None:
        assert code in valid or code == NOT_STATED or code is None


@settings(max_examples=200, deadline=None)
@given(label=hostile_text | st.none() | st.integers() | st.floats(), strict=st.booleans())
def test_vocabulary_any_label_gives_a_code_or_not_stated_or_a_vocabulary_error(label, strict):
    _code_or_refusal(vocab.map_sex, label, strict=strict)
    _code_or_refusal(vocab.map_ethnicity, label, strict=strict)
    _code_or_refusal(vocab.map_ward, label, {w.code for w in WARDS}, wards=WARDS, strict=strict)
    _code_or_refusal(vocab.map_postcode_district, label, strict=strict)


# --- Mapping with the shipped config -----------------------------------------------------------

SOURCES = [s for s in load_config(PROJECT / "config.toml", environ={}).sources if s.kind != "form"]


@settings(max_examples=60, deadline=None)
@given(source=st.sampled_from(SOURCES), data=st.data())
def test_map_record_gives_a_response_or_a_record_error(source, data):
    columns = source.mapping.columns
    values = data.draw(st.lists(hostile_text | st.none(), min_size=len(columns), max_size=len(columns)))
    raw = RawRecord("R1", dict(zip(columns, values)), "hostile.csv row 2")
    try:
        record = map_record(raw, source.key, source.mapping, WARDS, NOW)
    except RecordError as error:
        assert error.field and error.rule
        return
    assert isinstance(record, ResponseRecord)
    if record.consent is False and record.raw == {}:  # declined and broke another rule: only its free texts are kept
        assert all(a.type == "free_text" for a in record.answers)
        return
    assert record.raw == raw.data


# --- Webhooks ----------------------------------------------------------------------------------

SECRET = "s3cret-for-tests"
NOW_TS = 1_763_700_000


@settings(max_examples=200, deadline=None)
@given(
    secret=st.sampled_from(["", SECRET]),
    timestamp=st.none() | st.text(max_size=30) | st.integers(-10**400, 10**400).map(str)
    | st.sampled_from(["١٧٦٣٧٠٠٠٠٠", "1_763_700_000", " 1763700000 ", "1e9", "inf"]),
    body=st.binary(max_size=200),
    signature=st.none() | st.text(max_size=80) | st.just("sha256=é"),
)
def test_webhook_forged_deliveries_are_refused_with_a_signature_error(secret, timestamp, body, signature):
    with pytest.raises(SignatureError):
        verify_signature(secret, timestamp, body, signature, now=NOW_TS)


@settings(max_examples=100, deadline=None)
@given(body=st.binary(max_size=500), skew=st.integers(-300, 300))
def test_webhook_a_correctly_signed_body_always_verifies(body, skew):
    timestamp = str(NOW_TS + skew)
    verify_signature(SECRET, timestamp, body, sign_body(SECRET, timestamp, body), now=NOW_TS)
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature(SECRET, timestamp, body + b" ", sign_body(SECRET, timestamp, body), now=NOW_TS)


json_bodies = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
).map(lambda v: __import__("json").dumps(v).encode())


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=300) | json_bodies | st.sampled_from(
    [b"[" * 100_000, b'{"a":' * 50_000, b"9" * 10_000, b"\xef\xbb\xbf{}", b"\x00"]), path=st.sampled_from(["", "records"]))
def test_webhook_any_body_parses_to_objects_or_an_ingest_error(body, path):
    try:
        items = parse_delivery(body, path)
    except IngestError as error:
        assert "body" in str(error)
        return
    assert all(isinstance(item, dict) for item in items)
