"""Exceptions raised by the ``nlp`` package."""

from __future__ import annotations


class TopicError(Exception):
    """Base class for every error raised by ``nlp``."""


class CodeframeError(TopicError):
    """The codeframe file is missing, malformed, or has an invalid entry."""


class TrainingDataError(TopicError):
    """A labelled training file or label list cannot be used for training."""


class ModelError(TopicError):
    """A saved topic model cannot be loaded, or does not fit the codeframe."""


class NotFittedError(TopicError):
    """A classifier was used before ``fit`` was called."""
