"""Every page and endpoint answers on the seed data exactly as recorded (see responses.py)."""

import difflib
import os

import pytest
from django.core.management.color import no_style
from django.db import connection
from django.test import Client

from tests.policyhub.recorded import responses

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def seeded_from_one(django_db_blocker, db):
    """The seed data with primary keys from 1 (or just past what is already stored), as when
    the recording was made, however many rows earlier tests made and rolled back."""
    from django.apps import apps

    from policies.loading.seed import load_all

    statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models())
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    load_all(places_path=None)


def test_every_page_and_endpoint_answers_as_recorded(seeded_from_one):
    client = Client(raise_request_exception=False)
    if os.environ.get("RECORD_RESPONSES"):
        responses.save(responses.record_all(client))
        pytest.skip(f"recorded {responses.recording_path().name}")
    if not responses.recording_path().exists():
        pytest.skip(f"no recording for {connection.vendor}")
    recorded = responses.load()
    assert sorted(recorded) == sorted(responses.urls())
    differences = []
    for url, before in recorded.items():
        now = responses.answer(client, url)
        expected = responses.expected(url, before)
        if expected is None:  # only the status is compared
            if now["status"] != responses.INTENDED_CHANGES[url]["status"]:
                differences.append(f"{url}: status {now['status']}")
        elif now != expected:
            lines = difflib.unified_diff(
                expected["body"].splitlines(), now["body"].splitlines(), lineterm="", n=1
            )
            diff = "\n".join(list(lines)[:30])
            differences.append(
                f"{url}: status {expected['status']} -> {now['status']}, headers "
                f"{expected['headers']} -> {now['headers']}\n{diff}"
            )
    assert not differences, "\n\n".join(differences)
