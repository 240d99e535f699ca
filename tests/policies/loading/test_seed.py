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
from policies.loading.dataset import DEFAULT_POLICIES_DIR, finding_title, read_dataset
from policies.loading.seed import (
    DEFAULT_CODEBOOK,
    PLACEHOLDER_SOURCE_NOTE,
    SeedDataError,
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
    Position,
    Provision,
    ReviewState,
    Source,
)
from policies.positions import store as position_store
from policies.services import publish_problems

SEEDED_MODELS = [Jurisdiction, Dimension, Instrument, Provision, Citation, Source, Event]
SHARED_CODEBOOK = settings.SHARED_DATA_DIR / "codebook.md"


def seed_data():
    """Every instrument and event of the dataset, as the loader reads them."""
    dataset = read_dataset()
    return {"instruments": dataset.instruments, "events": dataset.events}


def edited_dataset(tmp_path, usps, edit):
    """A copy of the dataset folder with one state's file changed by `edit(data)`."""
    folder = tmp_path / "policies"
    folder.mkdir()
    for path in DEFAULT_POLICIES_DIR.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if path.stem == usps:
            edit(data)
        (folder / path.name).write_text(yaml.safe_dump(data, allow_unicode=True))
    return folder


def state_instrument(data, title):
    return next(spec for spec in data["instruments"] if spec["title"] == title)


def codebook_table():
    """(dimension slug, [value slugs]) for each row of the codebook's table, in order."""
    if not SHARED_CODEBOOK.exists():
        pytest.skip(f"Compares with the shared codebook, {SHARED_CODEBOOK}, which is absent.")
    rows = []
    for line in SHARED_CODEBOOK.read_text().splitlines():
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


def instrument(title, fips=None):
    """The instrument of that title; a finding's title repeats, so name its jurisdiction."""
    found = Instrument.objects.filter(title=title)
    return found.get(jurisdiction__fips=fips) if fips else found.get()


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
    # Places hang from their state, as the Census places gazetteer has them.
    assert chicago.parent == illinois
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
    permitted = DimensionValue.objects.filter(dimension__slug="status-inquiry", slug="permitted")
    Provision.objects.filter(value__in=permitted).delete()  # SB 4 codes it
    permitted.delete()
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


def test_every_value_of_a_dimension_has_a_label_of_its_own():
    for dimension in Dimension.objects.prefetch_related("values"):
        labels = [v.label for v in dimension.values.all()]
        assert len(labels) == len(set(labels)), dimension.slug
    assert DimensionValue.objects.get(slug="sanctuary-banned-with-penalties").label == (
        "Local limits banned, with penalties"
    )


def test_a_codebook_giving_two_values_one_label_is_refused(tmp_path):
    codebook = yaml.safe_load(DEFAULT_CODEBOOK.read_text())
    state = next(d for d in codebook["dimensions"] if d["slug"] == "sanctuary-preemption")
    for value in state["values"]:
        if value["slug"].startswith("sanctuary-banned"):
            value["label"] = "Local limits banned"
    broken = tmp_path / "codebook.yaml"
    broken.write_text(yaml.safe_dump(codebook))
    with pytest.raises(SeedDataError, match="values share a label: Local limits banned"):
        load_codebook(broken)


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
        loaded = instrument(spec["title"], spec["jurisdiction"])
        assert loaded.review_state == expected, spec["title"]
        assert loaded.confidence == spec["confidence"]
    assert instrument("Harris County 287(g) jail agreement").review_state == ReviewState.DRAFT
    assert instrument("MCSO 287(g) jail enforcement agreement").review_state == ReviewState.DRAFT
    assert (
        instrument("HB 1105 (2024): detainers, 287(g) applications and penalties").review_state
        == ReviewState.DRAFT
    )
    # P.A. 101-0019, now read at its section, is published.
    assert instrument("Keep Illinois Families Together Act").review_state == ReviewState.PUBLISHED
    assert instrument("Illinois TRUST Act").review_state == ReviewState.PUBLISHED


def test_a_draft_says_why_it_is_one():
    for item in Instrument.objects.filter(review_state=ReviewState.DRAFT):
        assert item.draft_reason, item.title
    assert not Instrument.objects.published().exclude(draft_reason="").exists()


def test_every_published_provision_has_a_pinpoint():
    assert (
        not Provision.objects.published()
        .exclude(instrument__kind="research-finding")
        .filter(pinpoint="")
        .exists()
    )


