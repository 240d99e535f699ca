import datetime as dt

import pytest

from agreements import rules
from agreements.rules import Known, Listed, reconcile

D = dt.date


@pytest.mark.parametrize(
    "spelling",
    [
        "Walker County Sheriff’s Department",
        "Walker County Sheriff's Office ",
        "WALKER  COUNTY SHERIFFS OFFICE",
        "Walker Co. Sheriff's Office",
    ],
)
def test_respellings_of_an_agency_share_one_canonical_name(spelling):
    assert rules.canonical_name(spelling) == "walker county sheriffs office"


def test_a_file_name_gives_list_publication_date_and_half_day():
    assert rules.parse_file_name("participatingAgencies05162025am.xlsx") == (
        "participating",
        D(2025, 5, 16),
        "am",
    )
    assert rules.parse_file_name("pendingAgencies06272025pm.xlsx")[0] == "pending"


def test_a_file_name_not_like_ices_is_refused_with_its_name():
    with pytest.raises(ValueError, match="notes.xlsx"):
        rules.parse_file_name("notes.xlsx")


def test_a_date_typed_as_text_with_a_missing_slash_is_read_and_noted():
    day, note = rules.parse_signed("05/082025")
    assert day == D(2025, 5, 8)
    assert "typed as text" in note


def test_an_unreadable_date_is_none_with_the_reason():
    assert rules.parse_signed("soon") == (None, "unreadable signing date: 'soon'")


def test_support_types_with_stray_spaces_are_recognised_and_unknown_ones_are_not():
    assert rules.support_model(" Task Force Model  ") == "task-force"
    assert rules.support_model("Jail Enforcement Model ") == "jail-enforcement"
    assert rules.support_model("Detention Model") is None


def test_county_names_match_with_or_without_county_or_parish():
    assert rules.county_key("Decatur") == rules.county_key("Decatur County")
    assert rules.county_key("St. Tammany Parish") == rules.county_key("Saint Tammany")
    assert rules.county_key("City of Richmond") == "richmond city"


def test_a_county_cell_can_name_none_one_or_several_counties():
    assert rules.county_cells("#N/A") == []
    assert rules.county_cells(" Harris County ") == ["Harris County"]
    assert rules.county_cells("Harris County / Fort Bend County") == [
        "Harris County",
        "Fort Bend County",
    ]


def test_outlook_safe_links_are_unwrapped_and_pending_links_are_pending():
    wrapped = "https://gcc02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.ice.gov%2Fa.pdf&data=x"
    assert rules.moa_link("link", wrapped) == ("linked", "https://www.ice.gov/a.pdf")
    assert rules.moa_link("link pending ", "") == ("pending", "")


def test_the_agency_kind_comes_from_the_name_and_type():
    assert rules.agency_kind("Harris County Sheriff's Office", "county") == "sheriff"
    assert rules.agency_kind("Florida Department of Corrections", "state agency") == "corrections"
    assert rules.agency_kind("Florida Highway Patrol", "state agency") == "state-agency"
    assert rules.agency_kind("Pasadena Police Department", "municipality") == "police"


def test_a_place_is_found_from_its_departments_name():
    assert rules.place_key("City of St. Cloud Police Department") == "saint cloud"
    assert rules.place_name_key("St. Cloud city") == "saint cloud"
    assert rules.place_key("Ft. Myers Police Department") == rules.place_name_key("Fort Myers city")


# reconcile: one agency's known agreements against the rows of a new sheet


def test_the_same_model_and_date_is_the_same_agreement():
    plan = reconcile(
        [Known(1, "task-force", D(2025, 3, 1), True, "active")],
        [Listed(0, "task-force", D(2025, 3, 1))],
        D(2025, 5, 1),
    )
    assert plan.seen == [(0, 1)] and not plan.added and not plan.ended


def test_a_date_changed_between_consecutive_sheets_is_a_correction():
    plan = reconcile(
        [Known(1, "task-force", D(2025, 3, 1), True, "active")],
        [Listed(0, "task-force", D(2025, 1, 3))],
        D(2025, 5, 1),
    )
    assert plan.corrected == [(0, 1)] and not plan.renewed


def test_a_new_date_after_the_previous_sheet_replacing_a_listed_one_is_a_renewal():
    plan = reconcile(
        [Known(1, "task-force", D(2024, 3, 1), True, "active")],
        [Listed(0, "task-force", D(2025, 5, 10))],
        D(2025, 5, 1),
    )
    assert plan.renewed == [(0, 1)]


def test_a_later_same_model_agreement_after_the_old_one_ended_is_a_renewal():
    plan = reconcile(
        [Known(1, "jail-enforcement", D(2024, 3, 1), False, "ended")],
        [Listed(0, "jail-enforcement", D(2025, 2, 1))],
        D(2025, 5, 1),
    )
    assert plan.renewed == [(0, 1)]


def test_a_same_model_agreement_while_the_old_one_is_listed_is_an_addition():
    known = [Known(1, "task-force", D(2024, 3, 1), True, "active")]
    rows = [Listed(0, "task-force", D(2024, 3, 1)), Listed(1, "task-force", D(2025, 5, 10))]
    plan = reconcile(known, rows, D(2025, 5, 1))
    assert plan.seen == [(0, 1)] and plan.added == [1]


def test_another_model_replacing_a_dropped_one_is_a_switch():
    plan = reconcile(
        [Known(1, "warrant-service-officer", D(2024, 3, 1), True, "active")],
        [Listed(0, "task-force", D(2025, 5, 10))],
        D(2025, 5, 1),
    )
    assert plan.switched == [(0, 1)] and not plan.ended


def test_a_listed_agreement_no_row_matches_has_ended_and_one_that_returns_reappears():
    assert reconcile(
        [Known(1, "task-force", D(2025, 3, 1), True, "active")], [], D(2025, 5, 1)
    ).ended == [1]
    plan = reconcile(
        [Known(1, "task-force", D(2025, 3, 1), False, "ended")],
        [Listed(0, "task-force", D(2025, 3, 1))],
        D(2025, 5, 1),
    )
    assert plan.reappeared == [(0, 1)]
