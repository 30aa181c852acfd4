"""Free-text analysis for Community Voice: redaction, safeguarding flags, topics, themes and findings.

Pure package: no Flask, SQLAlchemy, configuration or environment; paths are parameters.

Each name below is imported from its module on first use, not when the package is imported: the
web workers need only a few light parts (codeframe, places, theme labels), and importing all of
it brought scikit-learn, SciPy and spaCy into every worker (about 4 s to start, 275 MB each).
"""

from __future__ import annotations

import importlib
from typing import Any

#: Where each public name lives.
_MODULES: dict[str, tuple[str, ...]] = {
    "nlp.analyse": ("TextAnalysis", "analyse_texts"),
    "nlp.baseline": ("KeywordClassifier",),
    "nlp.chat_coder": ("BatchSent", "ChatCoder", "ChatSettings", "EndpointError", "Progress"),
    "nlp.coder_agreement": ("CoderComparison", "TopicAgreementScore", "compare_coders"),
    "nlp.coders": ("BuiltinCoder", "CodedComment", "Coder", "JsonFileCache", "Prompt", "forget_texts", "parse_answer"),
    "nlp.codeframe": ("CODEFRAME_PATH", "Codeframe", "Topic", "load_codeframe"),
    "nlp.errors": ("CodeframeError", "ModelError", "NotFittedError", "TopicError", "TrainingDataError"),
    "nlp.evaluate": (
        "AgreementResult", "EvaluationReport", "TopicAgreement", "TopicScore", "evaluate_classifier",
        "measure_agreement", "score_predictions", "LabelledSet", "read_realtext", "compare_models", "format_comparison",
    ),
    "nlp.findings": (
        "ShareComparison", "TopicShare", "TopicSummary", "choose_exemplars", "compare_groups",
        "compare_periods", "compare_shares", "describe_findings", "summarise_topics",
    ),
    "nlp.redaction": ("RedactedSpan", "RedactionResult", "assess_redaction", "redact"),
    "nlp.safeguarding": (
        "SAFEGUARDING_CATEGORIES", "SafeguardingMatch", "SafeguardingResult", "check_safeguarding",
        "check_safeguarding_many", "seems_child",
    ),
    "nlp.text": (
        "PreparedText", "clear_token_cache", "is_english", "load_pipeline", "prepare_text",
        "split_sentences", "tokenize",
    ),
    "nlp.theme_names": ("theme_label", "theme_sentence", "theme_terms"),
    "nlp.themes": ("Theme", "ThemesResult", "find_themes", "select_poor_fits"),
    "nlp.encoder": ("SentenceEncoder",),
    "nlp.sentence_topics": ("SentenceTopicClassifier", "load_sentence_model"),
    "nlp.topics": ("TopicClassifier", "load_model"),
    "nlp.training": (
        "LabelledTexts", "OPEN_TRAINING_PATH", "SENTENCE_MODEL_PATH", "TEST_PATH", "TRAINING_PATH",
        "combine_with_confirmed", "load_labelled", "load_or_train_model", "load_shipped_sentence_model",
        "load_training_set", "train_sentence_model",
    ),
}
_HOME = {name: module for module, names in _MODULES.items() for name in names}

__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'nlp' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOME))
