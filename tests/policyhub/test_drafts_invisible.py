"""Nothing unpublished reaches an anonymous client: no endpoint, format or count."""

import io
import zipfile

import pytest
from django.urls import reverse

from policies.models import Instrument, ReviewState, Source

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

DRAFT_TITLES = [
    "Harris County 287(g) jail agreement",
    "HB 1105 (2024): detainers, 287(g) applications and penalties",
]
# Cited by the Harris County draft and by nothing published.
DRAFT_ONLY_SOURCE = "https://www.houstonpublicmedia.org/articles/news/2017/02/22/189009/"

LISTS = [
    "api:jurisdiction-list",
    "api:agency-list",
    "api:dimension-list",
    "api:instrument-list",
    "api:provision-list",
    "api:source-list",
    "api:event-list",
]


def text_of(response):
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def test_the_seed_has_the_drafts_this_file_looks_for():
    drafts = Instrument.objects.exclude(review_state=ReviewState.PUBLISHED)
    assert set(DRAFT_TITLES) <= set(drafts.values_list("title", flat=True))
    assert Source.objects.filter(url=DRAFT_ONLY_SOURCE).exists()
    assert not Source.objects.public().filter(url=DRAFT_ONLY_SOURCE).exists()


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_no_list_shows_a_draft_or_a_source_only_drafts_cite(client, url, fmt):
    text = text_of(client.get(reverse(url), {"format": fmt, "page_size": 1000}))
    for title in DRAFT_TITLES:
        assert title not in text
    assert DRAFT_ONLY_SOURCE not in text
    for field in ("history_id", "history_date", "history_user", "history_type"):
        assert field not in text  # no edit history leaks


def test_counts_leave_drafts_out(client):
    body = client.get(reverse("api:instrument-list")).json()
    assert body["count"] == Instrument.objects.published().count()
    assert body["count"] < Instrument.objects.count()


def test_a_drafts_own_address_is_not_found(client):
    draft = Instrument.objects.get(title=DRAFT_TITLES[0])
    assert client.get(reverse("api:instrument-detail", args=[draft.pk])).status_code == 404
    provision = draft.provisions.first()
    assert client.get(reverse("api:provision-detail", args=[provision.pk])).status_code == 404
    source = Source.objects.get(url=DRAFT_ONLY_SOURCE)
    assert client.get(reverse("api:source-detail", args=[source.pk])).status_code == 404
    assert client.get(reverse("site:instrument", args=[draft.pk])).status_code == 404


def test_positions_timelines_compare_and_map_ignore_drafts(client):
    params = {"dimension": "detainer-holds", "as_of": "2025-01-01"}
    georgia = client.get(reverse("api:positions"), {**params, "fips": "13"}).json()
    assert georgia["results"][0]["provenance"] == "unknown"
    harris = client.get(
        reverse("api:timeline"), {"jurisdiction": "48201", "dimension": "agreement-287g"}
    ).json()
    assert "jail-enforcement" not in {i["value"] for i in harris["intervals"]}
    compare = text_of(client.get(reverse("api:compare"), {"jurisdictions": "13,48201"}))
    for title in DRAFT_TITLES:
        assert title not in compare
    state_map = client.get(reverse("api:map"), {**params, "level": "state"}).json()
    assert state_map["values"]["13"] is None


def test_the_bulk_download_leaves_drafts_out(client):
    body = b"".join(client.get(reverse("api:bulk")).streaming_content)
    archive = zipfile.ZipFile(io.BytesIO(body))
    everything = "".join(archive.read(name).decode() for name in archive.namelist())
    for title in DRAFT_TITLES:
        assert title not in everything
    assert DRAFT_ONLY_SOURCE not in everything


def test_an_anonymous_profile_page_never_previews_drafts(client):
    response = client.get(reverse("site:jurisdiction", args=["ga"]), {"preview": "drafts"})
    assert DRAFT_TITLES[1] not in response.content.decode()


def test_a_curator_may_preview_drafts_on_a_profile_page(client, alice):
    client.force_login(alice)
    response = client.get(reverse("site:jurisdiction", args=["ga"]), {"preview": "drafts"})
    assert DRAFT_TITLES[1] in response.content.decode()
