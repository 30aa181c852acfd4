"""Flag free text that may disclose harm or risk to the writer or someone they know.

Rules, not a model: a safeguarding lead must be able to read why a text was flagged. Each flag
names its category (a stable id from :data:`nlp.safeguarding_rules.CATEGORIES`, such as
``"cce"``, with a plain-English label) and whether the writer seems to be a child. The rules err
towards flagging, so reviewers see some general worries too; a general concern with no person in
it ("more police to stop stabbings") is not flagged. A flag is a prompt for a trained person to
read the answer, never a conclusion.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from nlp.prefilter import LiteralPrefilter
from nlp.safeguarding_rules import CATEGORIES, RULES

logger = logging.getLogger(__name__)

#: Category id -> plain-English reason (the categories of :mod:`nlp.safeguarding_rules`).
REASONS: dict[str, str] = CATEGORIES
SAFEGUARDING_CATEGORIES = CATEGORIES

_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple((category, re.compile(pattern)) for category, pattern in RULES)
# Finds, in one scan of a text, the rules whose literal words occur in it; only those can match.
_PREFILTER = LiteralPrefilter([pattern for _, pattern in _RULES])
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


@dataclass(frozen=True)
class SafeguardingMatch:
    """One rule that fired: its category, the plain-English reason and the matched words."""

    category: str
    reason: str
    phrase: str


@dataclass(frozen=True)
class SafeguardingResult:
    """Whether a text should be read by a safeguarding lead, and why.

    ``is_child`` is True when the writer seems to be a child (an age under 18, school, "my mum");
    it is only worked out for flagged texts.
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
    lowered = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("'", "")
    squeezed = _REPEAT_RE.sub(r"\1\1", lowered)
    return _SPELLING_RE.sub(lambda match: _SPELLINGS[match.group()], squeezed)


def seems_child(text: str) -> bool:
    """True when the writer of ``text`` seems to be a child: an age under 18, school, "my mum",
    and no sign of writing as a parent ("my son", "our kids")."""
    normalised = normalise_for_rules(text)
    return bool(_CHILD_RE.search(normalised)) and not _ADULT_RE.search(normalised)


def check_safeguarding(text: str) -> SafeguardingResult:
    """Flag ``text`` if it may disclose harm or risk, naming the reason for each rule that fired.

    Parameters
    ----------
    text : str
        One free-text answer (original or redacted; placeholders such as "[name]" are fine).

    Returns
    -------
    SafeguardingResult
    """
    if not isinstance(text, str):
        raise TypeError(f"check_safeguarding expects a str, got {type(text).__name__}: {text!r}")
    # "[name]" holds no sentence break, so replacing it in the whole text splits the same sentences.
    normalised = normalise_for_rules(text).replace("[name]", "my mate")
    # A rule whose literals are all absent from the whole text cannot match any sentence of it.
    rules = [_RULES[i] for i in _PREFILTER.candidates(normalised)]
    if not rules:
        return SafeguardingResult(is_flagged=False, matches=())
    matches: list[SafeguardingMatch] = []
    for sentence in _SENTENCE_RE.findall(normalised):
        for category, pattern in rules:
            match = pattern.search(sentence)
            if match is None:
                continue
            matches.append(SafeguardingMatch(category, REASONS[category], match.group(0).strip()))
    if not matches:
        return SafeguardingResult(is_flagged=False, matches=())
    return SafeguardingResult(is_flagged=True, matches=tuple(matches), is_child=seems_child(text))
