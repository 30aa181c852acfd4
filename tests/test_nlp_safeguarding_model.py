"""The disclosure detector's screen: one encoder pass per comment, pieces on their own only when needed."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from nlp.errors import ModelError

pytest.importorskip("onnxruntime")
from nlp.safeguarding_model import MODEL_PATH, SCREEN_FLOOR, load_model, pieces, shared_model  # noqa: E402
from nlp.sentence_topics import shared_encoder  # noqa: E402
from nlp.spans import embed_comments  # noqa: E402

ORDINARY = "Street lights on our road have been out for weeks. Cars speed past the school every morning."
BURIED = ("The bins on our street overflow every week. My stepdad hits me when he drinks and I am scared "
          "to go home. The council never answers our emails about it.")


def _piece_by_piece(text: str) -> float:
    model = shared_model()
    return float(model.probability(shared_encoder().encode(pieces(text))).max())


def test_a_comment_the_screen_clears_keeps_its_screen_score() -> None:
    model = shared_model()
    comment = embed_comments(shared_encoder(), [ORDINARY])[0]
    screen = max(float(model.probability(comment.vectors[:1])[0]), float(model.piece_probability(comment.vectors[1:]).max()))
    assert screen < SCREEN_FLOOR, f"screen {screen:.3f}"
    assert model.score_many([ORDINARY])[0].probability == pytest.approx(screen, abs=1e-6)


def test_a_buried_disclosure_is_screened_in_and_scored_piece_by_piece() -> None:
    score = shared_model().score_many([BURIED])[0]
    assert score.is_flagged and "stepdad hits me" in score.piece
    assert score.probability == pytest.approx(_piece_by_piece(BURIED), abs=1e-6)


def test_a_score_does_not_depend_on_the_comments_scored_with_it() -> None:
    model = shared_model()
    alone = model.score_many([BURIED])[0]
    together = model.score_many(["ok", ORDINARY, BURIED, "The lights are out."])[2]
    assert together == alone


def test_a_model_trained_on_other_features_is_refused(tmp_path) -> None:
    target = tmp_path / "safeguarding_model.npz"
    shutil.copyfile(MODEL_PATH, target)
    manifest = json.loads(MODEL_PATH.with_suffix(".json").read_text(encoding="utf-8"))
    manifest["features"] = "minilm-whole-text-0"
    target.with_suffix(".json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ModelError, match="trained on features 'minilm-whole-text-0'"):
        load_model(target)
    manifest["format"] = "safeguarding-lr-2"
    target.with_suffix(".json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ModelError, match="format 'safeguarding-lr-2'"):
        load_model(target)


def test_the_piece_head_ships_with_the_model() -> None:
    model = load_model()
    assert model.piece_coef.shape == model.coef.shape and np.isfinite(model.piece_intercept)
