"""Check: the intake screen gives exactly the same output as before, for every text we have.

Runs ``screen_text(text, use_model=False)`` (the bulk-ingest screen) and the parts under it
(``prepare_text``, ``redact`` on the cleaned and on the raw text, the safeguarding rules with and
without a stated age) over every text at hand, and writes one line per text: where it came from
and a SHA-256 of every field of every result (redacted text, spans, uncertainty reasons, flag,
matches, categories, ``is_child``). Texts are never written out, only their digests, so the real
comments stay outside the repository.

    # once, on the code before the change (a clean checkout, here main; texts from this tree):
    PYTHONPATH=/work/main /work/venv/bin/python bench/ingest/screen_same.py --write /tmp/screen_main.txt
    # after each change, in the worktree:
    PYTHONPATH=$PWD /work/venv/bin/python bench/ingest/screen_same.py --compare /tmp/screen_main.txt

The texts: the real public comments of ``shared/data/realtext/comments.csv`` (not written by the
team; measurement only), every CSV with a ``text`` column under ``tests/data/nlp/`` and
``nlp/data/``, the string literals of the redaction, safeguarding and screening tests, 5,000
texts of the ingest bench's generator (``bench/ingest/run.py``), the planted-detail texts of
``bench/nlp/screen.py``; and each of them again in capitals, in lower case, with its first letter
capitalised after a comma, and cut in half, since most rules turn on case and position.
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import importlib.util
import random
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
sys.path.append(str(ROOT))  # appended: PYTHONPATH (the code under test) comes first
REALTEXT = ROOT.parent / "shared" / "data" / "realtext" / "comments.csv"
TEST_FILES = ("test_nlp_redact*.py", "test_nlp_safeguarding*.py", "test_nlp_names*.py", "test_service_screening.py",
              "test_nlp_text.py", "test_nlp_prefilter.py")


def iter_texts(n_bench: int) -> Iterator[tuple[str, str]]:
    """(where, text) for every text at hand, then its variants."""
    for where, text in _base_texts(n_bench):
        yield where, text
        yield where + ":upper", text.upper()
        yield where + ":lower", text.lower()
        yield where + ":comma", ", ".join(part.strip().capitalize() for part in text.split(","))
        yield where + ":half", text[: len(text) // 2]


def _base_texts(n_bench: int) -> Iterator[tuple[str, str]]:
    files = [REALTEXT, *sorted((ROOT / "tests" / "data" / "nlp").glob("*.csv")), *sorted((ROOT / "nlp" / "data").glob("*.csv"))]
    for path in files:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if "text" not in (reader.fieldnames or ()):
                continue
            for row_number, row in enumerate(reader, start=2):
                yield f"{path.name}:{row_number}", row["text"]
    for pattern in TEST_FILES:
        for path in sorted((ROOT / "tests").glob(pattern)):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.strip():
                    yield f"{path.name}:{node.lineno}", node.value
    yield from _bench_texts(n_bench)
    for number, text in enumerate(_load(ROOT / "bench" / "nlp" / "screen.py").make_texts()):
        yield f"bench/nlp/screen.py:{number}", text
    rng = random.Random(11)
    for number in range(300):  # control characters, markup, full-width digits, odd spacing
        pieces = rng.choices(["call 07700 900123", "<b>", "&amp;", "\x00", "\u200b", "\uff10\uff17\uff17", "Mr Khan",
                              "  ", "\n", "snap: jay_x", "RM1 2AB", "dob 1/2/09", "my dad hits me", "café", "\u2019s"],
                             k=rng.randint(1, 8))
        yield f"odd:{number}", " ".join(pieces)


def _bench_texts(n_texts: int) -> Iterator[tuple[str, str]]:
    """The free texts of the ingest bench's generated file (two per row)."""
    bench = _load(ROOT / "bench" / "ingest" / "run.py")
    with tempfile.TemporaryDirectory(prefix="screen_same_") as folder:
        path = Path(folder) / "survey.csv"
        bench.write_csv(path, (n_texts + 1) // 2)
        with path.open(encoding="utf-8", newline="") as handle:
            for row_number, row in enumerate(csv.reader(handle)):
                if row_number:
                    for column in (-2, -1):
                        yield f"bench/ingest/run.py:{row_number}:{column}", row[column]


def _load(path: Path) -> ModuleType:
    """A bench script as a module (its name clashes with others': run, screen)."""
    spec = importlib.util.spec_from_file_location(f"_bench_{path.parent.name}_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    saved = list(sys.path)
    spec.loader.exec_module(module)
    sys.path[:] = saved  # they put the repository first; the code under test stays that of PYTHONPATH
    return module


def digest(text: str) -> str:
    """SHA-256 of every field of the screen's results for ``text``."""
    import nlp
    from service.pipeline.screening import screen_text

    prepared = nlp.prepare_text(text)
    parts = [
        screen_text(text, use_model=False),
        screen_text(text, use_model=False, age=15),
        prepared,
        _redaction(nlp.assess_redaction(prepared.text)),
        _redaction(nlp.redact(text)),
        _safeguarding(nlp.check_safeguarding(prepared.text, use_model=False)),
        _safeguarding(nlp.check_safeguarding(text, use_model=False, age=40)),
    ]
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _redaction(result: object) -> tuple:
    return (result.text, result.original, result.spans, result.is_uncertain, result.reasons,  # type: ignore[attr-defined]
            sorted(result.kinds), result.n_redacted)  # type: ignore[attr-defined]


def _safeguarding(result: object) -> tuple:
    return (result.is_flagged, result.matches, result.is_child, result.categories,  # type: ignore[attr-defined]
            result.reasons, result.label)  # type: ignore[attr-defined]


def main() -> None:
    """Write the digests, or compare them with an earlier file and say which texts differ."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", type=Path, help="write the digests to this file")
    parser.add_argument("--compare", type=Path, help="compare with the digests in this file (exit 1 if any differ)")
    parser.add_argument("--bench-texts", type=int, default=5000, help="texts from the ingest bench's generator")
    args = parser.parse_args()
    if args.write is None and args.compare is None:
        parser.error("give --write FILE or --compare FILE")
    import nlp
    from service.pipeline import screening

    lines = [f"{_text_key(text)}\t{digest(text)}\t{where}\n" for where, text in iter_texts(args.bench_texts)]
    print(f"{len(lines)} texts screened with {Path(nlp.__file__).parent} and {screening.__file__}")
    if args.write is not None:
        args.write.write_text("".join(lines), encoding="utf-8")
        print(f"digests written to {args.write}")
    if args.compare is not None:
        compare(args.compare.read_text(encoding="utf-8").splitlines(keepends=True), lines, args.compare)


def compare(before: list[str], now: list[str], path: Path) -> None:
    """Exit 1 unless every text screened both times got the same digest (texts are matched by their
    own hash, so a test file that gained or lost a string changes only the counts)."""
    if before == now:
        print(f"byte-identical to {path}: {len(now)} digests")
        return
    then = {line.split("\t")[0]: line.split("\t")[1] for line in before}
    both = [line.split("\t") for line in now if line.split("\t")[0] in then]
    differ = [where.strip() for key, result, where in both if then[key] != result]
    seen = {line.split("\t")[0] for line in now}
    print(f"{len(both)} texts screened both times, {len(differ)} differ; {sum(key not in seen for key in then)} "
          f"only before, {len(now) - len(both)} only now (a test file changed)")
    if differ:
        print(f"DIFFERENT from {path}; first: {', '.join(differ[:20])}")
        sys.exit(1)
    print(f"identical to {path} for every text screened both times")


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:24]


if __name__ == "__main__":
    main()
