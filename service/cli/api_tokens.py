"""``voice api-token``: tokens for partner systems that call the JSON API."""

from __future__ import annotations

import click

from service.store import audit
from service.store.db import make_engine, make_session_factory, transaction
from service.store.models import ROLES


@click.group("api-token")
def api_token() -> None:
    """Manage tokens of systems that call the JSON API (/api/v1)."""


@api_token.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="viewer", show_default=True,
              help="What the client may read; viewer sees redacted text only.")
@click.pass_obj
def api_token_add(ctx, name: str, role: str) -> None:
    """Create an API client NAME and print its token once (it is stored only as a hash)."""
    from service.store.accounts import add_api_client

    engine = make_engine(ctx.config.database.url)
    try:
        with transaction(make_session_factory(engine)) as session:
            client, token = add_api_client(session, name, role)
            session.flush()
            audit.record(session, "api_token", actor=audit.SYSTEM, target=f"api_client:{client.id}",
                         detail={"name": name, "role": role, "via": "voice api-token add"})
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    finally:
        engine.dispose()
    click.echo(f"Created API client {name!r} with role {role}. Its token (shown only now; keep it secret):")
    click.echo(token)
    click.echo("Send it as the header  Authorization: Bearer <token>")
