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


def test_the_written_out_jurisdiction_serializer_matches_its_declared_fields(rf):
    """JurisdictionSerializer.to_representation is written out for speed; DRF's own,
    driven by the declared fields, must give the same for every jurisdiction."""
    from rest_framework import serializers
    from rest_framework.request import Request

    from jurisdictions.api import JurisdictionSerializer
    from jurisdictions.models import Jurisdiction

    request = Request(rf.get("/api/v1/jurisdictions/"))
    serializer = JurisdictionSerializer(context={"request": request})
    jurisdictions = Jurisdiction.objects.select_related("parent", "state")
    assert jurisdictions.count() > 3000
    for jurisdiction in jurisdictions:
        written_out = serializer.to_representation(jurisdiction)
        declared = serializers.ModelSerializer.to_representation(serializer, jurisdiction)
        assert written_out == declared


def test_one_jurisdiction_is_read_in_one_query(client, django_assert_num_queries):
    url = api("jurisdiction-detail", "17031")
    client.get(url)  # as after the process's first request
    with django_assert_num_queries(JURISDICTION_DETAIL_QUERIES):
        body = get(client, url)
    assert (body["fips"], body["state"]) == ("17031", "IL")
