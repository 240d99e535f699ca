"""`?release=N`: answers from a release's frozen provisions, identical to what the live API
said when it was cut, and unchanged by every later edit."""

import datetime as dt

import pytest
from django.urls import reverse

from policies.models import DimensionValue, Instrument, Provision
from policies.positions.queries import codebook
from policies.services import instrument_unpublish
from policies.shapes import POSITION_CSV_HEADER
from releases.services import release_cut

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

NOON = dt.datetime(2026, 1, 5, 12, 0, 0, tzinfo=dt.UTC)
DAYS = ("2016-06-01", "2019-06-01", "2025-01-01")


def get(client, name, **params):
    response = client.get(reverse(name), params)
    assert response.status_code == 200, response.content[:500]
    return response.json()


def every_answer(client, **extra):
    """Positions of every state and county, the state map and a compare, on each day."""
    answers = {}
    for dimension in codebook():
        for day in DAYS:
            for level in ("state", "county"):
                answers["positions", dimension.slug, day, level] = get(
                    client,
                    "api:positions",
                    dimension=dimension.slug,
                    as_of=day,
                    level=level,
                    page_size=1000,
                    **extra,
                )["results"]
            answers["map", dimension.slug, day] = get(
                client, "api:map", dimension=dimension.slug, as_of=day, level="state", **extra
            )
    for day in DAYS:
        answers["compare", day] = get(
            client, "api:compare", jurisdictions="06,48,17,17031,06075,48201", as_of=day, **extra
        )
    return answers


def test_a_release_answers_as_the_live_api_did_when_it_was_cut(client):
    live = every_answer(client)
    release_cut(now=NOON)
    assert every_answer(client, release=1) == live


def test_release_1_answers_stay_identical_after_later_edits(client, bob):
    release_cut(now=NOON)
    before = every_answer(client, release=1)
    sb54 = Instrument.objects.published().get(title="California Values Act")
    instrument_unpublish(instrument=sb54, user=bob, reason="Under correction")
    provision = Provision.objects.published().filter(dimension__slug="detainer-holds").first()
    provision.value = provision.dimension.values.exclude(pk=provision.value_id).first()
    provision.pinpoint = "§ 99"
    provision.save()
    provision.instrument.title = "Retitled"
    provision.instrument.save()
    release_cut(now=NOON + dt.timedelta(days=1))

    assert every_answer(client, release=1) == before
    county = dict(dimension="detainer-holds", as_of="2019-06-01", fips="06001")
    assert (
        get(client, "api:positions", **county)["results"][0]["value"]
        != (get(client, "api:positions", release=1, **county)["results"][0]["value"])
    )


def test_release_answers_keep_the_labels_and_names_of_their_codebook(client):
    release_cut(now=NOON)
    before = every_answer(client, release=1)
    value = DimensionValue.objects.get(dimension__slug="detainer-holds", slug="prohibited")
    original = value.label
    value.label = "Relabelled after the cut"
    value.save()
    dimension = value.dimension
    dimension.name = "Renamed after the cut"
    dimension.save()

    assert every_answer(client, release=1) == before
    live = get(client, "api:map", dimension="detainer-holds", level="state", as_of="2019-06-01")
    assert "Relabelled after the cut" in {v["label"] for v in live["legend"]}
    frozen = get(
        client, "api:map", dimension="detainer-holds", level="state", as_of="2019-06-01", release=1
    )
    assert {v["slug"]: v["label"] for v in frozen["legend"]}["prohibited"] == original


def test_a_release_compare_csv_has_the_columns_and_rows_of_the_live_one(client):
    params = {"jurisdictions": "06,48,17031", "as_of": "2019-06-01", "format": "csv"}
    live = client.get(reverse("api:compare"), params)
    release_cut(now=NOON)
    frozen = client.get(reverse("api:compare"), {**params, "release": 1})
    assert frozen.status_code == 200
    header = frozen.content.decode().splitlines()[0].split(",")
    assert header == POSITION_CSV_HEADER
    assert "provenance" in header and "decided_by.instrument.title" in header
    assert frozen.content == live.content


def test_an_unknown_release_is_a_404_naming_it(client):
    release_cut(now=NOON)
    for name, params in (
        ("api:positions", {"dimension": "detainer-holds"}),
        ("api:map", {"dimension": "detainer-holds"}),
        ("api:compare", {"jurisdictions": "06"}),
    ):
        for number in ("7", "seven"):
            response = client.get(reverse(name), {**params, "release": number})
            assert response.status_code == 404, (name, number)
            assert f"No release '{number}'" in response.json()["detail"]


def test_release_filters_on_the_scale_as_the_live_api_does(client):
    release_cut(now=NOON)
    params = dict(dimension="detainer-holds", as_of="2019-06-01", level="county", page_size=1000)
    for condition in ({"at_least": "prohibited"}, {"value": "unknown"}, {"at_most": "no-policy"}):
        live = get(client, "api:positions", **params, **condition)
        frozen = get(client, "api:positions", **params, **condition, release=1)
        assert frozen["results"] == live["results"], condition
        assert frozen["count"] == live["count"]


def test_the_list_of_releases_gives_files_checksums_and_a_citation(client):
    release = release_cut(now=NOON)
    (listed,) = get(client, "api:releases")
    assert listed["number"] == 1
    assert listed["archive_sha256"] == release.archive_sha256
    assert "release 1 (2026-01-05)" in listed["citation"]
    assert release.archive_sha256 in listed["citation"]
    assert {f["name"] for f in listed["files"]} == set(release.manifest)


def test_coded_with_a_release_keeps_the_jurisdictions_the_release_had_coded(client):
    from policies.models import Position

    release_cut(now=NOON)
    params = dict(dimension="detainer-holds", as_of="2019-06-01", level="county", page_size=1000)

    def listed(**extra):
        answer = get(client, "api:positions", **params, **extra)
        return answer["count"], [r["jurisdiction"]["fips"] for r in answer["results"]]

    coded = listed(coded="1")
    assert 0 < coded[0] < listed()[0]
    assert listed(coded="1", release=1) == coded
    # Today's stored positions change (here: they go); the release's answer does not.
    Position.objects.filter(jurisdiction__level="county").delete()
    assert listed(coded="1") == (0, [])
    assert listed(coded="1", release=1) == coded
    bad = client.get(reverse("api:positions"), {**params, "coded": "2", "release": 1})
    assert bad.status_code == 400 and "coded" in bad.json()["errors"]
