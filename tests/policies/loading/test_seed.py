"""The seed loader: jurisdictions, codebook and seed policies, loaded once and again."""

import datetime as dt
import re
from io import StringIO

import pytest
import yaml
from django.apps import apps
from django.conf import settings
from django.core.management import call_command

from jurisdictions.models import Jurisdiction, Level
from policies.dates import Precision
from policies.loading.seed import (
    DEFAULT_CODEBOOK,
    MEDIUM_CONFIDENCE_NOTE,
    PLACEHOLDER_SOURCE_NOTE,
    SeedDataError,
    default_seed_path,
    load_all,
    load_codebook,
    load_jurisdictions,
    load_seed_policies,
)
from policies.models import (
    Citation,
    Dimension,
    DimensionValue,
    Event,
    Instrument,
    Provision,
    ReviewState,
    Source,
)
from policies.positions import store as position_store

SEEDED_MODELS = [Jurisdiction, Dimension, Instrument, Provision, Citation, Source, Event]


def seed_data():
    return yaml.safe_load(default_seed_path().read_text(encoding="utf-8"))


def codebook_table():
    """(dimension slug, [value slugs]) for each row of the codebook's table, in order."""
    rows = []
    for line in (settings.SHARED_DATA_DIR / "codebook.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[1].startswith("`"):
            rows.append((cells[1].strip("`"), re.findall(r"`([a-z0-9-]+)`", cells[3])))
    return rows


def history_rows():
    return sum(
        model.objects.count()
        for model in apps.get_models()
        if model.__name__.startswith("Historical")
    )


def instrument(title):
    return Instrument.objects.get(title=title)


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


# --- jurisdictions -----------------------------------------------------------------------


def test_it_loads_every_state_with_dc_every_territory_and_every_county():
    assert Jurisdiction.objects.filter(level=Level.STATE).count() == 51
    assert Jurisdiction.objects.filter(level=Level.TERRITORY).count() == 5
    assert Jurisdiction.objects.filter(level=Level.COUNTY).count() == 3142
    assert Jurisdiction.objects.get(slug="dc").level == Level.STATE
    assert Jurisdiction.objects.get(slug="pr").level == Level.TERRITORY


def test_slugs_follow_the_postal_code_and_the_name():
    illinois = Jurisdiction.objects.get(slug="il")
    cook = Jurisdiction.objects.get(slug="il-cook-county")
    chicago = Jurisdiction.objects.get(slug="il-chicago")
    assert (illinois.fips, cook.fips, chicago.fips) == ("17", "17031", "1714000")
    assert cook.parent == illinois
    assert chicago.level == Level.PLACE


def test_the_seeds_places_load_as_the_places_file_has_them_though_it_is_not_loaded():
    """A place's parent is its state (a place may span counties); its name is the Census
    name; its slug is the one it was first published under."""
    chicago = Jurisdiction.objects.get(fips="1714000")
    assert (chicago.name, chicago.slug) == ("Chicago city", "il-chicago")
    assert chicago.parent == Jurisdiction.objects.get(slug="il")
    assert chicago.ocd_id == "ocd-division/country:us/state:il/place:chicago"
    assert Jurisdiction.objects.filter(level=Level.PLACE).count() == 5


def test_every_jurisdiction_knows_its_state_though_bulk_loading_skips_save():
    assert not Jurisdiction.objects.filter(state__isnull=True).exists()
    illinois = Jurisdiction.objects.get(slug="il")
    assert illinois.state == illinois
    assert Jurisdiction.objects.get(slug="il-chicago").state == illinois
    for county in Jurisdiction.objects.filter(level=Level.COUNTY).select_related("parent"):
        assert county.state_id == county.parent_id


def test_dc_county_equivalent_leaves_the_shared_ocd_id_to_the_state():
    assert Jurisdiction.objects.get(fips="11").ocd_id == "ocd-division/country:us/district:dc"
    assert Jurisdiction.objects.get(fips="11001").ocd_id is None


def test_a_county_whose_parent_is_unknown_is_refused(tmp_path):
    path = tmp_path / "jurisdictions.csv"
    path.write_text("level,fips,usps,name,ocd_id,parent_fips\ncounty,99001,,Nowhere County,,99\n")
    with pytest.raises(SeedDataError, match="Nowhere County .99001.: parent FIPS '99'"):
        load_jurisdictions(path)


# --- codebook ----------------------------------------------------------------------------


def test_the_codebook_has_its_fourteen_dimensions_in_the_codebooks_order():
    table = codebook_table()
    assert len(table) == 14
    assert list(Dimension.objects.values_list("slug", flat=True)) == [slug for slug, _ in table]


def test_each_dimensions_values_keep_the_codebooks_order_with_one_neutral():
    for slug, value_slugs in codebook_table():
        values = list(Dimension.objects.get(slug=slug).values.order_by("rank"))
        assert [v.slug for v in values] == value_slugs
        assert [v.rank for v in values] == list(range(len(value_slugs)))
        neutral = [v.slug for v in values if v.is_neutral]
        assert neutral in (["no-policy"], ["none"])


def test_a_value_inserted_into_a_scale_moves_the_values_after_it_down(tmp_path):
    codebook = yaml.safe_load(DEFAULT_CODEBOOK.read_text())
    status = next(d for d in codebook["dimensions"] if d["slug"] == "status-inquiry")
    status["values"] = [v for v in status["values"] if v["slug"] != "permitted"]
    older = tmp_path / "codebook.yaml"
    older.write_text(yaml.safe_dump(codebook))
    DimensionValue.objects.filter(dimension__slug="status-inquiry", slug="permitted").delete()
    load_codebook(older)
    assert ranked_slugs("status-inquiry") == ["prohibited", "limited", "no-policy", "mandated"]

    summary = load_codebook()

    assert ranked_slugs("status-inquiry") == [
        "prohibited",
        "limited",
        "no-policy",
        "permitted",
        "mandated",
    ]
    assert (summary["Dimension value"].created, summary["Dimension value"].updated) == (1, 1)


def ranked_slugs(dimension_slug):
    values = DimensionValue.objects.filter(dimension__slug=dimension_slug).order_by("rank")
    return list(values.values_list("slug", flat=True))


def test_reporting_and_remedies_is_neutral_at_none_the_last_value():
    values = list(Dimension.objects.get(slug="reporting-and-remedies").values.order_by("rank"))
    assert values[-1].slug == "none"
    assert values[-1].is_neutral


# --- instruments -------------------------------------------------------------------------


def test_it_loads_every_instrument_in_the_seed():
    assert Instrument.objects.count() == len(seed_data()["instruments"])


def test_confidence_decides_what_is_published():
    for spec in seed_data()["instruments"]:
        expected = (
            ReviewState.DRAFT if spec["confidence"] == "unverified" else ReviewState.PUBLISHED
        )
        assert instrument(spec["title"]).review_state == expected, spec["title"]
    assert instrument("Harris County 287(g) jail agreement").review_state == ReviewState.DRAFT
    assert instrument("MCSO 287(g) jail enforcement agreement").review_state == ReviewState.DRAFT
    assert instrument("Keep Illinois Families Together Act").review_state == ReviewState.DRAFT
    assert instrument("Illinois TRUST Act").review_state == ReviewState.PUBLISHED


def test_the_illinois_trust_act_limits_detainer_holds_to_judicial_warrants_at_its_section():
    trust_act = instrument("Illinois TRUST Act")
    provision = trust_act.provisions.get(dimension__slug="detainer-holds")
    assert provision.value.slug == "judicial-warrant-only"
    assert provision.pinpoint == "5 ILCS 805/15(a)"
    assert trust_act.binding
    assert trust_act.citation == "P.A. 100-463 (SB 31); 5 ILCS 805"


def test_dates_keep_the_precision_the_seed_gives():
    chicago = instrument("Welcoming City Ordinance (as amended 2021)")
    assert (chicago.effective_on, chicago.effective_precision) == (
        dt.date(2021, 1, 1),
        Precision.YEAR,
    )
    assert (chicago.enacted_on, chicago.enacted_precision) == (dt.date(2021, 1, 27), Precision.DAY)
    harris = instrument("Harris County 287(g) jail agreement")
    assert (harris.ended_on, harris.ended_precision) == (dt.date(2017, 2, 21), Precision.DAY)
    way_forward = instrument("Illinois Way Forward Act")
    # In force on signature: the corrected facts give the day.
    assert (way_forward.effective_on, way_forward.effective_precision) == (
        dt.date(2021, 8, 2),
        Precision.DAY,
    )


def test_agency_instruments_belong_to_their_agency():
    harris = instrument("Harris County 287(g) jail agreement")
    assert harris.agency.name == "Harris County Sheriff's Office"
    assert harris.jurisdiction.slug == "tx-harris-county"
    assert harris.kind == "agreement"


def test_medium_confidence_instruments_ask_a_curator_to_check_the_pinpoints():
    medium = {s["title"] for s in seed_data()["instruments"] if s["confidence"] == "medium"}
    for item in Instrument.objects.all():
        assert (MEDIUM_CONFIDENCE_NOTE in item.summary) == (item.title in medium), item.title


def test_nothing_is_marked_verified_since_the_seed_does_not_say_so():
    assert not Instrument.objects.filter(last_verified_on__isnull=False).exists()


def test_every_published_provision_cites_a_source_of_its_own():
    for provision in Provision.objects.published():
        assert provision.citations.exists(), provision
    way_forward = instrument("Illinois Way Forward Act")
    citation = Citation.objects.get(
        provision__instrument=way_forward, provision__dimension__slug="operational-support"
    )
    assert citation.pinpoint == "5 ILCS 805/15(h)"
    assert citation.source.url == "https://legiscan.com/IL/text/SB0667/2021"


def test_each_instrument_cites_each_of_its_sources():
    trust_act = instrument("Illinois TRUST Act")
    assert sorted(trust_act.citations.values_list("source__title", flat=True)) == [
        "5 ILCS 805/15",
        "Public Act 100-0463",
    ]


# --- sources and events ------------------------------------------------------------------


def test_events_are_published_only_when_the_seed_describes_their_source():
    described = Event.objects.get(title__startswith="Ninth Circuit largely upholds SB 54")
    assert described.review_state == ReviewState.PUBLISHED
    assert described.sources.get().title.startswith("United States v. California")
    undescribed = Event.objects.get(title__startswith="Los Angeles officials ask ICE")
    assert undescribed.review_state == ReviewState.DRAFT
    placeholder = undescribed.sources.get()
    assert placeholder.title == placeholder.url
    assert placeholder.kind == "other"
    assert placeholder.notes == PLACEHOLDER_SOURCE_NOTE
    assert Event.objects.count() == len(seed_data()["events"])


def test_event_dates_keep_their_precision():
    harris_ends = Event.objects.get(title__startswith="DHS ends Maricopa County")
    assert (harris_ends.occurred_on, harris_ends.occurred_precision) == (
        dt.date(2011, 12, 15),
        Precision.DAY,
    )


def test_background_on_ruses_loads_as_sources_with_their_notes():
    source = Source.objects.get(url="https://immigrantdefenseproject.org/ice-ruses")
    assert source.notes == "FOIA-released ICE training materials on ruses."
    assert source.publisher == "Immigrant Defense Project"
    assert source.kind == "analysis"


# --- history and idempotence -------------------------------------------------------------


def test_every_loaded_record_has_a_seed_history_entry():
    for model in SEEDED_MODELS:
        seed_written = model.history.filter(history_change_reason__startswith="Seed load")
        assert not model.objects.exclude(pk__in=seed_written.values("id")).exists(), model


def test_a_second_load_creates_updates_and_records_nothing():
    before = history_rows()
    summary = load_all(places_path=None)
    assert summary.total("created") == 0
    assert summary.total("updated") == 0
    assert summary.total("kept") == 0
    assert history_rows() == before


def test_a_second_load_updates_what_the_seed_changed(tmp_path):
    data = seed_data()
    data["instruments"][0]["citation"] = "A corrected citation"
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(data))
    summary = load_seed_policies(path)
    assert (summary["Instrument"].updated, summary["Instrument"].kept) == (1, 0)
    changed = instrument(data["instruments"][0]["title"])
    assert changed.citation == "A corrected citation"
    assert changed.history.first().history_change_reason == "Seed load"


