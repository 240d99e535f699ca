"""The jurisdictions API on the real seed data."""

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

# One jurisdiction: one query, the row joined to its parent and state (as the floor reads it).
JURISDICTION_DETAIL_QUERIES = 1


def api(name, *args):
    return reverse(f"api:{name}", args=args)


def get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    return response.json()


def test_a_jurisdiction_is_found_by_fips_or_slug_and_carries_its_identifiers(client):
    by_fips = get(client, api("jurisdiction-detail", "17031"))
    by_slug = get(client, api("jurisdiction-detail", "il-cook-county"))
    assert by_fips == by_slug
    assert by_fips["ocd_id"] == "ocd-division/country:us/state:il/county:cook"
    assert by_fips["state"] == "IL"
    assert by_fips["site_url"].endswith("/jurisdictions/il-cook-county/")
    assert client.get(by_fips["site_url"]).status_code == 200


def test_a_jurisdiction_is_found_by_ocd_id(client):
    body = get(client, api("jurisdiction-list"), ocd_id="ocd-division/country:us/state:ca")
    assert [j["fips"] for j in body["results"]] == ["06"]


def test_jurisdictions_filter_by_state_level_parent_and_name(client):
    counties = get(client, api("jurisdiction-list"), state="IL", level="county")
    assert counties["count"] == 102
    by_fips_state = get(client, api("jurisdiction-list"), state="17", level="county")
    assert by_fips_state["count"] == 102
    in_illinois = get(client, api("jurisdiction-list"), parent="17", level="place")
    assert [j["name"] for j in in_illinois["results"]] == ["Chicago city"]
    named = get(client, api("jurisdiction-list"), q="cook", state="IL")
    assert [j["fips"] for j in named["results"]] == ["17031"]


def test_every_jurisdiction_is_answered_in_its_declared_shape(rf):
    """The JSON, the CSV and the schema come from the shape of jurisdictions/shapes.py; its
    builder must fill it exactly, for every jurisdiction."""
    from rest_framework.request import Request

    from jurisdictions.models import Jurisdiction
    from jurisdictions.shapes import Jurisdiction as JurisdictionShape
    from jurisdictions.shapes import jurisdiction_of
    from tests.shapes import problems

    request = Request(rf.get("/api/v1/jurisdictions/"))
    jurisdictions = Jurisdiction.objects.select_related("parent", "state")
    assert jurisdictions.count() > 3000
    assert jurisdictions.filter(parent=None).exists() and jurisdictions.filter(ocd_id=None).exists()
    for jurisdiction in jurisdictions:
        assert problems(jurisdiction_of(jurisdiction, request), JurisdictionShape) == []


def test_every_agency_is_answered_in_its_declared_shape(rf):
    from rest_framework.request import Request

    from jurisdictions.models import Agency
    from jurisdictions.shapes import Agency as AgencyShape
    from jurisdictions.shapes import agency_of
    from tests.shapes import problems

    request = Request(rf.get("/api/v1/agencies/"))
    agencies = Agency.objects.select_related("jurisdiction").prefetch_related("agreements")
    assert agencies.exists() and agencies.filter(ori=None).exists()
    for agency in agencies:
        assert problems(agency_of(agency, request), AgencyShape) == []


@pytest.mark.shared_cache
def test_one_jurisdiction_is_read_in_one_query_the_rate_limit_included(
    client, django_assert_num_queries
):
    url = api("jurisdiction-detail", "17031")
    # As after the process's first request, which also reserved requests of the rate limit.
    client.get(url)
    with django_assert_num_queries(JURISDICTION_DETAIL_QUERIES):
        body = get(client, url)
    assert (body["fips"], body["state"]) == ("17031", "IL")


@pytest.mark.shared_cache
def test_a_slug_is_read_in_one_query_and_an_all_digit_slug_is_still_found(
    client, django_assert_num_queries
):
    from jurisdictions.models import Jurisdiction

    client.get(api("jurisdiction-detail", "il-cook-county"))
    with django_assert_num_queries(JURISDICTION_DETAIL_QUERIES):
        assert get(client, api("jurisdiction-detail", "il-cook-county"))["fips"] == "17031"
    # FIPS codes are all digits, slugs need not avoid them: such a slug is looked up once
    # no FIPS code matches it.
    Jurisdiction.objects.filter(fips="17031").update(slug="1776")
    with django_assert_num_queries(JURISDICTION_DETAIL_QUERIES + 1):
        assert get(client, api("jurisdiction-detail", "1776"))["fips"] == "17031"
    assert client.get(api("jurisdiction-detail", "99999")).status_code == 404
