import datetime as dt

import pytest

from agreements.importer import import_sheets, replay_all
from agreements.models import (
    AgencyName,
    AgencyResolution,
    Agreement,
    AgreementStatus,
    Change,
    PendingRequest,
    ReviewItem,
    ReviewReason,
    RowOutcome,
    Snapshot,
    SnapshotRow,
)
from agreements.sheets import SheetError
from jurisdictions.models import Agency
from policies.models import Instrument, Position, ReviewState
from policies.positions import store as position_store
from tests.agreements.sheets import (
    JEM,
    PENDING,
    TFM,
    WSO,
    history,
    make_texas,
    police,
    sheriff,
    write_sheet,
)

pytestmark = pytest.mark.django_db
MAY = "participatingAgencies05162025am.xlsx"
JUNE = "participatingAgencies06272025am.xlsx"


@pytest.fixture
def texas(db):
    return make_texas()


def test_a_sheet_becomes_agencies_agreements_and_positions(tmp_path, texas):
    _, counties, place, dimension = texas
    path = write_sheet(
        tmp_path / "2025-05-19T024922Z",
        MAY,
        [
            sheriff("Harris County Sheriff's Office", "Harris County", JEM),
            sheriff("Harris County Sheriff's Office", "Harris County", TFM),
            police("Pasadena Police Department"),
            police(
                "Texas Department of Public Safety",
                signed=dt.datetime(2025, 2, 1),
                kind="State Agency",
            ),
        ],
        links={2: "https://www.ice.gov/doclib/287gMOA/Pasadena.pdf"},
    )
    report = import_sheets([path])

    snapshot = Snapshot.objects.get()
    assert (snapshot.published_on, snapshot.half_day) == (dt.date(2025, 5, 16), "am")
    assert snapshot.captured_at == dt.datetime(2025, 5, 19, 2, 49, 22, tzinfo=dt.UTC)
    assert report.sheets[0].summary["added"] == 4
    harris = Agency.objects.get(name="Harris County Sheriff's Office")
    assert (harris.kind, harris.jurisdiction) == ("sheriff", counties["Harris"])
    department = Agency.objects.get(name="Pasadena Police Department")
    assert (department.kind, department.jurisdiction) == ("police", place)
    assert Agency.objects.get(name="Texas Department of Public Safety").jurisdiction.usps == "TX"
    pasadena = Agreement.objects.get(agency=department)
    assert (pasadena.moa_state, pasadena.moa_url) == (
        "linked",
        "https://www.ice.gov/doclib/287gMOA/Pasadena.pdf",
    )
    assert pasadena.instrument.review_state == ReviewState.PUBLISHED
    assert pasadena.instrument.provisions.get().pinpoint == pasadena.moa_url

    # Two models at once: the most cooperative is the position, the other is listed.
    position = Position.objects.on(dt.date(2025, 6, 1)).get(
        jurisdiction=counties["Harris"], dimension=dimension
    )
    assert position.value.slug == "task-force"
    jem = Agreement.objects.get(agency=harris, model="jail-enforcement")
    assert position.overridden == [jem.instrument.provisions.get().pk]
    assert (
        not Position.objects.on(dt.date(2025, 2, 28))
        .filter(jurisdiction=counties["Harris"])
        .exists()
    )
    assert position_store.differences() == (set(), set())


