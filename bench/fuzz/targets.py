"""Fuzz targets (atheris, coverage-guided) for the code that reads untrusted input.

Each target takes the fuzzer's bytes and must either succeed or raise the package's own error
(named per target); any other exception is a finding, and atheris saves the input that caused it.
Run through bench/fuzz/run.py, which gives each target its own process and time budget.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["ingest", "nlp"]):  # our code only: instrumenting pandas or spaCy takes minutes
    import ingest
    import nlp
    from ingest import vocabulary as vocab
    from ingest.ages import read_age

SUFFIX = {"csv": ".csv", "xlsx": ".xlsx", "sav": ".sav"}
FOLDER = Path(tempfile.mkdtemp(prefix="voice_fuzz_"))


def csv_reader(data: bytes) -> None:
    """Any bytes as a survey export: records or IngestError."""
    _read(data, "csv")


def xlsx_reader(data: bytes) -> None:
    """Any bytes as an XLSX workbook: records or IngestError."""
    _read(data, "xlsx")


def _read(data: bytes, kind: str) -> None:
    path = FOLDER / f"input{SUFFIX[kind]}"
    path.write_bytes(data)
    try:
        for _ in ingest.read_file_records(path, "id"):
            pass
    except ingest.IngestError:
        pass


def webhook(data: bytes) -> None:
    """Any body: verified when signed correctly and parsed, or IngestError; any header: SignatureError."""
    stamp = "1800000000"
    ingest.verify_signature("secret", stamp, data, ingest.sign_body("secret", stamp, data), now=1_800_000_000.0)
    try:
        ingest.parse_delivery(data, "data")
    except ingest.IngestError:
        pass
    header = data[:90].decode("latin-1")
    try:
        ingest.verify_signature("secret", header[:12], data, header[12:], now=1_800_000_000.0)
    except ingest.SignatureError:
        pass


def vocabulary(data: bytes) -> None:
    """Any label for age, sex, ethnicity and ward: a code, or VocabularyError."""
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(200)
    read_age(text)  # an AgeReading whatever the text: it never raises
    for function in (vocab.map_sex, vocab.map_ethnicity):
        try:
            function(text)
        except vocab.VocabularyError:
            pass


def redaction(data: bytes) -> None:
    """Any text: prepared, redacted and checked for safeguarding without error; the redacted text
    never contains an e-mail address that the input had whole."""
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(2000)
    prepared = nlp.prepare_text(text)
    result = nlp.redact(prepared.text)
    nlp.check_safeguarding(prepared.text)
    if "@" in result.text and "fuzz.example@mail.test" in prepared.text and "fuzz.example@mail.test" in result.text:
        raise AssertionError(f"an e-mail address survived redaction: {result.text[:200]!r}")


def seeds(target: str) -> list[bytes]:
    """Valid inputs to start each target from, so the fuzzer mutates real structure."""
    import io
    import json

    if target == "csv":
        return [b"id,Date submitted,Age,Sex\r\nA1,21/04/2023,34,Female\r\nA2,31/04/2023,250,Prefer not to say\r\n",
                "\ufeffid;Ethnic group;Comment\nB1;White British;\"Too dark, \"\"really\"\"\"\n".encode("utf-8"),
                "id\tWard\nC1\tHarold Wood\nC2\tSt Alban\u2019s\n".encode("cp1252", "replace")]
    if target == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.append(["id", "Age", "How safe?"])
        sheet.append(["X1", 16, "Very unsafe"])
        sheet.append(["X2", "=1+1", 44927])
        out = io.BytesIO()
        book.save(out)
        return [out.getvalue()]
    if target == "webhook":
        body = json.dumps({"data": [{"id": "w-1", "submitted_at": "2024-02-01T10:00:00Z", "answers": {"safe": 3}}]})
        return [body.encode(), b'{"data": []}', b'[{"id": 1}]']
    if target == "vocabulary":
        return [label.encode() for label in ("16-24", "Female", "White: English, Welsh, Scottish", "250", "Prefer not to say")]
    return [text.encode() for text in ("call me on 07700 900123 or jo@example.com", "my uncle hits me at home",
                                       "<b>Romford</b> station at night, 12 Acacia Road RM1 3AB")]


TARGETS = {"csv": csv_reader, "xlsx": xlsx_reader, "webhook": webhook, "vocabulary": vocabulary, "redaction": redaction}


def main() -> None:
    """``python targets.py NAME [libFuzzer options]``: fuzz one target."""
    name = sys.argv.pop(1)
    atheris.Setup(sys.argv, TARGETS[name])
    os.environ.setdefault("PYTHONHASHSEED", "0")
    atheris.Fuzz()


if __name__ == "__main__":
    main()
