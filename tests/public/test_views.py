"""The public pages on the real seed data: content, status codes, query counts, drafts."""

import pytest
from django.urls import reverse

from policies.models import Instrument
from policies.positions.queries import codebook
from tests.factories import publish_with_pinpoints

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

# Queries per page, pinned: none grows with the number of rows shown.
# With the codebook already read by the process (position_queries.codebook), as it is after
# the first request: then it costs one query, the data version, instead of three.
PAGE_QUERIES = {
    "jurisdictions": 5,
    "jurisdictions-with-dimension": 15,
    "profile": 15,
    "compare": 6,
    "instrument": 7,
    "codebook": 1,
    "sources": 3,
    "downloads": 3,  # two for the dataset's last update, one for the releases
    "about": 2,  # what is covered: jurisdictions with a known position, states with data
}
DRAFTS = [
    "Harris County 287(g) jail agreement",
    "HB 1105 (2024): detainers, 287(g) applications and penalties",
]


def page(client, url, status=200, **params):
    response = client.get(url, params)
    assert response.status_code == status, response.content[:300]
    return response.content.decode()


def test_a_search_for_cook_finds_cook_county(client):
    text = page(client, reverse("site:jurisdictions"), q="Cook")
    assert 'href="/jurisdictions/il-cook-county/"' in text


def test_the_list_filters_by_state_and_level_with_facet_counts(client):
    text = page(client, reverse("site:jurisdictions"), state="IL", level="county")
    assert "102 jurisdictions" in text
    assert "Download this view as CSV" in text


def test_the_list_filters_by_a_dimension_value_on_a_date(client, bob):
    # AB 4 is a draft until its section is confirmed; publish it as an editor would.
    publish_with_pinpoints(Instrument.objects.get(title="California TRUST Act"), bob)
    text = page(
        client,
        reverse("site:jurisdictions"),
        state="CA",
        level="county",
        dimension="detainer-holds",
        as_of="2016-06-01",
        value="limited-to-serious-offenses",
    )
    assert "57 jurisdictions" in text  # every California county but San Francisco
    assert "Limited to serious offenses" in text
    assert "/api/v1/positions/?" in text  # the CSV of this view keeps its filters


def test_the_profile_explains_each_value_with_its_authority_and_sources(client):
    text = page(client, reverse("site:jurisdiction", args=["il-dupage-county"]), as_of="2019-06-01")
    assert 'id="dimension-detainer-holds"' in text
    assert "Inherited from" in text
    assert "Illinois TRUST Act" in text
    assert "5 ILCS 805/15(a)" in text
    assert (
        'class="source-link" href="https://ilga.gov/legislation/publicacts/100/100-0463.htm"'
        in text
    )
    assert "Cite this page" in text


def test_the_profile_lists_agencies_and_their_agreements_and_the_timeline(client):
    text = page(client, reverse("site:jurisdiction", args=["az-maricopa-county"]))
    assert "Maricopa County Sheriff&#x27;s Office" in text
    assert "DHS ends Maricopa County" in text  # a published event


def test_compare_highlights_rows_that_differ(client):
    text = page(
        client,
        reverse("site:compare"),
        j=["il-cook-county", "tx-harris-county", "il"],
        as_of="2019-06-01",
    )
    row = text.split('id="dimension-detainer-holds"')[1].split("</tr>")[0]
    assert 'class="differs"' in row
    assert "(differs)" in row
    assert "Mandated" in row and "Prohibited" in row and "Judicial warrant only" in row


def test_compare_adds_an_unambiguous_match_and_asks_when_ambiguous(client):
    response = client.get(reverse("site:compare"), {"j": "il", "add": "Cook County, IL"})
    assert response.status_code == 302
    assert "j=il-cook-county" in response.url
    text = page(client, reverse("site:compare"), j="il", add="Harris County")
    assert "Several jurisdictions match" in text
    assert "j=tx-harris-county" in text and "j=ga-harris-county" in text


def test_the_codebook_lists_every_dimension_with_ordered_values(client):
    text = page(client, reverse("site:codebook"))
    assert text.count('<section id="') == 14
    assert text.index("Judicial warrant only") < text.index("Limited to serious offenses")


def test_the_sources_page_lists_published_sources_only(client):
    text = page(client, reverse("site:sources"), publisher="Illinois General Assembly")
    assert "Public Act 100-0463" in text
    draft_only = page(client, reverse("site:sources"), q="houstonpublicmedia")
    assert "houstonpublicmedia.org/articles/news/2017/02/22/189009" not in draft_only


