"""Free-text analysis for Community Voice: redaction, safeguarding flags, topics, themes and findings.

Pure package: no Flask, SQLAlchemy, configuration or environment; paths are parameters.
"""

from nlp.analyse import TextAnalysis, analyse_texts
from nlp.baseline import KeywordClassifier
from nlp.codeframe import CODEFRAME_PATH, Codeframe, Topic, load_codeframe
from nlp.errors import CodeframeError, ModelError, NotFittedError, TopicError, TrainingDataError
from nlp.evaluate import (
    AgreementResult,
    EvaluationReport,
    TopicAgreement,
    TopicScore,
    evaluate_classifier,
    measure_agreement,
    score_predictions,
)
from nlp.findings import (
    ShareComparison,
    TopicShare,
    TopicSummary,
    choose_exemplars,
    compare_groups,
    compare_periods,
    compare_shares,
    describe_findings,
    summarise_topics,
)
from nlp.redact import RedactedSpan, RedactionResult, redact
from nlp.safeguarding import SafeguardingMatch, SafeguardingResult, check_safeguarding
from nlp.text import (
    PreparedText,
    clear_token_cache,
    is_english,
    load_pipeline,
    prepare_text,
    split_sentences,
    tokenize,
)
from nlp.themes import Theme, ThemesResult, find_themes, select_poor_fits, theme_label, theme_terms
from nlp.topics import TopicClassifier, load_model
from nlp.training import (
    TEST_PATH,
    TRAINING_PATH,
    LabelledTexts,
    combine_with_confirmed,
    load_labelled,
    load_or_train_model,
)

__all__ = [
    "TextAnalysis",
    "analyse_texts",
    "CODEFRAME_PATH",
    "TEST_PATH",
    "TRAINING_PATH",
    "AgreementResult",
    "Codeframe",
    "CodeframeError",
    "EvaluationReport",
    "KeywordClassifier",
    "LabelledTexts",
    "ModelError",
    "NotFittedError",
    "PreparedText",
    "RedactedSpan",
    "RedactionResult",
    "SafeguardingMatch",
    "SafeguardingResult",
    "ShareComparison",
    "Theme",
    "ThemesResult",
    "Topic",
    "TopicAgreement",
    "TopicClassifier",
    "TopicError",
    "TopicScore",
    "TopicShare",
    "TopicSummary",
    "TrainingDataError",
    "check_safeguarding",
    "clear_token_cache",
    "choose_exemplars",
    "combine_with_confirmed",
    "compare_groups",
    "compare_periods",
    "compare_shares",
    "describe_findings",
    "evaluate_classifier",
    "find_themes",
    "theme_label",
    "theme_terms",
    "is_english",
    "load_codeframe",
    "load_labelled",
    "load_model",
    "load_or_train_model",
    "load_pipeline",
    "measure_agreement",
    "prepare_text",
    "redact",
    "score_predictions",
    "select_poor_fits",
    "split_sentences",
    "summarise_topics",
    "theme_label",
    "theme_terms",
    "tokenize",
]
