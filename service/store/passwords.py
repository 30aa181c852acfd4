"""Password policy for staff accounts: long enough, and not a well-known or guessable password.

Length is checked by :func:`service.store.accounts.add_user` (at least 12 characters). This module refuses
passwords that attackers try first even when they are long: entries of breach lists of 12 or more
characters, a common word with digits or symbols added ("Password1234!"), the service's or
council's own words, and a single repeated character or keyboard run.
"""

from __future__ import annotations

import re

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


def check_password(password: str) -> None:
    """Refuse a well-known or guessable password.

    Raises
    ------
    ValueError
        Saying why the password is refused (never echoing it) and what to choose instead.
    """
    lowered = password.lower().strip()
    core = re.sub(r"[\W\d_]+", "", lowered)
    advice = "; choose three or four unrelated words, or let a password manager make one"
    if lowered in COMMON:
        raise ValueError("the password is on lists of common passwords that attackers try first" + advice)
    if core in COMMON_WORDS or re.sub(r"[\W_]+", "", lowered) in COMMON_WORDS:
        raise ValueError("the password is a common word with only digits or symbols added" + advice)
    if len(set(lowered)) <= 2:
        raise ValueError("the password repeats one or two characters" + advice)
    compact = re.sub(r"\s+", "", lowered)
    if any(compact in run or run.startswith(compact) for run in _KEYBOARD_RUNS if len(compact) >= 8):
        raise ValueError("the password is a run of keys or letters" + advice)
