"""The change log and the Atom feeds: withdrawals as tombstones, exact replay, valid Atom."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone

from jurisdictions.models import Jurisdiction
from policies import bulk
from policies.models import Instrument, Provision
from policies.services import (
    instrument_publish,
    instrument_submit_for_review,
    instrument_unpublish,
)
from releases.models import Withdrawal
from tests.releases.atom import atom_problems

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

ATOM = "{http://www.w3.org/2005/Atom}"


def published_now() -> set[tuple[str, int]]:
    """The records of the bulk download, as (kind, id)."""
    return {("instrument", row["instrument_id"]) for row in bulk.TABLES["instruments"]()} | {
        ("provision", row["provision_id"]) for row in bulk.TABLES["provisions"]()
    }


def change_log(client, since, **params):
    response = client.get(reverse("api:changes"), {"since": since, **params})
    assert response.status_code == 200, response.content[:500]
    return response.json()


def every_page(client, since, page_size):
    """The whole change log since a moment, following `next`: (changes, until, pages)."""
    page = change_log(client, since, page_size=page_size)
    changes, pages = page["changes"], 1
    while page["next"]:
        response = client.get(page["next"])
        assert response.status_code == 200, response.content[:500]
        page = response.json()
        changes += page["changes"]
        pages += 1
    return changes, page["until"], pages


def make_every_kind_of_change(alice, bob):
    sb54 = Instrument.objects.published().get(title="California Values Act")
    instrument_unpublish(instrument=sb54, user=bob, reason="Citation under correction")
    edited = Instrument.objects.published().exclude(provisions=None).first()
    edited.summary = "Corrected summary."
    edited.save()
    Provision.objects.published().exclude(instrument=edited).last().delete()
    harris = Instrument.objects.get(title="Harris County 287(g) jail agreement")
    harris.provisions.filter(pinpoint="").update(pinpoint="Art. I")
    instrument_submit_for_review(instrument=harris, user=alice)
    instrument_publish(instrument=harris, user=bob)
    return sb54


def replay(synced: set, changes: list[dict]) -> set:
    for change in changes:  # oldest first
        record = (change["kind"], change["id"])
        if change["action"] == "withdrawn":
            synced.discard(record)
        else:
            synced.add(record)
    return synced


def test_the_change_log_replays_to_the_bulk_download(client, alice, bob):
    synced = published_now()
    since = timezone.now().isoformat()
    make_every_kind_of_change(alice, bob)
    log = change_log(client, since)
    assert log["next"] is None
    assert replay(synced, log["changes"]) == published_now()
    assert change_log(client, log["until"])["changes"] == []


def test_small_pages_replay_the_same_changes_in_the_same_order(client, alice, bob):
    since = timezone.now().isoformat()
    make_every_kind_of_change(alice, bob)  # publishing Harris stamps its provisions alike
    whole = change_log(client, since)["changes"]
    assert len({c["at"] for c in whole}) < len(whole)  # ties, which pages must not split
    paged, _, pages = every_page(client, since, page_size=2)
    assert pages == -(-len(whole) // 2)
    assert paged == whole


def test_pages_keep_their_window_while_changes_arrive(client, alice, bob):
    synced = published_now()
    since = timezone.now().isoformat()
    make_every_kind_of_change(alice, bob)
    page = change_log(client, since, page_size=2)
    until, changes = page["until"], page["changes"]
    late = Instrument.objects.published().order_by("pk").first()
    late.summary = "Edited while the pages were read."
    late.save()
    while page["next"]:
        page = client.get(page["next"]).json()
        assert page["until"] == until
        changes += page["changes"]
    assert all(change["at"] < until for change in changes)
    following = change_log(client, until)["changes"]  # the next sync has the late edit
    assert ("instrument", late.pk) in {(c["kind"], c["id"]) for c in following}
    assert replay(replay(synced, changes), following) == published_now()


def test_a_bad_cursor_or_page_size_is_a_400_naming_it(client):
    for params, name in (
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "WyJ4Il0"}, "cursor"),  # base64 of ["x"]
        ({"since": "2024-01-01", "page_size": "0"}, "page_size"),
        ({"since": "2024-01-01", "page_size": "many"}, "page_size"),
    ):
        response = client.get(reverse("api:changes"), params)
        assert response.status_code == 400, params
        assert name in response.json()["errors"], params


def test_an_unpublished_instrument_is_a_tombstone_with_time_and_reason(client, alice, bob):
    since = timezone.now().isoformat()
    sb54 = make_every_kind_of_change(alice, bob)
    withdrawn = [c for c in change_log(client, since)["changes"] if c["action"] == "withdrawn"]
    (instrument,) = [c for c in withdrawn if c["kind"] == "instrument"]
    assert instrument["id"] == sb54.pk
    assert instrument["reason"] == "Citation under correction"
    assert instrument["deleted"] is False
    assert instrument["at"] >= since
    assert any(c["kind"] == "provision" and c["deleted"] for c in withdrawn)


def test_a_deleted_published_instrument_leaves_tombstones_for_it_and_its_provisions(bob):
    instrument = Instrument.objects.published().filter(supersedes=None, superseded_by=None).last()
    pk, provisions = instrument.pk, set(instrument.provisions.values_list("pk", flat=True))
    instrument.delete()
    assert Withdrawal.objects.filter(kind="instrument", record_id=pk, deleted=True).exists()
    assert provisions == set(
        Withdrawal.objects.filter(kind="provision").values_list("record_id", flat=True)
    )


def test_a_bad_since_is_a_400_naming_it(client):
    for bad in ("", "yesterday", "2024-13-01"):
        response = client.get(reverse("api:changes"), {"since": bad})
        assert response.status_code == 400, bad
        assert "since" in response.json()["errors"]


def atom(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/atom+xml")
    assert atom_problems(response.content) == [], url
    root = ET.fromstring(response.content)
    assert root.find(f"{ATOM}link[@rel='self']") is not None
    entries = root.findall(f"{ATOM}entry")
    return [entry.find(f"{ATOM}title").text for entry in entries]


def test_the_atom_rules_catch_a_broken_feed(client):
    valid = client.get(reverse("feeds:changes")).content
    assert atom_problems(valid) == []
    text = valid.decode()
    broken = {
        "no feed id": re.sub(r"<id>[^<]*</id>", "", text, count=1),
        "a bad date": re.sub(r"<updated>[^<]*</updated>", "<updated>May 2024</updated>", text),
        "no author": re.sub(r"<author>.*?</author>", "", text, flags=re.S),
        "not Atom": text.replace("http://www.w3.org/2005/Atom", "urn:other"),
    }
    for what, document in broken.items():
        assert atom_problems(document.encode()), what


def test_the_feeds_are_atom_and_hold_their_changes(client, alice, bob):
    make_every_kind_of_change(alice, bob)
    everything = atom(client, reverse("feeds:changes"))
    assert "Withdrawn: California Values Act" in everything
    alameda = Jurisdiction.objects.get(fips="06001")
    inherited = atom(client, reverse("feeds:jurisdiction", args=[alameda.slug]))
    assert "Withdrawn: California Values Act" in inherited  # binding on every county
    texas = atom(client, reverse("feeds:state", args=["tx"]))
    assert "Published or updated: Harris County 287(g) jail agreement" in texas
    assert not any("California" in title for title in texas)
    detainers = atom(client, reverse("feeds:question", args=["detainer-holds"]))
    assert detainers


def test_a_feed_for_an_unknown_place_or_question_is_a_404(client):
    assert client.get(reverse("feeds:jurisdiction", args=["atlantis"])).status_code == 404
    assert client.get(reverse("feeds:state", args=["zz"])).status_code == 404
    assert client.get(reverse("feeds:question", args=["no-such-question"])).status_code == 404


def test_profiles_and_codebook_questions_link_their_feeds(client):
    cook = Jurisdiction.objects.get(fips="17031")
    page = client.get(reverse("site:jurisdiction", args=[cook.slug])).content.decode()
    assert reverse("feeds:jurisdiction", args=[cook.slug]) in page
    codebook = client.get(reverse("site:codebook")).content.decode()
    assert reverse("feeds:question", args=["detainer-holds"]) in codebook
