"""Builders of small ICE-like sheets for the tests."""

import datetime as dt
from pathlib import Path

import openpyxl

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
