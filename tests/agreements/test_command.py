import io

import pytest
from django.core.management import CommandError, call_command

from tests.agreements.sheets import JEM, PENDING, make_texas, sheriff, write_sheet

pytestmark = pytest.mark.django_db


def test_the_command_imports_a_folder_and_prints_a_summary(tmp_path):
    make_texas()
    write_sheet(
        tmp_path / "2025-05-19T024922Z",
        "participatingAgencies05162025am.xlsx",
        [
            sheriff("Harris County Sheriff's Office", "Harris County"),
            [None] * 7,
            sheriff("Walker County Sheriff's Office", "Walker County"),
        ],
    )
    (tmp_path / "README.md").write_text("not a sheet")
    out = io.StringIO()
    call_command("import_287g", str(tmp_path), "--problems", stdout=out)
    text = out.getvalue()
    assert "imported" in text and "row 3: blank row" in text
    assert "skipped (not a spreadsheet)" in text and "1 imported" in text


def test_the_command_names_the_missing_column_and_the_file(tmp_path):
    make_texas()
    path = write_sheet(
        tmp_path,
        "participatingAgencies05162025am.xlsx",
        [["TEXAS", "X", "County", "Harris", JEM]],
        headers=PENDING,
    )
    with pytest.raises(CommandError, match=r"SIGNED missing.*Nothing was imported"):
        call_command("import_287g", str(path), stdout=io.StringIO())


def test_the_command_fails_when_a_sheet_is_refused(tmp_path):
    make_texas()
    row = [sheriff("Harris County Sheriff's Office", "Harris County")]
    call_command(
        "import_287g",
        str(write_sheet(tmp_path / "b", "participatingAgencies06272025am.xlsx", row)),
        stdout=io.StringIO(),
    )
    older = write_sheet(tmp_path / "a", "participatingAgencies05162025am.xlsx", [])
    with pytest.raises(CommandError, match="refused"):
        call_command("import_287g", str(older), stdout=io.StringIO())
