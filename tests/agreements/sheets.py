"""Builders of small ICE-like sheets for the tests, and the history an import leaves."""

import datetime as dt
from pathlib import Path

import openpyxl

from agreements.models import Agreement, Change, Snapshot, SnapshotRow
from policies.models import Position
from tests.factories import make_county, make_dimension, make_place, make_state

PARTICIPATING = [
    "STATE",
    "LAW ENFORCEMENT AGENCY",
    "TYPE",
    "COUNTY",
    "SUPPORT TYPE",
    "SIGNED",
    "MOA",
]
PENDING = ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE"]
JEM, TFM, WSO = "Jail Enforcement Model", "Task Force Model", "Warrant Service Officer"


def write_sheet(folder: Path, name: str, rows, headers=PARTICIPATING, links=None) -> Path:
    """An .xlsx named like ICE's (`participatingAgencies05162025am.xlsx`); `links` maps a
    row index (0-based, data rows) to the MOA hyperlink."""
    folder.mkdir(parents=True, exist_ok=True)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for index, row in enumerate(rows):
        sheet.append(list(row))
        if links and index in links:
            cell = sheet.cell(row=index + 2, column=headers.index("MOA") + 1)
            cell.hyperlink = links[index]
    path = folder / name
    workbook.save(path)
    return path


def sheriff(name, county, model=JEM, signed=dt.datetime(2025, 3, 1), moa="link pending"):
    return ["TEXAS", name, "County", county, model, signed, moa]


def police(name, model=TFM, signed=dt.datetime(2025, 4, 1), kind="Municipality"):
    """A row for an agency that is not a county's (ICE writes #N/A for the county)."""
    return ["TEXAS", name, kind, "#N/A", model, signed, "link"]


def make_texas():
    """Texas with three counties and one place, and the 287(g) dimension of the codebook."""
    texas = make_state(name="Texas", slug="tx", usps="TX", fips="48")
    counties = {
        name: make_county(texas, name=f"{name} County", slug=f"tx-{name.lower()}", fips=fips)
        for name, fips in (("Harris", "48201"), ("Galveston", "48167"), ("Walker", "48471"))
    }
    place = make_place(texas, name="Pasadena", slug="tx-pasadena", fips="4856000")
    dimension = make_dimension(
        slug="agreement-287g",
        values=(
            "prohibited",
            "none",
            "warrant-service-officer",
            "jail-enforcement",
            "task-force",
            "mandated",
        ),
        neutral="none",
    )
    return texas, counties, place, dimension


def history():
    """Everything an import decides, comparable between two runs (a replay must give the same):
    agreements, changes, each sheet row's outcome, each snapshot's summary, stored positions."""
    return (
        sorted(
            Agreement.objects.values_list(
                "key",
                "agency__slug",
                "model",
                "signed_on",
                "status",
                "first_seen_id",
                "last_seen_id",
                "first_missing_id",
                "ended_from",
                "ended_by",
                "superseded_by__key",
                "moa_state",
                "moa_url",
            )
        ),
        sorted(
            Change.objects.values_list(
                "snapshot_id", "kind", "agreement__key", "previous__key", "pending__key", "detail"
            )
        ),
        sorted(
            SnapshotRow.objects.values_list(
                "snapshot_id", "number", "outcome", "agreement__key", "review__key", "pending__key"
            )
        ),
        sorted((s.pk, tuple(sorted(s.summary.items()))) for s in Snapshot.objects.all()),
        sorted(
            Position.objects.values_list(
                "jurisdiction_id",
                "dimension_id",
                "valid_from",
                "valid_to",
                "value__slug",
                "approximate",
            )
        ),
    )
