"""The OpenAPI schema validates, and the API keeps to it: a schemathesis run against the
app in-process, on the seed data, with zero server errors and zero schema violations."""

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from policyhub.wsgi import application

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


@pytest.fixture
def api_schema(db, monkeypatch):
    # Requests go through the real WSGI handler, which closes the database connection after
    # each request; inside the test's transaction that would end the test. Django's own test
    # client disconnects the same handler for the same reason.
    monkeypatch.setattr(signals.request_started, "receivers", [])
    monkeypatch.setattr(signals.request_finished, "receivers", [])
    for signal in (signals.request_started, signals.request_finished):
        signal.sender_receivers_cache.clear()
    # Hundreds of generated requests would otherwise meet the fair-use throttle.
    monkeypatch.setattr("rest_framework.throttling.AnonRateThrottle.THROTTLE_RATES", {"anon": None})
    return schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)


# A schema-valid request may still name a jurisdiction that does not exist, or a value of
# another dimension: the API answers those with a 400 that says so, which the schema cannot
# predict. Every other check runs: no server error, documented status codes, content types
# and response bodies that match the schema.


def operations(api_schema):
    return [result.ok() for result in api_schema.get_all_operations()]


# Driven through Hypothesis directly: schemathesis's own pytest plugin does not yet run
# under this pytest version.
def test_the_api_keeps_to_its_schema(api_schema):
    checked = []
    for operation in operations(api_schema):

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
        def conforms(case):
            # In-process calls do not undo gzip, so ask for the body as it is.
            case.call_and_validate(
                headers={"Accept-Encoding": "identity"},
                excluded_checks=[positive_data_acceptance],
            )

        conforms()
        checked.append(f"{operation.method.upper()} {operation.path}")
    assert "GET /api/v1/positions/" in checked
    assert len(checked) >= 15


def test_the_schema_validates_and_documents_the_codebook(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "/api/v1/positions/" in text
    assert "- detainer-holds" in text  # dimension slugs are documented as an enum
    assert "- judicial-warrant-only" in text
