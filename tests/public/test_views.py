"""The public pages on the real seed data: content, status codes, query counts, drafts."""

import csv
import html
import io
import re

import pytest
from django.urls import reverse

from policies.models import Instrument
from policies.positions.queries import codebook
from policies.shapes import POSITION_CSV_HEADER
from tests.factories import publish_with_pinpoints

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

# Queries per page, pinned: none grows with the number of rows shown.
# With the codebook already read by the process (position_queries.codebook), as it is after
# the first request: then it costs one query, the data version, instead of three.
PAGE_QUERIES = {
    "jurisdictions": 5,
    "jurisdictions-with-dimension": 15,
    # The jurisdiction with the data version and the last update, the positions, the set-aside
    # provisions, the children, the timeline (2), the agencies: 7, and on SQLite the check of
    # its JSON support (3) where this is the first request to need it.
    "profile": 10,
    "compare": 6,
    "instrument": 7,
    "codebook": 1,
    "sources": 3,
    "downloads": 3,  # two for the dataset's last update, one for the releases
    "about": 4,  # what is covered (2), and when the data changed, for the dataset citation (2)
    # The list, its facets, and the agencies and instruments of that name.
    "jurisdictions-search": 5,
    "profile-csv": 5,
    "profile-json": 6,  # and when the data changed, for the dataset citation
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
    assert "Set by" in text and "which binds it" in text
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


def test_a_search_reads_a_name_with_its_state_as_people_type_it(client):
    for typed in ("Cook County, IL", "cook il", "Cook County, Illinois", "17031"):
        text = page(client, reverse("site:jurisdictions"), q=typed)
        assert 'href="/jurisdictions/il-cook-county/"' in text, typed
        assert "Nothing matches" not in text


def test_a_search_ranks_exact_names_before_longer_ones(client):
    text = page(client, reverse("site:jurisdictions"), q="Washington")
    rows = text.split("<tbody>")[1]
    # The state (an exact name) first, though Washington County, Alabama has a lower FIPS.
    assert rows.index('href="/jurisdictions/wa/"') < rows.index("Washington County")


def test_a_search_finds_agencies_and_instruments_by_name(client):
    text = page(client, reverse("site:jurisdictions"), q="Harris County Sheriff")
    agencies = text.split('id="found-agencies"')[1].split("</section>")[0]
    assert "Harris County Sheriff" in agencies
    assert 'href="/jurisdictions/tx-harris-county/#agencies"' in agencies
    text = page(client, reverse("site:jurisdictions"), q="TRUST Act")
    instruments = text.split('id="found-instruments"')[1].split("</section>")[0]
    assert "Illinois TRUST Act" in instruments


def test_an_empty_search_says_why_and_what_to_try(client):
    text = page(client, reverse("site:jurisdictions"), q="Atlantis", level="county")
    assert "No jurisdiction is named “Atlantis”" in text
    assert "a state after a comma" in text
    assert 'href="?level=county">Clear the search' in text
    assert 'href="?q=Atlantis">Any level' in text
    assert "<table>" not in text


def test_a_value_with_no_jurisdiction_is_counted_but_not_linked(client):
    text = page(
        client,
        reverse("site:jurisdictions"),
        state="VT",
        dimension="detainer-holds",
        as_of="2019-06-01",
    )
    facets = text.split('id="facet-value"')[1].split("</section>")[0]
    assert '<span class="muted">Mandated</span> <span>0</span>' in facets
    assert "value=mandated" not in facets


def test_the_coded_policy_filter_keeps_jurisdictions_with_a_known_answer(client):
    text = page(client, reverse("site:jurisdictions"), state="IL", coded="1")
    assert "with a coded policy" in text
    assert 'href="/jurisdictions/il-cook-county/"' in text
    page(client, reverse("site:jurisdictions"), 400, coded="yes")


def test_the_coded_list_downloads_as_the_same_list(client):
    text = page(client, reverse("site:jurisdictions"), state="IL", coded="1")
    shown = set(re.findall(r'<a href="/jurisdictions/([a-z0-9-]+)/">', text))
    csv_url = html.unescape(re.search(r'<a href="([^"]+)">Download this view as CSV', text)[1])
    assert "coded=1" in csv_url
    response = client.get(csv_url)
    assert response.status_code == 200, response.content[:300]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    count = int(re.search(r"([\d,]+) jurisdictions? with a coded policy", text)[1])
    assert len(rows) == count and shown <= {row["slug"] for row in rows}
    # The API's list takes the same filter, in JSON too.
    answer = client.get(csv_url.replace("format=csv", "format=json")).json()
    assert answer["count"] == count
    counties = reverse("api:jurisdiction-list") + "?level=county&as_of=2019-06-01"
    coded = client.get(counties + "&coded=1").json()["count"]
    assert 0 < coded < client.get(counties).json()["count"]


def test_a_profile_downloads_as_csv_and_json_with_provenance(client):
    url = reverse("site:jurisdiction-csv", args=["il-cook-county"])
    response = client.get(url, {"as_of": "2019-06-01"})
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    header = lines[0].split(",")
    assert header == POSITION_CSV_HEADER
    assert len(lines) == 1 + 14
    detainers = next(line for line in lines if ",detainer-holds," in line)
    assert "own" in detainers and "§ 46-37" in detainers and "Illinois TRUST Act" in detainers
    body = client.get(
        reverse("site:jurisdiction-json", args=["il-cook-county"]), {"as_of": "2019-06-01"}
    ).json()
    assert "CC BY 4.0" in body["licence"] and "[dataset]" in body["cite"]
    first = body["positions"][0]
    assert first["decided_by"]["provision"]["pinpoint"]
    assert first["decided_by"]["sources"][0]["url"].startswith("http")
    bad = client.get(url, {"as_of": "2019-13-01"})
    assert bad.status_code == 400 and b"as_of" in bad.content


def test_the_compare_csv_carries_provenance_like_the_positions_csv(client):
    response = client.get(
        reverse("api:compare"),
        {"jurisdictions": "il-cook-county,tx", "as_of": "2019-06-01", "format": "csv"},
    )
    lines = response.content.decode().splitlines()
    assert lines[0].split(",") == POSITION_CSV_HEADER
    assert len(lines) == 1 + 2 * 14
    texas = next(line for line in lines if line.startswith("tx,") and ",detainer-holds," in line)
    assert "mandated" in texas and "SB 4" in texas


def test_the_downloads_and_about_pages_state_the_licences_and_the_dataset_citation(client):
    for name in ("site:downloads", "site:about"):
        text = page(client, reverse(name))
        assert "Creative Commons Attribution 4.0 International" in text
        assert "MIT License" in text
        assert "Cite the dataset" in text


def test_the_profile_offers_cite_the_dataset_beside_cite_this_page(client):
    text = page(client, reverse("site:jurisdiction", args=["il-cook-county"]))
    assert text.index('id="cite"') < text.index('id="cite-dataset"')
    assert 'href="/jurisdictions/il-cook-county/positions.csv?as_of=' in text


def test_the_words_on_a_profile_say_what_each_rule_does(client):
    text = page(client, reverse("site:jurisdiction", args=["il-cook-county"]), as_of="2019-06-01")
    row = text.split('id="dimension-detainer-holds"')[1].split("</tr>")[0]
    assert "Stricter than" in row and "which also applies" in row
    assert "Set aside" not in text
    assert "Unknown</strong> means nobody has coded a rule" in text


def test_an_instrument_page_shows_no_curator_notes(client):
    hb56 = Instrument.objects.filter(provisions__notes__gt="").first()
    note = hb56.provisions.exclude(notes="").first().notes
    hb56.review_state = "published"
    hb56.save()
    text = page(client, reverse("site:instrument", args=[hb56.pk]))
    assert note not in text
    assert "Confidence" not in text


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
        ("jurisdictions-search", "site:jurisdictions", [], {"q": "Cook County, IL"}),
        ("jurisdictions-search", "site:jurisdictions", [], {"q": "sheriff tx", "coded": "1"}),
        ("profile-csv", "site:jurisdiction-csv", ["il-cook-county"], {}),
        ("profile-json", "site:jurisdiction-json", ["tx-harris-county"], {}),
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
