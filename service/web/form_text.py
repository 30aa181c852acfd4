"""Words residents read on the QR form that do not live in a template, marked for the catalogues.

The wording of configured questions comes from ``config.toml`` and is translated at run time with
``gettext``; the shipped questions and options are listed here so that ``pybabel extract`` puts
them in ``service/translations/messages.pot``. A question added in the configuration needs its
wording added here too before it can be translated.
"""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext

from ingest import FieldError
from ingest.vocabulary import ETHNIC_GROUPS, ETHNICITIES, parse_band


def _n(text: str) -> str:
    """Mark a string for extraction without translating it now."""
    return text


CONFIGURED = (
    _n("How safe do you feel here?"),
    _n("What would make you feel safer here?"),
    _n("Has anything happened to you or someone you know here?"),
    _n("Robbery"), _n("Violence"), _n("Harassment"), _n("Other"), _n("Prefer not to say"),
)

#: The design system's wording for a question left unanswered ("Select how safe you feel here"), per
#: shipped question; a question added in the configuration gets the general wording below.
REQUIRED_MESSAGES = {
    "How safe do you feel here?": _n("Select how safe you feel here"),
    "What would make you feel safer here?": _n("Enter what would make you feel safer here"),
    "Has anything happened to you or someone you know here?": _n("Select if anything has happened to you or someone you know here"),
}

#: Labels of the points of a five-point safety scale, 1 to 5.
SCALE_LABELS = (
    lazy_gettext("Very unsafe"), lazy_gettext("Unsafe"), lazy_gettext("Neither safe nor unsafe"),
    lazy_gettext("Safe"), lazy_gettext("Very safe"),
)

_ETHNICITY_LABELS = {
    "1": _n("Bangladeshi"), "2": _n("Chinese"), "3": _n("Indian"), "4": _n("Pakistani"),
    "5": _n("Any other Asian background"), "6": _n("African"), "7": _n("Caribbean"),
    "8": _n("Any other Black, Black British or Caribbean background"), "9": _n("White and Asian"),
    "10": _n("White and Black African"), "11": _n("White and Black Caribbean"),
    "12": _n("Any other Mixed or multiple ethnic background"),
    "13": _n("English, Welsh, Scottish, Northern Irish or British"), "14": _n("Irish"),
    "15": _n("Gypsy or Irish Traveller"), "16": _n("Roma"), "17": _n("Any other White background"),
    "18": _n("Arab"), "19": _n("Any other ethnic group"),
}
_GROUP_LABELS = {
    "H1": _n("Asian or Asian British"), "H2": _n("Black, Black British, Caribbean or African"),
    "H3": _n("Mixed or multiple ethnic groups"), "H4": _n("White"), "H5": _n("Other ethnic group"),
}


def ethnicity_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """The ONS 2021 groups for a select with option groups: (group label, [(code, label)])."""
    groups = []
    for group in ETHNIC_GROUPS:
        members = [(code, gettext(_ETHNICITY_LABELS[code])) for code, (parent, _) in ETHNICITIES.items() if parent == group]
        groups.append((gettext(_GROUP_LABELS[group]), members))
    return groups


def age_band_label(band: str) -> str:
    """ "13-15" -> "13 to 15", "65+" -> "65 or over", in the resident's language."""
    low, high = parse_band(band)
    if high is None:
        return gettext("%(low)s or over", low=low)
    return gettext("%(low)s to %(high)s", low=low, high=high)


def error_message(error: FieldError, wording: str) -> str:
    """The message shown next to a field and in the error summary, for one :class:`FieldError`."""
    params = dict(error.params)
    if error.field == "consent":
        return gettext("Select the box to say you are happy for us to use your answers")
    if error.field == "parent_consent":
        return gettext("You are under %(minimum)s, so ask a parent or carer to read this with you, then select the box "
                       "to say they agree", minimum=params["minimum"])
    if error.field == "postcode_district":
        return gettext("Enter only the first part of a postcode, like RM1, or leave it empty")
    if error.rule == "too_long":
        return gettext("Your answer must be %(maximum)s characters or fewer. You have %(n_over)s too many",
                       maximum=f"{params['maximum']:,}", n_over=f"{params['n_over']:,}")
    if error.rule == "range":
        return gettext("Select an answer from %(minimum)s to %(maximum)s", **params)
    if error.rule == "required":
        if wording in REQUIRED_MESSAGES:
            return gettext(REQUIRED_MESSAGES[wording])
        return gettext("Answer this question: %(question)s", question=gettext(wording))
    return gettext("Select an answer from the list")
