"""Test exports with the full configured header of a file source (from the shipped ``config.toml``).

``voice ingest`` stops on a file that lacks a column its ``[sources.KEY.mapping]`` names, as it
should for a real export. A test that cares about a few columns therefore writes them with
:func:`full_table`: every configured column is in the header, the test's own columns hold its
values, the consent column says "Yes" unless the test sets it, every other configured column is
blank, and a column the mapping does not read is kept at
the end. ``rename`` and ``drop`` change the finished header, for tests of a column saved wrong.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

from ingest import SourceMapping
from service.config import load_config

PROJECT = Path(__file__).resolve().parent.parent


@cache
def configured_header(key: str = "css") -> tuple[str, ...]:
    """Every column source ``key`` of the shipped config reads, in the mapping's order, once each."""
    source = load_config(PROJECT / "config.toml", environ={}).source(key)
    return tuple(dict.fromkeys(source.mapping.columns))


@cache
def configured_consent(key: str = "css") -> str:
    """The consent column of source ``key`` in the shipped config ("" when it has none)."""
    return load_config(PROJECT / "config.toml", environ={}).source(key).mapping.consent_column or ""


def full_table(header: Sequence[str], rows: Iterable[Sequence[Any]], key: str = "css",
               rename: Mapping[str, str] | None = None, drop: Iterable[str] = ()) -> tuple[list[str], list[list[Any]]]:
    """The configured header of ``key`` (plus the test's other columns), and each row widened to it.

    ``rows`` hold values in the order of ``header``; configured columns they do not mention are ""
    (``None`` for a column they do not mention when the test writes a typed file).
    """
    dropped = set(drop)
    columns = [c for c in dict.fromkeys([*configured_header(key), *header]) if c not in dropped]
    consent = configured_consent(key)  # a real export always answers it: blank consent is quarantined (issue 16)
    wide = []
    for row in rows:
        values = {**({consent: "Yes"} if consent else {}), **dict(zip(header, row))}
        wide.append([values.get(c, "") for c in columns])
    renamed = dict(rename or {})
    return [renamed.get(c, c) for c in columns], wide


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]], key: str = "css",
              rename: Mapping[str, str] | None = None, drop: Iterable[str] = (), encoding: str = "utf-8",
              delimiter: str = ",") -> Path:
    """Write a CSV export of source ``key`` with its full configured header (see :func:`full_table`)."""
    columns, wide = full_table(header, rows, key, rename, drop)
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows([columns, *wide])
    return path


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]], key: str = "css", with_header: bool = True) -> str:
    """The text :func:`write_csv` would write; without the header for rows appended to a file."""
    columns, wide = full_table(header, rows, key)
    lines: list[str] = []
    writer = csv.writer(type("Lines", (), {"write": lambda self, text: lines.append(text)})())
    writer.writerows([columns, *wide] if with_header else wide)
    return "".join(lines)


def write_xlsx(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]], key: str = "css") -> Path:
    """Write an XLSX export of source ``key`` (one sheet) with its full configured header."""
    from openpyxl import Workbook

    columns, wide = full_table(header, rows, key)
    book = Workbook()
    sheet = book.active
    for row in [columns, *wide]:
        sheet.append(row)
    book.save(path)
    return path


def write_sav(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]], key: str = "css",
              value_labels: Mapping[str, Mapping[float, str]] | None = None) -> dict[str, str]:
    """Write an SPSS export of source ``key`` with its full configured header; return column -> variable.

    SPSS variable names have no spaces, so column ``i`` of the header is variable ``v{i}`` with the
    column name as its label; map the source onto the variables with :func:`variables_mapping`.
    ``value_labels`` (by column name) are written as the variables' value labels.
    """
    import pandas as pd
    import pyreadstat

    columns, wide = full_table(header, rows, key)
    names = {column: f"v{i}" for i, column in enumerate(columns)}
    frame = pd.DataFrame(wide, columns=list(names.values()))
    labels = {names[c]: dict(v) for c, v in (value_labels or {}).items()}
    pyreadstat.write_sav(frame, str(path), column_labels=columns, variable_value_labels=labels)
    return names


def variables_mapping(mapping: SourceMapping, names: Mapping[str, str]) -> SourceMapping:
    """``mapping`` with every column it reads renamed to its SPSS variable in ``names``."""
    changes: dict[str, Any] = {}
    for config_key, column in mapping.column_keys():
        attribute = config_key.removeprefix("mapping.")
        if attribute.isidentifier() and column in names:
            changes[attribute] = names[column]
    changes["id_columns"] = tuple(names.get(c, c) for c in mapping.id_columns)
    changes["questions"] = tuple(replace(q, column=names.get(q.column, q.column),
                                         option_columns=tuple(names.get(c, c) for c in q.option_columns))
                                 for q in mapping.questions)
    return replace(mapping, **changes)