def test_bad_rows_are_counted_reported_and_kept_and_never_stop_the_others(tmp_path, texas):
    _, counties, _, _ = texas
    rows = [
        sheriff(
            "  Galveston County Sheriff's Office  ", " Galveston County ", "Task Force Model  "
        ),
        [None] * 7,
        sheriff("Walker County Sheriff's Office", "", WSO, "05/082025"),  # county from the name
        sheriff("Gulf Coast Regional Jail", "Harris County / Galveston County"),
        sheriff("Harris County Jail", "Harris County", "Detention Model"),
        police("Baytown Police Department"),
        sheriff("Galveston County Sheriff's Office", "Galveston County", TFM),  # duplicate
        sheriff("Walker County Sheriff's Office", "Walker", JEM, "someday"),
    ]
    path = write_sheet(tmp_path, MAY, rows)
    report = import_sheets([path])

    snapshot = Snapshot.objects.get()
    assert snapshot.row_count == 7 and snapshot.blank_rows == [3]
    assert set(SnapshotRow.objects.values_list("outcome", flat=True)) <= {
        RowOutcome.AGREEMENT,
        RowOutcome.REVIEW,
    }
    assert not SnapshotRow.objects.filter(outcome="").exists()
    reasons = dict(ReviewItem.objects.values_list("agency_name", "reason"))
    assert reasons == {
        "Gulf Coast Regional Jail": ReviewReason.SEVERAL_COUNTIES,
        "Harris County Jail": ReviewReason.UNKNOWN_SUPPORT_TYPE,
        "Baytown Police Department": ReviewReason.NO_PLACE,
        "Galveston County Sheriff's Office": ReviewReason.DUPLICATE,
        "Walker County Sheriff's Office": ReviewReason.BAD_DATE,
    }
    assert ReviewItem.objects.get(reason=ReviewReason.NO_PLACE).message.startswith(
        "no matching place"
    )
    walker = Agreement.objects.get(agency__name="Walker County Sheriff's Office")
    assert (walker.signed_on, walker.agency.jurisdiction) == (
        dt.date(2025, 5, 8),
        counties["Walker"],
    )
    assert Agreement.objects.get(agency__jurisdiction=counties["Galveston"]).agency.name == (
        "Galveston County Sheriff's Office"
    )
    messages = {(p["row"], p["message"]) for p in report.sheets[0].problems}
    assert (3, "blank row") in messages
    assert (4, "signing date typed as text: '05/082025'") in messages


def test_a_missing_required_column_stops_the_import_naming_it_and_the_file(tmp_path, texas):
    good = write_sheet(
        tmp_path / "a", MAY, [sheriff("Harris County Sheriff's Office", "Harris County")]
    )
    bad = write_sheet(
        tmp_path / "b", JUNE, [["TEXAS", "X", "County", "Harris", JEM]], headers=PENDING
    )
    with pytest.raises(SheetError, match=r"SIGNED missing.*") as error:
        import_sheets([good, bad])
    assert JUNE in str(error.value)
    assert (
        not Snapshot.objects.exists()
        and not Agency.objects.filter(ice_names__isnull=False).exists()
    )


def test_a_file_that_is_not_a_spreadsheet_stops_the_import(tmp_path, texas):
    fake = tmp_path / MAY
    fake.write_text("not a workbook")
    with pytest.raises(SheetError, match="not a readable .xlsx"):
        import_sheets([fake])
    assert not Snapshot.objects.exists()


def test_an_empty_sheet_is_reported_and_imports_nothing(tmp_path, texas):
    path = tmp_path / MAY
    import openpyxl

    openpyxl.Workbook().save(path)
    report = import_sheets([path])
    assert report.sheets[0].status == "empty" and not Snapshot.objects.exists()


def test_an_unknown_column_is_kept_and_reported(tmp_path, texas):
    headers = [
        "ADDENDUM NOTE",
        "STATE",
        "LAW ENFORCEMENT AGENCY",
        "TYPE",
        "COUNTY",
        "SUPPORT TYPE",
        "SIGNED",
        "MOA",
    ]
    path = write_sheet(
        tmp_path,
        MAY,
        [["see p. 2", *sheriff("Harris County Sheriff's Office", "Harris County")]],
        headers=headers,
    )
    report = import_sheets([path])
    snapshot = Snapshot.objects.get()
    assert snapshot.unknown_columns == ["ADDENDUM NOTE"]
    assert SnapshotRow.objects.get().values["ADDENDUM NOTE"] == "see p. 2"
    assert any("unknown column" in p["message"] for p in report.sheets[0].problems)
    assert Agreement.objects.count() == 1


def test_the_same_content_twice_changes_nothing_and_says_so(tmp_path, texas):
    rows = [sheriff("Harris County Sheriff's Office", "Harris County")]
    import_sheets([write_sheet(tmp_path / "one", MAY, rows)])
    report = import_sheets([write_sheet(tmp_path / "two", MAY, rows)])
    assert report.sheets[0].status == "unchanged"
    assert "nothing changed" in report.sheets[0].message
    assert Snapshot.objects.count() == 1 and Change.objects.count() == 1


