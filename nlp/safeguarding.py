"""Flag free text that may disclose harm or risk to the writer or someone they know.

Rules plus a model. The rules (:mod:`nlp.safeguarding_rules`) say in words why a text was flagged;
the trained detector (:mod:`nlp.safeguarding_model`, logistic regression on sentence embeddings)
finds disclosures worded in ways the rules were not written for, and names the most likely
category when no rule fired. A text is flagged when the model flags it, or when a rule fires,
unless the only rule hits are bare names of harms and the model is near-certain it is no
disclosure (``RULE_FLOOR``: "FGM should be taught about in schools"). Each flag
names its category (a stable id from :data:`nlp.safeguarding_rules.CATEGORIES`, such as
``"cce"``, with a plain-English label) and whether the writer seems to be a child: an age under 18
given with the text, the child words of :func:`seems_child`, or the model's child-writer regression
(unless the writer speaks as a parent, "my son"). The rules err
towards flagging, so reviewers see some general worries too; a general concern with no person in
it ("more police to stop stabbings") is not flagged. A flag is a prompt for a trained person to
read the answer, never a conclusion.
"""

from __future__ import annotations

import csv
import functools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nlp.memo import WordMemo
from nlp.prefilter import LiteralPrefilter
from nlp.safeguarding_rules import CATEGORIES, RULES

logger = logging.getLogger(__name__)

#: Category id -> plain-English reason (the categories of :mod:`nlp.safeguarding_rules`).
REASONS: dict[str, str] = CATEGORIES
SAFEGUARDING_CATEGORIES = CATEGORIES

_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple((category, re.compile(pattern)) for category, pattern in RULES)
# Ordinary comments (team-written): the rules' pre-check looks for the words rarest in them.
_ORDINARY_PATH = Path(__file__).resolve().parent / "data" / "training.csv"
_REPEAT_RE = re.compile(r"([a-z])\1{2,}")
# Text-speak spelled out before the rules run ("wiv his belt", "last nite", "wen he is angry").
_SPELLINGS = {"wiv": "with", "wiff": "with", "nite": "night", "wen": "when", "u": "you", "ur": "your",
              "havnt": "havent", "evryone": "everyone", "thinkin": "thinking", "tryna": "trying to",
              "mums": "mums", "coz": "because", "cuz": "because", "bcos": "because", "ppl": "people"}
_SPELLING_RE = re.compile(r"\b(?:" + "|".join(_SPELLINGS) + r")\b")
# A writer who seems to be a child: an age under 18, school, "my mum", a "mums boyfriend".
_CHILD_RE = re.compile(
    r"\b(?:(?:i am|im|i m) (?:[1-9]|1[0-7])\b(?! ?(?:mins|minutes|hours|times|quid|pounds))|(?:[1-9]|1[0-7]) ?(?:yrs?|years?) "
    r"old\b(?<!my \d yrs old)|(?:yr|year) ?(?:[1-9]|1[0-3])\b|my (?:mum|mom|mam|dad|step ?dad|step ?mum|nan|parents?|"
    r"carer|foster \w+|teacher|school|class|form tutor|head ?teacher)\b|mums? (?:boy ?friend|bf)|dads? (?:girl ?friend|gf)|"
    r"at school|after school|from school|my school|in school|home ?work|gcses?|sixth form|play ?ground|"
    r"my little (?:brother|sister)|grounded|youth (?:club|worker|group)|older (?:boys|men|guys|lads|kids|man)|"
    r"roblox|fortnite|minecraft|^\s*(?:mum|dad|mummy|daddy)\b)"
)
_ADULT_RE = re.compile(
    r"\b(?:my (?:son|daughter|sons|daughters|kids|children|child|husband|wife|grandchildren|grandson|granddaughter)|"
    r"our (?:kids|children|son|daughter)|as a (?:parent|mum|dad|mother|father))\b"
)
_SENTENCE_RE = re.compile(r"[^.!?\n]+")
# The bare names of harms, as the rules match them in normalised text.
_TOPIC_WORD_RE = re.compile(
    r"(?:self[ -]?harm\w*|suicid\w*|fgm|female genital\w*|forced marriage|honou?r (?:based|killing)|modern slavery|"
    r"traffick\w*|extremis\w*|radicali[sz]\w*|terroris\w*|jihad\w*|nazis?|neo ?nazi\w*|groom\w*|county ?lines?|"
    r"cuckoo\w*|trap ?house|domestic (?:abuse|violence)|coercive control|sexual(?:ly)? (?:assault|abuse|harass)\w*|"
    r"spiked|upskirt\w*|sextort\w*|overdos\w*|rape|raped|rapist)"
)


