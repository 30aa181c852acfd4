"""The ``[analysis]``, ``[nlp]``, ``[nlp.llm]`` and ``[reports]`` sections: what weighting and
topic runs use, which coder feeds findings, and what briefings show."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from service.config.reader import MISSING, Reader, resolve_path
from service.config.sources import SourceConfig


@dataclass(frozen=True)
class AnalysisConfig:
    """The ``[analysis]`` section: what representativeness, weighting and topic runs use."""

    compare_variables: tuple[str, ...]
    weight_variables: tuple[str, ...]
    weight_cap: float
    model_dir: Path
    schedule: str
    # Issue 15 part 5: texts stored since the last topics run are coded by this job (redaction
    # and safeguarding already ran when they were stored). "" = only by `voice analyse`.
    classify_schedule: str = "* * * * *"
    # Issue 15 part 6: the share of texts drawn (seeded by ``audit_seed``, the same draw every
    # time) into the random audit sample the review queue mixes in, and how many reviews of that
    # sample are needed before the model's agreement with reviewers is shown.
    audit_share: float = 0.2
    audit_seed: int = 15
    min_audit_reviews: int = 30
    # Issue 20.8, when not to weight: a weighting run past any of these is stored as not weighted
    # and its figures are shown unweighted with the reason.
    max_design_effect: float = 3.0  # Kish design effect of the final weights
    max_weight: float = 10.0  # largest weight, as a multiple of the mean weight
    min_cell: int = 10  # fewest respondents a margin level (e.g. aged 65+) may rest on
    # Issue 20 follow-up: before refusing, merge thin categories (ethnic groups, adjacent age bands)
    # and drop a variable that still fails; docs/weights.md "Collapsing thin categories".
    collapse_thin: bool = True


@dataclass(frozen=True)
class ReportsConfig:
    """The ``[reports]`` section: quarterly briefings and the SNA export (issue 7)."""

    min_cell: int = 10
    max_quotes: int = 6
    youth_max_age: int = 24
    scheduled_formats: tuple[str, ...] = ("pdf",)
    schedule: str = "0 7 1 1,4,7,10 *"
    where_next_min_base: int = 10  # a place with fewer respondents is "too few responses to tell" (issue 20 item 11)


@dataclass(frozen=True)
class LlmConfig:
    """The optional ``[nlp.llm]`` section: a council's own OpenAI-compatible endpoint (off by default)."""

    enabled: bool = False
    base_url: str = ""
    model: str = ""
    api_key_env: str = ""
    timeout: float = 60.0
    max_batch: int = 20
    max_requests_per_minute: int = 60
    cost_per_1k_tokens: float = 0.0
    # Source keys whose comments may be sent; None (the key left out) = every source, () = none.
    allowed_sources: tuple[str, ...] | None = None

    def may_send(self, source_key: str | None) -> bool:
        """True when comments of ``source_key`` may go to the endpoint (it must be enabled too)."""
        return self.enabled and (self.allowed_sources is None or source_key in self.allowed_sources)


FINDINGS_CODERS = ("builtin", "chat")


@dataclass(frozen=True)
class NlpConfig:
    """The ``[nlp]`` section: which coder's topics feed findings, dashboards and briefings."""

    findings_coder: str = "builtin"


VARIABLES = ("age_band", "sex", "ethnic_group", "ethnicity", "ward")


def read_analysis(reader: Reader, table: dict, base: Path) -> AnalysisConfig:
    """Read ``[analysis]`` (required): compared and weighted variables, the weight limits, schedules."""
    reader.only(table, "analysis", ("compare_variables", "weight_variables", "weight_cap", "model_dir", "schedule",
                                    "classify_schedule", "audit_share", "audit_seed", "min_audit_reviews",
                                    "max_design_effect", "max_weight", "min_cell", "collapse_thin"))
    lists = {}
    for key in ("compare_variables", "weight_variables"):
        values = reader.strings(table, "analysis", key)
        if not values or any(v not in VARIABLES for v in values):
            reader.fail(f"analysis.{key}", values, "a non-empty list drawn from " + ", ".join(VARIABLES))
        lists[key] = tuple(values)
    cap = table.get("weight_cap", MISSING)
    if isinstance(cap, bool) or not isinstance(cap, (int, float)) or not (cap == 0 or 1.5 <= cap <= 100):
        reader.fail("analysis.weight_cap", None if cap is MISSING else cap, "0 (no trimming) or a number from 1.5 to 100")
    share = table.get("audit_share", 0.2)
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
        reader.fail("analysis.audit_share", share, "a share from 0 (no audit sample) to 1")
    limits = {}
    for key, low, default in (("max_design_effect", 1.0, 3.0), ("max_weight", 1.0, 10.0)):
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= 1000:
            reader.fail(f"analysis.{key}", value, f"a number from {low:g} to 1000")
        limits[key] = float(value)
    return AnalysisConfig(**lists, **limits, min_cell=reader.integer(table, "analysis", "min_cell", 1, 100_000, default=10),
                          weight_cap=float(cap), model_dir=resolve_path(base, reader.text(table, "analysis", "model_dir")),
                          schedule=reader.text(table, "analysis", "schedule", allow_empty=True),
                          classify_schedule=reader.text(table, "analysis", "classify_schedule", allow_empty=True,
                                                        default="* * * * *"),
                          audit_share=float(share), audit_seed=reader.integer(table, "analysis", "audit_seed", 0, 2**31, default=15),
                          min_audit_reviews=reader.integer(table, "analysis", "min_audit_reviews", 1, 100_000, default=30),
                          collapse_thin=reader.boolean(table, "analysis", "collapse_thin", default=True))


