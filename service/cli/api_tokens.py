"""``voice api-token``: tokens for partner systems that call the JSON API: add, list, revoke, rotate."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

import click
from sqlalchemy.orm import Session

from service.store import audit
from service.store.db import make_engine, make_session_factory, transaction
from service.store.models import ROLES

_EXPIRES_HELP = "Days until the token stops working (none: until revoked). Rotate before then."


@click.group("api-token")
def api_token() -> None:
    """Manage tokens of systems that call the JSON API (/api/v1)."""


@contextmanager
def _session(ctx: Any) -> Iterator[Session]:
    """One transaction on the configured database; our ValueError/LookupError become click errors."""
    engine = make_engine(ctx.config.database.url)
    try:
        with transaction(make_session_factory(engine)) as session:
            yield session
    except (ValueError, LookupError) as error:
        raise click.ClickException(str(error)) from None
    finally:
        engine.dispose()


def _expiry(days: int | None) -> datetime | None:
    return datetime.now(timezone.utc) + timedelta(days=days) if days else None


def _audit(session: Session, client: Any, change: str, **detail: Any) -> None:
    audit.record(session, "api_token", actor=audit.SYSTEM, target=f"api_client:{client.id}",
                 detail={"name": client.name, "change": change, "via": f"voice api-token {change}", **detail})


def _show_token(message: str, token: str) -> None:
    click.echo(message + " Its token (shown only now; keep it secret):")
    click.echo(token)
    click.echo("Send it as the header  Authorization: Bearer <token>")


@api_token.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="viewer", show_default=True,
              help="What the client may read; viewer sees redacted text only, never flagged texts.")
@click.option("--expires-days", type=click.IntRange(1, 3660), default=None, help=_EXPIRES_HELP)
@click.pass_obj
def api_token_add(ctx, name: str, role: str, expires_days: int | None) -> None:
    """Create an API client NAME and print its token once (it is stored only as a hash)."""
    from service.store.accounts import add_api_client

    with _session(ctx) as session:
        client, token = add_api_client(session, name, role, _expiry(expires_days))
        _audit(session, client, "add", role=role, expires_at=_when(client.expires_at))
    _show_token(f"Created API client {name!r} with role {role}, expiring {_when(client.expires_at)}.", token)


@api_token.command("list")
@click.pass_obj
def api_token_list(ctx) -> None:
    """List API clients: role, state, expiry and last use (tokens are never shown again)."""
    from service.store.accounts import is_api_client_usable, list_api_clients

    with _session(ctx) as session:
        clients = list_api_clients(session)
        now = datetime.now(timezone.utc)
        rows = [(c.name, c.role, "active" if is_api_client_usable(c, now) else ("revoked" if not c.is_active else "expired"),
                 _when(c.expires_at), _when(c.last_used_at, "never")) for c in clients]
    if not rows:
        click.echo("No API clients yet; add one with `voice api-token add NAME`.")
    click.echo("\n".join(f"{n}\t{r}\t{state}\texpires {e}\tlast used {u}" for n, r, state, e, u in rows))


@api_token.command("revoke")
@click.argument("name")
@click.pass_obj
def api_token_revoke(ctx, name: str) -> None:
    """Stop API client NAME's token working at once (rotate to give it a new one)."""
    from service.store.accounts import revoke_api_client

    with _session(ctx) as session:
        _audit(session, revoke_api_client(session, name), "revoke")
    click.echo(f"Revoked the token of API client {name!r}.")


@api_token.command("rotate")
@click.argument("name")
@click.option("--expires-days", type=click.IntRange(1, 3660), default=None, help=_EXPIRES_HELP)
@click.pass_obj
def api_token_rotate(ctx, name: str, expires_days: int | None) -> None:
    """Give API client NAME a new token and print it once; the old token stops working."""
    from service.store.accounts import rotate_api_client

    with _session(ctx) as session:
        client, token = rotate_api_client(session, name, _expiry(expires_days))
        _audit(session, client, "rotate", expires_at=_when(client.expires_at))
    _show_token(f"Rotated the token of API client {name!r} (expiring {_when(client.expires_at)}).", token)


def _when(moment: datetime | None, empty: str = "never") -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else empty
