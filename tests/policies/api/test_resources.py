"""The API's resources on the real seed data: shapes, identifiers, filters, query counts."""

import csv
import io

import pytest
from django.urls import reverse

from policies.models import Instrument, Provision
from tests.factories import publish_with_pinpoints

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

# Queries per list page, the same for 1 row or 100 (pinned so no endpoint turns N+1).
LIST_QUERIES = {
    "jurisdiction": 1,  # the page and its count in one query
    "agency": 3,  # with its 287(g) agreements
    "dimension": 3,
    "instrument": 5,
    "provision": 3,
    "source": 2,
    "event": 3,
}  # agreements and snapshots: tests/agreements/test_api_and_pages.py


def api(name, *args):
    return reverse(f"api:{name}", args=args)


def get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    return response.json()


@pytest.mark.parametrize("resource", list(LIST_QUERIES))
def test_every_list_pins_its_queries_for_one_row_and_a_hundred(
    client, resource, django_assert_num_queries
):
    url = api(f"{resource}-list")
    for page_size in (1, 100):
        with django_assert_num_queries(LIST_QUERIES[resource]):
            body = get(client, url, page_size=page_size)
        assert set(body) == {"count", "page", "page_size", "next", "previous", "results"}
        assert len(body["results"]) == min(page_size, body["count"])


def test_dimensions_list_the_codebook_with_ordered_values_and_the_neutral_point(client):
    body = get(client, api("dimension-detail", "detainer-holds"))
    assert [v["slug"] for v in body["values"]] == [
        "prohibited",
        "judicial-warrant-only",
        "limited-to-serious-offenses",
        "no-policy",
        "honored",
        "mandated",
    ]
    assert body["neutral"] == "no-policy"
    listing = get(client, api("dimension-list"))
    assert listing["count"] == 14


def test_an_instrument_carries_its_provisions_citations_and_partial_dates(client):
    chicago = Instrument.objects.get(title__startswith="Welcoming City Ordinance")
    body = get(client, api("instrument-detail", chicago.pk))
    assert body["effective"] == "2021"
    assert body["effective_precision"] == "year"
    assert body["jurisdiction"]["fips"] == "1714000"
    assert {p["dimension"] for p in body["provisions"]} == {
        "detainer-holds",
        "ice-custody-access",
        "release-notification",
    }
    assert body["provisions"][0]["citations"][0]["url"] == "https://chicagocode.org/2-173-042/"
    assert client.get(body["site_url"]).status_code == 200


def test_instruments_filter_by_kind_state_dimension_and_date(client):
    statutes = get(client, api("instrument-list"), kind="statute", state="CA")
    # TRUTH Act, SB 54, AB 1440, SB 29, AB 668, SB 805 and Penal Code § 830.10; AB 4 and the
    # other 2025 acts are drafts until their sections are confirmed.
    assert statutes["count"] == 7
    on_detainers = get(
        client, api("instrument-list"), dimension="detainer-holds", jurisdiction="06"
    )
    assert {i["citation"] for i in on_detainers["results"]} == {
        "SB 54, ch. 495, Stats. 2017; Gov. Code §§ 7284–7284.12",
    }
    in_force = get(client, api("instrument-list"), in_force_on="2016-06-01", state="CA")
    assert "AB 2792, ch. 768, Stats. 2016; Gov. Code §§ 7283–7283.2" not in {
        i["citation"] for i in in_force["results"]
    }  # the TRUTH Act takes effect on 2017-01-01
    assert "Ord. 375-89; S.F. Admin. Code ch. 12H" in {i["citation"] for i in in_force["results"]}


def test_provisions_filter_by_dimension_and_value(client):
    body = get(client, api("provision-list"), dimension="detainer-holds", value="mandated")
    assert (
        body["count"]
        == Provision.objects.published()
        .filter(dimension__slug="detainer-holds", value__slug="mandated")
        .count()
    )
    assert body["count"] >= 2  # Texas SB 4 and Florida SB 168


def test_updated_since_returns_only_what_changed(client, bob):
    everything = get(client, api("instrument-list"))["count"]
    assert everything > 0
    assert get(client, api("instrument-list"), updated_since="2999-01-01")["count"] == 0
    assert get(client, api("instrument-list"), updated_since="2000-01-01")["count"] == everything
    assert get(client, api("jurisdiction-list"), updated_since="2999-01-01T00:00:00Z")["count"] == 0


