"""Positions through the API: the seed scenarios, filters on the scale, errors."""

import pytest
from django.urls import reverse

from policies.models import Instrument
from policies.positions.queries import codebook
from tests.factories import publish_with_pinpoints

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

# With the codebook already read by the process (as after its first request): the data
# version, the state, and the page's jurisdictions with the count, their positions, deciding
# provisions and those provisions' sources in one query — for one row or a hundred
# (set-aside and noted provisions would add one; here there are none).
POSITIONS_QUERIES = 3
MAP_QUERIES = 3  # the data version, the counties' FIPS codes, their values
# Jurisdictions with the data version, positions with their deciding provisions and sources,
# set-aside and noted provisions.
COMPARE_QUERIES = 3
# The positions CSV: the data version (its ETag) and the one query of its rows, then lookups
# per chunk of rows.
POSITIONS_CSV_FIXED_QUERIES = 2


def positions(client, **params):
    response = client.get(reverse("api:positions"), params)
    assert response.status_code == 200, response.content[:500]
    return response.json()


def only(body):
    assert body["count"] == 1, body
    return body["results"][0]


def test_a_california_county_inherits_ab4_in_2016_and_sb54_from_2018(client, bob):
    # AB 4 is a draft until its section is confirmed; publish it as an editor would.
    publish_with_pinpoints(Instrument.objects.get(title="California TRUST Act"), bob)
    in_2016 = only(positions(client, dimension="detainer-holds", as_of="2016-06-01", fips="06001"))
    assert (in_2016["value"], in_2016["provenance"]) == ("limited-to-serious-offenses", "inherited")
    assert in_2016["decided_by"]["instrument"]["citation"].startswith("AB 4 (2013)")
    in_2018 = only(positions(client, dimension="detainer-holds", as_of="2018-01-01", fips="06001"))
    assert in_2018["value"] == "prohibited"
    assert in_2018["decided_by"]["provision"]["pinpoint"] == "Gov. Code § 7284.6(a)(1)(B)"
    assert in_2018["decided_by"]["sources"][0]["url"].startswith("https://")


def test_cook_county_is_its_own_and_overrides_the_illinois_floor(client):
    cook = only(positions(client, dimension="detainer-holds", as_of="2019-06-01", fips="17031"))
    assert (cook["value"], cook["provenance"]) == ("prohibited", "own")
    assert [o["instrument"] for o in cook["overridden"]] == ["Illinois TRUST Act"]


def test_harris_countys_287g_ends_on_2017_02_21_once_published(client, bob):
    publish_with_pinpoints(Instrument.objects.get(title="Harris County 287(g) jail agreement"), bob)
    response = client.get(
        reverse("api:timeline"), {"jurisdiction": "48201", "dimension": "agreement-287g"}
    )
    intervals = response.json()["intervals"]
    held = [i for i in intervals if i["value"] == "jail-enforcement"]
    assert held[-1]["valid_to"] == "2017-02-21"
    assert held[-1]["provenance"] == "own"


def test_at_least_and_at_most_filter_on_the_ordered_scale(client):
    at_least = positions(
        client,
        dimension="detainer-holds",
        as_of="2019-06-01",
        level="county",
        at_least="judicial-warrant-only",
        page_size=1000,
    )
    assert {r["value"] for r in at_least["results"]} == {"prohibited", "judicial-warrant-only"}
    at_most = positions(
        client,
        dimension="detainer-holds",
        as_of="2019-06-01",
        level="county",
        at_most="honored",
        page_size=1000,
    )
    # Tennessee's counties inherit "honored" from its 2018 law; Texas's "mandated" from SB 4.
    assert {r["value"] for r in at_most["results"]} == {"honored", "mandated"}
    # The values between the two bounds: the scale's middle, which neither filter returns.
    between = {
        slug: positions(
            client, dimension="detainer-holds", as_of="2019-06-01", level="county", value=slug
        )["count"]
        for slug in ("limited-to-serious-offenses", "no-policy")
    }
    assert between["limited-to-serious-offenses"] > 0
    unknown = positions(
        client, dimension="detainer-holds", as_of="2019-06-01", level="county", value="unknown"
    )
    assert unknown["count"] == (3142 - at_least["count"] - at_most["count"] - sum(between.values()))


