"""Hostile free text: redaction, safeguarding and cleaning never crash and never lose the original."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from nlp import check_safeguarding, prepare_text, redact

FAST = settings(max_examples=150, deadline=None)

any_text = st.text(max_size=300) | st.sampled_from(
    ["", "\x00" * 10, "\ufeff\u202e\u200d", "😀" * 200, "a\u0301" * 100, "<b>&amp;</b>" * 50, "Ã©" * 100,
     "0" * 5000, "@" * 5000, "x " * 20_000, "07" * 3000, ". " * 5000])

_alnum = "abcdefghijklmnopqrstuvwxyz0123456789"
emails = st.builds(
    lambda first, rest, domain, tld: f"{first}{rest}@{domain}.{tld}",
    st.sampled_from(_alnum), st.text(alphabet=_alnum + "._+-", max_size=12).filter(lambda s: not s.endswith(".")),
    st.from_regex(r"[a-z0-9]{1,10}(-[a-z0-9]{1,5})?", fullmatch=True), st.from_regex(r"(co\.uk|com|org|net|gov\.uk)", fullmatch=True))
mobiles = st.builds(
    lambda digits, style: style.format(d=digits, a=digits[:3], b=digits[3:]),
    st.text(alphabet="0123456789", min_size=9, max_size=9),
    st.sampled_from(["07{d}", "07{a} {b}", "07{a}-{b}", "+447{d}", "+44 7{a} {b}", "0044 7{a} {b}", "(07{a}) {b}"]),
)
separators = st.sampled_from([" ", "\n", ", ", ". ", " (", ") ", ": ", "\t"])


@FAST
@given(text=any_text)
def test_any_text_is_redacted_checked_and_prepared_without_error(text):
    result = redact(text)
    assert result.original == text
    assert check_safeguarding(text).is_flagged in (True, False)
    assert check_safeguarding(result.text).is_flagged in (True, False)
    prepared = prepare_text(text)
    assert prepared.original == text
    assert len(prepared.text) <= len(text) + 10 * text.count("&")  # entities only ever shrink


@FAST
@given(data=st.data())
def test_embedded_emails_and_mobiles_never_survive_redaction(data):
    """Each e-mail address or UK mobile put into random text lies wholly inside one redacted span.

    The filler next to a secret does not end in a digit: "01234 07700 900123" has no single right answer.
    """
    filler = st.text(max_size=25).filter(lambda s: not s[:1].isdecimal() and not s[-1:].isdecimal())
    pieces = data.draw(st.lists(filler, min_size=1, max_size=5), label="filler")
    secrets = data.draw(st.lists(emails | mobiles, min_size=1, max_size=4), label="secrets")
    text, places = pieces[0], []
    for secret, filler in zip(secrets, [*pieces[1:], *[""] * len(secrets)]):
        text += data.draw(separators)
        places.append((len(text), len(text) + len(secret)))
        text += secret + data.draw(separators) + filler
    result = redact(text)
    assert result.original == text
    for start, end in places:
        assert any(span.start <= start and end <= span.end for span in result.spans), text[start:end]
    for secret in secrets:
        assert secret not in result.text


@FAST
@given(email=emails, before=separators, after=st.text(max_size=20))
def test_an_email_is_redacted_whatever_text_follows_it(email, before, after):
    """"_", letters and digits straight after the address are word characters but not part of a domain."""
    text = "mail me" + before + email + after
    result = redact(text)
    start = len("mail me" + before)
    assert any(span.kind == "email" and span.start == start and span.end >= start + len(email) for span in result.spans)
    assert email not in result.text


@settings(max_examples=60, deadline=None)
@given(raw=st.binary(max_size=300))
def test_prepare_text_takes_any_bytes_and_keeps_their_decoding(raw):
    prepared = prepare_text(raw)
    try:
        assert prepared.original == raw.decode("utf-8")
    except UnicodeDecodeError:
        assert prepared.original == raw.decode("cp1252", errors="replace")
