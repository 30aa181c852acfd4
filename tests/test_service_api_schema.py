"""Schemathesis generates requests from the OpenAPI document: no server errors, responses as documented."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import response_schema_conformance

from service.store.accounts import add_api_client
from tests.dashboard_data import seed


@pytest.fixture
def api(app):
    """The seeded app and an analyst token."""
    seed(app.extensions["voice_sessions"])
    with app.extensions["voice_sessions"]() as session:
        _client, token = add_api_client(session, "schemathesis", "analyst")
        session.commit()
    return app, {"Authorization": f"Bearer {token}"}


def test_api_schema_fuzzing_finds_no_server_error(api):
    app, headers = api
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures = []
    for operation in schema.get_all_operations():
        operation = operation.ok()
        strategy = operation.as_strategy()

        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=strategy)
        def check(case):
            response = case.call(headers=headers)
            assert response.status_code < 500, f"{case.method} {case.formatted_path} {case.query}: {response.status_code}"
            case.validate_response(response, checks=[response_schema_conformance])

        try:
            check()
        except AssertionError as error:
            failures.append(str(error)[:500])
    assert not failures, failures
