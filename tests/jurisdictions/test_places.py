"""Places and county subdivisions: the 36,064 rows of fixtures/places.csv.gz, loaded once for
this module with the rest of the seed data (about 10 s on SQLite), and what the pages and
the API make of them."""

import csv
import datetime as dt
import gzip

import pytest
from django.apps import apps
from django.db.models import F
from django.urls import reverse

from jurisdictions.models import Jurisdiction, Level
from policies.loading.seed import DEFAULT_PLACES_CSV, load_places
from policies.models import Dimension, Position
from policies.positions import store as position_store
from policies.positions import version as data_version
from policies.positions.queries import codebook
from public.views import CHILDREN_LISTED
from tests.policies.api.test_positions import POSITIONS_QUERIES
from tests.policies.api.test_resources import LIST_QUERIES
from tests.public.test_views import PAGE_QUERIES

PLACES = 19_524
COUNTY_SUBDIVISIONS = 16_540
# Naming a state costs one query more than the pinned counts (finding the state).
WITH_STATE = 1

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_with_places")]


def places_file() -> dict[str, dict]:
    with gzip.open(DEFAULT_PLACES_CSV, "rt", newline="", encoding="utf-8") as f:
        return {row["fips"]: row for row in csv.DictReader(f)}


def history_rows() -> int:
    return sum(
        model.objects.count()
        for model in apps.get_models()
        if model.__name__.startswith("Historical")
    )


# --- loading -------------------------------------------------------------------------------


def test_every_place_and_county_subdivision_of_the_file_loads(seeded_with_places):
    assert Jurisdiction.objects.filter(level=Level.PLACE).count() == PLACES
    assert Jurisdiction.objects.filter(level=Level.COUNTY_SUBDIVISION).count() == (
        COUNTY_SUBDIVISIONS
    )
    # The places file loads before the seed policies, whose five places it holds.
    assert seeded_with_places["Jurisdiction (Census place)"].created == (
        PLACES + COUNTY_SUBDIVISIONS
    )
    assert seeded_with_places["Jurisdiction (place)"].unchanged == 5


def test_a_place_sits_in_its_state_and_knows_it():
    springfield = Jurisdiction.objects.get(fips="1772000")
    illinois = Jurisdiction.objects.get(fips="17")
    assert (springfield.name, springfield.slug) == ("Springfield city", "il-springfield-city")
    assert springfield.parent == illinois
    assert springfield.state == illinois
    assert springfield.ocd_id == "ocd-division/country:us/state:il/place:springfield"
    assert str(springfield) == "Springfield city, IL"


def test_every_place_but_the_independent_cities_has_its_state_for_parent():
    places = Jurisdiction.objects.filter(level=Level.PLACE)
    assert not places.exclude(parent_id=F("state_id")).exclude(parent__level=Level.COUNTY).exists()
    # Baltimore, St. Louis, Carson City and Virginia's 38: the county row is the same city.
    in_counties = places.filter(parent__level=Level.COUNTY)
    assert in_counties.count() == 41
    assert not in_counties.filter(ocd_id__isnull=False).exists()


def test_an_independent_city_place_sits_in_the_county_row_that_holds_its_ocd_id():
    baltimore = Jurisdiction.objects.get(fips="2404000")
    assert baltimore.name == "Baltimore city"
    assert baltimore.parent.fips == "24510"
    assert baltimore.parent.ocd_id == "ocd-division/country:us/state:md/place:baltimore"
    assert baltimore.ocd_id is None
    assert baltimore.slug == "md-baltimore-city-2404000"  # the county has md-baltimore-city


def test_a_county_subdivision_sits_in_the_county_its_geoid_begins_with():
    lemont = Jurisdiction.objects.get(fips="1703142808")
    assert lemont.level == Level.COUNTY_SUBDIVISION
    assert lemont.name == "Lemont township"
    assert lemont.parent.fips == "17031"
    assert lemont.state.fips == "17"
    assert lemont.slug == "il-cook-county-lemont-township"
    subdivisions = Jurisdiction.objects.filter(level=Level.COUNTY_SUBDIVISION)
    assert not subdivisions.exclude(parent__level=Level.COUNTY).exists()
    mismatched = [
        fips
        for fips, parent in subdivisions.values_list("fips", "parent__fips")
        if fips[:5] != parent
    ]
    assert mismatched == []