def test_an_agreement_that_disappears_ends_within_a_window_counted_from_its_start(tmp_path, texas):
    _, counties, _, dimension = texas
    import_sheets(
        [write_sheet(tmp_path, MAY, [sheriff("Harris County Sheriff's Office", "Harris County")])]
    )
    import_sheets(
        [
            write_sheet(
                tmp_path,
                "participatingAgencies05232025am.xlsx",
                [sheriff("Walker County Sheriff's Office", "Walker County")],
            )
        ]
    )

    harris = Agreement.objects.get(agency__jurisdiction=counties["Harris"])
    assert harris.status == AgreementStatus.ENDED
    assert (harris.last_seen.published_on, harris.first_missing.published_on) == (
        dt.date(2025, 5, 16),
        dt.date(2025, 5, 23),
    )
    assert (harris.ended_from, harris.ended_by) == (dt.date(2025, 5, 17), dt.date(2025, 5, 23))
    positions = Position.objects.filter(jurisdiction=counties["Harris"], dimension=dimension)
    assert positions.on(dt.date(2025, 5, 16)).get().value.slug == "jail-enforcement"
    approximate = positions.on(dt.date(2025, 5, 20)).get()
    assert approximate.approximate and approximate.value is None
    assert not positions.on(dt.date(2025, 5, 23)).exists()
    assert Change.objects.filter(kind="ended", agreement=harris).exists()


def test_a_later_signing_after_an_ending_is_a_renewal_superseding_the_old(tmp_path, texas):
    _, counties, _, _ = texas
    old = sheriff(
        "Harris County Sheriff's Office", "Harris County", signed=dt.datetime(2024, 1, 10)
    )
    new = sheriff("Harris County Sheriff's Office", "Harris County", signed=dt.datetime(2025, 6, 1))
    import_sheets([write_sheet(tmp_path, MAY, [old])])
    import_sheets([write_sheet(tmp_path, "participatingAgencies05232025am.xlsx", [])])
    import_sheets([write_sheet(tmp_path, JUNE, [new])])

    first, second = Agreement.objects.order_by("signed_on")
    assert (first.status, first.superseded_by) == (AgreementStatus.SUPERSEDED, second)
    assert second.instrument.supersedes == first.instrument
    assert Change.objects.get(kind="renewed").previous == first


def test_pending_requests_are_kept_as_pending_never_as_agreements(tmp_path, texas):
    path = write_sheet(
        tmp_path,
        "pendingAgencies05152025am.xlsx",
        [["TEXAS", "Walker County Sheriff's Office", "County", "Walker County", TFM]],
        headers=PENDING,
    )
    import_sheets([path])
    request = PendingRequest.objects.get()
    assert (request.model, request.status, request.jurisdiction.name) == (
        "task-force",
        "pending",
        "Walker County",
    )
    assert not Agreement.objects.exists() and not Instrument.objects.exists()
    import_sheets([write_sheet(tmp_path, "pendingAgencies05162025am.xlsx", [], headers=PENDING)])
    assert PendingRequest.objects.get().status == "left"


def test_an_older_snapshot_after_a_newer_is_refused_unless_the_history_is_replayed(tmp_path, texas):
    import_sheets(
        [
            write_sheet(
                tmp_path / "b", JUNE, [sheriff("Harris County Sheriff's Office", "Harris County")]
            )
        ]
    )
    older = write_sheet(
        tmp_path / "a", MAY, [sheriff("Walker County Sheriff's Office", "Walker County")]
    )
    report = import_sheets([older])
    assert report.sheets[0].status == "refused" and "--replay" in report.sheets[0].message
    assert Snapshot.objects.count() == 1

    report = import_sheets([older], replay=True)
    assert report.replayed and Snapshot.objects.count() == 2
    walker = Agreement.objects.get(agency__name="Walker County Sheriff's Office")
    assert walker.status == AgreementStatus.ENDED  # the newer sheet no longer lists it
    assert position_store.differences() == (set(), set())


def test_a_respelling_finds_the_same_agency_and_every_spelling_is_kept(tmp_path, texas):
    import_sheets(
        [write_sheet(tmp_path, MAY, [sheriff("Walker County Sheriff's Office", "Walker County")])]
    )
    import_sheets(
        [
            write_sheet(
                tmp_path, JUNE, [sheriff("Walker County Sheriff’s Department ", "Walker County")]
            )
        ]
    )
    assert Agency.objects.filter(name__startswith="Walker").count() == 1
    assert Agreement.objects.get().status == AgreementStatus.ACTIVE
    assert set(AgencyName.objects.values_list("spelling", flat=True)) == {
        "Walker County Sheriff's Office",
        "Walker County Sheriff's Department",
    }


