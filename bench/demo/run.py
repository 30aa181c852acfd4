"""How long the demo's text run takes (``voice demo`` runs it): screening leftovers and topics.

Builds the synthetic demo database (team-written templates) in a temporary instance folder, then
marks every stored free text uncoded again and times ``run_topics`` twice: first with an empty
code cache (as the first ``voice demo`` on a machine), then again with the cache the first run
filled (as every later ``voice demo``, or a re-run).

    PYTHONPATH=$PWD python bench/demo/run.py
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace
from pathlib import Path

from sqlalchemy import delete, func, select, update

from service.config import load_config
from service.demo import build_demo
from service.pipeline.text_runs import run_topics
from service.store.db import make_engine, make_session_factory, transaction
from service.store.models import FreeText, TopicCode


def _recode(factory, config, *, cold: bool) -> float:
    if cold:
        for cache in Path(config.analysis.model_dir).glob("*codes*.json"):
            cache.unlink()
    with transaction(factory) as session:
        session.execute(update(FreeText).values(classified_at=None))
        session.execute(delete(TopicCode).where(TopicCode.origin == "model"))
    start = time.perf_counter()
    run_topics(factory, config)
    return time.perf_counter() - start


def main() -> None:
    config = load_config(Path(__file__).resolve().parents[2] / "config.toml")
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        config = replace(config, app=replace(config.app, instance_path=instance),
                         analysis=replace(config.analysis, model_dir=instance / "models"),
                         database=replace(config.database, url=f"sqlite:///{instance / 'demo.db'}"))
        start = time.perf_counter()
        build_demo(config, echo=lambda line: None)
        build = time.perf_counter() - start
        engine = make_engine(config.database.url)
        factory = make_session_factory(engine)
        with factory() as session:
            n_texts = session.scalar(select(func.count()).select_from(FreeText))
        cold = _recode(factory, config, cold=True)
        warm = _recode(factory, config, cold=False)
        engine.dispose()
    print(f"demo build {build:.1f} s (first on this machine); {n_texts} free texts; text run with an empty "
          f"cache {cold:.1f} s ({n_texts / cold:.0f} texts/s); with the cache filled {warm:.1f} s")


if __name__ == "__main__":
    main()
