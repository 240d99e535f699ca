"""The release pages, their files, the downloads page, and the admin's button."""

import datetime as dt

import pytest
from django.urls import reverse

from releases.models import Release
from releases.services import release_cut

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

NOON = dt.datetime(2026, 1, 5, 12, 0, 0, tzinfo=dt.UTC)


def test_a_release_page_gives_a_citation_with_number_and_checksum(client):
    release = release_cut(now=NOON)
    page = client.get(reverse("releases:release", args=[1])).content.decode()
    assert "PolicyHub, release 1 (2026-01-05), SHA-256 " + release.archive_sha256 in page
    assert "?release=1" in page
    assert reverse("releases:file", args=[1, "policyhub-release-1.sqlite"]) in page


def test_a_release_file_downloads_and_an_unknown_one_is_a_404(client):
    release_cut(now=NOON)
    response = client.get(reverse("releases:file", args=[1, "policyhub-release-1.zip"]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"
    assert client.get(reverse("releases:file", args=[1, "secrets.txt"])).status_code == 404
    assert client.get(reverse("releases:release", args=[2])).status_code == 404


def test_the_downloads_page_lists_every_release(client):
    release_cut(now=NOON)
    release_cut(now=NOON + dt.timedelta(days=7))
    page = client.get(reverse("site:downloads")).content.decode()
    assert reverse("releases:release", args=[1]) in page
    assert reverse("releases:release", args=[2]) in page


def test_an_editor_cuts_a_release_from_the_admin(client, bob):
    client.force_login(bob)
    listing = client.get(reverse("admin:releases_release_changelist")).content.decode()
    assert "Cut the next release" in listing
    response = client.post(reverse("admin:releases_release_cut"), follow=True)
    assert "Release 1 cut" in response.content.decode()
    assert Release.objects.get().cut_by == bob


def test_a_curator_cannot_cut_a_release(client, alice):
    client.force_login(alice)
    listing = client.get(reverse("admin:releases_release_changelist")).content.decode()
    assert "Cut the next release" not in listing
    assert client.post(reverse("admin:releases_release_cut")).status_code == 403
    assert not Release.objects.exists()


def test_a_second_cut_in_the_same_second_is_refused_with_a_message(client, bob, monkeypatch):
    monkeypatch.setattr("releases.services.timezone.now", lambda: NOON)
    client.force_login(bob)
    client.post(reverse("admin:releases_release_cut"))
    response = client.post(reverse("admin:releases_release_cut"), follow=True)
    assert "already cut in this second" in response.content.decode()
    assert Release.objects.count() == 1
