"""Flag free text that may disclose harm or risk to the writer or someone they know.

Rules, not a model: a safeguarding lead must be able to read why a text was flagged. The rules
err towards flagging, so reviewers see some general worries too; a general concern with no
person in it ("more police to stop stabbings") is not flagged. A flag is a prompt for a trained
person to read the answer, never a conclusion.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from nlp.prefilter import LiteralPrefilter

logger = logging.getLogger(__name__)

REASONS: dict[str, str] = {
    "self_harm": "self-harm or suicidal thoughts",
    "violence": "violence against the writer or someone they know",
    "threat": "threats, stalking or being followed",
    "exploitation": "exploitation or grooming",
    "home": "abuse or danger at home",
    "sexual": "sexual harm",
    "weapon": "a specific person carrying a weapon",
    "help": "asks for help",
}

_PERSON = (
    r"\b(?:i|im|ive|id|ill|me|my|mine|myself|we|us|our|he|she|his|her|him|hes|shes|mate|mates|friend|"
    r"friends|bro|brother|sister|cousin|son|daughter|kid|kids|boy|girl|bf|gf|boyfriend|girlfriend|mum|"
    r"dad|nan|grandad|uncle|aunt|neighbou?r|classmate|yr \d+|year \d+)\b"
)
_HARM = (
    r"stab+(?:e|i)?d|shank(?:e)?d|jump(?:e?d|t)|rush(?:e)?d|beat(?:en|n)?(?: up)?|batter(?:e)?d|"
    r"attack(?:e)?d|mug+(?:e)?d|rob+(?:e)?d|punch(?:e)?d|slap+(?:e)?d|kick(?:e)?d(?! out)|shot|"
    r"slash(?:e)?d|bottle?d|glass(?:e)?d|merk(?:e)?d|assault(?:e)?d|hurt|hit|spike?d|grope?d|"
    r"touched up|chase?d|bull(?:y|ied)|harass(?:e)?d|cornered|pushed|strangled|choked|threaten(?:e)?d|followed|stalked"
)
_ACTIVE = (
    r"stab+(?:e|i)?d|stabs?|shank(?:e)?d|jump(?:e?d|t)|rush(?:e)?d|beat(?:s|ing)?|batter(?:e)?d|"
    r"attack(?:e)?d|mug+(?:e)?d|rob+(?:e)?d|punch(?:e)?d|punches|slap+(?:e)?d|slaps|kick(?:e)?d|kicks|"
    r"hit|hits|hitting|hurt|hurts|grab+(?:e)?d|grope?d|gropes|strangle[sd]?|choke[sd]?|pushe[sd]|"
    r"threaten(?:s|e?d)?|threat(?:e)?d|bull(?:y|ies|ied)|harass(?:es|e?d)?|spat on|kill|merk|shank|stab|batter|rush"
)
_OBJECT = r"(?:me|us|my (?!\w+ (?:would|will)\b)\w+(?: \w+)?|him|her|mum|dad)"
_WEAPON = (
    r"(?:a |an |his |her |their |the |some |big |zombie |kitchen |flick )*"
    r"(?:knife|knifes|knives|shank|shanks|blade|machete|nank|wap|strap|skeng|gun|piercer|"
    r"weapon|bora|rambo|burner|ting on (?:him|her|them))\b"
)
_CARRIERS = (
    r"\b(?:i|he|she|they|hes|shes|theyre|my (?:\w+ )?\w+|this (?:guy|boy|kid|man|girl|lad|yute)|"
    r"(?:boys|kids|someone|people|everyone) (?:at|in|from) my \w+|[a-z]+ in my (?:class|year|school))"
)
_CARRY = (
    r"(?:always |still |now |even )?(?:carries|carry|carrying|has|had|got|gets|brings|brought|bring|"
    r"keeps|keep|kept|pulled|pulls|pulled out|showed|shows|flashed|hides|hid|owns|own|walks round with|"
    r"walks around with)(?: out| round| around| on (?:him|her|them))?"
)

_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (category, re.compile(pattern))
    for category, pattern in (
        ("self_harm", r"\b(?:kil+(?:ing|ed)? (?:my ?self|meself)|kms|k m s|suic?i?d\w*|sucid\w*|suisid\w*|sewer ?slide|"
         r"unalive|self[ -]?harm\w*|end(?:ing)? it all|end(?:ing)? my (?:own )?life|take my (?:own )?life|"
         r"better off (?:dead|without me)|overdos\w*)"),
        ("self_harm", r"\b(?:wan+a|want to|wanted to|gonna|gunna|going to|thinking (?:of|about)|feel like|"
         r"might just|should just|could just|just wanna|just want to)\s+(?:just )?"
         r"(?:end it|end it all|end everything|end things|die|disappear|not be here|not wake up|give up on life)\b"),
        ("self_harm", r"\b(?:cut|cutting|hurt|hurting|harm|harming|starv\w+|burn\w*) (?:my ?self|meself)\b"),
        ("self_harm", r"\b(?:wish i (?:was|were) dead|rather be dead|no (?:point|reason) (?:in )?(?:living|being alive|"
         r"going on|being here|to live)|dont want to (?:be here|live|exist|wake up)|cant go on|"
         r"nobody would (?:care|miss me) if)"),
        ("violence", _PERSON + r" (?:\w+ ){0,3}?(?:got|get|gets|getting|been|was|were|be|being|gotten)\s+"
         r"(?:\w+ )?(?:" + _HARM + r")\b"),
        ("violence", r"^\s*(?:and |just |i )?(?:got|been|was|nearly got|almost got) (?:\w+ )?(?:" + _HARM + r")\b"),
        ("violence", r"\b(?:" + _ACTIVE + r") " + _OBJECT + r"\b(?! up\b)"),
        ("violence", r"\b(?:pulled|pull|pulls|flashed|showed|drew|waved) (?:out )?" + _WEAPON + r"\s*(?:on|at) "
         + _OBJECT),
        ("threat", r"\b(?:threat(?:en)?(?:e?d|s|ing)? (?:me|us|my|him|her|to)|death threats?|know(?:s)? where (?:i|we) live|"
         r"(?:following|followed|follows|stalking|stalked|stalks|waiting for|watching|filming) (?:me|us|my)|"
         r"said (?:he|she|they|hed|shed|theyd|hell|shell|theyll)\s*(?:would|will|gonna|going to|is going to|"
         r"are going to)?\s*(?:kill|stab|shank|hurt|beat|merk|get|jump|do|find|batter|rush))\b"),
        ("exploitation", r"\bolder (?:boys|guys|men|lads|kids|man|ones|people|mandem|girls|youths?|teens?)\b.{0,40}?"
         r"\b(?:make|made|makes|making|get|got|gets|tell|told|tells|ask|asked|asks|want|wants|force|forced|"
         r"pay|paid|pays|give|gave|gives|use|used|uses) (?:me|us|my|him|her|them|kids|young)"),
        ("exploitation", r"\b(?:hold|holding|held|keep|keeping|carry|carrying|stash|stashing|move|moving) "
         r"(?:stuff|things|packages?|a package|bags?|food|the ting|their stuff|drugs|it) (?:for (?:them|him|her)|"
         r"for some|in my)|\b(?:make|made|makes|making) (?:me|us|him|her) (?:hold|carry|sell|deal|move|run|"
         r"do|send|touch|watch)\b"),
        ("exploitation", r"\b(?:county ?lines?|trap ?house|cuckoo\w*|groom\w*|"
         r"recruit\w* (?:me|us|my|him|her)|(?:run|running|do|doing|did|done) (?:a )?(?:lines?|drops?|runs|shotting|deliveries|food runs) (?:for|in|to)|"
         r"owe (?:them|him|her|some \w+) (?:money|for)|in debt to)"),
        ("exploitation", r"\b(?:older|grown|adult) (?:man|men|guy|guys|woman|lad|boy)\b.{0,30}?\b(?:sent|sends|asked|asks|"
         r"messag\w+|add\w+|dm\w*|snap\w*|offer\w*|touch\w*) (?:me|us|her|him|my)"),
        ("exploitation", r"\b(?:gave|give|gives|giving|buys?|bought|offer\w*|promis\w*) (?:me|us|him|her|kids|young \w+)"
         r" (?:free )?(?:stuff|money|cash|weed|food|trainers|clothes|gifts?|phones?|drinks|alcohol|vapes?|lifts?)"),
        ("exploitation", r"\b(?:asked|asks|asking|wants?|wanted|pressur\w+|made|begging|keeps asking) (?:me|her|him)?\s*"
         r"(?:to )?(?:send )?(?:for )?(?:nudes|naked|pics of my|photos of my|dirty pics)|"
         r"sent (?:me|her|him) (?:nudes|dick pics|explicit|naked)|\bsextort\w*"),
        ("home", r"\b(?:step ?dad|step ?mum|step ?father|step ?mother|mums? (?:boy ?friend|bf|partner)|"
         r"dads? (?:girl ?friend|gf|partner)|(?:(?:my|our) )?(?:dad|mum|mom|father|mother|parents?|uncle|brother|"
         r"husband|wife|partner|boyfriend|girlfriend|bf|gf|ex|carer|nan|grandad|foster \w+))\s+(?:\w+ )?"
         r"(?:hits|hit|beats|beat|hurts|hurt|slaps|slapped|punches|punched|kicks|kicked|chokes|choked|strangle\w*|"
         r"shouts at|screams at|threatens|threatened|controls|locks|locked|throws|threw|touch\w*|drinks and|"
         r"gets drunk and|wont let me|doesnt let me|takes my|smashe[sd]|batters|abuses|abused)"),
        ("home", r"\b(?:scared|afraid|frightened|terrified|not safe|unsafe|dont feel safe|dont want) "
         r"(?:to go |of going |going |at |in my (?:own )?|to be at |being at )?(?:home|house)\b|"
         r"\b(?:my|our|me|i|we|im)\b.{0,40}\bdomestic (?:abuse|violence)|\bdomestic (?:abuse|violence)\b.{0,40}\b(?:my|me|our|us)\b|"
         r"\b(?:abusive (?:relationship|partner|husband|dad|boyfriend|home|parents?)|"
         r"violent (?:partner|husband|dad|boyfriend|home))\b|\bkicked (?:me|us) out\b"),
        ("sexual", r"\b(?:raped?|rapist|sexual(?:ly)? (?:assault\w*|abus\w*|harass\w*)|molest\w*|"
         r"touched (?:me|her|my)|groped|flash(?:ed|es|ing) (?:me|us|at)|upskirt\w*|spiked|indecent\w*|"
         r"exposed (?:him|her)self|masturbat\w*)"),
        ("weapon", _CARRIERS + r" " + _CARRY + r" " + _WEAPON),
        ("weapon", r"\b(?:i|we|my \w+|he|she) (?:\w+ )?(?:carry|carries|bring|brings|take|takes|keep|keeps) "
         r"(?:a |an |my |his |her )?(?:knife|blade|shank|weapon)s? (?:for|to|in|on|cos|because|coz)"),
        ("help", r"\b(?:please help me|help me please|someone help|i need help|i need someone to talk to|"
         r"no one to talk to|nobody to talk to)\b"),
    )
)
# Finds, in one scan of a text, the rules whose literal words occur in it; only those can match.
_PREFILTER = LiteralPrefilter([pattern for _, pattern in _RULES])
_REPEAT_RE = re.compile(r"([a-z])\1{2,}")
_SENTENCE_RE = re.compile(r"[^.!?\n]+")


@dataclass(frozen=True)
class SafeguardingMatch:
    """One rule that fired: its category, the plain-English reason and the matched words."""

    category: str
    reason: str
    phrase: str


@dataclass(frozen=True)
class SafeguardingResult:
    """Whether a text should be read by a safeguarding lead, and why."""

    is_flagged: bool
    matches: tuple[SafeguardingMatch, ...]

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
    return _REPEAT_RE.sub(r"\1\1", lowered)


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
    return SafeguardingResult(is_flagged=bool(matches), matches=tuple(matches))
