"""How right ``voice sources suggest`` is on the third analyst trial's nine exports, against the analyst's config.

    /work/venv/bin/python bench/ingest/suggest_trial.py [--trial DIR] [--code OTHER_CHECKOUT] [--show]

The exports (``TRIAL/exports/``, by default ``tests/data/ingest_trial3``) were written by an outside
trial session: synthetic respondents, shaped like each tool's export; ``TRIAL/sources.toml`` (or the
trial's own ``trial.toml``) holds the analyst's sections. For each export
the roles the analyst set (id, submitted_at, consent, sex, age / school year / date of birth, ethnicity,
its write-in, ward, postcode) count as right when the draft, loaded with its preset as
``service.config`` loads a section, names the same column. Then the whole file is read with the draft
and with the analyst's section (``read_export``, the borough's wards): rows the analyst's section
stores that the draft loses, or reads with another time or demographic (only fields the analyst
mapped), and rows only the draft stores. ``--code`` measures another checkout (e.g. one before a change).
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from datetime import datetime, timezone
from pathlib import Path

FILES = {"sm": "1_surveymonkey.csv", "qx": "2_qualtrics.csv", "ss": "3_smartsurvey.xlsx", "msf": "4_msforms.xlsx",
         "gf": "5_googleforms.csv", "snap": "6_snap.sav", "school": "7_school.xlsx", "utf16": "8_unicode_text.txt",
         "tf": "9_typeform.csv"}
AGE_KEYS = ("age_column", "age_band_column", "school_year_column", "birth_date_column")
ROLE_KEYS = ("submitted_at", "consent_column", "sex_column", "ethnicity_column", "ethnicity_other_column",
             "ward_column", "postcode_column")
#: Each field of a response, and the mapping keys whose presence makes it worth comparing.
FIELDS = {"sex": ("sex_column",), "age": AGE_KEYS, "age_band": AGE_KEYS, "ethnicity": ("ethnicity_column",),
          "ethnic_group": ("ethnicity_column",), "ward": ("ward_column",), "postcode_district": ("postcode_column",)}
NOW = datetime(2025, 1, 1, tzinfo=timezone.utc)


def roles_of(mapping) -> dict[str, object]:
    """The column of each role a mapping sets (the age role is the first age key set, with its key)."""
    roles: dict[str, object] = {"id": "row_id" if mapping.row_id else (mapping.id_column or tuple(mapping.id_columns))}
    roles.update({key: getattr(mapping, key) for key in ROLE_KEYS})
    roles["age"] = next(((k, getattr(mapping, k)) for k in AGE_KEYS if getattr(mapping, k)), None)
    return {role: column for role, column in roles.items() if column}


def compare_rows(path: Path, key: str, draft, analyst, wards) -> tuple[int, int, int, int]:
    """(rows the analyst's section stores, of them lost by the draft, read differently, rows only the draft stores)."""
    from ingest.exports import read_export

    mine = {r.location: r for r in read_export(path, key, draft.mapping, draft.file, wards, NOW).responses}
    theirs = {r.location: r for r in read_export(path, key, analyst.mapping, analyst.file, wards, NOW).responses}
    fields = [f for f, keys in FIELDS.items() if any(getattr(analyst.mapping, k) for k in keys)]

    def view(response) -> tuple:
        return (response.submitted_at, *(getattr(response.demographics, f) for f in fields))

    differ = sum(view(mine[loc]) != view(theirs[loc]) for loc in set(mine) & set(theirs))
    return len(theirs), len(set(theirs) - set(mine)), differ, len(set(mine) - set(theirs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = Path(__file__).resolve().parents[2]
    parser.add_argument("--trial", type=Path, default=root / "tests" / "data" / "ingest_trial3",
                        help="the trial folder: exports/ and sources.toml (or trial.toml)")
    parser.add_argument("--borough", default="havering", help="whose wards the rows are read with")
    parser.add_argument("--code", type=Path, default=root, help="the checkout to measure")
    parser.add_argument("--show", action="store_true", help="print each draft too")
    args = parser.parse_args()
    sys.path.insert(0, str(args.code))
    import ingest
    from service.config.reader import Reader
    from service.config.sources import read_source
    from service.pipeline.wards import read_ward_names

    file = args.trial / "sources.toml" if (args.trial / "sources.toml").exists() else args.trial / "trial.toml"
    sections = tomllib.loads(file.read_text(encoding="utf-8"))["sources"]
    wards = tuple(ingest.Ward(code, name) for code, name in read_ward_names(args.borough).items())
    n_right = n_set = 0
    print("export | roles right | analyst stores | draft loses | draft reads differently | draft only")
    for key, name in FILES.items():
        path = args.trial / "exports" / name
        analyst = read_source(Reader(file), key, sections[key], args.trial)
        text = ingest.suggest_mapping(path, key=key)
        draft = read_source(Reader(Path(f"draft-{key}.toml")), key, tomllib.loads(text)["sources"][key], args.trial)
        want, got = roles_of(analyst.mapping), roles_of(draft.mapping)
        right = [role for role in want if got.get(role) == want[role]]
        n_right, n_set = n_right + len(right), n_set + len(want)
        stored, lost, differ, extra = compare_rows(path, key, draft, analyst, wards)
        print(f"{name} | {len(right)}/{len(want)} | {stored} | {lost} | {differ} | {extra}")
        for role in (r for r in want if r not in right):
            print(f"    {role}: suggest {got.get(role)!r}, analyst {want[role]!r}")
        if args.show:
            print("\n".join("    " + line for line in text.splitlines()))
    print(f"total roles right {n_right}/{n_set}")


if __name__ == "__main__":
    main()
