"""How right ``voice sources suggest`` is on an analyst trial's exports, against the analyst's config.

    /work/venv/bin/python bench/ingest/suggest_trial.py [--trial DIR] [--code OTHER_CHECKOUT] [--show]
    /work/venv/bin/python bench/ingest/suggest_trial.py --trial /work/trial4   # analyst trial 4

The exports (``TRIAL/exports/``, by default trial 3's in ``tests/data/ingest_trial3``) were written
by an outside trial session: synthetic respondents, shaped like each tool's export; the analyst's
sections are in ``TRIAL/sources.toml``, the trial's own ``trial.toml`` or ``sources_trial*.toml``
(trial 4, kept outside the repository). A section's export is the trial 3 file of its key, or the
file of ``exports/`` named as the one file in the section's drop folder (``path``). For each export
the roles the analyst set (id, submitted_at, consent, sex, age / school year / date of birth, ethnicity,
its write-in, ward, postcode) count as right when the draft, loaded with its preset as
``service.config`` loads a section, names the same column. Then the whole file is read with the draft
and with the analyst's section (``read_export``, the borough's wards): rows the analyst's section
stores that the draft loses, or reads with another time or demographic (only fields the analyst
mapped), and rows only the draft stores. ``--code`` measures another checkout (e.g. one before a change).
"""

from __future__ import annotations

import argparse
import inspect
import sys
import tomllib
from collections import Counter
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


def is_same(role: str, got: object, want: object) -> bool:
    """The draft names the analyst's column for the role. The age role counts by its column alone: bands
    read the same in ``age_column`` as in ``age_band_column`` (trial 4's analyst counted it so too)."""
    if role == "age" and isinstance(got, tuple) and isinstance(want, tuple):
        return got[1] == want[1]
    return got == want


def compare_rows(path: Path, key: str, draft, analyst, wards) -> tuple[int, int, int, int, Counter]:
    """(rows the analyst's section stores, of them lost by the draft, read differently, rows only the draft
    stores, and how many rows differ in each field)."""
    from ingest.exports import read_export

    mine = {r.location: r for r in read_export(path, key, draft.mapping, draft.file, wards, NOW).responses}
    theirs = {r.location: r for r in read_export(path, key, analyst.mapping, analyst.file, wards, NOW).responses}
    fields = [f for f, keys in FIELDS.items() if any(getattr(analyst.mapping, k) for k in keys)]

    def view(response) -> tuple:
        return (response.submitted_at, *(getattr(response.demographics, f) for f in fields))

    both = set(mine) & set(theirs)
    by_field = Counter(name for loc in both for name, a, b in zip(["submitted_at", *fields], view(mine[loc]),
                                                                  view(theirs[loc])) if a != b)
    differ = sum(view(mine[loc]) != view(theirs[loc]) for loc in both)
    return len(theirs), len(set(theirs) - set(mine)), differ, len(set(mine) - set(theirs)), by_field


def find_sections(trial: Path) -> Path:
    """The trial's file of the analyst's sections."""
    found = [trial / "sources.toml", trial / "trial.toml", *sorted(trial.glob("sources_trial*.toml"))]
    return next((f for f in found if f.exists()), found[0])


def find_export(trial: Path, key: str, section: dict) -> Path:
    """The export a section reads: the one file in its drop folder (``path``), else trial 3's file of its key."""
    if not section.get("path"):
        return trial / "exports" / FILES[key]
    folder = trial / section.get("path", "")
    dropped = [f for f in folder.iterdir() if f.is_file()] if folder.is_dir() else []
    if len(dropped) != 1:
        sys.exit(f"{key}: expected one file in {folder} (the section's path), found {len(dropped)}")
    export = trial / "exports" / dropped[0].name
    return export if export.exists() else dropped[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = Path(__file__).resolve().parents[2]
    parser.add_argument("--trial", type=Path, default=root / "tests" / "data" / "ingest_trial3",
                        help="the trial folder: exports/ and sources.toml (or trial.toml)")
    parser.add_argument("--borough", default="havering", help="whose wards the rows are read with")
    parser.add_argument("--code", type=Path, default=root, help="the checkout to measure")
    parser.add_argument("--show", action="store_true", help="print each draft too")
    parser.add_argument("--no-wards", action="store_true",
                        help="draft without the borough's wards (as 'voice sources suggest' does until it passes them)")
    args = parser.parse_args()
    sys.path.insert(0, str(args.code))
    import ingest
    from service.config.reader import Reader
    from service.config.sources import read_source
    from service.pipeline.wards import read_ward_names

    file = find_sections(args.trial)
    sections = tomllib.loads(file.read_text(encoding="utf-8"))["sources"]
    wards = tuple(ingest.Ward(code, name) for code, name in read_ward_names(args.borough).items())
    # Older checkouts (--code) take no wards; this one reads a ward column named by a code from its values.
    takes_wards = "wards" in inspect.signature(ingest.suggest_mapping).parameters
    with_wards = {"wards": wards} if takes_wards and not args.no_wards else {}
    n_right = n_set = n_differ = 0
    print("export | roles right | analyst stores | draft loses | draft reads differently | draft only")
    for key in sections:
        path = find_export(args.trial, key, sections[key])
        name = path.name
        analyst = read_source(Reader(file), key, sections[key], args.trial)
        text = ingest.suggest_mapping(path, key=key, **with_wards)
        draft = read_source(Reader(Path(f"draft-{key}.toml")), key, tomllib.loads(text)["sources"][key], args.trial)
        want, got = roles_of(analyst.mapping), roles_of(draft.mapping)
        right = [role for role in want if is_same(role, got.get(role), want[role])]
        n_right, n_set = n_right + len(right), n_set + len(want)
        stored, lost, differ, extra, by_field = compare_rows(path, key, draft, analyst, wards)
        n_differ += lost + differ + extra
        fields = ", ".join(f"{f} {n}" for f, n in by_field.most_common())
        print(f"{name} | {len(right)}/{len(want)} | {stored} | {lost} | {differ}{f' ({fields})' if fields else ''} | {extra}")
        for role in (r for r in want if r not in right):
            print(f"    {role}: suggest {got.get(role)!r}, analyst {want[role]!r}")
        if args.show:
            print("\n".join("    " + line for line in text.splitlines()))
    print(f"total roles right {n_right}/{n_set}; rows differing (lost + read differently + draft only) {n_differ}")


if __name__ == "__main__":
    main()
