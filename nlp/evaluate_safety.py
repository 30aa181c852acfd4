"""Measure redaction and safeguarding on labelled sets: recall, false alarms, and recall per category.

    python -m nlp.evaluate_safety [--data tests/data/nlp] [--realtext ../shared/data/realtext] [--rules-only]
    python -m nlp.evaluate_safety --kept-apart DIR

Prints, for each development and held-out set, the share of disclosures flagged (recall), the
share of ordinary comments flagged (false alarms), the share of children's disclosures flagged as a
child's ("child noticed") and of adults' disclosures wrongly flagged as a child's ("adults called
children"), recall per safeguarding category, the share of
planted personal details removed and of words that had to be kept; then the share of the public
comments in the real-text set that are flagged or judged uncertain. Those comments are only read
here, never copied or trained on.

``--kept-apart DIR`` scores only ``DIR/safeguarding.csv`` and ``DIR/redaction.csv`` (sets written by
someone who has not seen the rules or the model) and prints aggregate figures alone: never a text,
a miss or a leak, so the sets stay unseen by whoever tunes the rules.
"""

from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from nlp.redaction import redact
from nlp.safeguarding import check_safeguarding_many

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "tests" / "data" / "nlp"
REALTEXT_DIR = ROOT.parent / "shared" / "data" / "realtext"
SAFETY_SETS = ("safeguarding_categories_dev.csv", "safeguarding_categories_heldout.csv", "safeguarding_categories_fresh.csv",
               "safeguarding_dev2.csv", "safeguarding_kept_apart.csv", "safeguarding_kept_apart2.csv")
REDACTION_SETS = ("redaction_planted_dev.csv", "redaction_planted_heldout.csv", "redaction_planted_fresh.csv",
                  "redaction_kept_apart.csv", "redaction_kept_apart2.csv", "redaction_kept_apart3.csv")


@dataclass
class Rate:
    """A count out of a base, shown as ``"0.95 (61/64)"``."""

    hits: int = 0
    n: int = 0

    def add(self, hit: bool) -> None:
        """Count one case."""
        self.hits += bool(hit)
        self.n += 1

    @property
    def value(self) -> float:
        """The share (0 for an empty base)."""
        return self.hits / self.n if self.n else 0.0

    def __str__(self) -> str:
        return f"{self.value:.2f} ({self.hits}/{self.n})"


@dataclass
class SafetyScores:
    """Safeguarding scores on one set."""

    recall: Rate = field(default_factory=Rate)
    false_alarms: Rate = field(default_factory=Rate)
    category_named: Rate = field(default_factory=Rate)
    child_named: Rate = field(default_factory=Rate)
    adult_called_child: Rate = field(default_factory=Rate)
    by_category: dict[str, Rate] = field(default_factory=lambda: defaultdict(Rate))
    missed: list[str] = field(default_factory=list)
    false_alarm_texts: list[str] = field(default_factory=list)


@dataclass
class RedactionScores:
    """Redaction scores on one set."""

    removed: Rate = field(default_factory=Rate)
    kept: Rate = field(default_factory=Rate)
    leaks: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file with a header."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def score_safeguarding(rows: Iterable[dict[str, str]], *, use_model: bool = True) -> SafetyScores:
    """Score rows with ``text``, ``flag`` (1/0) and optionally ``category`` and ``writer``."""
    scores = SafetyScores()
    rows = list(rows)
    results = check_safeguarding_many([row["text"] for row in rows], use_model=use_model)
    for row, result in zip(rows, results, strict=True):
        if row["flag"] != "1":
            scores.false_alarms.add(result.is_flagged)
            if result.is_flagged:
                scores.false_alarm_texts.append(row["text"])
            continue
        scores.recall.add(result.is_flagged)
        if not result.is_flagged:
            scores.missed.append(row["text"])
        category = row.get("category") or "unknown"
        scores.by_category[category].add(result.is_flagged)
        scores.category_named.add(category in {match.category for match in result.matches})
        if row.get("writer") == "child":
            scores.child_named.add(bool(getattr(result, "is_child", False)))
        elif row.get("writer") == "adult":
            scores.adult_called_child.add(bool(getattr(result, "is_child", False)))
    return scores


