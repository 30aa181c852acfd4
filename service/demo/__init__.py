"""`voice demo`: a fresh SQLite database filled with synthetic data through the real connectors.

Import rule: demo imports anything but ``service.web``.
"""

from __future__ import annotations

import logging
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from service.config import Config
from service.demo import data as demo_data
from service.demo.feed import serve_feed
from service.pipeline.coders import seed_builtin_cache
from service.pipeline.ingest_runs import PullOptions, register_sources, run_all_ingests
from service.pipeline.weighting import run_analyses
from service.store.accounts import add_user
from service.store.db import make_engine, make_session_factory, transaction, upgrade
from service.store.models import Site

logger = logging.getLogger(__name__)

#: The shipped model's codes of the demo's texts (regenerate: python -m service.demo.codes).
DEMO_CODES = Path(__file__).parent / "builtin-codes.json"

DEMO_USERS = (("admin", "Demo Admin"), ("analyst", "Demo Analyst"), ("engagement", "Demo Engagement Officer"),
              ("viewer", "Demo Viewer"))


@dataclass
class DemoResult:
    """What the demo built, and how to sign in."""

    n_generated: dict[str, int] = field(default_factory=dict)
    n_stored: dict[str, int] = field(default_factory=dict)
    sign_in_lines: list[str] = field(default_factory=list)


def build_demo(config: Config, seed: int = 2023, echo: Callable[[str], None] = print, *,
               shipped_codes: bool = True) -> DemoResult:
    """Build the demo database named in ``config`` from scratch; return counts and credentials.

    The database file is deleted first, so only point this at a demo database.
    """
    result = DemoResult()
    database = Path(config.database.url.removeprefix("sqlite:///"))
    if not config.database.url.startswith("sqlite:///"):
        raise ValueError(f"the demo only builds SQLite databases, not {config.database.url!r}")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    engine = make_engine(config.database.url)
    upgrade(engine)
    factory = make_session_factory(engine)
    register_sources(factory, config)
    rng = random.Random(seed)
    sites = demo_data.demo_sites(rng)
    with transaction(factory) as session:
        session.add_all(Site(code=s.code, name=s.name, kind=s.kind, ward=s.ward, campaign="Demo: Feel safe here? 2024") for s in sites)
    echo("Writing synthetic survey exports ...")
    result.n_generated = _write_files(config, rng, sites)
    echo("Loading them through the connectors (QR feedback from a stand-in vendor API on 127.0.0.1) ...")
    token = secrets.token_urlsafe(16)
    qr = config.source("qr")
    with serve_feed(_demo_folder(config, "qr") / "qr_feedback_2024.json", token) as url:
        pull_config = replace(config, sources=tuple(replace(s, url=url) if s.key == "qr" else s for s in config.sources))
        options = PullOptions(environ={qr.token_env: token} if qr.token_env else {})
        for report in run_all_ingests(factory, pull_config, options=options):
            echo("  " + report.summary())
            result.n_stored[report.source] = result.n_stored.get(report.source, 0) + report.n_new
    # As `voice ingest` does: the trained disclosure detector reads the texts stored with the rules only.
    from service.pipeline.text_runs import screen_pending_texts

    echo("  " + screen_pending_texts(factory).summary())
    if shipped_codes:  # the shipped model's codes of these texts: no encoder pass
        seed_builtin_cache(config, DEMO_CODES)
    run_analyses(factory, config, evaluate=True, echo=echo)
    result.sign_in_lines = _demo_users(factory)
    engine.dispose()
    return result


def _write_files(config: Config, rng: random.Random, sites: tuple[demo_data.DemoSite, ...]) -> dict[str, int]:
    folders = {key: _fresh_folder(config, key) for key in ("css", "shout", "qr")}
    return {
        "css": demo_data.write_css_2023(folders["css"], rng) + demo_data.write_css_2024(folders["css"], rng),
        "shout": demo_data.write_shout(folders["shout"], rng),
        "qr": demo_data.write_qr(folders["qr"], rng, sites),
    }


def _demo_folder(config: Config, key: str) -> Path:
    """A file source's drop folder; for other kinds, instance/demo/KEY (where the demo keeps their data)."""
    return config.source(key).path or config.app.instance_path / "demo" / key


def _fresh_folder(config: Config, key: str) -> Path:
    path = _demo_folder(config, key)
    path.mkdir(parents=True, exist_ok=True)
    for old in path.glob("*"):
        if old.is_file():
            old.unlink()
    return path


def _demo_users(factory) -> list[str]:
    lines = ["Sign in with one of these demo accounts (new passwords each time the demo is built):"]
    with transaction(factory) as session:
        for role, name in DEMO_USERS:
            password = secrets.token_urlsafe(12)
            email = f"{role}@demo.invalid"
            add_user(session, email, name, role, password)
            lines.append(f"  {role:<11} {email:<25} password {password}")
    return lines