def test_positions_pin_their_queries_for_one_row_and_a_hundred(client, django_assert_num_queries):
    codebook()
    for page_size in (1, 100):
        with django_assert_num_queries(POSITIONS_QUERIES):
            body = positions(
                client,
                dimension="detainer-holds",
                as_of="2019-06-01",
                level="county",
                state="CA",
                page_size=page_size,
            )
        assert len(body["results"]) == min(page_size, 58)


def test_the_map_returns_every_county_in_one_compact_response(client, django_assert_num_queries):
    codebook()
    with django_assert_num_queries(MAP_QUERIES):
        response = client.get(
            reverse("api:map"), {"dimension": "detainer-holds", "as_of": "2019-06-01"}
        )
    body = response.json()
    assert len(body["values"]) == 3142
    assert body["values"]["06001"] == "prohibited"
    assert body["values"]["56001"] is None
    assert [v["slug"] for v in body["legend"]][0] == "prohibited"
    states = client.get(reverse("api:map"), {"dimension": "detainer-holds", "level": "state"})
    assert len(states.json()["values"]) == 51


def test_compare_gives_dimensions_by_jurisdictions_with_provenance(
    client, django_assert_num_queries
):
    params = {"jurisdictions": "06,48,17031", "as_of": "2019-06-01"}
    client.get(reverse("api:compare"), params)  # as after the process's first request
    with django_assert_num_queries(COMPARE_QUERIES):
        response = client.get(reverse("api:compare"), params)
    body = response.json()
    assert [j["slug"] for j in body["jurisdictions"]] == ["ca", "tx", "il-cook-county"]
    detainers = next(d for d in body["dimensions"] if d["slug"] == "detainer-holds")
    assert detainers["cells"]["ca"]["value"] == "prohibited"
    assert detainers["cells"]["tx"]["value"] == "mandated"
    assert detainers["cells"]["il-cook-county"]["provenance"] == "own"
    assert len(body["dimensions"]) == 14


@pytest.mark.parametrize(
    ("url", "params", "status", "parameter", "says"),
    [
        ("api:positions", {"dimension": "nope"}, 400, "dimension", "detainer-holds"),
        ("api:positions", {}, 400, "dimension", "No dimension ''"),
        (
            "api:positions",
            {"dimension": "detainer-holds", "as_of": "2019-02-30"},
            400,
            "as_of",
            "YYYY-MM-DD",
        ),
        (
            "api:positions",
            {"dimension": "detainer-holds", "at_least": "task-force"},
            400,
            "at_least",
            "judicial-warrant-only",
        ),
        ("api:positions", {"dimension": "detainer-holds", "state": "ZZ"}, 400, "state", "USPS"),
        ("api:positions", {"dimension": "detainer-holds", "page": "0"}, 400, "page", "page"),
        ("api:positions", {"dimension": "detainer-holds", "page": "999"}, 404, "page", "last page"),
        (
            "api:positions",
            {"dimension": "detainer-holds", "page_size": "5000"},
            400,
            "page_size",
            "1 to 1000",
        ),
        ("api:map", {"dimension": "detainer-holds", "level": "place"}, 400, "level", "county"),
        ("api:compare", {"jurisdictions": "06,nowhere"}, 400, "jurisdictions", "nowhere"),
        ("api:compare", {}, 400, "jurisdictions", "commas"),
        ("api:timeline", {"dimension": "detainer-holds"}, 400, "jurisdiction", "required"),
        ("api:jurisdiction-list", {"ordering": "bogus"}, 400, "ordering", "bogus"),
        ("api:jurisdiction-list", {"level": "planet"}, 400, "level", "planet"),
        ("api:instrument-list", {"updated_since": "yesterday"}, 400, "updated_since", "ISO"),
        ("api:instrument-list", {"format": "xml"}, 400, "format", "csv"),
        ("api:bulk", {"table": "secrets"}, 400, "table", "provisions"),
    ],
)
def test_bad_input_gets_a_json_4xx_naming_the_parameter(
    client, url, params, status, parameter, says
):
    response = client.get(reverse(url), params)
    assert response.status_code == status
    body = response.json()
    assert parameter in body["errors"]
    assert says in " ".join(body["errors"][parameter])
    assert body["detail"]


def test_an_unknown_jurisdiction_is_a_json_404(client):
    response = client.get(reverse("api:jurisdiction-detail", args=["99999"]))
    assert response.status_code == 404
    assert response.json()["detail"] == "No jurisdiction with FIPS code or slug '99999'."


