"""Password policy for staff accounts: long enough, and not a well-known or guessable password.

Length is checked by :func:`service.store.accounts.add_user` (at least 12 characters). This module refuses
passwords that attackers try first even when they are long: entries of breach lists of 12 or more
characters, a common word with digits or symbols added ("Password1234!"), the service's or
council's own words, and a single repeated character or keyboard run.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Passwords of 12+ characters near the top of public breach-frequency lists (lower case).
COMMON = frozenset({
    "123456789012", "1234567890123", "12345678901234", "123456123456", "111111111111", "000000000000",
    "qwertyuiopasdfgh", "qwertyuiop123", "qwerty123456", "1q2w3e4r5t6y", "1qaz2wsx3edc", "zaq12wsxcde3",
    "asdfghjkl123", "abcdefghijkl", "abc123abc123", "iloveyou1234", "password1234", "password12345",
    "passwordpassword", "changemechangeme", "letmein12345", "welcome12345", "trustno1trustno1",
    "correcthorsebatterystaple", "thisismypassword", "mypassword123",
})
# Words that, with only digits and symbols around them, make a guessable password.
COMMON_WORDS = frozenset({
    "password", "passw0rd", "p@ssword", "p@ssw0rd", "qwerty", "qwertyuiop", "letmein", "welcome", "iloveyou",
    "admin", "administrator", "changeme", "monkey", "dragon", "football", "baseball", "sunshine", "princess",
    "superman", "batman", "trustno1", "master", "shadow", "summer", "winter", "spring", "autumn", "london",
    "england", "arsenal", "chelsea", "liverpool", "tottenham", "havering", "romford", "barking", "dagenham",
    "council", "community", "communityvoice", "voice", "survey", "safety", "police",
})
_KEYBOARD_RUNS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "abcdefghijklmnopqrstuvwxyz")


#: The council's own words: a password containing one is guessed first by anyone targeting it.
COUNCIL_WORDS = ("havering", "londonboroughofhavering")
MIN_LENGTH = 12
_ADVICE = "; choose three or four unrelated words, or let a password manager make one"


@lru_cache(maxsize=1)
def breached_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of the list zxcvbn ships (MIT licence; from Mark Burnett's
    and Xato's public breach corpora), lower case; loaded on first use."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"])


def check_password(password: str, *, email: str = "", name: str = "", council: str = "") -> None:
    """Refuse a short, well-known or guessable password: the one policy of staff passwords (issue 19).

    Refused: fewer than :data:`MIN_LENGTH` characters; a repeated unit (``letmeinletmein``,
    ``abcabcabcabc``, ``Passw0rd!Passw0rd!``) or run of keys; one containing the e-mail address
    (or its part before ``@``), the user's name or the council's name; one on a common-password list,
    also with digits and symbols stripped.

    Raises
    ------
    ValueError
        Saying why the password is refused (never echoing it) and what to choose instead.
    """
    if len(password) < MIN_LENGTH:
        raise ValueError(f"the password has {len(password)} characters; use at least {MIN_LENGTH}")
    lowered = password.lower().strip()
    compact = re.sub(r"\s+", "", lowered)
    core = re.sub(r"[\W\d_]+", "", lowered)
    _refuse_personal(compact, email, name, council)
    if core in COMMON_WORDS or re.sub(r"[\W_]+", "", lowered) in COMMON_WORDS:
        raise ValueError("the password is a common word with only digits or symbols added" + _ADVICE)
    common = breached_passwords()
    if lowered in COMMON or compact in common or lowered in common or (len(core) >= 6 and core in common):
        raise ValueError("the password is on lists of common passwords that attackers try first" + _ADVICE)
    if len(set(lowered)) <= 2 or re.fullmatch(r"(.+?)\1+", compact):
        raise ValueError("the password repeats the same few characters" + _ADVICE)
    if any(compact in run or run.startswith(compact) for run in _KEYBOARD_RUNS if len(compact) >= 8):
        raise ValueError("the password is a run of keys or letters" + _ADVICE)


def _refuse_personal(compact: str, email: str, name: str, council: str) -> None:
    """Refuse a password holding the account's e-mail or name, or the council's name."""
    email = email.strip().lower()
    local = email.partition("@")[0]
    if email and (email in compact or (len(local) >= 4 and local in compact)):
        raise ValueError("the password contains the e-mail address" + _ADVICE)
    parts = [p for p in re.split(r"[\s.'-]+", name.lower()) if len(p) >= 4]
    if parts and (re.sub(r"\s+", "", name.lower()) in compact or any(p in compact for p in parts)):
        raise ValueError("the password contains the account holder's name" + _ADVICE)
    council_words = [*COUNCIL_WORDS, re.sub(r"\s+", "", council.lower())]
    if any(len(word) >= 4 and word in compact for word in council_words):
        raise ValueError("the password contains the council's name" + _ADVICE)
