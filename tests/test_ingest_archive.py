"""XLSX zip limits: real exports pass, zip bombs and lying zip directories are refused by name."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from openpyxl import Workbook

from ingest import ArchiveLimits, SourceUnavailable, check_archive, read_file_records

SHEET = "xl/worksheets/sheet1.xml"


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    """An openpyxl workbook like a survey export: an id and 29 answers a row, all "Agree" (1,000 rows)."""
    path = tmp_path_factory.mktemp("archive") / "export.xlsx"
    _write_export(path, 1_000)
    return path


def _write_export(target, n_rows: int) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["id", *[f"q{i}" for i in range(29)]])
    for i in range(n_rows):
        sheet.append([f"R{i}", *["Agree"] * 29])
    workbook.save(target)


def _with_sheet(xml: bytes) -> bytes:
    """A small workbook whose first sheet is ``xml``, stored without zip64 so the sizes sit in the directory."""
    small = io.BytesIO()
    _write_export(small, 1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(small) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as workbook:
        for item in source.infolist():
            workbook.writestr(item.filename, xml if item.filename == SHEET else source.read(item.filename))
    return buffer.getvalue()


def _sheet_xml(rows: bytes) -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row>'
            + rows + b"</sheetData></worksheet>")


def _numbered_rows(n_rows: int) -> bytes:
    return b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>R%d</t></is></c></row>' % (i, i, i)
                    for i in range(2, n_rows + 2))


def _declare(data: bytes, name: str, *, packed: int | None = None, expanded: int | None = None) -> bytes:
    """Rewrite the sizes the zip's central directory declares for ``name`` (the sizes zipfile trusts)."""
    damaged = bytearray(data)
    entry = struct.unpack_from("<I", damaged, damaged.rindex(b"PK\x05\x06") + 16)[0]  # the directory's start
    while damaged[entry : entry + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", damaged, entry + 28)
        if damaged[entry + 46 : entry + 46 + name_length] == name.encode():
            if packed is not None:
                struct.pack_into("<I", damaged, entry + 20, packed)
            if expanded is not None:
                struct.pack_into("<I", damaged, entry + 24, expanded)
            return bytes(damaged)
        entry += 46 + name_length + extra_length + comment_length
    raise AssertionError(f"{name} is not in the zip directory")


def test_real_export_packing_about_21_to_1_is_read_with_the_default_limits(export):
    sheet = zipfile.ZipFile(export).getinfo(SHEET)
    assert sheet.file_size > ArchiveLimits().ratio_from_bytes  # so the ratio limit applies to it
    assert 15 < sheet.file_size / sheet.compress_size < 30
    records = list(read_file_records(export, "id"))
    assert len(records) == 1_000 and records[-1].data["q28"] == "Agree"


def test_part_over_its_ratio_is_refused_naming_part_size_and_limit(export):
    with pytest.raises(SourceUnavailable, match=r"^export.xlsx: part 'xl/worksheets/sheet1.xml' expands to [\d,]+ bytes "
                       r"\(as declared\) from [\d,]+ packed, \d\d:1, over the limit of 10:1; the file looks like a zip "
                       "bomb and was not opened"):
        check_archive(export, ArchiveLimits(max_ratio=10))


def test_sheet_over_the_size_limit_is_refused_naming_part_size_and_limit(export):
    size = zipfile.ZipFile(export).getinfo(SHEET).file_size
    with pytest.raises(SourceUnavailable, match=rf"^export.xlsx: part 'xl/worksheets/sheet1.xml' expands to {size:,} "
                       rf"bytes \(as declared\), over the limit of {size - 1:,} bytes for a worksheet"):
        check_archive(export, ArchiveLimits(max_total_bytes=size - 1))


def test_workbook_over_the_total_limit_is_refused(export):
    total = sum(part.file_size for part in zipfile.ZipFile(export).infolist())
    with pytest.raises(SourceUnavailable, match=rf"^export.xlsx: the workbook's parts expand to {total:,} bytes, over "
                       rf"the limit of {total - 1:,}; the file looks like a zip bomb"):
        check_archive(export, ArchiveLimits(max_total_bytes=total - 1))


def test_other_part_over_its_limit_is_refused(export):
    with pytest.raises(SourceUnavailable, match=r"^export.xlsx: part 'xl/theme/theme1.xml' expands to [\d,]+ bytes "
                       r"\(as declared\), over the limit of 5,000 bytes for a part other than a worksheet or the shared "
                       "strings"):
        check_archive(export, ArchiveLimits(max_part_bytes=5_000))


def test_shared_strings_over_their_limit_are_refused(tmp_path):
    data = _with_sheet(_sheet_xml(b""))
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as workbook:
        for item in source.infolist():
            workbook.writestr(item.filename, source.read(item.filename))
        workbook.writestr("xl/sharedStrings.xml", b"<sst>" + b"<si><t>x</t></si>" * 1_000 + b"</sst>")
    path = tmp_path / "strings.xlsx"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(SourceUnavailable, match=r"^strings.xlsx: part 'xl/sharedStrings.xml' expands to 17,011 bytes "
                       r"\(as declared\), over the limit of 10,000 bytes for the shared strings"):
        check_archive(path, ArchiveLimits(max_strings_bytes=10_000))


def test_entry_claiming_more_packed_bytes_than_the_file_has_is_refused(tmp_path):
    """A lie that gets past the part's own ratio: the whole file is then too small for what it expands to."""
    data = _with_sheet(_sheet_xml(b'<row><c t="inlineStr"><is><t>R</t></is></c></row>' * 50_000))
    expanded = zipfile.ZipFile(io.BytesIO(data)).getinfo(SHEET).file_size
    assert expanded > 200 * len(data)  # a zip bomb
    path = tmp_path / "lying.xlsx"
    path.write_bytes(_declare(data, SHEET, packed=expanded // 50))
    check_archive(path, ArchiveLimits(max_ratio=1_000))  # the part's own ratio is now 50:1
    with pytest.raises(SourceUnavailable, match=r"^lying.xlsx: the workbook's parts expand to [\d,]+ bytes from a file "
                       r"of [\d,]+ bytes \(\d+:1\), over the limit of 100:1"):
        check_archive(path)


def test_part_declaring_fewer_bytes_than_it_holds_is_refused_as_damaged(tmp_path):
    """zipfile stops at the declared size and finds the CRC wrong, so a low declared size hides nothing."""
    data = _with_sheet(_sheet_xml(_numbered_rows(40_000)))
    path = tmp_path / "lying.xlsx"
    path.write_bytes(_declare(data, SHEET, expanded=100_000))
    check_archive(path)  # the declared sizes are within every limit
    with pytest.raises(SourceUnavailable, match=r"^lying.xlsx: not a readable XLSX workbook \(BadZipFile: Bad CRC-32 "
                       r"for file 'xl/worksheets/sheet1.xml'\)"):
        list(read_file_records(path, "id"))


def test_sheet_with_more_rows_than_the_limit_is_refused_before_openpyxl_reads_it(tmp_path):
    path = tmp_path / "rows.xlsx"
    path.write_bytes(_with_sheet(_sheet_xml(_numbered_rows(2_000))))
    check_archive(path, ArchiveLimits(max_rows=2_001))  # the header row and 2,000 answers
    with pytest.raises(SourceUnavailable, match=r"^rows.xlsx: part 'xl/worksheets/sheet1.xml' holds more than 2,000 "
                       r"rows, the limit \(an Excel sheet holds at most 1,048,576\); the file looks like a zip bomb"):
        check_archive(path, ArchiveLimits(max_rows=2_000))


@pytest.mark.parametrize("padding", range(6))
def test_rows_across_read_blocks_are_each_counted_once(tmp_path, padding):
    """Six-byte rows back to back: with each padding the 1 MiB read blocks cut a row at another place."""
    n_rows = 400_000  # 2.4 MB: two block boundaries
    path = tmp_path / "rows.xlsx"
    path.write_bytes(_with_sheet(b"<worksheet>" + b" " * padding + b"<sheetData>" + b"<row/>" * n_rows
                                 + b"</sheetData></worksheet>"))
    check_archive(path, ArchiveLimits(max_rows=n_rows, max_ratio=10_000))
    with pytest.raises(SourceUnavailable, match=f"holds more than {n_rows - 1:,} rows"):
        check_archive(path, ArchiveLimits(max_rows=n_rows - 1, max_ratio=10_000))


def test_sheet_in_utf16_is_refused_as_its_rows_cannot_be_counted(tmp_path):
    path = tmp_path / "utf16.xlsx"
    xml = _sheet_xml(_numbered_rows(100)).decode().replace("UTF-8", "UTF-16").encode("utf-16")
    path.write_bytes(_with_sheet(xml))
    with pytest.raises(SourceUnavailable, match=r"^utf16.xlsx: part 'xl/worksheets/sheet1.xml' is not UTF-8 XML \(it "
                       r"starts with b'\\xff\\xfe<\\x00'\); Excel writes UTF-8"):
        check_archive(path, ArchiveLimits(max_rows=10))