def test_stored_positions_match_a_fresh_computation_after_a_load():
    assert position_store.differences() == (set(), set())


def test_stored_positions_follow_a_seed_change_to_a_published_instrument(tmp_path):
    data = seed_data()
    spec = next(s for s in data["instruments"] if s["title"] == "Illinois TRUST Act")
    spec["effective"] = "2018-01-01"
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(data))
    load_seed_policies(path)
    assert position_store.differences() == (set(), set())


def test_a_second_load_leaves_a_curators_edit_alone(bob):
    trust_act = instrument("Illinois TRUST Act")
    trust_act.citation = "Edited by a curator"
    trust_act._history_user = bob
    trust_act.save()
    summary = load_all(places_path=None)
    assert summary["Instrument"].kept == 1
    assert instrument("Illinois TRUST Act").citation == "Edited by a curator"


def test_a_record_a_curator_renamed_is_not_added_again(bob):
    trust_act = instrument("Illinois TRUST Act")
    trust_act.title = "Illinois TRUST Act (5 ILCS 805)"
    trust_act._history_user = bob
    trust_act.save()
    count = Instrument.objects.count()
    summary = load_all(places_path=None)
    assert Instrument.objects.count() == count
    assert summary["Instrument"].created == 0
    assert summary["Provision"].created == 0


