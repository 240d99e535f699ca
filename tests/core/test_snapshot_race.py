"""Exports read from one snapshot: an editor publishing while a CSV streams changes nothing
in that CSV. In a module of its own: it commits, so it must not share a module with tests that
hold the seed data in an open transaction."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from policies.loading.seed import load_all
from policies.models import Instrument
from policies.positions import version as data_version
from policies.services import instrument_unpublish

COUNTIES_CSV = {"dimension": "detainer-holds", "as_of": "2019-06-01", "level": "county"}


def read(response) -> bytes:
    return b"".join(response.streaming_content)


def in_another_connection(work):
    """Run `work` as another client of the database would: its own connection, committed."""
    errors = []

    def run():
        try:
            work()
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_unpublishing_while_a_csv_streams_leaves_the_csv_as_it_began(client):
    if connection.vendor != "postgresql":
        pytest.skip("a writer waits for the reader on SQLite; the race exists on PostgreSQL")
    load_all(places_path=None)  # the counties are what the CSV lists; places not needed
    url = reverse("api:positions")
    before = read(client.get(url, {**COUNTIES_CSV, "format": "csv"}))
    etag_before = f'"{data_version.current()}-csv"'

    response = client.get(url, {**COUNTIES_CSV, "format": "csv"})
    assert response["ETag"] == etag_before
    stream = iter(response.streaming_content)
    first = next(stream)  # the header and the first 2,000 counties, in FIPS order
    texas = Instrument.objects.get(title__startswith="SB 4 (2017)")
    in_another_connection(lambda: instrument_unpublish(instrument=texas, user=None))
    during = first + b"".join(stream)

    after = read(client.get(url, {**COUNTIES_CSV, "format": "csv"}))
    assert after != before  # the change reaches Texas's counties, past the first chunk
    assert during == before
    assert data_version.current() not in etag_before
