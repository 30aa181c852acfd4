"""The words around names, for :mod:`nlp.names`: cues that say a person's name follows or precedes,
words that say a capitalised word is part of a place or a shop's name ("Harold Hill", "Marks and
Spencer"), and words that are never names (months, shops, titles, text-speak, dictionary words).

Cues come in five strengths, because what may follow them differs:

- ``"noun"``: only a person can follow ("me and", "ask for", "called", "her name is", "arrests of",
  "signed"): a listed name is taken even when it is also a word ("me and grace").
- ``"relation"``: a relation or a person noun ("my mate", "his cousin", "this guy"): a verb may
  follow instead ("my mate will come"), so names that are also verbs need a capital.
- ``"title"``: police and other titles ("PC", "Sgt", "Insp", "Cllr"): a surname follows.
- ``"weak"``: verbs of talking and meeting ("tell", "ask", "with", "call", "thanks"): an ordinary
  word often follows ("tell the council"), so only a capitalised or a listed non-word name counts.
- ``"intro"``: the writer names themself ("it's", "this is", "I'm"): a capitalised name only.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
from pathlib import Path

from nlp.prefilter import LiteralGate

_RELATIONS = (
    r"neighbou?rs?|mate|mates|m8|friend|friends|bestie|best\s+friend|bff|pal|bf|gf|boyfriend|girlfriend|"
    r"brother|bro|sister|sis|cousin|cuz|son|daughter|grandson|granddaughter|uncle|aunt|auntie|aunty|"
    r"step\s?dad|step\s?mum|step\s?brother|step\s?sister|dad|mum|mother|father|nan|nanny|grandad|grandma|"
    r"teacher|ex|husband|wife|partner|landlord|landlady|nephew|niece|carer|coach|tutor|colleague|classmate|"
    r"boss|manager|housemate|flatmate|lodger|kid|kids|child|baby|godson|goddaughter"
)
_PEOPLE = r"guy|man|boy|girl|kid|woman|lad|bloke|dude|yute|youth|geezer|lady|fella|gentleman|chap|person|bloke"
# People named by the job they do: "the park keeper Bill", "our caretaker Dave", "the shop owner Sunil".
_ROLES = (r"keeper|warden|caretaker|owner|driver|guard|cleaner|porter|concierge|attendant|shopkeeper|manager|"
          r"chair|chairman|chairwoman|vicar|priest|postman|postwoman|lollipop\s+lady|lollipop\s+man|barber|"
          r"steward|organiser|organizer|worker|officer|volunteer|leader|head|headteacher|receptionist")
_TITLES = (r"uncle|aunty|auntie|aunt|nan|nanny|nana|grandad|grandma|granny|cllr|councillor|pc|dc|ds|di|dci|dsgt|"
           r"sgt|sergeant|insp|inspector|pcso|constable|detective|officer|prof|professor|rev|reverend|father|"
           r"imam|pastor|sheikh|lil|mr|mrs|ms|miss|dr|mx")
CUE_RE = re.compile(
    r"(?:\b(?P<noun>called|named|call(?:s|ed)?\s+(?:him|her)|name\s+is|name's|names\s+(?:is|are)|names|"
    r"known\s+as|go(?:es)?\s+by|nicknamed|ask(?:ing)?\s+for|me\s+and|me\s+&|me\s+n|"
    r"arrest(?:s|ed|ing)?(?:\s+of)?|signed|sent\s+by|written\s+by|love\s+from|regards)"
    r"|\b(?P<relation>(?:my|his|her|our|their|your|a|the|me)\s+(?:little\s+|big\s+|older\s+|younger\s+|best\s+)?"
    r"(?:" + _RELATIONS + r")|(?:this|that|a|the|some)\s+(?:" + _PEOPLE + r")|"
    r"mums?\s+(?:boy\s?friend|bf|partner|fella)|dads?\s+(?:girl\s?friend|gf|partner)|"
    r"(?:the|our|my|his|her|their|a)\s+(?:[a-z]+\s+)?(?:" + _ROLES + r"))"
    r"|\b(?P<title>(?:" + _TITLES + r")\.?)"
    r"|\b(?P<intro>it'?s|this\s+is|i'?m|i\s+am)"
    r"|\b(?P<weak>tell|told|ask|asked|with|call|ring|text|message|contact|thanks|thank\s+you|cheers|saw|seen|meet)"
    r")\s+$",
    re.I,
)
# The last word of each cue, so that a lower-case word after another word is checked for a cue only
# when it may follow one (most words of a comment are not).
CUE_END_WORDS = frozenset(
    re.findall(r"[a-z']+", (_RELATIONS + "|" + _PEOPLE + "|" + _TITLES + "|" + _ROLES).replace("\\s", " "))
    + """called named him her is name's names are as by nicknamed for and n arrest arrests arrested arresting of
    signed from regards tell told ask asked with call ring text message contact thanks you cheers saw seen meet
    it's its this i'm im am neighbour neighbours neighbor neighbors &""".split()
) - frozenset("my his her our their your a the me this that some little big older younger best s i".split())
RELATION_WORDS = frozenset(re.findall(r"[a-z]+", _RELATIONS.replace("\\s", " "))) - {"s", "step", "best", "u", "r"}
TITLE_RE = re.compile(r"\b(?:mr|mrs|ms|miss|dr|mx)\.?\s+$", re.I)
_TITLE_GATE = LiteralGate(TITLE_RE)
# Where TITLE_RE matches the six characters before a word, the text holds a title as a word, or,
# when those six begin inside a word ("dismiss. Tom"), a title and a dot and a space or two spaces.
_TITLE_ANYWHERE_RE = re.compile(r"\b(?:mrs?|ms|miss|dr|mx)\.?\s|miss\.\s|(?:mrs?|ms|miss|dr|mx)\.?\s\s", re.I)


def may_hold_title(text: str) -> bool:
    """False when TITLE_RE matches before no word of ``text``."""
    return _TITLE_GATE.may_match(text) and bool(_TITLE_ANYWHERE_RE.search(text))
# The titles are not names themselves: "Insp" in "Sgt Brown and Insp Khan".
TITLE_WORDS = frozenset(re.sub(r"[()?:\\.]", " ", _TITLES).replace("|", " ").split())
# A name signing off the message: "call me on 07700 900123 - Jade", "thanks, Sam x", "x Mia x".
SIGN_OFF_RE = re.compile(
    r"(?:[\-\u2013\u2014~,]|\b(?:thanks|thank\s+you|cheers|from|love|regards|luv|its|it's|by|signed|xx?|ta))\s*$", re.I
)
# What may follow a signed name: punctuation, kisses, an age ("- Aisha, 14", "by Demi (13)").
END_RE = re.compile(r"^[\s.!?,)\]x]*(?:\(?\s*(?:aged\s*)?\d{1,2}\s*\)?(?:\s*(?:yrs?|years?)(?:\s*old)?)?)?[\s.!?,)\]x]*$",
                    re.I)
# The text opens with the writer's name: "From Yonas Tesfaye, Chadwell Heath", "from olena, ...".
OPENER_RE = re.compile(r"^\W*(?:(?:hi|hello|hey|dear\s+\w+)\W+)?(?:from|it'?s|this\s+is|i'?m|my\s+name\s+is)\s+$", re.I)
# A name before "and me" or "and her mum": "Senait and me walk", "tolu n me", "Xiaoling and her mum".
AND_ME_RE = re.compile(
    r"\s*(?:and|&|n)\s+(?:me|i|myself|(?:his|her|their)\s+(?:mum|dad|mother|father|brother|sister|friends?|mates?"
    r"|kids|son|daughter|boyfriend|girlfriend|husband|wife|partner|cousins?|nan|gran)"
    r"|my\s+(?:mate|mates|friend|friends|bestie|best\s+friend|sister|brother|cousin|bro|sis))\b",
    re.I,
)
# After a first name, the group the person speaks for: "Jack from the Rotary", "Sue from the council".
FROM_GROUP_RE = re.compile(r"\s+from\s+the\s+(?:[A-Z]|(?:council|police|club|church|mosque|school|housing|charity"
                           r"|residents|association|committee|trust|foodbank|team)\b)")
# Words after which an unlisted capitalised word that is no English word or place is a person:
# "Oluwadamilare lives upstairs", "Jannat is my mate", "Gintare from number 8".
PERSON_VERBS = frozenset(
    """lives lived is was keeps kept said says told tells got gets has had from who hit hits kicked punched came
    comes goes went texted messaged threatened threatens sold sells deals dealt stole steals took always never
    shouted shouts pushed started starts attacked followed saw sees reported reports rang rings called calls
    asked asks works worked runs ran drives drove parks parked owns owned robbed stabbed beat beats chased chases
    swore spat grabbed touched broke smashed knows knew harassed harasses bullied bullies lent owes""".split()
)
# Listed names that are verbs too: after "my mate" they need a capital ("my mate will come").
VERB_NAMES = frozenset("will may might can rose drew mark sue rob chase won grant bob pat bill hunt jack guy said saw"
                       .split())
# Everyday text-speak that follows cues and is in no word list ("tell em", "me and ur mum").
SLANG = frozenset(
    """em dem dat dis ya yu u ur yr ma mi mii ppl mans man's bare nuff sum summat sumthin nothing nuttin bruv blud
    fam bro cuz sis hun babe bae lot lots mumm mam mammy mummy daddy nanna grandpa yall y'all ye yous youse
    dont didnt wont cant aint innit tho lol omg wot wat wen cus cuz coz cos""".split()
)


# After these a capitalised name is part of a place: "Harold Hill", "Elizabeth line".
PLACE_AFTER = frozenset(
    """hill wood road rd street st park line station centre center close cl avenue ave av gardens gdns court
    house school academy college hospital green heath way lane estate ward library square bridge row gate
    cross drive parade market primary high tower towers chase common lodge hall field fields place
    terrace walk mews crescent grove trail lake skatepark hub neighborhood neighbourhood campus club youth
    church mosque temple gurdwara surgery stadium ground pool leisure boulevard blvd signal""".split()
)
# Of those, the ones that are everyday words too ("me and Kofi walk home") count only when capitalised.
PLACE_AFTER_IF_CAPITAL = frozenset(
    "wood way green gate cross drive parade market primary high chase common lodge hall field fields "
    "terrace walk house row pool ground signal".split()
)
PLACE_BEFORE = frozenset("st saint king queen prince princess lake mount port fort cafe café caffe caffè".split())
# After a colour a capitalised word is a car make or model, not a person: "a silver Ford Focus".
COLOURS = frozenset("silver grey gray black white red blue green dark light navy yellow orange gold purple".split())
# Listed names that are months, places or words too often to take without a cue.
CUE_ONLY = frozenset(
    """will may june april august summer bill mark guy frank hope faith joy sunny rich chase hunter
    chelsea victoria harold amber jay dev lee max dean ray pat rob sue jack grace rose ruby jade
    holly heather ali jun lei wei ming mei ana""".split()
)
NOT_NAMES = frozenset(
    """police council tfl the a an i im it its this that he she they we you my me him her them
    mum dad bro fam innit lol nan mate mates monday tuesday wednesday thursday friday saturday sunday
    january february march july september october november december christmas easter eid diwali ramadan
    tesco asda lidl aldi sainsburys morrisons mcdonalds kfc nhs ulez cctv asb pcso pcsos
    english british muslim muslims christian jewish hindu sikh polish asian african caribbean
    god jesus allah ok okay yes no jan feb mar apr jun jul aug sep sept oct nov dec black white
    north south east west northern southern eastern western central
    uber bolt lime deliveroo justeat amazon google facebook instagram insta snapchat tiktok whatsapp youtube
    netflix greggs primark boots costa starbucks nandos maccies wetherspoons spoons brexit covid corona lockdown
    labour tory tories ukip reform met scotland yard ofsted ofcom dvla airbnb paypal iphone android
    poundland wilko argos currys specsavers superdrug iceland waitrose ocado halfords screwfix toolstation
    wickes homebase dunelm lloyds barclays natwest santander halifax nationwide ladbrokes betfred
    subway dominos chicken cottage dixy morleys sainsbury tkmaxx
    samaritans childline barnardos nspcc mind crimestoppers
    xbox playstation roblox fortnite discord telegram twitter marks ave rd st
    officer officers sir madam""".split()
) | TITLE_WORDS


# Shops, firms and the borough's schools named after people: "Marks and Spencer", "Robert Clack"
# (a school in Dagenham) are no person. A title before one makes it a person again ("Mr Sanders").
ORGANISATION_RE = re.compile(
    r"(?<!Mr )(?<!Mrs )(?<!Ms )(?<!Dr )(?<!Miss )"
    r"\b(?:Marks\s*(?:and|&|n)\s*Spencers?|John\s+Lewis|Ted\s+Baker|Dorothy\s+Perkins|Jack\s+Wills|Ann\s+Summers"
    r"|Holland\s*(?:and|&)\s*Barrett|Harvey\s+Nichols|Tommy\s+Hilfiger|Ronald\s+McDonald|Ben\s*(?:and|&)\s*Jerry's"
    r"|Robert\s+Clack|Jo\s+Richardson|Sydney\s+Russell|Frances\s+Bardsley|Sanders(?:\s+Draper)?"
    r"|Thomas\s+Arnold|William\s+Bellamy|Richard\s+Alibon|John\s+Perry|James\s+Oglethorpe|Henry\s+Green"
    r"|Papa\s+John's|Victoria's\s+Secret|Martin\s+McColl|Sue\s+Ryder|Barnardo's|Tony\s+Blair\s+Institute)\b",
    re.I,
)


# Most texts name none of those: the literal test rules the long pattern out first.
ORGANISATION_GATE = LiteralGate(ORGANISATION_RE)

_WORD_START_RE = re.compile(r"\b\w")


def cue_before(text: str, start: int) -> tuple[str, str] | None:
    """The person cue ending just before ``start`` and its strength, e.g. ``("my friend", "relation")``."""
    window = text[max(0, start - 40) : start]
    last = window.rstrip().rpartition(" ")[2].lower().rstrip(".")
    if last not in CUE_END_WORDS:  # most words follow no cue: skip the long pattern
        return None
    # A cue starts at a word and has at most five words: try those starts, leftmost first, rather
    # than searching every position of the window.
    starts = [word.start() for word in _WORD_START_RE.finditer(window)][-6:]
    match = next((found for pos in starts if (found := CUE_RE.match(window, pos)) is not None), None)
    if match is None:
        return None
    kind = next(name for name in ("noun", "relation", "title", "intro", "weak") if match.group(name))
    return " ".join(match.group(kind).lower().split()), kind


@functools.lru_cache(maxsize=1)
def dictionary_words() -> frozenset[str]:
    """The WordNet index of spaCy's lookup tables (nouns, verbs, adjectives, adverbs; spacy-lookups-data,
    MIT): it has the words the lemma table lacks because they do not inflect ("unlit", "anymore").
    Used where an unknown word would otherwise be taken for a name; WordNet also lists many names
    ("tyler", "mason"), so it never overrides a name list.
    """
    import spacy_lookups_data

    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lemma_index.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        index: dict[str, list[str]] = json.load(handle)
    return frozenset(word.lower() for words in index.values() for word in words if "_" not in word)