def test_the_illinois_trust_act_limits_detainer_holds_to_judicial_warrants_at_its_section():
    trust_act = instrument("Illinois TRUST Act")
    provision = trust_act.provisions.get(dimension__slug="detainer-holds")
    assert provision.value.slug == "judicial-warrant-only"
    assert provision.pinpoint == "5 ILCS 805/15(a)"
    assert trust_act.binding
    assert trust_act.citation == "P.A. 100-463 (SB 31, 2017); 5 ILCS 805"


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


def test_every_instrument_has_a_summary_in_our_own_words():
    for item in Instrument.objects.all():
        assert len(item.summary) > 40, item.title


def test_only_findings_are_marked_verified_since_the_dataset_says_so_only_for_them():
    verified = Instrument.objects.filter(last_verified_on__isnull=False)
    assert not verified.exclude(kind="research-finding").exists()


def test_every_published_provision_cites_a_source_of_its_own():
    # A "no law found" finding cites no law: it records what was searched and when instead,
    # as publish_problems asks of it.
    findings = Provision.objects.published().filter(instrument__kind="research-finding")
    assert findings.exists()
    for provision in findings.select_related("instrument"):
        assert provision.instrument.summary.strip(), provision.instrument
        assert provision.instrument.last_verified_on, provision.instrument
        assert publish_problems(provision.instrument) == [], provision.instrument
    for provision in Provision.objects.published().exclude(instrument__kind="research-finding"):
        assert provision.citations.exists(), provision
    way_forward = instrument("Illinois Way Forward Act")
    citations = Citation.objects.filter(
        provision__instrument=way_forward, provision__dimension__slug="operational-support"
    )
    assert {c.pinpoint for c in citations} == {"5 ILCS 805/15(h)"}
    assert "https://legiscan.com/IL/text/SB0667/2021" in {c.source.url for c in citations}


def test_a_quote_sits_on_the_citation_of_the_source_it_was_copied_from():
    trust_act = instrument("Illinois TRUST Act")
    detainers = trust_act.provisions.get(dimension__slug="detainer-holds")
    quoted = detainers.citations.exclude(quote="").get()
    assert "DocNum=4010" in quoted.source.url  # § 15(a) as then in force, set out in HB 4010
    assert quoted.quote.startswith("(a) A law enforcement agency or law enforcement official shall")
    assert quoted.pinpoint == "5 ILCS 805/15(a)"
    # The provision's other source carries no quote: none was copied from it.
    assert detainers.citations.filter(quote="").get().source.title == "Public Act 100-0463"
    notice = trust_act.provisions.get(dimension__slug="release-notification")
    quoted = notice.citations.exclude(quote="").get()
    assert quoted.source.url.endswith("100-0463.htm")
    assert quoted.quote.startswith('"Immigration detainer" means a document')


