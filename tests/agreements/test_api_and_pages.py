import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.importer import import_sheets
from tests.agreements.sheets import PENDING, TFM, WSO, make_texas, sheriff, write_sheet

pytestmark = pytest.mark.django_db

AGREEMENT_LIST_QUERIES = 2  # count; the page joined to agencies, places and snapshots
SNAPSHOT_LIST_QUERIES = 3  # count, page, changes with their subjects
AGENCY_LIST_QUERIES = 3  # count, page, agreements
OVERVIEW_QUERIES = 4  # chart, snapshots, states, pending
SNAPSHOT_PAGE_QUERIES = 2
FEED_QUERIES = 1


@pytest.fixture
def history(tmp_path, db):
    make_texas()
    import_sheets(
        [
            write_sheet(
                tmp_path / "2025-05-19T024922Z",
                "participatingAgencies05162025am.xlsx",
                [
                    sheriff("Harris County Sheriff's Office", "Harris County", TFM),
                    sheriff("Walker County Sheriff's Office", "Walker County", WSO),
                ],
            ),
            write_sheet(
                tmp_path / "2025-05-19T024922Z",
                "pendingAgencies05152025am.xlsx",
                [["TEXAS", "Galveston County Sheriff's Office", "County", "Galveston", TFM]],
                headers=PENDING,
            ),
            write_sheet(
                tmp_path / "2025-06-27T151725Z",
                "participatingAgencies06272025am.xlsx",
                [sheriff("Harris County Sheriff's Office", "Harris County", TFM)],
            ),
        ]
    )


def _queries(client, url, **params):
    # The first API request of a process reads the codebook once for the table of allowed
    # parameters (core.parameters); count what every later request costs.
    client.get(url, params)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    return response, len(queries)


def test_the_agreements_api_lists_each_agreement_with_its_history(client, history):
    response, queries = _queries(client, "/api/v1/agreements/", state="TX")
    assert queries == AGREEMENT_LIST_QUERIES
    rows = {r["agency"]["name"]: r for r in response.json()["results"]}
    walker = rows["Walker County Sheriff's Office"]
    assert (walker["status"], walker["ended_from"], walker["ended_by"]) == (
        "ended",
        "2025-05-17",
        "2025-06-27",
    )
    assert walker["jurisdiction"]["fips"] == "48471"
    assert rows["Harris County Sheriff's Office"]["status"] == "active"


def test_agreements_filter_by_the_day_they_were_in_force_and_come_as_csv(client, history):
    response = client.get("/api/v1/agreements/", {"in_force_on": "2025-06-01"})
    assert [r["agency"]["name"] for r in response.json()["results"]] == [
        "Harris County Sheriff's Office"
    ]
    csv = b"".join(client.get("/api/v1/agreements/", {"format": "csv"}).streaming_content)
    assert csv.decode().count("\r\n") == 3 and "signed_on" in csv.decode()


def test_a_bad_filter_is_a_400_naming_it(client, history):
    response = client.get("/api/v1/agreements/", {"model": "detention"})
    assert response.status_code == 400 and "model" in response.json()["errors"]


def test_the_snapshots_api_gives_each_snapshots_changes(client, history):
    response, queries = _queries(client, "/api/v1/snapshots/")
    assert queries == SNAPSHOT_LIST_QUERIES
    latest = response.json()["results"][0]
    assert latest["published_on"] == "2025-06-27"
    assert [(c["kind"], c["agency"]) for c in latest["changes"]] == [
        ("ended", "Walker County Sheriff's Office")
    ]
    assert latest["summary"]["ended"] == 1 and latest["summary"]["added"] == 0


def test_agencies_list_their_agreements(client, history):
    response, queries = _queries(client, "/api/v1/agencies/")
    assert queries == AGENCY_LIST_QUERIES
    harris = next(a for a in response.json()["results"] if a["name"].startswith("Harris"))
    assert [a["model"] for a in harris["agreements"]] == ["task-force"]