def test_an_instrument_a_curator_unpublished_stays_a_draft(bob):
    trust_act = instrument("Illinois TRUST Act")
    trust_act.review_state = ReviewState.DRAFT
    trust_act._history_user = bob
    trust_act.save()
    summary = load_all(places_path=None)
    assert summary["Instrument publication"].kept == 1
    assert instrument("Illinois TRUST Act").review_state == ReviewState.DRAFT


# --- refusals ----------------------------------------------------------------------------


def test_seed_data_that_cannot_be_published_is_refused_with_the_title_and_the_problem(tmp_path):
    data = seed_data()
    spec = next(s for s in data["instruments"] if s["title"] == "Illinois TRUST Act")
    data["instruments"] = [{**spec, "title": "An undated act", "effective": None}]
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(SeedDataError, match="An undated act.*effective date is unknown"):
        load_seed_policies(path)


def test_a_value_off_the_dimensions_scale_is_refused(tmp_path):
    data = seed_data()
    spec = next(s for s in data["instruments"] if s["title"] == "Illinois TRUST Act")
    bad = {"dimension": "detainer-holds", "value": "sometimes"}
    data["instruments"] = [{**spec, "provisions": [bad]}]
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(SeedDataError, match="Illinois TRUST Act: 'sometimes' is not a value"):
        load_seed_policies(path)


def test_a_missing_seed_file_is_named_in_the_error(tmp_path):
    with pytest.raises(SeedDataError, match="Seed policies file not found: .*nowhere.yaml"):
        load_seed_policies(tmp_path / "nowhere.yaml")


def test_the_command_prints_the_summary_and_the_time_taken():
    out = StringIO()
    call_command("load_seed", no_places=True, stdout=out)
    assert "Instrument " in out.getvalue()
    assert re.search(r"Seed loaded in \d+\.\d s\.", out.getvalue())


def test_the_command_reports_a_missing_file_as_a_command_error(tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="Jurisdictions file not found"):
        call_command("load_seed", jurisdictions=tmp_path / "none.csv", no_places=True)