def test_lists_are_stably_ordered_across_pages(client):
    first = get(client, api("jurisdiction-list"), page_size=50, page=1)["results"]
    second = get(client, api("jurisdiction-list"), page_size=50, page=2)["results"]
    again = get(client, api("jurisdiction-list"), page_size=100, page=1)["results"]
    assert [j["slug"] for j in first + second] == [j["slug"] for j in again]


@pytest.mark.parametrize("resource", ["jurisdiction", "instrument", "provision", "source", "event"])
def test_csv_parses_and_matches_the_json(client, resource):
    url = api(f"{resource}-list")
    response = client.get(url, {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    body = get(client, url, page_size=1000)
    json_rows = body["results"]
    assert len(rows) == body["count"]
    rows = rows[: len(json_rows)]
    key = "slug" if resource == "jurisdiction" else "id"
    assert [row[key] for row in rows] == [str(item[key]) for item in json_rows]
    if resource == "jurisdiction":
        assert rows[0]["name"] == json_rows[0]["name"]


def test_an_unchanged_response_is_answered_304(client):
    url = api("dimension-list")
    first = client.get(url)
    assert first["ETag"]
    assert "public" in first["Cache-Control"]
    again = client.get(url, headers={"if-none-match": first["ETag"]})
    assert again.status_code == 304


def test_any_origin_may_read_the_api(client):
    response = client.get(api("dimension-list"), headers={"origin": "https://example.org"})
    assert response["Access-Control-Allow-Origin"] == "*"


def test_every_instrument_and_provision_is_answered_in_its_declared_shape(rf, bob):
    """The JSON, the CSV and the schema come from the shapes of policies/shapes.py; each
    builder must fill its shape exactly, for every published instrument and provision."""
    from rest_framework.request import Request

    from policies.selectors import published_instruments
    from policies.shapes import Instrument as InstrumentShape
    from policies.shapes import Provision as ProvisionShape
    from policies.shapes import instrument_of, provision_of
    from tests.shapes import problems

    request = Request(rf.get("/api/v1/instruments/"))
    # One that ended, to cover every field.
    publish_with_pinpoints(Instrument.objects.get(title="Harris County 287(g) jail agreement"), bob)
    instruments = list(published_instruments())
    assert len(instruments) > 20
    assert any(i.agency_id for i in instruments) and any(i.ended_on for i in instruments)
    assert any(i.provisions.all() and i.citations.all() for i in instruments)
    for instrument in instruments:
        assert problems(instrument_of(instrument, request), InstrumentShape) == []
    provisions = Provision.objects.published()
    assert provisions.count() > 20
    for provision in provisions:
        assert problems(provision_of(provision, request), ProvisionShape) == []


def test_every_dimension_source_and_event_is_answered_in_its_declared_shape(rf):
    from rest_framework.request import Request

    from policies import models, shapes
    from tests.shapes import problems

    request = Request(rf.get("/api/v1/events/"))
    dimensions = list(models.Dimension.objects.prefetch_related("values"))
    assert len(dimensions) == 14
    for dimension in dimensions:
        assert problems(shapes.dimension_of(dimension, request), shapes.Dimension) == []
    sources = list(models.Source.objects.public())
    assert len(sources) > 20 and any(s.published_on is None for s in sources)
    for source in sources:
        assert problems(shapes.source_of(source, request), shapes.Source) == []
    events = list(models.Event.objects.published().prefetch_related("sources"))
    assert events and any(e.sources.all() for e in events)
    for event in events:
        assert problems(shapes.event_of(event, request), shapes.Event) == []


def test_the_schema_describes_each_key_of_the_declared_shapes_and_no_other(client):
    from core.shapes import fields_of
    from policies import shapes

    schema = client.get("/api/v1/schema/", {"format": "json"}).json()["components"]["schemas"]
    for shape in (
        shapes.Instrument,
        shapes.Provision,
        shapes.Dimension,
        shapes.DimensionValue,
        shapes.Source,
        shapes.Event,
    ):
        assert list(schema[shape.__name__]["properties"]) == list(fields_of(shape))
    described = schema["Instrument"]["properties"]
    assert described["enacted"]["description"].startswith("YYYY, YYYY-MM")  # Help(...)
    assert described["citation"]["maxLength"] == 300  # the model's field
    assert described["url"]["format"] == "uri" and described["url"]["readOnly"]  # a Link
