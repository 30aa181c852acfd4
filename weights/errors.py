"""Errors raised by the weights package.

Every error names what failed (variable, category, file) and what to do next.
Non-convergence is an error only when the caller asks for strict behaviour;
otherwise it is reported on the result (``converged=False``).
"""

from __future__ import annotations

__all__ = [
    "CensusDataError",
    "ConvergenceError",
    "EmptyCategoryError",
    "MissingDemographicsError",
    "MissingMarginError",
    "UnknownCategoryError",
    "WeightingError",
]


class WeightingError(Exception):
    """Base class for every error raised by :mod:`weights`."""


class CensusDataError(WeightingError):
    """A census or benchmark file is missing, malformed or inconsistent."""


class MissingMarginError(WeightingError):
    """A weighting variable has no margin, or a margin variable is absent from the sample."""

    def __init__(self, message: str, variable: str) -> None:
        super().__init__(message)
        self.variable = variable


class EmptyCategoryError(WeightingError):
    """A category has population but no respondents, so no weight can reach it."""

    def __init__(self, message: str, variable: str, category: str) -> None:
        super().__init__(message)
        self.variable = variable
        self.category = category


class UnknownCategoryError(WeightingError):
    """Respondents are in a category that has no (or zero) population."""

    def __init__(self, message: str, variable: str, category: str) -> None:
        super().__init__(message)
        self.variable = variable
        self.category = category


class MissingDemographicsError(WeightingError):
    """Respondents lack a weighting variable and the missing policy is ``"error"``."""

    def __init__(self, message: str, variable: str, n_missing: int) -> None:
        super().__init__(message)
        self.variable = variable
        self.n_missing = n_missing


class ConvergenceError(WeightingError):
    """Raking or calibration did not reach the tolerance within the iteration cap."""

    def __init__(self, message: str, variable: str, max_gap: float, n_iter: int) -> None:
        super().__init__(message)
        self.variable = variable
        self.max_gap = max_gap
        self.n_iter = n_iter