def test_the_downloads_page_links_every_bulk_table(client):
    text = page(client, reverse("site:downloads"))
    assert "?table=provisions" in text and 'href="/api/v1/bulk/"' in text


@pytest.mark.parametrize(
    ("name", "args", "params", "says"),
    [
        ("site:jurisdictions", [], {"state": "ZZ"}, "No state or territory"),
        ("site:jurisdictions", [], {"as_of": "2019-13-01"}, "YYYY-MM-DD"),
        ("site:jurisdictions", [], {"dimension": "nope"}, "No dimension"),
        (
            "site:jurisdictions",
            [],
            {"dimension": "detainer-holds", "value": "maybe"},
            "not a value",
        ),
        ("site:jurisdictions", [], {"sort": "random"}, "not a sort"),
        ("site:jurisdictions", [], {"page": "999"}, "past the last page"),
        ("site:jurisdictions", [], {"level": "planet"}, "level"),
        ("site:jurisdiction", ["il"], {"as_of": "yesterday"}, "YYYY-MM-DD"),
        ("site:compare", [], {"j": "nowhere"}, "nowhere"),
        ("site:compare", [], {"add": "zzzzzz"}, "nothing found"),
        ("site:sources", [], {"kind": "rumour"}, "kind"),
        ("site:sources", [], {"q": "a\x00b"}, "null characters"),
    ],
)
def test_bad_parameters_get_a_400_page_that_says_what_was_wrong(client, name, args, params, says):
    text = page(client, reverse(name, args=args), status=400, **params)
    assert 'role="alert"' in text
    assert says in text


def test_unknown_pages_are_404(client):
    assert client.get(reverse("site:jurisdiction", args=["atlantis"])).status_code == 404
    assert client.get(reverse("site:instrument", args=[999999])).status_code == 404


@pytest.mark.parametrize(
    ("name", "args", "params"),
    [
        ("site:jurisdictions", [], {"q": "county"}),
        ("site:jurisdictions", [], {"dimension": "detainer-holds", "state": "CA"}),
        ("site:jurisdiction", ["il-cook-county"], {}),
        ("site:jurisdiction", ["ga"], {}),
        ("site:compare", [], {"j": ["il-cook-county", "tx-harris-county", "ga"]}),
        ("site:codebook", [], {}),
        ("site:sources", [], {}),
        ("site:downloads", [], {}),
        ("site:about", [], {}),
        ("home", [], {}),
    ],
)
def test_no_page_shows_a_draft(client, name, args, params):
    text = page(client, reverse(name, args=args), **params)
    for title in DRAFTS:
        assert title not in text


def test_a_drafts_instrument_page_is_not_found(client):
    draft = Instrument.objects.get(title=DRAFTS[0])
    assert client.get(reverse("site:instrument", args=[draft.pk])).status_code == 404


@pytest.mark.parametrize(
    ("key", "name", "args", "params"),
    [
        ("jurisdictions", "site:jurisdictions", [], {"q": "county"}),
        (
            "jurisdictions-with-dimension",
            "site:jurisdictions",
            [],
            {"dimension": "detainer-holds", "state": "CA", "level": "county"},
        ),
        ("profile", "site:jurisdiction", ["il-cook-county"], {}),
        ("profile", "site:jurisdiction", ["il"], {}),
        ("profile", "site:jurisdiction", ["tx"], {}),
        ("compare", "site:compare", [], {"j": ["il-cook-county", "tx-harris-county", "il"]}),
        ("codebook", "site:codebook", [], {}),
        ("sources", "site:sources", [], {}),
        ("downloads", "site:downloads", [], {}),
        ("about", "site:about", [], {}),
    ],
)
def test_each_page_runs_a_constant_number_of_queries(
    client, django_assert_max_num_queries, key, name, args, params
):
    codebook()  # as after the process's first request
    with django_assert_max_num_queries(PAGE_QUERIES[key]):
        page(client, reverse(name, args=args), **params)


def test_an_instrument_page_runs_a_constant_number_of_queries(
    client, django_assert_max_num_queries
):
    sb54 = Instrument.objects.get(title="California Values Act")
    with django_assert_max_num_queries(PAGE_QUERIES["instrument"]):
        text = page(client, reverse("site:instrument", args=[sb54.pk]))
    assert "Alameda County" in text