def test_ocd_ids_and_geoids_round_trip_with_the_file():
    rows = places_file()
    loaded = dict(
        Jurisdiction.objects.filter(level__in=[Level.PLACE, Level.COUNTY_SUBDIVISION]).values_list(
            "fips", "ocd_id"
        )
    )
    assert loaded.keys() == rows.keys()
    assert {fips: ocd or "" for fips, ocd in loaded.items()} == {
        fips: row["ocd_id"] for fips, row in rows.items()
    }


def test_names_with_commas_come_through_whole():
    islamorada = Jurisdiction.objects.get(fips="1234132")
    assert islamorada.name == "Islamorada, Village of Islands village"
    assert islamorada.slug == "fl-islamorada-village-of-islands-village"
    lynchburg = Jurisdiction.objects.get(fips="4744382")
    assert lynchburg.name == "Lynchburg, Moore County metropolitan government"


def test_slugs_are_unique_and_the_seeds_places_keep_theirs():
    slugs = Jurisdiction.objects.values_list("slug", flat=True)
    assert len(slugs) == len(set(slugs))
    assert dict(
        Jurisdiction.objects.filter(
            fips__in=["1714000", "3651000", "0644000", "2743000", "5363000"]
        ).values_list("fips", "slug")
    ) == {
        "1714000": "il-chicago",
        "3651000": "ny-new-york-city",
        "0644000": "ca-los-angeles",
        "2743000": "mn-minneapolis",
        "5363000": "wa-seattle",
    }


def test_a_second_load_writes_nothing_and_rebuilds_nothing():
    before, version = history_rows(), data_version.current()
    summary = load_places()
    counts = summary["Jurisdiction (Census place)"]
    assert (counts.created, counts.updated, counts.kept) == (0, 0, 0)
    assert counts.unchanged == PLACES + COUNTY_SUBDIVISIONS
    assert history_rows() == before
    assert data_version.current() == version


def test_a_changed_name_in_the_file_updates_the_place_with_history(tmp_path):
    path = tmp_path / "places.csv"
    with gzip.open(DEFAULT_PLACES_CSV, "rt", newline="", encoding="utf-8") as f:
        text = f.read()
    path.write_text(text.replace("1772000,,Springfield city,", "1772000,,Springfield City,"))
    summary = load_places(path)
    assert summary["Jurisdiction (Census place)"].updated == 1
    springfield = Jurisdiction.objects.get(fips="1772000")
    assert springfield.name == "Springfield City"
    assert springfield.history.first().history_change_reason == "Seed load"


# --- positions -----------------------------------------------------------------------------


def test_a_place_inherits_its_states_binding_provision():
    """The Illinois TRUST Act (binding) limits detainer holds for every Illinois place and
    township that has no rule of its own."""
    detainers = Dimension.objects.get(slug="detainer-holds")
    on = dt.date(2019, 6, 1)
    for fips in ("1772000", "1703142808"):  # Springfield city; Lemont township, Cook County
        position = Position.objects.on(on).get(jurisdiction__fips=fips, dimension=detainers)
        assert position.value.slug == "judicial-warrant-only"
        assert position.provenance == Position.Source.INHERITED
        assert position.provision.instrument.title == "Illinois TRUST Act"


def test_stored_positions_match_a_fresh_computation_with_places():
    assert position_store.differences() == (set(), set())


# --- pages and the API ---------------------------------------------------------------------


def test_places_are_found_by_search_and_listed_with_their_level_facet(
    client, django_assert_max_num_queries
):
    codebook()
    with django_assert_max_num_queries(PAGE_QUERIES["jurisdictions"] + WITH_STATE):
        response = client.get(reverse("site:jurisdictions"), {"q": "springfield", "state": "IL"})
    text = response.content.decode()
    assert 'href="/jurisdictions/il-springfield-city/"' in text
    assert "County subdivision" in text