def test_agreements_snapshots_and_agencies_are_answered_in_their_declared_shapes(
    rf, client, history
):
    """The JSON, the CSV and the schema come from the shapes of agreements/shapes.py and
    jurisdictions/shapes.py; each builder must fill its shape exactly: an ended agreement
    and an active one, and a snapshot whose change is a pending request (no agreement)."""
    from rest_framework.request import Request

    from agreements import selectors, shapes
    from core.shapes import fields_of
    from jurisdictions import shapes as jurisdiction_shapes
    from jurisdictions.models import Agency
    from tests.shapes import problems

    request = Request(rf.get("/api/v1/agreements/"))
    agreements = list(selectors.agreement_list())
    assert {a.status for a in agreements} == {"active", "ended"}
    for agreement in agreements:
        assert problems(shapes.agreement_of(agreement, request), shapes.Agreement) == []
    snapshots = list(selectors.snapshot_list())
    changes = [c for s in snapshots for c in s.changes.all()]
    assert any(c.agreement_id is None for c in changes) and any(c.agreement_id for c in changes)
    for snapshot in snapshots:
        assert problems(shapes.snapshot_of(snapshot, request), shapes.Snapshot) == []
    agencies = Agency.objects.select_related("jurisdiction").prefetch_related("agreements")
    assert any(a.agreements.all() for a in agencies)
    for agency in agencies:
        answer = jurisdiction_shapes.agency_of(agency, request)
        assert problems(answer, jurisdiction_shapes.Agency) == []

    schema = client.get("/api/v1/schema/", {"format": "json"}).json()["components"]["schemas"]
    for shape in (
        shapes.Agreement,
        shapes.SnapshotRef,
        shapes.Snapshot,
        shapes.Change,
        jurisdiction_shapes.Agency,
        jurisdiction_shapes.AgencyAgreement,
        jurisdiction_shapes.AgencyRef,
    ):
        assert list(schema[shape.__name__]["properties"]) == list(fields_of(shape))
    # An agreement not renewed, a change with no agreement: their keys may be null.
    assert schema["Agreement"]["properties"]["superseded_by"]["nullable"]
    assert schema["Change"]["properties"]["agreement"]["nullable"]


def test_each_snapshot_is_a_csv_row_with_every_count_in_its_own_column(client, history):
    import csv
    import io

    from agreements.shapes import SUMMARY_KEYS

    text = b"".join(client.get("/api/v1/snapshots/", {"format": "csv"}).streaming_content)
    header, *rows = csv.reader(io.StringIO(text.decode()))
    assert header[:5] == ["id", "list_kind", "file_name", "published_on", "half_day"]
    assert [c for c in header if c.startswith("summary.")] == [
        f"summary.{key}" for key in SUMMARY_KEYS
    ]
    assert len(rows) == 3 and all(len(row) == len(header) for row in rows)


def test_the_287g_page_shows_the_chart_the_changes_the_states_and_pending(client, history):
    response, queries = _queries(client, "/287g/")
    assert queries == OVERVIEW_QUERIES
    page = response.content.decode()
    assert "<svg" in page and "Task Force (1)" in page
    assert "Galveston County Sheriff&#x27;s Office" in page  # pending
    assert "Texas" in page
    assert "dimension=agreement-287g" in page


def test_each_snapshot_has_its_page(client, history):
    from agreements.models import Snapshot

    snapshot = Snapshot.objects.get(published_on=dt.date(2025, 6, 27))
    response, queries = _queries(client, f"/287g/snapshots/{snapshot.pk}/")
    assert queries == SNAPSHOT_PAGE_QUERIES
    assert "Walker County Sheriff&#x27;s Office" in response.content.decode()
    assert client.get("/287g/snapshots/999999/").status_code == 404


def test_the_feed_is_atom_with_one_entry_per_change(client, history):
    response, queries = _queries(client, "/287g/feed/")
    assert queries == FEED_QUERIES
    body = response.content.decode()
    assert response["Content-Type"].startswith("application/atom+xml")
    assert body.count("<entry>") == 4  # 2 added, 1 ended, 1 pending
    assert (
        "Ended: Walker County Sheriff&#x27;s Office" in body
        or "Ended: Walker County Sheriff's Office" in body
    )


def test_agreements_and_snapshots_sync_with_updated_since(client, history):
    assert client.get("/api/v1/agreements/", {"updated_since": "2100-01-01"}).json()["count"] == 0
    assert client.get("/api/v1/agreements/", {"updated_since": "2000-01-01"}).json()["count"] == 2
    assert client.get("/api/v1/snapshots/", {"updated_since": "2100-01-01"}).json()["count"] == 0
    response = client.get("/api/v1/snapshots/", {"updated_since": "yesterday"})
    assert response.status_code == 400 and "updated_since" in response.json()["errors"]