@dataclass(frozen=True)
class SafeguardingMatch:
    """One rule that fired: its category, the plain-English reason and the matched words."""

    category: str
    reason: str
    phrase: str


@dataclass(frozen=True)
class SafeguardingResult:
    """Whether a text should be read by a safeguarding lead, and why.

    ``is_child`` is True when the writer seems to be a child (an age under 18, school, "my mum", or
    the model's reading of the writer's voice); it is only worked out for flagged texts.
    """

    is_flagged: bool
    matches: tuple[SafeguardingMatch, ...]
    is_child: bool = False

    @property
    def categories(self) -> tuple[str, ...]:
        """The distinct category ids, in the order first found."""
        return tuple(dict.fromkeys(match.category for match in self.matches))

    @property
    def reasons(self) -> tuple[str, ...]:
        """The distinct reasons, in the order first found."""
        return tuple(dict.fromkeys(match.reason for match in self.matches))

    @property
    def label(self) -> str:
        """``"true: <reasons>"`` or ``"false"``, for CSV exports."""
        return f"true: {'; '.join(self.reasons)}" if self.is_flagged else "false"


def normalise_for_rules(text: str) -> str:
    """Lower-case, straighten and drop apostrophes, squeeze letters repeated 3+ times to 2."""
    if text.isascii():  # nothing below reaches across a space: each space-free piece on its own, once
        return " ".join(_normalised_pieces(text.split(" ")))
    return _normalise(text)


def _normalise(text: str) -> str:
    lowered = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("'", "")
    squeezed = _REPEAT_RE.sub(r"\1\1", lowered)
    return _SPELLING_RE.sub(lambda match: _SPELLINGS[match.group()], squeezed)


_normalised_pieces = WordMemo(_normalise)


def seems_child(text: str) -> bool:
    """True when the writer of ``text`` seems to be a child: an age under 18, school, "my mum",
    and no sign of writing as a parent ("my son", "our kids")."""
    normalised = normalise_for_rules(text)
    return bool(_CHILD_RE.search(normalised)) and not _ADULT_RE.search(normalised)


def writer_is_child(text: str, *, model_says: bool = False, age: int | None = None) -> bool:
    """Whether to treat the writer of ``text`` as a child: an ``age`` under 18 decides it whatever
    the text says; otherwise the child words of :func:`seems_child`, or ``model_says`` (the trained
    child-writer signal) unless the writer speaks as a parent ("my son", "our kids")."""
    if age is not None and age < 18:
        return True
    return seems_child(text) or (model_says and not _ADULT_RE.search(normalise_for_rules(text)))


def check_safeguarding(text: str, *, use_model: bool = True, age: int | None = None) -> SafeguardingResult:
    """Flag ``text`` if it may disclose harm or risk, naming the category of each rule or model hit.

    Parameters
    ----------
    text : str
        One free-text answer (original or redacted; placeholders such as "[name]" are fine).
    use_model : bool
        Also run the trained detector (default); False gives the rules alone.
    age : int or None
        The writer's age when the form asked it; under 18 makes a flag a child's whatever the text says.

    Returns
    -------
    SafeguardingResult
    """
    if not isinstance(text, str):
        raise TypeError(f"check_safeguarding expects a str, got {type(text).__name__}: {text!r}")
    if not use_model:  # as check_safeguarding_many does for one text, without building its lists
        return _with_writer(rules_result(text), text, False, age)
    return check_safeguarding_many([text], use_model=use_model, ages=[age])[0]