def test_a_curators_resolution_is_used_by_later_imports_and_replays(tmp_path, texas):
    state, _, place, _ = texas
    row = police("Baytown Police Department")
    import_sheets([write_sheet(tmp_path, MAY, [row])])
    item = ReviewItem.objects.get()
    assert (
        item.reason == ReviewReason.NO_PLACE
        and item.raw["LAW ENFORCEMENT AGENCY"] == "Baytown Police Department"
    )

    AgencyResolution.objects.create(
        state=state,
        key="baytown police department",
        agency_name="Baytown Police Department",
        jurisdiction=place,
    )
    replay_all()
    assert Agreement.objects.get().agency.jurisdiction == place
    assert not ReviewItem.objects.exists()
    import_sheets([write_sheet(tmp_path, JUNE, [row])])
    assert Agreement.objects.get().status == AgreementStatus.ACTIVE


def test_a_county_cell_naming_several_counties_is_settled_by_the_agencys_own_name(tmp_path, texas):
    _, counties, _, _ = texas
    row = sheriff("Harris County Sheriff's Office", "Harris County / Galveston County")
    import_sheets([write_sheet(tmp_path, MAY, [row])])
    assert Agreement.objects.get().agency.jurisdiction == counties["Harris"]


def test_a_misspelt_county_cell_is_settled_by_the_agencys_own_name(tmp_path, texas):
    _, counties, _, _ = texas
    import_sheets(
        [write_sheet(tmp_path, MAY, [sheriff("Walker County Sheriff's Office", "Walkr County")])]
    )
    assert Agreement.objects.get().agency.jurisdiction == counties["Walker"]


def test_a_replay_gives_the_same_agencies_agreements_and_history(tmp_path, texas):
    import_sheets(
        [
            write_sheet(
                tmp_path,
                MAY,
                [
                    sheriff("Harris County Sheriff's Office", "Harris County"),
                    sheriff("Walker County Sheriff's Office", "Walker County", WSO),
                ],
            )
        ]
    )
    import_sheets(
        [
            write_sheet(
                tmp_path,
                JUNE,
                [
                    sheriff(
                        "Harris County Sheriff's Office",
                        "Harris County",
                        signed=dt.datetime(2025, 2, 28),
                    )
                ],
            )
        ]
    )
    before = history()
    replay_all()
    assert history() == before
    assert position_store.differences() == (set(), set())


def test_a_municipal_department_finds_a_gazetteer_place_named_with_its_census_kind(tmp_path, texas):
    from tests.factories import make_place

    state = texas[0]
    baytown = make_place(state, name="Baytown city", slug="tx-baytown", fips="4806128")
    make_place(state, name="League City city", slug="tx-league-city", fips="4841980")
    make_place(state, name="League City CDP", slug="tx-league-city-cdp", fips="4841981")
    rows = [
        police("Baytown Police Department"),
        police("City of League City Police Department"),
    ]
    import_sheets([write_sheet(tmp_path, MAY, rows)])
    places = dict(Agreement.objects.values_list("agency__name", "agency__jurisdiction__slug"))
    assert places == {
        "Baytown Police Department": baytown.slug,
        "City of League City Police Department": "tx-league-city",
    }


def test_a_state_mandate_and_a_countys_own_agreement_combine_as_the_codebook_says(tmp_path, texas):
    from tests.factories import make_instrument, make_provision, make_source

    state, counties, _, dimension = texas
    mandate = make_instrument(
        state, review_state=ReviewState.PUBLISHED, binding=True, effective_on=dt.date(2025, 1, 1)
    )
    rule = make_provision(mandate, dimension, "mandated", source=make_source())
    import_sheets(
        [
            write_sheet(
                tmp_path, MAY, [sheriff("Harris County Sheriff's Office", "Harris County", TFM)]
            )
        ]
    )

    on = Position.objects.on(dt.date(2025, 6, 1)).filter(dimension=dimension)
    harris = on.get(jurisdiction=counties["Harris"])
    assert (harris.value.slug, harris.provenance, harris.noted) == ("task-force", "own", [rule.pk])
    assert on.get(jurisdiction=counties["Walker"]).value.slug == "mandated"  # inherited
