"""Shared text handling: the spaCy pipeline, the TF-IDF tokenizer, cleaning and a language check.

The pipeline is ``spacy.blank("en")`` with the lookup lemmatizer from ``spacy-lookups-data``
and a rule-based sentencizer, so nothing is downloaded at run time. For speed the TF-IDF
tokenizer runs only spaCy's tokenizer and looks lemmas up in the same table the lemmatizer uses.

spaCy's tokenizer splits on whitespace first and tokenizes each whitespace-free chunk on its
own, so :func:`word_tokens` memoises its (lower-case form, lemma) pairs per distinct chunk: a
chunk seen before costs one dictionary look-up instead of building a ``Doc``. The result is the
same as running the tokenizer over the whole text (space tokens are dropped either way).
"""

from __future__ import annotations

import functools
import gzip
import html
import itertools
import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

import spacy
import spacy_lookups_data
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language

from nlp.memo import WordMemo

logger = logging.getLogger(__name__)

MAX_CHARS = 5000
"""Texts longer than this are cut (for analysis only) at a word boundary; the original is kept."""

_CHUNK_CACHE_LIMIT = 500_000
_chunk_cache: dict[str, tuple[tuple[str, str], ...]] = {}

_LOOKUPS_DIR = Path(spacy_lookups_data.__file__).parent / "data"
_TAG_RE = re.compile(r"<\s*(script|style)\b[^>]*>.*?<\s*/\s*\1\s*>|<[^<>]{1,500}>", re.I | re.S)
_MOJIBAKE_RE = re.compile("[\u00c2\u00c3\u00e2][\u0080-\u00bf\u2018-\u203a\u20ac\u0152-\u0178]")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WORD_RE = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"'})
# Everyday words, slang and local names the lemma table lacks; they count as English.
_EXTRA_ENGLISH = frozenset(
    """innit bruv bro fam mandem gyaldem peng peak allow wagwan ting nah yeah yh ye u ur r
    lol lmao omg idk tbh pls plz cuz coz cos gonna wanna gotta aint dont cant wont im ive
    theres thats isnt doesnt didnt wasnt ok okay tho thru nite nd n ppl asb cctv tfl ulez
    romford hornchurch upminster rainham havering dagenham barking ilford elm harold""".split()
)

# The lookup table lemmatises these as nouns ("does" -> "doe"); text-speak gets its word.
_LEMMA_FIXES = {"does": "do", "doesnt": "do", "ppl": "people", "feds": "police", "fed": "police", "u": "you",
                "ur": "your", "cos": "because", "coz": "because", "cuz": "because", "pls": "please", "plz": "please"}


@dataclass(frozen=True)
class PreparedText:
    """A text made safe to analyse, with the untouched original kept beside it.

    Attributes
    ----------
    original : str
        The text exactly as received (``""`` when the input was ``None``).
    text : str
        Cleaned text: mojibake repaired, HTML tags and entities removed, whitespace collapsed,
        curly quotes straightened, cut to :data:`MAX_CHARS`.
    n_words : int
        Number of alphabetic words in ``text``.
    is_empty : bool
        True when ``text`` contains no words (blank, only emoji or punctuation).
    is_english : bool
        False only when there is evidence the text is not English (see :func:`is_english`).
    was_truncated, had_markup, had_mojibake : bool
        What cleaning did.
    """

    original: str
    text: str
    n_words: int
    is_empty: bool
    is_english: bool
    was_truncated: bool
    had_markup: bool
    had_mojibake: bool


@functools.lru_cache(maxsize=1)
def load_pipeline() -> Language:
    """Return the shared blank English pipeline with lookup lemmatizer and sentencizer.

    Built once per process and cached. Runs offline: the lemma table ships in
    ``spacy-lookups-data``.
    """
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.add_pipe("sentencizer")
    nlp.initialize()
    return nlp


@functools.lru_cache(maxsize=1)
def _lemma_table() -> dict[str, str]:
    with gzip.open(_LOOKUPS_DIR / "en_lemma_lookup.json.gz", "rt", encoding="utf-8") as handle:
        table: dict[str, str] = json.load(handle)
    lemmas = {key.lower(): value.lower() for key, value in table.items()}
    lemmas.update(_LEMMA_FIXES)
    return lemmas