def check_safeguarding_many(texts: Sequence[str], *, use_model: bool = True,
                            ages: Sequence[int | None] | None = None) -> list[SafeguardingResult]:
    """:func:`check_safeguarding` for many texts, with one encoder call for all of them; ``ages``
    (one per text, None where not known) are the writers' ages when the form asked them."""
    if ages is not None and len(ages) != len(texts):
        raise ValueError(f"check_safeguarding_many got {len(texts)} texts but {len(ages)} ages; give one age "
                         "(or None) per text")
    ages = list(ages) if ages is not None else [None] * len(texts)
    results = [rules_result(text) for text in texts]
    if not use_model or not texts:
        return [_with_writer(result, text, False, age) for result, text, age in zip(results, texts, ages, strict=True)]
    from nlp.safeguarding_model import RULE_FLOOR, shared_model

    read = [i for i, text in enumerate(texts) if text.strip()]
    scores = dict(zip(read, shared_model().score_many([texts[i] for i in read]), strict=True)) if read else {}
    combined = []
    for i, (text, result, age) in enumerate(zip(texts, results, ages, strict=True)):
        score = scores.get(i)
        if score is not None and result.is_flagged and score.probability < RULE_FLOOR and names_topic_only(result):
            result = SafeguardingResult(is_flagged=False, matches=())
        # The model names the most likely category of every flagged text, beside any rule's.
        if score is not None and (score.is_flagged or result.is_flagged) and score.category not in result.categories:
            hit = SafeguardingMatch(score.category, REASONS[score.category],
                                    f"model {score.probability:.2f}: {score.piece}")
            result = SafeguardingResult(is_flagged=True, matches=(*result.matches, hit))
        combined.append(_with_writer(result, text, score is not None and score.seems_child, age))
    return combined


def _with_writer(result: SafeguardingResult, text: str, model_says: bool, age: int | None) -> SafeguardingResult:
    """``result`` with ``is_child`` worked out, for a flagged text only."""
    if not result.is_flagged:
        return result
    return SafeguardingResult(is_flagged=True, matches=result.matches,
                              is_child=writer_is_child(text, model_says=model_says, age=age))


def names_topic_only(result: SafeguardingResult) -> bool:
    """True when every rule hit is the bare name of a harm ("self-harm", "FGM", "grooming"), which a
    general concern uses as much as a disclosure; a hit in a person's words ("ending it all") is not."""
    return all(_TOPIC_WORD_RE.fullmatch(match.phrase) for match in result.matches)


@functools.lru_cache(maxsize=1)
def _prefilter() -> LiteralPrefilter:
    """Tells, from a sentence's words, which rules it holds the literals of: only those can match it.
    Which literals it looks for (the rarest in ordinary comments) changes only its speed."""
    with _ORDINARY_PATH.open(encoding="utf-8", newline="") as handle:
        sample = [normalise_for_rules(row["text"]) for row in csv.DictReader(handle)]
    return LiteralPrefilter([pattern for _, pattern in _RULES], sample=sample)


def rules_result(text: str) -> SafeguardingResult:
    """The rules alone on ``text``: a match for each rule that fired, sentence by sentence."""
    # "[name]" holds no sentence break, so replacing it in the whole text splits the same sentences.
    normalised = normalise_for_rules(text).replace("[name]", "my mate")
    prefilter = _prefilter()
    matches: list[SafeguardingMatch] = []
    for sentence in _SENTENCE_RE.findall(normalised):
        for i in prefilter.candidates(sentence):  # only rules whose literals the sentence holds can match it
            category, pattern = _RULES[i]
            match = pattern.search(sentence)
            if match is None:
                continue
            matches.append(SafeguardingMatch(category, REASONS[category], match.group(0).strip()))
    if not matches:
        return SafeguardingResult(is_flagged=False, matches=())
    return SafeguardingResult(is_flagged=True, matches=tuple(matches), is_child=seems_child(text))