def read_nlp(reader: Reader, raw: dict, llm: LlmConfig) -> NlpConfig:
    """Read ``[nlp]`` (optional): ``findings_coder = "chat"`` needs ``[nlp.llm] enabled = true``."""
    table = raw.get("nlp", {})
    coder = reader.text(table, "nlp", "findings_coder", default="builtin")
    if coder not in FINDINGS_CODERS:
        reader.fail("nlp.findings_coder", coder, '"builtin" (the shipped model) or "chat" (the [nlp.llm] endpoint)')
    if coder == "chat" and not llm.enabled:
        reader.fail("nlp.findings_coder", coder, '"builtin" while [nlp.llm] enabled = false (set enabled = true, '
                    "base_url and model to let the chat coder feed findings)")
    return NlpConfig(findings_coder=coder)


def read_llm(reader: Reader, raw: dict, sources: tuple[SourceConfig, ...] = ()) -> LlmConfig:
    """Read ``[nlp.llm]`` (optional; without it nothing is ever sent anywhere)."""
    nlp_table = raw.get("nlp", {})
    if not isinstance(nlp_table, dict):
        reader.fail("nlp", nlp_table, "a table")
    reader.only(nlp_table, "nlp", ("llm", "findings_coder"))
    table = nlp_table.get("llm", {})
    if not isinstance(table, dict):
        reader.fail("nlp.llm", table, "a table")
    where = "nlp.llm"
    reader.only(table, where, tuple(LlmConfig.__dataclass_fields__))
    numbers = {}
    for key, low, high in (("timeout", 1, 600), ("cost_per_1k_tokens", 0, 1000)):
        value = table.get(key, getattr(LlmConfig, key))
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            reader.fail(f"{where}.{key}", value, f"a number from {low} to {high}")
        numbers[key] = float(value)
    config = LlmConfig(
        enabled=reader.boolean(table, where, "enabled", False),
        base_url=reader.text(table, where, "base_url", allow_empty=True, default=""),
        model=reader.text(table, where, "model", allow_empty=True, default=""),
        api_key_env=reader.text(table, where, "api_key_env", allow_empty=True, default=""),
        max_batch=reader.integer(table, where, "max_batch", low=1, high=200, default=20),
        max_requests_per_minute=reader.integer(table, where, "max_requests_per_minute", low=1, high=10000,
                                               default=60),
        allowed_sources=_allowed_sources(reader, table, where, sources),
        **numbers)
    if config.enabled and not (config.base_url.startswith(("http://", "https://")) and config.model):
        reader.fail(f"{where}.base_url", config.base_url,
                    "an http(s) URL of an OpenAI-compatible API and a model name when enabled = true")
    return config


def _allowed_sources(reader: Reader, table: dict, where: str,
                     sources: tuple[SourceConfig, ...]) -> tuple[str, ...] | None:
    """``allowed_sources``: configured source keys only (left out: every source may be sent)."""
    if "allowed_sources" not in table:
        return None
    keys = reader.strings(table, where, "allowed_sources")
    known = {source.key for source in sources}
    unknown = [key for key in keys if key not in known]
    if unknown:
        reader.fail(f"{where}.allowed_sources", unknown, "source keys configured under [sources] ("
                    + ", ".join(sorted(known)) + ")")
    return tuple(keys)


def read_reports(reader: Reader, raw: dict) -> ReportsConfig:
    """Read ``[reports]`` (optional: a config without it gets the defaults)."""
    table = raw.get("reports", {})
    if not isinstance(table, dict):
        reader.fail("reports", table, "a table")
    reader.only(table, "reports", ("min_cell", "max_quotes", "youth_max_age", "scheduled_formats", "schedule",
                                        "where_next_min_base"))
    formats = tuple(reader.strings(table, "reports", "scheduled_formats")) if "scheduled_formats" in table else ("pdf",)
    if any(f not in ("pdf", "docx", "html") for f in formats):
        reader.fail("reports.scheduled_formats", list(formats), "a list drawn from pdf, docx, html")
    return ReportsConfig(
        min_cell=reader.integer(table, "reports", "min_cell", low=1, high=1000, default=10),
        max_quotes=reader.integer(table, "reports", "max_quotes", low=0, high=6, default=6),
        youth_max_age=reader.integer(table, "reports", "youth_max_age", low=11, high=30, default=24),
        scheduled_formats=formats,
        schedule=reader.text(table, "reports", "schedule", allow_empty=True, default=ReportsConfig.schedule),
        where_next_min_base=reader.integer(table, "reports", "where_next_min_base", low=1, high=10_000, default=10),
    )
