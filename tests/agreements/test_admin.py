import pytest

from agreements.importer import import_sheets
from agreements.models import AgencyResolution, ReviewItem, ReviewStatus
from tests.agreements.sheets import TFM, make_texas, write_sheet

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(tmp_path, db):
    texas = make_texas()
    row = ["TEXAS", "Baytown Police Department", "Municipality", "#N/A", TFM, "2025-04-01", "link"]
    import_sheets([write_sheet(tmp_path, "participatingAgencies05162025am.xlsx", [row])])
    return texas


def test_curators_see_the_review_list_with_the_reason_and_the_row(client, alice, waiting):
    client.force_login(alice)
    page = client.get("/admin/agreements/reviewitem/").content.decode()
    assert "No matching place" in page and "Baytown Police Department" in page
    assert "Choose its jurisdiction" in page
    item = ReviewItem.objects.get()
    detail = client.get(f"/admin/agreements/reviewitem/{item.pk}/change/").content.decode()
    assert "&quot;LAW ENFORCEMENT AGENCY&quot;: &quot;Baytown Police Department&quot;" in detail


RESOLUTION = {
    "key": "baytown police department",
    "agency_name": "Baytown Police Department",
    "note": "",
}


def test_an_editors_resolution_is_saved_with_who_made_it(client, bob, waiting):
    state, _, place, _ = waiting
    client.force_login(bob)
    response = client.post(
        "/admin/agreements/agencyresolution/add/",
        {**RESOLUTION, "state": state.pk, "jurisdiction": place.pk},
    )
    assert response.status_code == 302
    resolution = AgencyResolution.objects.get()
    assert (resolution.resolved_by, resolution.jurisdiction) == (bob, place)
    assert ReviewItem.objects.get().status == ReviewStatus.RESOLVED


def test_a_curator_cannot_resolve_since_a_resolution_moves_public_positions(client, alice, waiting):
    state, _, place, _ = waiting
    client.force_login(alice)
    response = client.post(
        "/admin/agreements/agencyresolution/add/",
        {**RESOLUTION, "state": state.pk, "jurisdiction": place.pk},
    )
    assert response.status_code == 403
    assert not AgencyResolution.objects.exists()


def test_imported_records_cannot_be_edited_in_the_admin(client, alice, waiting):
    client.force_login(alice)
    assert client.get("/admin/agreements/agreement/add/").status_code == 403


def test_people_without_a_role_cannot_see_the_review_list(client, charlie, waiting):
    client.force_login(charlie)
    assert client.get("/admin/agreements/reviewitem/").status_code in (302, 403)
