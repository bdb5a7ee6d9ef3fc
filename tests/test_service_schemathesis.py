"""Schemathesis against the service's own OpenAPI document, in process (ASGI, no network): for
requests generated from the document — valid ones and invalid ones (schemathesis's positive and
negative modes) — no server error, and no response that the document does not describe (status,
content type, body schema).

Examples are bounded so that the whole module takes well under a minute."""
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from service_support import make_app

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


# Small limits, so that generated batches and bodies reach them too. Built when the module is
# collected (the bundled policies are loaded once per session, shared with the other service tests).
schema = schemathesis.openapi.from_asgi("/openapi.json", make_app(max_batch=3, max_body=32 * 1024,
                                                                   admin_token="t0ken"))


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_server_error_and_every_response_as_documented(case):
    case.call_and_validate(checks=CHECKS)
