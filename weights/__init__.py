"""Representativeness and weights: who answered versus who lives here.

Pure functions over pandas DataFrames: census margins (:mod:`weights.margins`),
representativeness reports, raking, post-stratification, trimming, diagnostics and
weighted estimates. Never imports Flask, SQLAlchemy or the service; never reads
configuration or the environment.
"""

from weights.assess import WeightingAssessment, assess_weighting
from weights.calibrate import bootstrap_calibrated, calibrate, category_margins
from weights.collapse import CollapsedFit, CollapseStep, calibrate_collapsing, collapse_thin
from weights.compare import (
    ClaimScreen,
    ShareComparison,
    benjamini_hochberg,
    compare_domains,
    compare_shares,
    screen_claims,
)
from weights.diagnostics import WeightDiagnostics, describe_weights, design_effect
from weights.errors import (
    CensusDataError,
    ConvergenceError,
    EmptyCategoryError,
    MissingDemographicsError,
    MissingMarginError,
    UnknownCategoryError,
    WeightingError,
)
from weights.estimates import (
    EstimateResult,
    ReplicateWeights,
    bootstrap_replicates,
    estimate_mean,
    estimate_proportions,
)
from weights.margins import (
    BOROUGHS,
    CensusTables,
    MarginAdjustment,
    Margins,
    build_margins,
    load_census,
    parse_age_band,
    read_margins,
)
from weights.poststratify import PostStratResult, poststratify
from weights.ppi import PPIShare, ppi_share
from weights.rake import RakeResult, rake
from weights.representativeness import (
    RULE,
    DimensionComparison,
    RepresentativenessResult,
    compare_to_census,
    responses_needed,
)
from weights.shares import ShareDesign, ShareEstimate, estimate_share, wilson_interval
from weights.targets import TargetMargins, build_target_margins
from weights.trim import TrimResult, rake_bounded, trim_to_design_effect, trim_weights

__all__ = [
    "CollapseStep",
    "CollapsedFit",
    "calibrate_collapsing",
    "collapse_thin",
    "BOROUGHS",
    "RULE",
    "CensusDataError",
    "CensusTables",
    "ClaimScreen",
    "ConvergenceError",
    "DimensionComparison",
    "EmptyCategoryError",
    "EstimateResult",
    "MarginAdjustment",
    "Margins",
    "MissingDemographicsError",
    "MissingMarginError",
    "PPIShare",
    "PostStratResult",
    "RakeResult",
    "ReplicateWeights",
    "RepresentativenessResult",
    "ShareComparison",
    "ShareDesign",
    "ShareEstimate",
    "TargetMargins",
    "TrimResult",
    "UnknownCategoryError",
    "WeightDiagnostics",
    "WeightingAssessment",
    "WeightingError",
    "assess_weighting",
    "benjamini_hochberg",
    "bootstrap_calibrated",
    "bootstrap_replicates",
    "build_margins",
    "build_target_margins",
    "calibrate",
    "category_margins",
    "compare_domains",
    "compare_shares",
    "compare_to_census",
    "describe_weights",
    "design_effect",
    "estimate_mean",
    "estimate_proportions",
    "estimate_share",
    "load_census",
    "parse_age_band",
    "poststratify",
    "ppi_share",
    "rake",
    "rake_bounded",
    "read_margins",
    "responses_needed",
    "screen_claims",
    "trim_to_design_effect",
    "trim_weights",
    "wilson_interval",
]
