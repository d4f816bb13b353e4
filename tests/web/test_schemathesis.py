"""Property-based API testing from the OpenAPI document: no 5xx, no undocumented status, valid responses.

Cross-field rules (an ISH ratio must agree with its copy numbers, a date must not be after ``today``) cannot be
written in JSON Schema, so a schema-valid request may still be rejected with a documented 422 problem; the
``positive_data_acceptance`` check is therefore excluded. Every other default check runs.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from her2kit.web import create_app
from her2kit.web.settings import Settings

APP = create_app(Settings(access_log=False))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.exclude(path="/v1/genomics").parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi(case: schemathesis.Case) -> None:
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
