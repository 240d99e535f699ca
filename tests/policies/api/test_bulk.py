"""The bulk download of the whole published dataset."""

import csv
import io

import pytest
from django.urls import reverse

from policies.models import Provision

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


def api(name, *args):
    return reverse(f"api:{name}", args=args)


def get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    return response.json()


def test_the_bulk_download_holds_every_table_and_the_codebook(client):
    import zipfile

    response = client.get(api("bulk"))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = set(archive.namelist())
    assert {"jurisdictions.csv", "provisions.csv", "positions.csv", "codebook.json"} <= names
    provisions = list(csv.DictReader(io.TextIOWrapper(archive.open("provisions.csv"), "utf-8")))
    assert len(provisions) == Provision.objects.published().count()
    licence = archive.read("LICENSE.txt").decode()
    assert "CC BY 4.0" in licence and "MIT License" in licence
    assert "Creative Commons Attribution 4.0" in archive.read("README.txt").decode()


def test_one_bulk_table_streams_as_csv(client):
    response = client.get(api("bulk"), {"table": "provisions"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0]["dimension"] and rows[0]["value"] and "pinpoint" in rows[0]
