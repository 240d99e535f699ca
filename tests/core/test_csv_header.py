"""A CSV names its columns even when it has no rows: a researcher's reader (pandas,
R) learns the columns of an empty answer instead of failing on an empty file. The header
comes from the answer's declared shape, and it is the header a non-empty answer writes."""

import csv
import io

import pytest

from core.csv_text import flatten
from policies.bulk import TABLES
from tests.agreements.test_api_and_pages import history  # noqa: F401 (a fixture)

LISTS = [
    "/api/v1/jurisdictions/",
    "/api/v1/agencies/",
    "/api/v1/dimensions/",
    "/api/v1/instruments/",
    "/api/v1/provisions/",
    "/api/v1/agreements/",
    "/api/v1/snapshots/",
]


def lines(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


@pytest.mark.django_db
@pytest.mark.parametrize("url", LISTS)
def test_an_empty_csv_list_still_has_its_header(client, url):
    response = client.get(url, {"format": "csv"})
    assert response.status_code == 200
    rows = lines(response)
    assert len(rows) == 1
    assert "id" in rows[0] or any(name.endswith("slug") for name in rows[0])


@pytest.mark.django_db
@pytest.mark.parametrize("table", list(TABLES))
def test_an_empty_bulk_table_still_has_its_header(client, table):
    response = client.get("/api/v1/bulk/", {"table": table})
    assert lines(response) == [list(TABLES[table].columns)]


def assert_rows_fit_the_declared_header(client, url):
    rows = lines(client.get(url, {"format": "csv"}))
    records = client.get(url, {"format": "json"}).json()["results"]
    assert len(rows) > 1 and records
    # Every value a record holds has its column (a nested object that is null in one record
    # still has its columns, left empty there): nothing is dropped from the file.
    for record in records:
        held = {name for name, value in flatten(record).items() if value != ""}
        assert held <= set(rows[0]), held - set(rows[0])
    assert all(len(row) == len(rows[0]) for row in rows)


@pytest.mark.django_db
@pytest.mark.parametrize("url", LISTS[:5])
def test_the_declared_header_is_the_one_rows_are_written_under(client, seeded, url):
    assert_rows_fit_the_declared_header(client, url)


@pytest.mark.parametrize("url", LISTS[5:])
def test_the_declared_header_fits_the_287g_lists(client, history, url):  # noqa: F811
    assert_rows_fit_the_declared_header(client, url)
