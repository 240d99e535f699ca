"""Exports carry the data version they were read at as their ETag."""

import pytest
from django.urls import reverse

from core.snapshot import in_chunks
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


def test_a_stream_reaches_the_server_in_large_chunks_that_keep_every_byte():
    lines = [f"row {n},{'x' * (n % 7)}\n" for n in range(20_000)]
    chunks = list(in_chunks(lines, size=4096))
    assert "".join(chunks) == "".join(lines)
    assert all(len(chunk) >= 4096 for chunk in chunks[:-1])
    assert len(chunks) < len(lines) / 100
    assert list(in_chunks([b"a", b"b"], size=4096)) == [b"ab"]
    assert list(in_chunks([], size=4096)) == []


@pytest.mark.django_db
def test_the_provisions_csv_is_streamed_in_chunks_not_lines(client, seeded):
    response = client.get(reverse("api:bulk"), {"table": "provisions"})
    chunks = list(response.streaming_content)
    rows = b"".join(chunks).count(b"\n")
    assert rows > 100
    assert len(chunks) < rows / 10
