"""The ``[sources.KEY]`` sections (connectors and their mappings) and ``[form]``, the QR form that
stores into one of them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ingest import FileOptions, QuestionSpec, RestOptions, SourceMapping
from ingest.presets import apply_preset
from service.config.app import BOROUGH_NAMES
from service.config.reader import MISSING, PROJECT_ROOT, ConfigError, Reader, list_of, resolve_path

SOURCE_KINDS = ("file", "rest", "webhook", "form")


@dataclass(frozen=True)
class SourceConfig:
    """One ``[sources.KEY]`` section: a configured connector and its mapping."""

    key: str
    name: str
    kind: str
    description: str
    min_age: int
    max_age: int | None
    schedule: str
    path: Path | None
    url: str
    token_env: str
    secret_env: str
    mapping: SourceMapping
    file: FileOptions = field(default_factory=FileOptions)
    rest: RestOptions = field(default_factory=RestOptions)
    # Issue 20.7: false when respondents may not live in the borough (QR posters at stations and
    # bus stops, a form that does not ask): the channel is compared with residents but never
    # weighted to them, and pages say why.
    residents: bool = True

    @property
    def population(self) -> str:
        """The target population's ages from ``min_age``/``max_age``: ``"16+"``, ``"11-18"``."""
        return f"{self.min_age}-{self.max_age}" if self.max_age else f"{self.min_age}+"

    def population_text(self, borough: str) -> str:
        """``"Havering residents aged 11-18, Census 2021"``: what the channel is compared with."""
        ages = f"{self.min_age} to {self.max_age}" if self.max_age else f"{self.min_age} and over"
        return f"{BOROUGH_NAMES.get(borough, borough)} residents aged {ages}, Census 2021"

    def residence_reason(self, borough: str) -> str:
        """Why a channel whose respondents may not live in the borough is not weighted to its residents."""
        return (f"not weighted: {self.name} respondents may not live in {BOROUGH_NAMES.get(borough, borough)} "
                "(the form does not ask), so they are not weighted to its residents.")


@dataclass(frozen=True)
class FormConfig:
    """The ``[form]`` section: the residents' QR-code form (issue 4)."""

    source: str = "form"
    public_url: str = ""
    languages: tuple[str, ...] = ("en",)
    min_seconds: int = 3
    token_hours: int = 24
    max_text: int = 1000
    question_sets: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: {"standard": ("safe_here", "feel_safer", "happened")})


def read_source(reader: Reader, key: str, table: Any, base: Path) -> SourceConfig:
    """Read one ``[sources.KEY]`` table, a ``preset`` filling the file and mapping keys it leaves out."""
    where = f"sources.{key}"
    if not isinstance(table, dict):
        reader.fail(where, table, "a table of settings")
    keys = ("name", "kind", "description", "min_age", "max_age", "schedule", "path", "url",
            "token_env", "secret_env", "mapping", "file", "rest", "preset", "residents")
    reader.only(table, where, keys)
    if "preset" in table:  # a survey tool's layout: defaults under the keys the section sets (ingest.presets)
        try:
            file_table, mapping_table = apply_preset(reader.text(table, where, "preset"), table.get("file", {}),
                                                     table.get("mapping", {}))
        except (ValueError, TypeError) as error:
            reader.fail(f"{where}.preset", table.get("preset"), str(error))
        table = {**table, "file": file_table, "mapping": mapping_table}
    kind = reader.text(table, where, "kind")
    if kind not in SOURCE_KINDS:
        reader.fail(f"{where}.kind", kind, "one of " + ", ".join(SOURCE_KINDS))
    max_age = reader.integer(table, where, "max_age", low=0, high=120, default=0)
    if max_age and max_age < reader.integer(table, where, "min_age", low=0, high=120):
        reader.fail(f"{where}.max_age", max_age, f"0 (no upper limit) or an age of at least min_age ({table['min_age']})")
    path = reader.text(table, where, "path", allow_empty=True, default="")
    return SourceConfig(
        key=key,
        name=reader.text(table, where, "name"),
        kind=kind,
        description=reader.text(table, where, "description", allow_empty=True, default=""),
        min_age=reader.integer(table, where, "min_age", low=0, high=120),
        max_age=max_age or None,
        schedule=reader.text(table, where, "schedule", allow_empty=True, default=""),
        path=resolve_path(base, path) if path else None,
        url=reader.text(table, where, "url", allow_empty=True, default=""),
        token_env=reader.text(table, where, "token_env", allow_empty=True, default=""),
        secret_env=reader.text(table, where, "secret_env", allow_empty=True, default=""),
        mapping=_read_mapping(reader, where + ".mapping", table.get("mapping"), base),
        file=_read_options(reader, where + ".file", table.get("file", {}), FileOptions),
        rest=_read_options(reader, where + ".rest", table.get("rest", {}), RestOptions),
        residents=reader.boolean(table, where, "residents", default=True),
    )