def score_redaction(rows: Iterable[dict[str, str]]) -> RedactionScores:
    """Score rows with ``text``, ``remove`` and ``keep`` (each ``|``-joined)."""
    scores = RedactionScores()
    for row in rows:
        output = redact(row["text"]).text
        for item in filter(None, (part.strip() for part in row["remove"].split("|"))):
            scores.removed.add(item not in output)
            if item in output:
                scores.leaks.append(f"{item!r} in {output!r}")
        for item in filter(None, (part.strip() for part in row["keep"].split("|"))):
            scores.kept.add(item in output)
            if item not in output:
                scores.lost.append(f"{item!r} lost from {output!r}")
    return scores


def score_realtext(path: Path) -> tuple[Rate, Rate, list[str]]:
    """Flagged and uncertain shares of the real-text comments, and the ids flagged (texts not kept)."""
    flagged, uncertain, ids = Rate(), Rate(), []
    rows = read_rows(path)
    for row, result in zip(rows, check_safeguarding_many([row["text"] for row in rows]), strict=True):
        flagged.add(result.is_flagged)
        uncertain.add(getattr(redact(row["text"]), "is_uncertain", False))
        if result.is_flagged:
            ids.append(f"{row['id']}: {', '.join(m.category for m in result.matches)}")
    return flagged, uncertain, ids


def _print_safety(name: str, scores: SafetyScores, verbose: bool) -> None:
    print(f"\n{name}: recall {scores.recall}, false alarms {scores.false_alarms}, "
          f"category named {scores.category_named}, child noticed {scores.child_named}, "
          f"adults called children {scores.adult_called_child}")
    for category, rate in sorted(scores.by_category.items()):
        print(f"  {category:<22} {rate}")
    if verbose:
        for text in scores.missed:
            print(f"  MISSED: {text}")
        for text in scores.false_alarm_texts:
            print(f"  FALSE ALARM: {text}")


def print_kept_apart(folder: Path) -> None:
    """Aggregate figures on the kept-apart sets in ``folder``; never any text from them."""
    print(f"Kept-apart sets in {folder} (written by someone who had not seen the rules or the model); "
          "aggregate figures only.")
    for label, use_model in (("rules alone", False), ("rules + model", True)):
        _print_safety(f"safeguarding.csv, {label}", score_safeguarding(read_rows(folder / "safeguarding.csv"),
                                                                       use_model=use_model), verbose=False)
    scores = score_redaction(read_rows(folder / "redaction.csv"))
    print(f"\nredaction.csv: details removed {scores.removed}, words kept {scores.kept}")


def main(argv: list[str] | None = None) -> None:
    """Print every figure; ``-v`` also lists misses, leaks and false alarms."""
    parser = argparse.ArgumentParser(description="Measure redaction and safeguarding on labelled sets.")
    parser.add_argument("--data", type=Path, default=DATA_DIR)
    parser.add_argument("--realtext", type=Path, default=REALTEXT_DIR)
    parser.add_argument("--kept-apart", type=Path, help="score only DIR/safeguarding.csv and DIR/redaction.csv, "
                        "printing aggregate figures and no text")
    parser.add_argument("--rules-only", action="store_true", help="safeguarding by the rules alone, without the model")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    if args.kept_apart is not None:
        print_kept_apart(args.kept_apart)
        return
    print("Sets in tests/data/nlp were written by the team (synthetic); the _kept_apart ones by a helper who "
          "never saw the rules or the model.")
    for name in SAFETY_SETS:
        scores = score_safeguarding(read_rows(args.data / name), use_model=not args.rules_only)
        _print_safety(name, scores, args.verbose)
    for name in REDACTION_SETS:
        scores = score_redaction(read_rows(args.data / name))
        print(f"\n{name}: details removed {scores.removed}, words kept {scores.kept}")
        for line in (scores.leaks + scores.lost) if args.verbose else ():
            print(f"  {line}")
    comments = args.realtext / "comments.csv"
    if not comments.exists():
        print(f"\nreal-text set not found at {comments}; skipped")
        return
    flagged, uncertain, ids = score_realtext(comments)
    print(f"\nreal public comments (not written by the team), {comments}: flagged {flagged}, "
          f"redaction uncertain {uncertain}")
    for line in ids if args.verbose else ():
        print(f"  flagged {line}")


if __name__ == "__main__":
    main()
