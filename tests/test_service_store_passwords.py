"""The one password policy (issue 19, finding 11): the probe's weak passwords are refused."""

from __future__ import annotations

import pytest

from service.store.accounts import add_user
from service.store.passwords import breached_passwords, check_password

EMAIL = "jo.bloggs@havering.gov.example"


@pytest.mark.parametrize(("password", "reason"), [
    ("letmeinletmein", "repeats the same few characters|common"),
    ("abcabcabcabc", "repeats the same few characters|common"),
    ("Passw0rd!Passw0rd!", "repeats the same few characters|common"),
    ("Havering Council", "council's name"),
    (EMAIL, "e-mail address"),
    ("jo.bloggs rides the tram", "e-mail address"),
    ("short one", "use at least 12"),
    ("Bloggs kettle orbit", "account holder's name"),
])
def test_the_probes_weak_passwords_are_refused(password, reason):
    with pytest.raises(ValueError, match=reason) as error:
        check_password(password, email=EMAIL, name="Jo Bloggs")
    assert password not in str(error.value)


def test_a_password_of_the_shipped_common_list_is_refused():
    assert "iloveyou" in breached_passwords() and len(breached_passwords()) > 20_000
    with pytest.raises(ValueError, match="common passwords"):
        check_password("leavemealone")


def test_add_user_refuses_a_password_equal_to_the_e_mail(session):
    with pytest.raises(ValueError, match="e-mail address"):
        add_user(session, EMAIL, "Jo Bloggs", "viewer", EMAIL)


def test_unrelated_words_pass():
    check_password("tram kettle orbit mango", email=EMAIL, name="Jo Bloggs", council="Havering Council")