@functools.lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Return a lower-case English word list (lemma table, stop words and common slang)."""
    table = _lemma_table()
    return frozenset(table) | frozenset(table.values()) | STOP_WORDS | _EXTRA_ENGLISH


def lemma_of(lower: str) -> str:
    """The lemma of a lower-case word from the lookup table (the word itself when unknown)."""
    return _lemma_table().get(lower, lower)


def straighten(text: str) -> str:
    """Replace curly quotes and apostrophes with straight ones."""
    return text.translate(_APOSTROPHES)


def tokenize(text: str) -> list[str]:
    """Split ``text`` into lower-case lemmas; usable as a scikit-learn ``tokenizer``.

    Punctuation, whitespace and single stray symbols are dropped; numbers and emoji are kept,
    since "bus 174" or a crying emoji can carry meaning.
    """
    return [lemma for _, lemma in word_tokens(text)]


def word_tokens(text: str) -> list[tuple[str, str]]:
    """The (lower-case form, lemma) of each token of ``text`` that is not punctuation or space.

    Equal to running spaCy's tokenizer over the straightened text, memoised per whitespace-free
    chunk (the tokenizer never joins characters across whitespace).
    """
    pairs: list[tuple[str, str]] = []
    cache = _chunk_cache
    for chunk in split_chunks(text):
        tokens = cache.get(chunk)
        if tokens is None:
            tokens = chunk_tokens(chunk)
        pairs.extend(tokens)
    return pairs


def split_chunks(text: str) -> list[str]:
    """The whitespace-free pieces of the straightened ``text``, which spaCy tokenizes one by one."""
    return text.translate(_APOSTROPHES).split()


def clear_token_cache() -> None:
    """Forget the memoised chunk tokenizations (to free memory, or to time a cold start)."""
    _chunk_cache.clear()


def chunk_tokens(chunk: str) -> tuple[tuple[str, str], ...]:
    """The (lower-case form, lemma) pairs of one chunk from :func:`split_chunks`, memoised."""
    tokens = _chunk_cache.get(chunk)
    if tokens is not None:
        return tokens
    tokens = tuple(
        (token.lower_, lemma_of(token.lower_))
        for token in load_pipeline().tokenizer(chunk)
        if not (token.is_punct or token.is_space)
    )
    if len(_chunk_cache) >= _CHUNK_CACHE_LIMIT:
        _chunk_cache.clear()
    _chunk_cache[chunk] = tokens
    return tokens


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences with the pipeline's sentencizer."""
    nlp = load_pipeline()
    doc = nlp(text, disable=["lemmatizer"])
    return [sentence.text for sentence in doc.sents]


def is_english(text: str, *, min_share: float = 0.5, min_words: int = 3) -> bool:
    """Guess whether ``text`` is English from the share of its words in an English word list.

    A cheap heuristic: with fewer than ``min_words`` words there is no evidence either way and
    the answer is True, so short answers such as "ok" or an emoji are not set aside.
    """
    return _is_english_words(_WORD_RE.findall(text.translate(_APOSTROPHES)), min_share, min_words)


def _drop_controls(text: str) -> str:
    """``text`` without control and format characters (Unicode Cc, Cf) other than newline, tab
    and the zero-width joiner of emoji sequences; each distinct character is looked up once."""
    dropped = {ord(ch): None for ch in set(text)
               if unicodedata.category(ch) in {"Cc", "Cf"} and ch not in "\n\t\u200d"}
    return text.translate(dropped) if dropped else text


def _is_english_words(words: list[str], min_share: float, min_words: int) -> bool:
    if len(words) < min_words:
        return True
    return (len(words) - _n_unknown(words)) / len(words) >= min_share


def _n_unknown(words: list[str]) -> int:
    """How many of ``words`` are in no English word list, with or without their apostrophes."""
    vocabulary = english_words()
    unknown = itertools.filterfalse(vocabulary.__contains__, map(str.lower, words))
    return sum(1 for word in unknown if word.replace("'", "") not in vocabulary)


def _count_piece(piece: str) -> tuple[int, int]:
    words = _WORD_RE.findall(piece)
    return len(words), _n_unknown(words)


_piece_counts = WordMemo(_count_piece)  # (words, unknown words) of each space-free piece


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 text that was decoded as Windows-1252 or Latin-1 ("cafÃ©" becomes "café")."""
    if text.isascii() or not _MOJIBAKE_RE.search(text):  # mojibake is made of characters beyond ASCII
        return text
    for encoding in ("cp1252", "latin-1"):
        try:
            return text.encode(encoding).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return text


def prepare_text(text: str | bytes | None, *, max_chars: int = MAX_CHARS) -> PreparedText:
    """Clean one free-text answer for analysis without losing the original.

    Parameters
    ----------
    text : str, bytes or None
        The answer. Bytes are decoded as UTF-8, falling back to Windows-1252.
    max_chars : int
        Longer texts are cut at the last space before this many characters.

    Returns
    -------
    PreparedText
    """
    original = _decode(text)
    repaired = repair_mojibake(original)
    without_tags = _TAG_RE.sub(" ", repaired) if "<" in repaired else repaired
    cleaned = html.unescape(without_tags) if "&" in without_tags else without_tags
    if not cleaned.isascii() or _CONTROL_RE.search(cleaned):
        cleaned = _drop_controls(cleaned)
    # Collapse runs of whitespace (str.split() uses the same Unicode whitespace as the regex \s).
    cleaned = " ".join(cleaned.translate(_APOSTROPHES).split())
    was_truncated = len(cleaned) > max_chars
    if was_truncated:
        cut = cleaned.rfind(" ", 0, max_chars)
        cleaned = cleaned[: cut if cut > max_chars // 2 else max_chars]
    # Words (cleaned is already straightened, as is_english needs), counted space-free piece by
    # piece: no word spans a space, and the pieces repeat from text to text.
    counts = _piece_counts(cleaned.split(" "))
    n_words = sum(map(itemgetter(0), counts))
    n_unknown = sum(map(itemgetter(1), counts))
    return PreparedText(
        original=original,
        text=cleaned,
        n_words=n_words,
        is_empty=not n_words,
        is_english=n_words < 3 or (n_words - n_unknown) / n_words >= 0.5,  # as is_english(cleaned)
        was_truncated=was_truncated,
        had_markup=without_tags != repaired,
        had_mojibake=repaired != original,
    )


def _decode(text: str | bytes | None) -> str:
    if text is None:
        return ""
    if isinstance(text, bytes):
        try:
            return text.decode("utf-8")
        except UnicodeDecodeError:
            return text.decode("cp1252", errors="replace")
    if not isinstance(text, str):
        raise TypeError(f"prepare_text expects str, bytes or None, got {type(text).__name__}: {text!r}")
    return text