def test_each_instrument_cites_each_of_its_sources():
    trust_act = instrument("Illinois TRUST Act")
    assert sorted(trust_act.citations.values_list("source__title", flat=True)) == [
        "HB 4010 (101st GA), setting out 5 ILCS 805/15 as then in force",
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
    assert source.notes.startswith("Training materials on ruses that ICE released")
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
    assert summary.total("withdrawn") == 0
    assert history_rows() == before


def test_a_second_load_updates_what_the_dataset_changed(tmp_path):
    def correct(data):
        state_instrument(data, "Illinois TRUST Act")["citation"] = "A corrected citation"

    summary = load_seed_policies(edited_dataset(tmp_path, "il", correct))
    assert (summary["Instrument"].updated, summary["Instrument"].kept) == (1, 0)
    changed = instrument("Illinois TRUST Act")
    assert changed.citation == "A corrected citation"
    assert changed.history.first().history_change_reason == "Seed load"


def test_stored_positions_match_a_fresh_computation_after_a_load():
    assert position_store.differences() == (set(), set())


def test_stored_positions_follow_a_seed_change_to_a_published_instrument(tmp_path):
    def postpone(data):
        state_instrument(data, "Illinois TRUST Act")["effective"] = "2018-01-01"

    load_seed_policies(edited_dataset(tmp_path, "il", postpone))
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


def only(data, name, **changes):
    data["instruments"] = [{**state_instrument(data, name), **changes}]
    data.pop("suspensions", None)
    data.pop("places", None)


def test_data_that_cannot_be_published_is_refused_naming_file_title_and_problem(tmp_path):
    folder = edited_dataset(
        tmp_path,
        "il",
        lambda d: only(d, "Illinois TRUST Act", title="An undated act", effective=None),
    )
    with pytest.raises(
        SeedDataError,
        match="il.yaml: instrument “An undated act”: cannot publish.*effective date is unknown",
    ):
        load_seed_policies(folder)


def test_a_value_off_the_dimensions_scale_is_refused_naming_the_field(tmp_path):
    bad = {"dimension": "detainer-holds", "value": "sometimes", "pinpoint": "§ 1"}
    folder = edited_dataset(
        tmp_path, "il", lambda d: only(d, "Illinois TRUST Act", provisions=[bad])
    )
    with pytest.raises(
        SeedDataError,
        match="il.yaml: instrument “Illinois TRUST Act”: provision “detainer-holds”: `value` "
        "'sometimes' is not a value",
    ):
        load_seed_policies(folder)


def test_a_published_provision_without_a_pinpoint_is_refused(tmp_path):
    bare = {"dimension": "detainer-holds", "value": "prohibited"}
    folder = edited_dataset(
        tmp_path, "il", lambda d: only(d, "Illinois TRUST Act", provisions=[bare])
    )
    with pytest.raises(SeedDataError, match="provision “detainer-holds”: `pinpoint` is required"):
        load_seed_policies(folder)


def test_an_unverified_instrument_without_a_draft_reason_is_refused(tmp_path):
    folder = edited_dataset(
        tmp_path,
        "il",
        lambda d: only(d, "Illinois TRUST Act", confidence="unverified", draft_reason=""),
    )
    with pytest.raises(SeedDataError, match="`draft_reason` is required"):
        load_seed_policies(folder)


def test_an_unknown_key_is_refused_naming_it(tmp_path):
    folder = edited_dataset(
        tmp_path, "il", lambda d: only(d, "Illinois TRUST Act", effective_date="2017")
    )
    with pytest.raises(
        SeedDataError,
        match="il.yaml: instrument “Illinois TRUST Act”: unknown key `effective_date`",
    ):
        load_seed_policies(folder)


def test_a_jurisdiction_outside_the_files_state_is_refused(tmp_path):
    folder = edited_dataset(
        tmp_path, "il", lambda d: only(d, "Illinois TRUST Act", jurisdiction="48")
    )
    with pytest.raises(SeedDataError, match="`jurisdiction` 48 .Texas. is not in IL"):
        load_seed_policies(folder)


def test_a_file_must_hold_the_state_it_is_named_for(tmp_path):
    folder = edited_dataset(tmp_path, "il", lambda d: d.update(state="IN"))
    with pytest.raises(SeedDataError, match="il.yaml: `state` is IN"):
        load_seed_policies(folder)


def test_a_missing_dataset_is_named_in_the_error(tmp_path):
    with pytest.raises(SeedDataError, match="Dataset not found: .*nowhere"):
        load_seed_policies(tmp_path / "nowhere")


def test_a_research_file_replaces_a_state_instrument_with_the_same_title(tmp_path):
    research = tmp_path / "research"
    research.mkdir()
    spec = state_instrument(
        yaml.safe_load((DEFAULT_POLICIES_DIR / "il.yaml").read_text()), "Illinois TRUST Act"
    )
    spec["citation"] = "5 ILCS 805 (research file)"
    (research / "il.yaml").write_text(
        yaml.safe_dump({"state": "IL", "instruments": [spec]}, allow_unicode=True)
    )
    count = Instrument.objects.count()
    load_seed_policies([DEFAULT_POLICIES_DIR, research])
    assert instrument("Illinois TRUST Act").citation == "5 ILCS 805 (research file)"
    assert Instrument.objects.count() == count


def test_the_command_prints_the_summary_and_the_time_taken():
    out = StringIO()
    call_command("load_seed", no_places=True, stdout=out)
    assert "Instrument " in out.getvalue()
    assert re.search(r"Seed loaded in \d+\.\d s\.", out.getvalue())


def test_the_command_reports_a_missing_file_as_a_command_error(tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="Jurisdictions file not found"):
        call_command("load_seed", jurisdictions=tmp_path / "none.csv", no_places=True)


def test_a_research_file_beside_the_state_file_is_read_after_it(tmp_path):
    folder = edited_dataset(tmp_path, "tx", lambda data: None)
    spec = state_instrument(
        yaml.safe_load((DEFAULT_POLICIES_DIR / "tx.yaml").read_text()),
        "SB 4 (2017): sanctuary-city ban",
    )
    spec["summary"] = "Rewritten by a research file."
    (folder / "tx.research.yaml").write_text(
        yaml.safe_dump({"state": "TX", "instruments": [spec]}, allow_unicode=True)
    )
    load_seed_policies(folder)
    sb4 = instrument("SB 4 (2017): sanctuary-city ban")
    assert sb4.summary == "Rewritten by a research file."
    # tx.yaml's court order still finds the instrument it names.
    assert sb4.provisions.get(dimension__slug="detainer-holds").suspensions.count() == 1


def doubted(data):
    spec = state_instrument(data, "Illinois TRUST Act")
    spec.update(confidence="unverified", draft_reason="A section could not be confirmed.")


def test_an_instrument_the_dataset_now_doubts_goes_back_to_draft(tmp_path):
    summary = load_seed_policies(edited_dataset(tmp_path, "il", doubted))
    trust_act = instrument("Illinois TRUST Act")
    assert trust_act.review_state == ReviewState.DRAFT
    assert trust_act.draft_reason == "A section could not be confirmed."
    assert summary["Instrument publication"].updated == 1
    assert position_store.differences() == (set(), set())


def test_an_instrument_an_editor_published_stays_published_when_the_dataset_doubts_it(
    tmp_path, bob
):
    trust_act = instrument("Illinois TRUST Act")
    trust_act.last_verified_on = dt.date(2026, 11, 1)
    trust_act._history_user = bob
    trust_act.save()
    summary = load_seed_policies(edited_dataset(tmp_path, "il", doubted))
    assert instrument("Illinois TRUST Act").review_state == ReviewState.PUBLISHED
    assert summary["Instrument publication"].kept == 1


# --- what the dataset no longer holds ----------------------------------------------------

KIFTA = "Keep Illinois Families Together Act"
IL_MASKS = finding_title("agent-identification")
DROPPED = "Seed load: no longer in the dataset"


def without(*titles, findings=(), events=()):
    """An edit that drops these instruments, findings (by dimension) and events (by title)."""

    def edit(data):
        data["instruments"] = [s for s in data["instruments"] if s["title"] not in titles]
        data["findings"] = [f for f in data.get("findings", []) if f["dimension"] not in findings]
        data["events"] = [e for e in data.get("events", []) if e["title"] not in events]

    return edit


def state_file_only(tmp_path, usps, edit=lambda data: None):
    """A folder holding one state's file, changed by `edit(data)`."""
    folder = tmp_path / "one-state"
    folder.mkdir(parents=True)
    data = yaml.safe_load((DEFAULT_POLICIES_DIR / f"{usps}.yaml").read_text(encoding="utf-8"))
    edit(data)
    (folder / f"{usps}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    return folder


def test_an_instrument_and_a_finding_the_dataset_drops_go_back_to_draft(tmp_path):
    dropped = [instrument(KIFTA), instrument(IL_MASKS, "17")]
    assert {i.review_state for i in dropped} == {ReviewState.PUBLISHED}
    assert Position.objects.filter(provision__instrument__in=dropped).exists()
    count = Instrument.objects.count()

    folder = edited_dataset(tmp_path, "il", without(KIFTA, findings=["agent-identification"]))
    summary = load_seed_policies(folder)

    assert summary["Instrument publication"].withdrawn == 2
    for record in dropped:
        record.refresh_from_db()
        assert record.review_state == ReviewState.DRAFT, record
        assert record.history.first().history_change_reason == DROPPED
        assert record.history.first().history_user is None
    assert Instrument.objects.count() == count  # withdrawn, never deleted
    assert not Position.objects.filter(provision__instrument__in=dropped).exists()
    assert position_store.differences() == (set(), set())

    # A second load of the same files finds nothing more to withdraw, and writes nothing.
    before = history_rows()
    summary = load_seed_policies(folder)
    assert summary.total("withdrawn") == summary.total("kept") == 0
    assert summary.written() == 0
    assert history_rows() == before


def test_a_finding_removed_because_a_law_was_found_no_longer_outranks_the_law(tmp_path):
    """D.C.: the finding "no law found (agent-identification)" from 2011 was removed when
    D.C. Code § 5-337.01 (2005) was found; kept, its later start would win over the law."""
    finding = {
        "jurisdiction": "11",
        "dimension": "agent-identification",
        "value": "no-policy",
        "from": "2011-01-01",
        "reviewed_on": "2026-11-26",
        "searched": "Searched the District's laws on identification of officers; none found.",
    }
    load_seed_policies(
        edited_dataset(tmp_path, "dc", lambda data: data.setdefault("findings", []).append(finding))
    )

    def today():
        position = Position.objects.on(dt.date(2026, 11, 26)).get(
            jurisdiction__fips="11", dimension__slug="agent-identification"
        )
        return position.value.slug

    assert today() == "no-policy"

    summary = load_seed_policies()

    assert summary["Instrument publication"].withdrawn == 1
    assert instrument(finding_title("agent-identification"), "11").review_state == (
        ReviewState.DRAFT
    )
    assert today() == "partly-required"
    assert position_store.differences() == (set(), set())


def test_a_retitled_instrument_is_withdrawn_under_its_old_title(tmp_path):
    def retitle(data):
        state_instrument(data, KIFTA)["title"] = f"{KIFTA} (Public Act 101-0019)"

    summary = load_seed_policies(edited_dataset(tmp_path, "il", retitle))
    assert (summary["Instrument"].created, summary["Instrument publication"].withdrawn) == (1, 1)
    assert instrument(KIFTA).review_state == ReviewState.DRAFT
    assert instrument(f"{KIFTA} (Public Act 101-0019)").review_state == ReviewState.PUBLISHED
    assert position_store.differences() == (set(), set())


def test_a_withdrawn_instrument_the_dataset_holds_again_is_published_again(tmp_path):
    load_seed_policies(edited_dataset(tmp_path, "il", without(KIFTA)))
    summary = load_seed_policies()
    assert summary["Instrument publication"].created == 1
    assert instrument(KIFTA).review_state == ReviewState.PUBLISHED
    assert position_store.differences() == (set(), set())


def test_a_dropped_instrument_a_curator_changed_since_stays_theirs(tmp_path, bob):
    kifta = instrument(KIFTA)
    kifta.citation = "Edited by a curator"
    kifta._history_user = bob
    kifta.save()
    summary = load_seed_policies(edited_dataset(tmp_path, "il", without(KIFTA)))
    assert (
        summary["Instrument publication"].withdrawn,
        summary["Instrument publication"].kept,
    ) == (
        0,
        1,
    )
    assert instrument(KIFTA).review_state == ReviewState.PUBLISHED


def test_a_record_a_curator_renamed_is_not_withdrawn(bob):
    kifta = instrument(KIFTA)
    kifta.title = "Keep Illinois Families Together Act (5 ILCS 805/15(i))"
    kifta._history_user = bob
    kifta.save()
    summary = load_all(places_path=None)
    assert summary.total("withdrawn") == summary["Instrument publication"].kept == 0
    kifta.refresh_from_db()
    assert kifta.review_state == ReviewState.PUBLISHED


def test_a_partial_load_leaves_the_other_states_alone(tmp_path):
    elsewhere = Instrument.objects.published().exclude(jurisdiction__state__usps="IL")
    published_elsewhere = set(elsewhere.values_list("pk", flat=True))
    events_elsewhere = set(Event.objects.published().values_list("pk", flat=True))
    assert published_elsewhere and events_elsewhere

    # The state's own file, unchanged: nothing to withdraw.
    summary = load_seed_policies(state_file_only(tmp_path, "il") / "il.yaml")
    assert summary.total("withdrawn") == 0

    summary = load_seed_policies(state_file_only(tmp_path / "b", "il", without(KIFTA)))
    assert summary.total("withdrawn") == 1
    assert instrument(KIFTA).review_state == ReviewState.DRAFT
    assert set(elsewhere.values_list("pk", flat=True)) == published_elsewhere
    assert set(Event.objects.published().values_list("pk", flat=True)) == events_elsewhere
    assert position_store.differences() == (set(), set())


def test_an_event_the_dataset_drops_goes_back_to_draft(tmp_path):
    title = "Ninth Circuit largely upholds SB 54 (United States v. California)"
    event = Event.objects.get(title=title)
    assert event.review_state == ReviewState.PUBLISHED
    summary = load_seed_policies(edited_dataset(tmp_path, "ca", without(events=[title])))
    assert summary["Event"].withdrawn == 1
    event.refresh_from_db()
    assert event.review_state == ReviewState.DRAFT
    assert event.history.first().history_change_reason == DROPPED


def test_the_summary_reports_what_was_withdrawn(tmp_path):
    summary = load_seed_policies(edited_dataset(tmp_path, "il", without(KIFTA)))
    line = next(line for line in summary.lines() if line.startswith("Instrument publication"))
    assert line.endswith("1 withdrawn")
