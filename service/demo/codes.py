"""The demo's built-in topic codes, shipped so that the first ``voice demo`` needs no encoder pass.

The MiniLM model codes about 50 comments a second on one core, so coding the demo's 1,300
distinct synthetic comments (and the 105 of the held-out test set the analyses score it on) would
add half a minute or more to a first ``voice demo`` (later builds reuse the cache in
``[analysis] model_dir``). This file holds the codes the shipped model
gave those comments, under the same keys as that cache (SHA-256 of the text and the model
version), and ``build_demo`` copies them into the cache before the demo's text run
(:func:`service.pipeline.coders.seed_builtin_cache`). A
retrained model has another version, so its codes miss and the texts are coded afresh; then
regenerate the file with ``python -m service.demo.codes``.
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import replace
from pathlib import Path

from service.pipeline.coders import BUILTIN_CACHE

logger = logging.getLogger(__name__)


def main() -> None:
    """Build the demo in a temporary folder and write the current model's codes of its texts."""
    from nlp.training import load_shipped_sentence_model
    from service.config import load_config
    from service.demo import DEMO_CODES, build_demo

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    version = load_shipped_sentence_model().coder_version
    config = load_config(Path(__file__).resolve().parents[2] / "config.toml", environ={})
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        config = replace(config, app=replace(config.app, instance_path=instance),
                         analysis=replace(config.analysis, model_dir=instance / "models"),
                         database=replace(config.database, url=f"sqlite:///{instance / 'demo.db'}"))
        build_demo(config, echo=logger.info, shipped_codes=False)  # code every text afresh
        cache = json.loads((instance / "models" / BUILTIN_CACHE).read_text(encoding="utf-8"))
    current = {key: value for key, value in sorted(cache.items()) if key.endswith(f"||{version}")}
    DEMO_CODES.write_text(json.dumps(current, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    logger.info("wrote %d codes of model %s to %s", len(current), version, DEMO_CODES)


if __name__ == "__main__":
    main()