def _read_options(reader: Reader, where: str, table: Any, cls: type) -> Any:
    """Read a table of plain settings into ``cls``, whose defaults give each key's type."""
    if not isinstance(table, dict):
        reader.fail(where, table, "a table of settings")
    defaults = cls()
    names = tuple(f.name for f in fields(cls))
    reader.only(table, where, names)
    values: dict[str, Any] = {}
    for key, value in table.items():
        like = getattr(defaults, key)
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if isinstance(like, str) and not isinstance(value, str):
            reader.fail(f"{where}.{key}", value, "text")
        elif isinstance(like, int) and not (isinstance(value, int) and is_number):
            reader.fail(f"{where}.{key}", value, "a whole number")
        elif isinstance(like, float) and not is_number:
            reader.fail(f"{where}.{key}", value, "a number")
        elif isinstance(like, tuple):
            value = tuple(list_of(reader, f"{where}.{key}", value, int if key == "skip_rows" else str))
        values[key] = float(value) if isinstance(like, float) else value
    try:
        return cls(**values)
    except ValueError as error:
        reader.fail(where, table, str(error))


_MAPPING_TEXT = ("id_column", "submitted_at", "date_format", "wave", "wave_column", "site_column",
                 "consent_column", "age_column", "age_band_column", "sex_column",
                 "gender_identity_column", "ethnicity_column", "ward_column", "postcode_column",
                 "unknown_labels", "ethnicity_other_column", "timezone", "birth_date_column",
                 "school_year_column")
_MAPPING_LISTS = ("id_columns", "date_formats", "birth_date_formats", "optional", "drop_columns", "keep_columns")  # issue 16: lists of text
_MAPPING_FLAGS = ("row_id", "ward_from_postcode")  # issue 16: true or false


def _separator(reader: Reader, table: dict, where: str) -> str:
    """A multi-select's separator: any text but the empty one ("\\n" for a tool that joins options by line)."""
    value = reader.text(table, where, "separator", allow_empty=True, default=";")
    if value == "":
        reader.fail(f"{where}.separator", value, "a separator such as \";\", \", \" or \"\\n\" (one option per line)")
    return value


def _read_mapping(reader: Reader, where: str, table: Any, base: Path = PROJECT_ROOT) -> SourceMapping:
    """Read ``[sources.KEY.mapping]`` into the connector's :class:`ingest.SourceMapping`."""
    if not isinstance(table, dict):
        reader.fail(where, table, "a table with at least id_column")
    reader.only(table, where, (*_MAPPING_TEXT, *_MAPPING_LISTS, *_MAPPING_FLAGS, "postcode_lookup", "age_bands",
                               "min_age", "max_age", "recodes", "questions"))
    values: dict[str, Any] = {k: table[k] for k in _MAPPING_TEXT if k in table}
    for key, value in values.items():
        if not isinstance(value, str):
            reader.fail(f"{where}.{key}", value, "text")
    if not any(k in table for k in ("id_columns", "row_id")):
        reader.text(table, where, "id_column")
    values.update({k: tuple(list_of(reader, f"{where}.{k}", table[k], str)) for k in _MAPPING_LISTS if k in table})
    values.update({k: reader.boolean(table, where, k, False) for k in _MAPPING_FLAGS if k in table})
    lookup = reader.text(table, where, "postcode_lookup", allow_empty=True, default="")
    if lookup:
        values["postcode_lookup"] = str(resolve_path(base, lookup))
    recodes = table.get("recodes", {})
    if not isinstance(recodes, dict) or not all(isinstance(v, dict) for v in recodes.values()):
        reader.fail(f"{where}.recodes", recodes, "tables of label = code")
    questions = table.get("questions", [])
    if not isinstance(questions, list):
        reader.fail(f"{where}.questions", questions, "an array of tables [[...questions]]")
    try:
        return SourceMapping(
            **values,
            age_bands=tuple(reader.strings(table, where, "age_bands")),
            min_age=reader.integer(table, where, "min_age", low=0, high=120, default=0),
            max_age=reader.integer(table, where, "max_age", low=1, high=130, default=120),
            recodes={k: {str(a): str(b) for a, b in v.items()} for k, v in recodes.items()},
            questions=tuple(_read_question(reader, f"{where}.questions[{i}]", q) for i, q in enumerate(questions)),
        )
    except ValueError as error:
        raise ConfigError(f"{reader.file}: [{where}] {error}. Fix it in the file.") from None


