"""Exports carry the data version they were read at as their ETag."""

import pytest
from django.urls import reverse

from policies.positions import version as data_version

COUNTIES_CSV = {"dimension": "detainer-holds", "as_of": "2019-06-01", "level": "county"}


def read(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.django_db
def test_a_csv_export_carries_the_data_version_as_its_etag(client, seeded):
    response = client.get(reverse("api:positions"), {**COUNTIES_CSV, "format": "csv"})
    assert response["ETag"] == f'"{data_version.current()}-csv"'
    read(response)
    again = client.get(
        reverse("api:positions"),
        {**COUNTIES_CSV, "format": "csv"},
        headers={"if-none-match": response["ETag"]},
    )
    assert again.status_code == 304


@pytest.mark.django_db
def test_the_bulk_zip_and_table_carry_the_data_version(client, seeded):
    version = data_version.current()
    assert client.get(reverse("api:bulk"))["ETag"] == f'"{version}-zip"'
    table = client.get(reverse("api:bulk"), {"table": "jurisdictions"})
    assert table["ETag"] == f'"{version}-csv"'
    read(table)
