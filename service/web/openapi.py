"""The OpenAPI 3.0 document of the JSON API (served at /api/v1/openapi.json)."""

from __future__ import annotations

from typing import Any

_ERROR = {"type": "object", "required": ["ok", "error", "errors", "status"],
          "properties": {"ok": {"type": "boolean", "enum": [False]}, "error": {"type": "string"},
                         "errors": {"type": "array", "items": {"type": "string"}}, "status": {"type": "integer"}}}
_NULLABLE_TEXT = {"type": "string", "nullable": True}


def _param(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


_PAGING = [_param("page", "Page number, from 1.", {"type": "integer", "minimum": 1, "maximum": 1000000}),
           _param("per_page", "Items per page, 1 to 200.", {"type": "integer", "minimum": 1, "maximum": 200})]
_FILTERS = [
    _param("source", "Source key, e.g. css, shout, qr.", {"type": "string", "maxLength": 40}),
    _param("period", "A year (2024), a quarter (2024Q1) or 'all'.", {"type": "string", "pattern": r"^(all|\d{4}(Q[1-4])?)$"}),
    _param("ward", "2022 ward code, e.g. E05013983.", {"type": "string", "maxLength": 12}),
    _param("site", "QR site code.", {"type": "string", "maxLength": 20}),
    _param("group", "variable:level, variable one of age_band, sex, ethnic_group (e.g. sex:female).",
           {"type": "string", "pattern": r"^(age_band|sex|ethnic_group):.+$"}),
]


def _list_of(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": ["ok", "data", "page", "per_page", "total"],
            "properties": {"ok": {"type": "boolean"}, "data": {"type": "array", "items": item},
                           "page": {"type": "integer"}, "per_page": {"type": "integer"}, "total": {"type": "integer"}}}


def _operation(summary: str, schema: dict[str, Any], parameters: list[dict[str, Any]]) -> dict[str, Any]:
    errors = {str(code): {"description": text, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
              for code, text in ((400, "A filter or paging value is wrong."), (401, "No valid token."),
                                 (403, "The token's role may not use this.")) }
    return {"get": {"summary": summary, "parameters": parameters, "security": [{"bearer": []}],
                    "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": schema}}}, **errors}}}


_OBJECT = {"type": "object"}
_SOURCE = {"type": "object", "required": ["key", "name", "n_responses"],
           "properties": {"key": {"type": "string"}, "name": {"type": "string"}, "kind": {"type": "string"},
                          "n_responses": {"type": "integer"}}}
_SITE = {"type": "object", "required": ["code", "name", "n_responses"],
         "properties": {"code": {"type": "string"}, "name": {"type": "string"}, "kind": {"type": "string"},
                        "ward": _NULLABLE_TEXT, "campaign": _NULLABLE_TEXT, "is_retired": {"type": "boolean"},
                        "n_responses": {"type": "integer"}}}
_TEXT = {"type": "object", "required": ["id", "redacted", "topics"],
         "properties": {"id": {"type": "integer"}, "redacted": _NULLABLE_TEXT, "topics": {"type": "array", "items": {"type": "string"}}}}
_RESPONSE = {"type": "object", "required": ["id", "source", "texts"],
             "properties": {"id": {"type": "integer"}, "submitted_at": _NULLABLE_TEXT, "source": {"type": "string"},
                            "site": {"type": "string"}, "ward": _NULLABLE_TEXT, "age_band": _NULLABLE_TEXT,
                            "sex": _NULLABLE_TEXT, "ethnic_group": _NULLABLE_TEXT, "texts": {"type": "array", "items": _TEXT}}}
_TOPICS = {"type": "object", "required": ["ok", "base_n", "rows"],
           "properties": {"ok": {"type": "boolean"}, "base_n": {"type": "integer"}, "rows": {"type": "array", "items": _OBJECT},
                          "weighting_run": {"type": "integer", "nullable": True},
                          "weighted": {"type": "boolean"}, "weighting_runs": {"type": "object"},
                          "weighting_note": _NULLABLE_TEXT, "weighting_reason": _NULLABLE_TEXT,
                          "weighting_population": _NULLABLE_TEXT,
                          "weighting_method": _NULLABLE_TEXT, "n_effective": {"type": "number", "nullable": True}}}
_FINDINGS = {"type": "object", "required": ["ok", "themes"],
             "properties": {"ok": {"type": "boolean"}, "run": {"type": "object", "nullable": True},
                            "themes": {"type": "array", "items": _OBJECT}}}


def openapi_document() -> dict[str, Any]:
    """The document, built fresh (it is small)."""
    source_only = [_FILTERS[0]]
    return {
        "openapi": "3.0.3",
        "info": {"title": "Community Voice API", "version": "1",
                 "description": "What residents say about community safety, and whose voices are missing. "
                                "Send `Authorization: Bearer <token>` (from `voice api-token add`). Free text is redacted."},
        "servers": [{"url": "/"}],
        "paths": {
            "/api/v1/sources": _operation("Sources and their response counts", _list_of(_SOURCE), []),
            "/api/v1/sites": _operation("QR sites", _list_of(_SITE), _PAGING),
            "/api/v1/responses": _operation("Responses, newest first, redacted", _list_of(_RESPONSE), _FILTERS + _PAGING),
            "/api/v1/representativeness": _operation(
                "Representativeness runs against Census 2021", _list_of(_OBJECT),
                source_only + [_param("period", "Period of the run, e.g. all or 2024Q1.", {"type": "string", "maxLength": 20})]),
            "/api/v1/weights/runs": _operation("Weighting runs and diagnostics", _list_of(_OBJECT), source_only + _PAGING),
            "/api/v1/topics": _operation("Topic prevalence with 95% intervals", _TOPICS, _FILTERS),
            "/api/v1/findings": _operation("Emerging themes", _FINDINGS, source_only),
        },
        "components": {"schemas": {"Error": _ERROR},
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
