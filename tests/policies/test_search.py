"""Full-text search over instruments (`/api/v1/instruments/?q=`) on the real seed data.

PostgreSQL reads the query like a web search with English stemming and ranks the results;
SQLite finds every word as a substring. The shared tests hold on both."""

import pytest
from django.db import connection
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search runs on PostgreSQL"
)


def titles(client, q, **params):
    response = client.get(reverse("api:instrument-list"), {"q": q, **params})
    assert response.status_code == 200, response.content[:500]
    return [row["title"] for row in response.json()["results"]]


def test_every_word_must_match(client):
    found = titles(client, "trust act")
    assert {"Illinois TRUST Act", "Connecticut TRUST Act (as amended 2019)"} <= set(found)
    assert "TRUTH Act" not in found  # has "act" but not "trust"


def test_a_word_finds_its_plural(client):
    assert "Cook County policy for responding to ICE detainers" in titles(client, "detainer")


def test_a_draft_is_never_found(client):
    assert "Harris County 287(g) jail agreement" not in titles(client, "harris 287(g)")
    assert "Harris County 287(g) jail agreement" not in titles(client, "jail agreement")


def test_nothing_found_is_an_empty_page_not_an_error(client):
    assert titles(client, "zzzzqqqq") == []


def test_an_explicit_ordering_still_applies(client):
    found = titles(client, "act", ordering="title")
    assert found == sorted(found)


@postgres_only
def test_words_are_stemmed(client):
    # "detained" shares its stem with "detainers" only through stemming, not as a substring.
    assert "Cook County policy for responding to ICE detainers" in titles(client, "detaining")


@postgres_only
def test_a_minus_excludes_and_quotes_keep_a_phrase(client):
    found = titles(client, "trust act -illinois")
    assert "Connecticut TRUST Act (as amended 2019)" in found
    assert "Illinois TRUST Act" not in found
    assert titles(client, '"sanctuary promise"') == ["Sanctuary Promise Act"]


@postgres_only
def test_a_word_in_the_title_ranks_above_one_in_the_citation_or_summary():
    from jurisdictions.models import Jurisdiction
    from policies.models import Instrument
    from policies.search import search_instruments
    from tests.factories import make_instrument

    cook = Jurisdiction.objects.get(fips="17031")
    # Created in the reverse of the expected order, so that a tie (broken by id) would fail.
    in_summary = make_instrument(cook, title="Zoo rules", summary="Wombats.")
    in_citation = make_instrument(cook, title="Parks rules", citation="Wombat Code § 1")
    in_title = make_instrument(cook, title="Ordinance on wombats in the county parks")
    ids = [in_title.pk, in_citation.pk, in_summary.pk]
    found = search_instruments(Instrument.objects.filter(pk__in=ids), "wombat")
    assert [i.pk for i in found] == ids
