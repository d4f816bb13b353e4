"""Property-based API testing from the OpenAPI document: no 5xx, no undocumented status, valid responses.

Cross-field rules (an ISH ratio must agree with its copy numbers, a date must not be after ``today``) cannot be
written in JSON Schema, so a schema-valid request may still be rejected with a documented 422 problem; the
``positive_data_acceptance`` check is therefore excluded. Every other default check runs. A schema-violating body
larger than the body limit is rejected before it is parsed, with a documented 413 problem: 413 counts as a rejection
(schemathesis's default list of rejection codes omits it).
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance
from schemathesis.config import SchemathesisConfig

from her2kit.web import create_app
from her2kit.web.settings import Settings

APP = create_app(Settings(access_log=False))
REJECTIONS = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]
CONFIG = SchemathesisConfig.from_dict(
    {"checks": {"negative_data_rejection": {"expected-statuses": REJECTIONS}}}
)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG)


@schema.exclude(path="/v1/genomics").parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi(case: schemathesis.Case) -> None:
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