def test_a_place_profile_runs_its_pinned_queries_and_shows_the_inherited_rule(
    client, django_assert_max_num_queries
):
    codebook()
    with django_assert_max_num_queries(PAGE_QUERIES["profile"]):
        response = client.get(reverse("site:jurisdiction", args=["il-springfield-city"]))
    text = response.content.decode()
    assert response.status_code == 200
    assert "Illinois TRUST Act" in text
    assert 'href="/jurisdictions/il/"' in text


def test_a_state_profile_lists_its_counties_and_links_to_its_many_places(
    client, django_assert_max_num_queries
):
    codebook()
    with django_assert_max_num_queries(PAGE_QUERIES["profile"]):
        response = client.get(reverse("site:jurisdiction", args=["il"]))
    text = response.content.decode()
    places = Jurisdiction.objects.filter(parent__fips="17", level=Level.PLACE).count()
    assert places > CHILDREN_LISTED
    assert "102 counties within Illinois" in text
    assert f"{places} places within Illinois" in text
    assert f'href="/jurisdictions/?parent=17&amp;level=place">All {places} places' in text
    assert text.count('href="/jurisdictions/il-') <= 102 + CHILDREN_LISTED + 5


def test_a_county_profile_lists_its_townships(client):
    text = client.get(reverse("site:jurisdiction", args=["il-cook-county"])).content.decode()
    assert "county subdivisions within Cook County" in text
    assert 'href="/jurisdictions/il-cook-county-lemont-township/"' in text


def test_the_api_lists_places_and_finds_them_by_geoid_and_ocd_id(
    client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(LIST_QUERIES["jurisdiction"]):
        body = client.get(reverse("api:jurisdiction-list"), {"level": "place"}).json()
    assert body["count"] == PLACES
    assert {j["level"] for j in body["results"]} == {"place"}
    township = client.get(reverse("api:jurisdiction-detail", args=["1703142808"])).json()
    assert (township["name"], township["parent_fips"], township["state"]) == (
        "Lemont township",
        "17031",
        "IL",
    )
    ocd_id = "ocd-division/country:us/state:il/place:springfield"
    found = client.get(reverse("api:jurisdiction-list"), {"ocd_id": ocd_id}).json()
    assert [j["fips"] for j in found["results"]] == ["1772000"]
    subdivisions = client.get(
        reverse("api:jurisdiction-list"), {"level": "county-subdivision", "parent": "17031"}
    ).json()
    assert subdivisions["count"] == Jurisdiction.objects.filter(parent__fips="17031").count()


def test_the_positions_api_answers_for_places_with_its_pinned_queries(
    client, django_assert_max_num_queries
):
    codebook()
    params = {"dimension": "detainer-holds", "as_of": "2019-06-01", "level": "place"}
    with django_assert_max_num_queries(POSITIONS_QUERIES):
        body = client.get(reverse("api:positions"), {**params, "page_size": 1000}).json()
    assert body["count"] == PLACES
    with django_assert_max_num_queries(POSITIONS_QUERIES + WITH_STATE):
        illinois = client.get(reverse("api:positions"), {**params, "state": "IL"}).json()
    assert illinois["count"] == Jurisdiction.objects.filter(parent__fips="17").places().count()
    assert {p["value"] for p in illinois["results"]} == {"judicial-warrant-only"}


def test_compare_finds_a_place_by_its_name_without_the_kind_word(client):
    response = client.get(reverse("site:compare"), {"j": "il", "add": "Chicago, IL"})
    assert response.status_code == 302
    assert "j=il-chicago" in response["Location"]
    chooser = client.get(reverse("site:compare"), {"add": "Chicago"}).content.decode()
    assert "Chicago city" in chooser
    assert "Chicago township" in chooser  # Stutsman County, North Dakota


def test_compare_search_ranks_county_subdivisions_among_the_rest(client):
    response = client.get(reverse("site:compare"), {"add": "emont townshi"})
    assert response.status_code == 200
    assert "Lemont township" in response.content.decode()
