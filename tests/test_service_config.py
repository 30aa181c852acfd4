"""Configuration: the shipped file loads, every key is documented, bad values stop start-up clearly."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from service.config import (
    AnalysisConfig,
    AppConfig,
    ConfigError,
    DatabaseConfig,
    LimitsConfig,
    load_config,
)

SHIPPED = Path(__file__).resolve().parent.parent / "config.toml"


def _write(tmp_path: Path, old: str, new: str) -> Path:
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text, f"test set-up: {old!r} is not in config.toml"
    path = tmp_path / "config.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_shipped_config_loads_with_three_sources():
    config = load_config(SHIPPED, environ={})
    assert [s.key for s in config.sources][:3] == ["css", "shout", "qr"]
    assert config.database.url.startswith("sqlite:///") and config.database.url.endswith("voice.db")
    assert config.source("css").mapping.age_bands[0] == "16-24"


def test_shipped_config_documents_every_setting():
    text = SHIPPED.read_text(encoding="utf-8")
    for section in (AppConfig, DatabaseConfig, LimitsConfig, AnalysisConfig):
        for field in dataclasses.fields(section):
            if field.name == "secret_key":
                assert "VOICE_SECRET_KEY" in text
                continue
            assert re.search(rf"^{field.name} = ", text, re.M), f"{section.__name__}.{field.name} is not in config.toml"


def test_environment_overrides_keys_with_their_types():
    env = {"VOICE_DATABASE_URL": "postgresql+psycopg://u@db/voice", "VOICE_SECRET_KEY": "s3cret",
           "VOICE_SESSION_MINUTES": "15", "VOICE_SOURCES_CSS_PATH": "/data/css", "VOICE_ANALYSIS_WEIGHT_CAP": "4.5"}
    config = load_config(SHIPPED, environ=env)
    assert config.database.url == "postgresql+psycopg://u@db/voice"
    assert config.app.secret_key == "s3cret"
    assert config.app.session_minutes == 15
    assert config.source("css").path == Path("/data/css")
    assert config.analysis.weight_cap == 4.5


def test_environment_value_of_wrong_type_names_the_variable():
    with pytest.raises(ConfigError, match=r"VOICE_SESSION_MINUTES='soon' .*expected a whole number"):
        load_config(SHIPPED, environ={"VOICE_SESSION_MINUTES": "soon"})


def test_missing_file_says_how_to_fix(tmp_path):
    with pytest.raises(ConfigError, match=r"config file .*nowhere.toml not found.*VOICE_CONFIG"):
        load_config(tmp_path / "nowhere.toml", environ={})


def test_invalid_toml_names_the_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[app\nname = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config.toml is not valid TOML"):
        load_config(path, environ={})


@pytest.mark.parametrize(("old", "new", "message"), [
    ('borough = "havering"', 'borough = "hackney"',
     r"key 'app.borough' has value 'hackney'; expected one of havering, barking_dagenham. .*VOICE_APP_BOROUGH"),
    ("session_minutes = 60", 'session_minutes = "sixty"', r"key 'app.session_minutes' has value 'sixty'; expected a whole number from 1 to 1440"),
    ("session_minutes = 60", "session_minutes = 0", r"key 'app.session_minutes' has value 0"),
    ('log_level = "INFO"', 'log_level = "LOUD"', r"key 'app.log_level' has value 'LOUD'"),
    ('council_name = "Havering Council"', 'counsil_name = "Havering Council"', r"unknown key app.counsil_name; the keys allowed in \[app\] are"),
    ('kind = "file"', 'kind = "ftp"', r"key 'sources.css.kind' has value 'ftp'; expected one of file, rest, webhook, form"),
    ('storage_uri = "memory://"', 'storage_uri = "mongodb://x"', r"key 'limits.storage_uri' has value 'mongodb://x'; expected memory:// or a redis:// URL"),
    ('sign_in = "10 per minute"', 'sign_in = "lots"', r"key 'limits.sign_in' has value 'lots'; expected a rate such as '10 per minute'"),
    ("weight_cap = 5.0", "weight_cap = 1.1", r"key 'analysis.weight_cap' has value 1.1; expected 0 \(no trimming\) or a number from 1.5 to 100"),
    ('weight_variables = ["age_band", "sex", "ethnic_group"]', 'weight_variables = ["age", "sex"]',
     r"key 'analysis.weight_variables' has value \['age', 'sex'\]; expected a non-empty list drawn from"),
    ('age_bands = ["16-24"', 'age_bands = ["16 to 24"', r"sources.css.mapping.*age band '16 to 24' is not of the form 'A-B' \(A up to B\), 'A\+' or 'Under N'"),
    ('type = "scale"', 'type = "slider"', r"sources.css.mapping.questions\[0\].type.*'slider'.*not one of single_choice"),
    ('id_column = "Respondent ID"', 'id_column = ""', r"key 'sources.css.mapping.id_column' has value ''; expected non-empty text"),
])
def test_bad_value_stops_start_up_naming_key_value_and_expectation(tmp_path, old, new, message):
    with pytest.raises(ConfigError, match=message):
        load_config(_write(tmp_path, old, new), environ={})


def test_missing_section_says_to_copy_it(tmp_path):
    path = _write(tmp_path, "[limits]", "[limitz]")
    with pytest.raises(ConfigError, match=r"section \[limits\] is missing; copy it from the project's config.toml"):
        load_config(path, environ={})


def test_unknown_source_lists_the_configured_ones():
    config = load_config(SHIPPED, environ={})
    with pytest.raises(ConfigError, match=r"no source called 'police' in .*configured sources: css, shout, qr"):
        config.source("police")


def test_issue_16_mapping_keys_are_read_from_the_file(tmp_path):
    path = _write(tmp_path, 'id_column = "Respondent ID"',
                  'id_column = "Respondent ID"\ntimezone = "Europe/London"\nbirth_date_column = "Date of birth"\n'
                  'school_year_column = "Year group"\ndrop_columns = ["Staff notes"]\nkeep_columns = ["Email updates?"]')
    mapping = load_config(path, environ={}).source("css").mapping
    assert (mapping.timezone, mapping.birth_date_column, mapping.school_year_column) == (
        "Europe/London", "Date of birth", "Year group")
    assert (mapping.drop_columns, mapping.keep_columns) == (("Staff notes",), ("Email updates?",))


def test_a_multi_select_may_be_joined_by_new_lines_and_an_empty_separator_is_refused(tmp_path):
    """Trial 4: JotForm joins 'tick all that apply' by new lines; separator = "\\n" was refused at load."""
    from datetime import datetime, timezone

    from ingest.answers import map_answer

    old = 'type = "multiple_choice"\nwording = "Has anything happened to you or someone you know here?"'
    config = load_config(_write(tmp_path, old, old.replace('type = "multiple_choice"', 'type = "multiple_choice"\nseparator = "\\n"')),
                         environ={})
    question = next(q for s in config.sources for q in s.mapping.questions if q.separator == "\n")
    assert map_answer(question, "Robbery\r\nHarassment\n", datetime.now(timezone.utc)).value == ["Robbery", "Harassment"]
    with pytest.raises(ConfigError, match=r'separator.*expected a separator such as ";", ", " or "\\n"'):
        load_config(_write(tmp_path, old, old.replace('type = "multiple_choice"', 'type = "multiple_choice"\nseparator = ""')),
                    environ={})


def test_an_override_of_a_key_the_file_does_not_set_stops_start_up():
    """Trial 4: VOICE_SOURCES_LIME_FILE_HEADER_ROW (a key not in the file) was ignored without a word."""
    with pytest.raises(ConfigError, match=r"environment variable VOICE_SOURCES_CSS_FILE_HEADER_ROWZ overrides no key of "
                                          r".*config.toml: only a key written in the file can be overridden"):
        load_config(SHIPPED, environ={"VOICE_SOURCES_CSS_FILE_HEADER_ROWZ": "2"})


def test_overrides_of_written_keys_and_variables_named_by_env_keys_are_accepted():
    config = load_config(SHIPPED, environ={"VOICE_SOURCES_CSS_PATH": "/tmp/css", "VOICE_QR_VENDOR_TOKEN": "t",
                                           "VOICE_SECRET_KEY": "k", "VOICE_TEST_DATABASE_URL": "sqlite://"})
    assert str(config.source("css").path) == "/tmp/css"
