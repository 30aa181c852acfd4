"""Which text encoding a CSV export is in: UTF-8 (with or without BOM), UTF-16 or Windows-1252.

Excel writes "CSV UTF-8" with a byte-order mark, plain "CSV" in Windows-1252 and "Unicode Text"
in UTF-16 little-endian with a BOM (tab-separated); some tools write UTF-16 without a BOM.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from ingest.errors import FileSettingError

#: Tried in this order when no encoding is configured and the file has no byte-order mark.
DETECTED = ("utf-8-sig", "cp1252")
_NAMES = {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "cp1252": "Windows-1252", "utf-16": "UTF-16",
          "utf-16-le": "UTF-16 little-endian", "utf-16-be": "UTF-16 big-endian", "latin-1": "Latin-1"}


def detect_encoding(path: Path, configured: str = "") -> str:
    """Return the codec to read ``path`` with: ``configured`` if it decodes the file, else a detected one.

    Raises
    ------
    FileSettingError
        No candidate decodes the file; the message names the row and byte that failed,
        every encoding tried and the ``encoding`` setting to change.
    """
    with path.open("rb") as handle:
        start = handle.read(4096)
    candidates = (configured.lower(),) if configured else _candidates(start)
    position = 0
    for encoding in candidates:
        bad = first_bad_byte(path, encoding)
        if bad is None:
            return encoding
        position = max(position, bad)
    return _refuse(path, position, candidates, bool(configured))


def _candidates(start: bytes) -> tuple[str, ...]:
    if start[:3] == codecs.BOM_UTF8:
        return ("utf-8-sig",)
    if start[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return ("utf-16",)
    sample = start[:1024] if len(start) % 2 == 0 else start[:1023]
    if sample and sample.count(0) * 3 > len(sample):  # UTF-16 without a BOM: every other byte of ASCII is zero
        zeros_odd = sample[1::2].count(0)
        return ("utf-16-le",) if zeros_odd >= sample[0::2].count(0) else ("utf-16-be",)
    return DETECTED


def first_bad_byte(path: Path, encoding: str) -> int | None:
    """The offset of the first byte ``encoding`` cannot decode, or None when the whole file decodes."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as error:
                carried = len(error.object) - len(block)  # bytes held over from the previous block
                return max(0, offset - carried + error.start)
            offset += len(block)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return max(0, offset - 1)
    return None


def _refuse(path: Path, position: int, tried: tuple[str, ...], is_configured: bool) -> str:
    with path.open("rb") as handle:
        before = handle.read(position)
        bad = handle.read(1)
    row = before.count(b"\n") + 1
    names = " or ".join(dict.fromkeys(_NAMES.get(e, e) for e in tried))
    listed = ", ".join(tried)
    advice = ("fix {where}, or leave it \"\" to detect" if is_configured else
              "set {where}, or save the file from Excel as 'CSV UTF-8'")
    raise FileSettingError(f"{path.name} row {row}: byte {bad!r} at offset {position} is not valid {names} "
                           f"text (tried: {listed})", "encoding", advice)
