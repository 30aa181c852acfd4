"""QR sites: the short codes on posters and stickers, where each sends its residents' feedback (issue 4)."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.store.models import Response, Site, utcnow

SITE_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to type from a poster
SITE_CODE_LENGTH = 8  # 31**8, about 8.5e11 codes: not guessable at the rate limits allowed


def known_site_codes(session: Session) -> set[str]:
    """Codes of every site, retired or not (old posters still send feedback)."""
    return set(session.scalars(select(Site.code)))


def list_sites(session: Session) -> list[tuple[Site, int]]:
    """Every QR site with its number of responses, open sites first, then by name."""
    counts = (select(Response.site_id, func.count(Response.id).label("n")).where(Response.consent.is_not(False))
              .group_by(Response.site_id).subquery())
    query = (select(Site, func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.site_id == Site.id)
             .order_by(Site.is_retired, Site.name))
    return [(site, int(n)) for site, n in session.execute(query)]


def find_site(session: Session, code: str) -> Site | None:
    """The site with this short code (retired or not), or None."""
    return session.scalar(select(Site).where(Site.code == code))


def add_site(session: Session, name: str, kind: str, ward: str | None, campaign: str | None,
             question_set: str | None) -> Site:
    """Create a QR site with a fresh random short code."""
    taken = known_site_codes(session)
    while True:
        code = "".join(secrets.choice(SITE_CODE_ALPHABET) for _ in range(SITE_CODE_LENGTH))
        if code not in taken:
            break
    site = Site(code=code, name=name, kind=kind, ward=ward, campaign=campaign, question_set=question_set)
    session.add(site)
    session.flush()
    return site


def set_site_retired(session: Session, site: Site, is_retired: bool) -> None:
    """Retire a site (its code then shows a closed page) or open it again."""
    site.is_retired = is_retired
    site.retired_at = utcnow() if is_retired else None
    session.flush()
