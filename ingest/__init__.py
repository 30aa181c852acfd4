"""Connectors: read survey sources and map their records onto the response vocabulary."""

from ingest.archive import ArchiveLimits, check_archive
from ingest.check import CheckReport, check_export
from ingest.columns import ReadNotes
from ingest.errors import (
    ColumnNotFoundError,
    FileSettingError,
    HeaderMismatchError,
    IngestError,
    MappingError,
    RecordError,
    SourceUnavailable,
    VocabularyError,
)
from ingest.exports import ExportResult, read_export
from ingest.files import count_lines, hash_file, read_csv_records, read_file_records
from ingest.form import (
    FieldError,
    FormResult,
    FormSpec,
    check_submission,
    clean_text,
    suspect_bot,
)
from ingest.mapping import (
    QuestionSpec,
    SourceMapping,
    map_record,
    parse_datetime,
    read_value,
)
from ingest.options import FileOptions
from ingest.records import (
    QUESTION_TYPES,
    AnswerRecord,
    Demographics,
    FieldIssue,
    QuarantineRecord,
    RawRecord,
    ResponseRecord,
)
from ingest.rest import RestOptions, RestReader
from ingest.suggest import suggest_mapping
from ingest.vocabulary import NOT_STATED, Ward
from ingest.webhook import SignatureError, parse_delivery, sign_body, verify_signature

__all__ = [
    "NOT_STATED",
    "QUESTION_TYPES",
    "AnswerRecord",
    "ArchiveLimits",
    "CheckReport",
    "ColumnNotFoundError",
    "Demographics",
    "ExportResult",
    "FieldError",
    "FieldIssue",
    "FileOptions",
    "FormResult",
    "FormSpec",
    "FileSettingError",
    "HeaderMismatchError",
    "IngestError",
    "MappingError",
    "QuarantineRecord",
    "QuestionSpec",
    "RawRecord",
    "ReadNotes",
    "RecordError",
    "ResponseRecord",
    "RestOptions",
    "RestReader",
    "SignatureError",
    "SourceMapping",
    "SourceUnavailable",
    "VocabularyError",
    "Ward",
    "check_archive",
    "check_export",
    "check_submission",
    "clean_text",
    "count_lines",
    "hash_file",
    "map_record",
    "parse_datetime",
    "parse_delivery",
    "read_csv_records",
    "read_export",
    "read_file_records",
    "read_value",
    "sign_body",
    "suggest_mapping",
    "suspect_bot",
    "verify_signature",
]