def _read_question(reader: Reader, where: str, table: Any) -> QuestionSpec:
    """Read one ``[[sources.KEY.mapping.questions]]`` table."""
    if not isinstance(table, dict):
        reader.fail(where, table, "a table with key, column and type")
    reader.only(table, where, ("key", "column", "type", "wording", "options", "required", "minimum", "maximum", "separator",
                               "option_columns"))
    option_columns = tuple(list_of(reader, f"{where}.option_columns", table.get("option_columns", []), str))
    try:
        return QuestionSpec(
            key=reader.text(table, where, "key"),
            column=reader.text(table, where, "column", allow_empty=bool(option_columns), default="" if option_columns else MISSING),
            option_columns=option_columns,
            type=reader.text(table, where, "type"),
            wording=reader.text(table, where, "wording", allow_empty=True, default=""),
            options=tuple(reader.strings(table, where, "options")),
            required=bool(table.get("required", False)),
            minimum=table.get("minimum"),
            maximum=table.get("maximum"),
            separator=_separator(reader, table, where),
        )
    except ValueError as error:
        reader.fail(f"{where}.type", table.get("type"), str(error))


def read_form(reader: Reader, raw: dict, sources: tuple[SourceConfig, ...]) -> FormConfig:
    """Read ``[form]`` (required): its source must be a configured source of kind ``"form"``."""
    table = reader.table(raw, "", ("form",))["form"]
    keys = ("source", "public_url", "languages", "min_seconds", "token_hours", "max_text", "question_sets")
    reader.only(table, "form", keys)
    key = reader.text(table, "form", "source")
    source = next((s for s in sources if s.key == key), None)
    if source is None or source.kind != "form":
        reader.fail("form.source", key, "the key of a [sources.KEY] section of kind \"form\"")
    url = reader.text(table, "form", "public_url", allow_empty=True).rstrip("/")
    if url and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", url):
        reader.fail("form.public_url", url, "empty, or an address such as https://voice.example.gov.uk")
    languages = tuple(reader.strings(table, "form", "languages"))
    if not languages or not all(re.fullmatch(r"[a-z]{2,3}(_[A-Z]{2})?", code) for code in languages):
        reader.fail("form.languages", list(languages), "locale codes such as \"en\", \"pl\" or \"pt_BR\", English first")
    sets = table.get("question_sets")
    if not isinstance(sets, dict) or not sets:
        reader.fail("form.question_sets", sets, "a table of name = [question keys]")
    known = {q.key for q in source.mapping.questions}
    for name in sets:
        keys_asked = reader.strings(sets, "form.question_sets", name)
        unknown = [k for k in keys_asked if k not in known]
        if not keys_asked or unknown:
            reader.fail(f"form.question_sets.{name}", keys_asked, f"keys of questions of [sources.{key}]: {', '.join(sorted(known))}")
    return FormConfig(
        source=key, public_url=url, languages=languages,
        min_seconds=reader.integer(table, "form", "min_seconds", low=0, high=600),
        token_hours=reader.integer(table, "form", "token_hours", low=1, high=24 * 30),
        max_text=reader.integer(table, "form", "max_text", low=1, high=20_000),
        question_sets={name: tuple(value) for name, value in sets.items()},
    )
