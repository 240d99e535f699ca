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
