"""ICE's 36 real sheets, as shipped in fixtures/ice-287g, imported once for the module."""

import datetime as dt
from collections import defaultdict
from pathlib import Path

import openpyxl
import pytest
from django.db import transaction
from django.test import Client

from agreements.importer import import_sheets, replay_all
from agreements.models import Agreement, Change, RowOutcome, Snapshot, SnapshotRow
from jurisdictions.models import AgencyKind, Level
from policies.positions import store as position_store
from tests.agreements.sheets import history

SNAPSHOTS = Path(__file__).resolve().parents[2] / "fixtures" / "ice-287g" / "snapshots"
FILES = sorted(SNAPSHOTS.rglob("*.xlsx"))
RANK = {"warrant-service-officer": 0, "jail-enforcement": 1, "task-force": 2}
LAST_SHEET = dt.date(2025, 6, 27)


@pytest.fixture(scope="module")
def imported(seeded_with_places, django_db_blocker):
    """The seed data with its places (tests/conftest.py) and every shipped sheet, the sheets
    rolled back at the end of the module."""
    with django_db_blocker.unblock():
        inner = transaction.atomic()
        inner.__enter__()
        report = import_sheets([SNAPSHOTS])
    yield report
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        inner.__exit__(None, None, None)


def test_all_36_sheets_ship_with_the_project():
    assert len(FILES) == 36


def test_every_sheet_is_imported(imported):
    assert [s.status for s in imported.sheets] == ["imported"] * 36


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_non_blank_row_is_an_agreement_a_pending_request_or_a_review_item(imported, path, db):
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    non_blank = [r for r in rows[1:] if any(str(c).strip() for c in r if c is not None)]
    snapshot = Snapshot.objects.get(file_name=path.name, captured_at=_captured(path))
    stored = SnapshotRow.objects.filter(snapshot=snapshot)
    assert stored.count() == len(non_blank) == snapshot.row_count
    placed = (
        stored.filter(outcome=RowOutcome.AGREEMENT, agreement__isnull=False).count()
        + stored.filter(outcome=RowOutcome.PENDING, pending__isnull=False).count()
        + stored.filter(outcome=RowOutcome.REVIEW, review__isnull=False).count()
    )
    assert placed == len(non_blank)


def _captured(path: Path) -> dt.datetime:
    return dt.datetime.strptime(path.parent.name, "%Y-%m-%dT%H%M%SZ").replace(tzinfo=dt.UTC)


def test_the_last_sheet_lists_737_agreements_all_active_or_waiting_for_review(imported, db):
    last = Snapshot.objects.get(file_name="participatingAgencies06272025am.xlsx")
    assert last.row_count == 737
    assert last.summary["rows"] == 737
    on_sheet = SnapshotRow.objects.filter(snapshot=last, outcome=RowOutcome.AGREEMENT)
    assert {a.status for a in Agreement.objects.filter(rows__in=on_sheet)} == {"active"}


def test_the_map_on_2025_06_27_shows_each_county_sheriff_in_its_model(imported, db):
    """Each county whose sheriff holds a current agreement shows the most cooperative model
    held in the county (a county police department's agreement may be the one)."""
    in_force = Agreement.objects.active().filter(
        agency__jurisdiction__level=Level.COUNTY, signed_on__lte=LAST_SHEET
    )
    with_sheriff = set(
        in_force.filter(agency__kind=AgencyKind.SHERIFF).values_list(
            "agency__jurisdiction__fips", flat=True
        )
    )
    expected = defaultdict(list)
    for fips, model in in_force.values_list("agency__jurisdiction__fips", "model"):
        if fips in with_sheriff:
            expected[fips].append(model)
    assert len(expected) > 300  # 366 counties on the last sheet
    response = Client().get(
        "/api/v1/map/", {"dimension": "agreement-287g", "as_of": "2025-06-27", "level": "county"}
    )
    values = response.json()["values"]
    wrong = {
        fips: (values.get(fips), models)
        for fips, models in expected.items()
        if values.get(fips) != max(models, key=RANK.get)
    }
    assert wrong == {}


def test_positions_match_a_fresh_computation_after_the_import(imported, db):
    assert position_store.differences() == (set(), set())


def test_importing_any_sheet_again_changes_nothing(imported, db):
    changes = Change.objects.count()
    report = import_sheets([FILES[0], FILES[-1]])
    assert {s.status for s in report.sheets} == {"unchanged"}
    assert Change.objects.count() == changes


def test_a_replay_gives_the_identical_history(imported, db):
    before = history()
    replay_all()
    assert history() == before
    assert position_store.differences() == (set(), set())
