"""Streamed CSVs kept per process while the data version stands (core/export_cache.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import export_cache
from policies.models import Source
from policies.positions.queries import codebook

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

CALIFORNIA = {
    "dimension": "detainer-holds",
    "as_of": "2019-06-01",
    "level": "county",
    "state": "CA",
    "format": "csv",
}
# A kept CSV, with the codebook already read: the data version (the codebook's), the state,
# and the data version again in the snapshot (its ETag and the key); no position, provision
# or source is read. (A test runs in a transaction: the snapshot adds no BEGIN here.)
KEPT_CSV_QUERIES = 3


def csv_of(client, **params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("api:positions"), {**CALIFORNIA, **params})
        assert response.status_code == 200
        body = b"".join(response.streaming_content).decode()
    return response, body, [q["sql"] for q in captured]


def reading_data(queries):
    return [q for q in queries if "policies_position" in q or "policies_source" in q]


def test_the_same_csv_asked_again_is_sent_as_kept_without_reading_positions(client):
    codebook()
    first, first_body, first_queries = csv_of(client)
    again, body, queries = csv_of(client)
    assert body == first_body
    assert "California Values Act" in body
    assert again["ETag"] == first["ETag"]
    assert reading_data(first_queries)
    assert reading_data(queries) == []
    assert len(queries) == KEPT_CSV_QUERIES, queries


def test_another_filter_or_date_is_not_served_from_the_kept_csv(client):
    _, california, _ = csv_of(client)
    _, in_2010, queries = csv_of(client, as_of="2010-06-01")
    assert reading_data(queries)
    assert in_2010 != california


def test_a_cited_source_renamed_is_in_the_next_csv(client):
    _, before, _ = csv_of(client)
    cited = Source.objects.filter(citations__instrument__title="California Values Act")
    source = next((s for s in cited if s.title in before), None)
    assert source is not None, "a source the California CSV cites"
    source.title = "Renamed for the test"
    source.save()
    _, after, queries = csv_of(client)
    assert reading_data(queries)
    assert "Renamed for the test" in after


def test_a_csv_larger_than_the_limit_is_streamed_every_time(client, monkeypatch):
    monkeypatch.setattr(export_cache, "KEPT_AT_MOST", 1000)
    _, first, _ = csv_of(client)
    assert len(first.encode()) > 1000
    _, again, queries = csv_of(client)
    assert again == first
    assert reading_data(queries)
