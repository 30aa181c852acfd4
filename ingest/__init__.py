"""Connectors: read survey sources and map their records onto the response vocabulary."""

from ingest.errors import IngestError, MappingError, RecordError, SourceUnavailable, VocabularyError
from ingest.files import hash_file, read_csv_records
from ingest.mapping import QuestionSpec, SourceMapping, map_record, parse_datetime, read_value
from ingest.records import (
    QUESTION_TYPES,
    AnswerRecord,
    Demographics,
    QuarantineRecord,
    RawRecord,
    ResponseRecord,
)
from ingest.vocabulary import NOT_STATED, Ward

__all__ = [
    "NOT_STATED",
    "QUESTION_TYPES",
    "AnswerRecord",
    "Demographics",
    "IngestError",
    "MappingError",
    "QuarantineRecord",
    "QuestionSpec",
    "RawRecord",
    "RecordError",
    "ResponseRecord",
    "SourceMapping",
    "SourceUnavailable",
    "VocabularyError",
    "Ward",
    "hash_file",
    "map_record",
    "parse_datetime",
    "read_csv_records",
    "read_value",
]