def test_errors_are_json_even_when_csv_was_asked_for(client):
    response = client.get(reverse("api:positions"), {"dimension": "nope", "format": "csv"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")


def test_anonymous_clients_are_throttled_with_retry_after(client, settings):
    from django.core.cache import cache
    from rest_framework.settings import api_settings
    from rest_framework.throttling import AnonRateThrottle

    cache.clear()
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "anon": "3/minute"}
    original = AnonRateThrottle.THROTTLE_RATES
    AnonRateThrottle.THROTTLE_RATES = rates
    try:
        codes = [client.get(reverse("api:dimension-list")).status_code for _ in range(4)]
        limited = client.get(reverse("api:dimension-list"))
    finally:
        AnonRateThrottle.THROTTLE_RATES = original
        cache.clear()
    assert codes[:3] == [200, 200, 200]
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0


def test_the_positions_csv_keeps_every_column_when_the_first_row_is_unknown(client):
    import csv
    import io

    response = client.get(
        reverse("api:positions"),
        {"dimension": "detainer-holds", "as_of": "2019-06-01", "level": "county", "format": "csv"},
    )
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 3142
    assert rows[0]["provenance"] == "unknown"  # Alabama's first county
    alameda = next(r for r in rows if r["jurisdiction.fips"] == "06001")
    assert alameda["decided_by.instrument.title"] == "California Values Act"
    assert alameda["decided_by.provision.pinpoint"] == "Gov. Code § 7284.6(a)(1)(B)"
    # The instrument's canonical address, not one carrying the download's `?format=csv`.
    instrument_id = alameda["decided_by.instrument.id"]
    assert alameda["decided_by.instrument.url"] == (
        f"http://testserver/api/v1/instruments/{instrument_id}/"
    )


def test_a_positions_csv_with_no_rows_still_names_its_columns(client):
    import csv
    import io

    from policies.api.positions import POSITION_CSV_HEADER

    response = client.get(
        reverse("api:positions"),
        {
            "dimension": "detainer-holds",
            "as_of": "2019-06-01",
            "q": "no such place",
            "format": "csv",
        },
    )
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    assert list(csv.reader(io.StringIO(text))) == [POSITION_CSV_HEADER]


def test_links_in_an_api_answer_never_carry_the_format_asked_for(client):
    answer = client.get(
        reverse("api:positions"),
        {"dimension": "detainer-holds", "as_of": "2019-06-01", "fips": "06001", "format": "json"},
    ).json()
    url = answer["results"][0]["decided_by"]["instrument"]["url"]
    assert url.startswith("http://testserver/api/v1/instruments/") and "?" not in url


def test_the_positions_csv_reads_its_rows_in_one_query_in_fips_order(client):
    import csv
    import io

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from policies.api.positions import CSV_CHUNK

    codebook()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(
            reverse("api:positions"),
            {"dimension": "release-notification", "as_of": "2019-06-01", "format": "csv"},
        )
        body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))[1:]
    assert len(rows) > CSV_CHUNK, "the export should span several chunks"
    reading_positions = [q for q in captured if "policies_position" in q["sql"]]
    assert len(reading_positions) == 1, [q["sql"][:200] for q in reading_positions]
    # Per chunk, at most sources, set-aside/noted provisions and court orders.
    chunks = -(-len(rows) // CSV_CHUNK)
    assert len(captured) <= POSITIONS_CSV_FIXED_QUERIES + 3 * chunks
    numbered = [row[3] for row in rows if row[3]]
    assert numbered == sorted(numbered)


def test_the_written_out_csv_row_is_the_flattened_json_answer(rf):
    """position_csv_row is written out for speed; it must say what flattening the JSON
    answer says, column for column, for every county and a date with every kind of row."""
    import datetime as dt

    from rest_framework.request import Request

    from core.csv_text import flatten
    from jurisdictions.models import Jurisdiction
    from jurisdictions.shapes import jurisdiction_ref
    from policies.filters import dimension_by_slug
    from policies.positions.queries import positions_on
    from policies.shapes import POSITION_CSV_HEADER, interval_of, position_csv_row

    request = Request(rf.get("/api/v1/positions/"))
    empty_decided_by = {
        "instrument": dict.fromkeys(
            ["id", "title", "kind", "citation", "binding", "jurisdiction", "url"]
        ),
        "provision": dict.fromkeys(["id", "pinpoint", "exceptions"]),
        "sources": [],
    }
    kinds = set()
    for slug in ("detainer-holds", "agreement-287g"):
        dimension = dimension_by_slug(slug)
        # 2022: Florida's SB 1808 is known only to the year, so its counties are approximate.
        for as_of in (dt.date(2019, 6, 1), dt.date(2008, 6, 1), dt.date(2022, 6, 1)):
            counties = Jurisdiction.objects.filter(level="county").order_by("fips")
            for answer in positions_on(dimension, as_of, counties):
                record = interval_of(answer, request)
                record["decided_by"] = record["decided_by"] or empty_decided_by
                flat = flatten(
                    {"jurisdiction": jurisdiction_ref(answer.jurisdiction), "as_of": as_of} | record
                )
                assert list(flat) == POSITION_CSV_HEADER
                assert position_csv_row(answer, as_of, request) == list(flat.values())
                kinds.add((answer.provenance, bool(answer.overridden), answer.approximate))
    # The comparison covered known and unknown, set-aside and approximate rows.
    assert {k[0] for k in kinds} >= {"own", "inherited", "unknown"}
    assert any(k[1] for k in kinds) and any(k[2] for k in kinds)


def test_the_page_built_from_rows_is_what_each_answer_gives(rf):
    """position_page_of builds the list's rows from positions_page's rows, without an answer
    per position; each must be what position_of gives for positions_on's answer, for every
    county and a date with every kind of row, a page at a time."""
    import datetime as dt

    from rest_framework.request import Request

    from jurisdictions.models import Jurisdiction
    from policies.filters import dimension_by_slug
    from policies.positions.queries import positions_on, positions_page
    from policies.shapes import position_of, position_page_of

    request = Request(rf.get("/api/v1/positions/"))
    counties = Jurisdiction.objects.filter(level="county").order_by("fips", "pk")
    kinds = set()
    for slug in ("detainer-holds", "agreement-287g"):
        dimension = dimension_by_slug(slug)
        for as_of in (dt.date(2019, 6, 1), dt.date(2008, 6, 1), dt.date(2022, 6, 1)):
            expected = [
                position_of(a, as_of, request) for a in positions_on(dimension, as_of, counties)
            ]
            built = []
            for offset in range(0, 3142, 1000):
                page, count = positions_page(dimension, as_of, counties, offset=offset, limit=1000)
                assert count == 3142
                built += position_page_of(page, as_of, request)
            assert built == expected
            kinds |= {(r["provenance"], bool(r["overridden"]), r["approximate"]) for r in built}
            assert positions_page(dimension, as_of, counties, offset=3142, limit=1000)[1] is None
    assert {k[0] for k in kinds} >= {"own", "inherited", "unknown"}
    assert any(k[1] for k in kinds) and any(k[2] for k in kinds)


def test_positions_pages_count_link_and_end_as_before(client):
    first = positions(client, dimension="detainer-holds", level="county", page_size=1000)
    assert (first["count"], first["previous"], len(first["results"])) == (3142, None, 1000)
    assert first["next"].endswith("page=2&page_size=1000")
    last = positions(client, dimension="detainer-holds", level="county", page_size=1000, page=4)
    assert (len(last["results"]), last["next"]) == (142, None)
    assert last["previous"].endswith("page=3&page_size=1000")
    past = client.get(
        reverse("api:positions"),
        {"dimension": "detainer-holds", "level": "county", "page_size": 1000, "page": 5},
    )
    assert past.status_code == 404
    assert past.json()["errors"] == {"page": ["Page 5 is past the last page of results."]}
    none = positions(client, dimension="detainer-holds", level="county", q="no such place")
    assert (none["count"], none["next"], none["results"]) == (0, None, [])
    assert (
        client.get(
            reverse("api:positions"), {"dimension": "detainer-holds", "q": "nowhere", "page": 2}
        ).status_code
        == 404
    )


@pytest.mark.shared_cache
def test_a_profile_is_read_in_the_queries_of_a_comparison_the_rate_limit_included(
    client, django_assert_num_queries
):
    params = {"jurisdictions": "17031", "as_of": "2019-06-01"}
    # As after the process's first request, which also reserved requests of the rate limit.
    client.get(reverse("api:compare"), params)
    with django_assert_num_queries(COMPARE_QUERIES):
        body = client.get(reverse("api:compare"), params).json()
    cells = [d["cells"]["il-cook-county"] for d in body["dimensions"]]
    assert len(cells) == 14
    decided = [c for c in cells if c["decided_by"]]
    assert decided and all(c["decided_by"]["sources"] for c in decided)
