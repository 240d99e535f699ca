"""The project's own dataset (fixtures/policies/): the corrections checked against the
statutes, court orders that suspend provisions, "no law found" findings, and coverage."""

import datetime as dt
from io import StringIO

import pytest
import yaml
from django.core.management import call_command

from jurisdictions.models import Jurisdiction
from policies.dates import Precision
from policies.loading.dataset import DEFAULT_POLICIES_DIR, finding_title, read_dataset
from policies.loading.seed import SeedDataError, load_seed_policies
from policies.models import Dimension, Instrument, Position, ReviewState, Suspension
from policies.positions import coverage
from policies.positions import queries as position_queries
from policies.positions import store as position_store

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


def day(text):
    return dt.date.fromisoformat(text)


def answer(fips, slug, on):
    return position_queries.position(
        Jurisdiction.objects.get(fips=fips), Dimension.objects.get(slug=slug), day(on)
    )


def provision(title, slug):
    return Instrument.objects.get(title=title).provisions.get(dimension__slug=slug)


# --- corrections, each checked against the statute --------------------------------------


def test_sb54s_287g_ban_cites_the_immigration_officer_clause_not_the_interpreter_clause():
    ban = provision("California Values Act", "agreement-287g")
    assert (ban.value.slug, ban.pinpoint) == ("prohibited", "Gov. Code § 7284.6(a)(1)(G)")


def test_sb54s_status_inquiry_ban_is_coded_with_its_quoted_clause():
    ban = provision("California Values Act", "status-inquiry")
    assert (ban.value.slug, ban.pinpoint) == ("prohibited", "Gov. Code § 7284.6(a)(1)(A)")
    assert ban.citations.exclude(quote="").get().quote == (
        "(A) Inquiring into an individual's immigration status."
    )
    los_angeles_county = answer("06037", "status-inquiry", "2019-06-01")
    assert (los_angeles_county.value.slug, los_angeles_county.provenance) == (
        "prohibited",
        "inherited",
    )


def test_sb4_permits_status_inquiries_rather_than_mandating_them():
    inquiry = provision("SB 4 (2017): sanctuary-city ban", "status-inquiry")
    assert (inquiry.value.slug, inquiry.pinpoint) == (
        "permitted",
        "Tex. Gov't Code § 752.053(b)(1)",
    )
    assert (
        "inquiring into the immigration status" in inquiry.citations.exclude(quote="").get().quote
    )
    harris = answer("48201", "status-inquiry", "2019-06-01")
    assert (harris.value.slug, harris.provenance) == ("permitted", "inherited")


def test_the_way_forward_act_is_in_force_from_its_signing_day():
    act = Instrument.objects.get(title="Illinois Way Forward Act")
    assert (act.effective_on, act.effective_precision) == (day("2021-08-02"), Precision.DAY)


def test_the_new_jersey_directive_is_in_force_from_2019_03_15():
    directive = Instrument.objects.get(title="Immigrant Trust Directive")
    assert (directive.effective_on, directive.effective_precision) == (
        day("2019-03-15"),
        Precision.DAY,
    )


def test_florida_sb168_is_dated_to_the_day_with_its_sections():
    sb168 = Instrument.objects.get(title="SB 168 (2019): Federal Immigration Enforcement")
    assert (sb168.effective_on, sb168.effective_precision) == (day("2019-10-01"), Precision.DAY)
    assert (sb168.enacted_on, sb168.enacted_precision) == (day("2019-06-14"), Precision.DAY)
    assert sb168.review_state == ReviewState.PUBLISHED
    pinpoints = dict(sb168.provisions.values_list("dimension__slug", "pinpoint"))
    assert pinpoints == {
        "sanctuary-preemption": "Fla. Stat. § 908.103",
        "detainer-holds": "Fla. Stat. § 908.105",
        "operational-support": "Fla. Stat. § 908.104(1)",
        # § 908.102(6) defines the barred sanctuary policies, naming each form of cooperation.
        "release-notification": "Fla. Stat. § 908.102(6)(b)",
        "ice-custody-access": "Fla. Stat. § 908.102(6)(c)",
        "information-sharing": "Fla. Stat. § 908.102(6)(e), § 908.104(2)",
    }


def test_georgia_hb1105s_unread_duties_stay_a_draft_beside_its_verified_part():
    unread = Instrument.objects.get(
        title="HB 1105 (2024): detainers, 287(g) applications and penalties"
    )
    assert unread.confidence == "unverified"
    assert unread.review_state == ReviewState.DRAFT
    assert "enrolled text of HB 1105 was still not read" in unread.draft_reason
    assert not Instrument.objects.published().filter(pk=unread.pk).exists()
    assert answer("13", "detainer-holds", "2025-01-01").value is None
    verified = Instrument.objects.get(title="HB 1105 (2024): jail status verification")
    assert (verified.confidence, verified.review_state) == ("medium", ReviewState.PUBLISHED)
    assert (verified.effective_on, verified.effective_precision) == (
        day("2024-05-01"),
        Precision.DAY,
    )


def test_every_dataset_file_is_named_for_the_state_it_holds():
    for path in DEFAULT_POLICIES_DIR.glob("[a-z]*.yaml"):
        assert yaml.safe_load(path.read_text())["state"] == path.stem.upper(), path.name


# --- Texas SB 4: enjoined 2017-08-30, injunction stayed 2017-09-25 ----------------------


def test_sb4s_detainer_mandate_is_suspended_until_the_fifth_circuits_stay():
    orders = Suspension.objects.filter(provision__instrument__title__startswith="SB 4 (2017)")
    # One row per suspended provision: the order reached the detainer and notice duties.
    assert {o.provision.dimension.slug for o in orders} == {
        "detainer-holds",
        "release-notification",
    }
    assert {(o.starts_on, o.ends_on) for o in orders} == {(day("2017-08-30"), day("2017-09-25"))}
    order = orders.get(provision__dimension__slug="detainer-holds")
    travis = answer("48453", "detainer-holds", "2017-09-10")
    assert (travis.value, travis.provenance) == (None, "suspended")
    assert [s.order for s in travis.suspensions] == [order.order]
    assert travis.suspensions[0].source.url.endswith("17-50762-Documents.txt")
    after = answer("48453", "detainer-holds", "2017-09-25")
    assert (after.value.slug, after.provenance, after.suspensions) == (
        "mandated",
        "inherited",
        [],
    )


def test_the_texas_timeline_shows_the_suspension_between_enactment_and_the_stay():
    intervals = position_queries.timeline_of(
        Jurisdiction.objects.get(fips="48"), Dimension.objects.get(slug="detainer-holds")
    )
    assert [(i.valid_from, i.provenance) for i in intervals] == [
        (None, "unknown"),
        (day("2010-01-01"), "own"),  # no law found until SB 4 took effect
        (day("2017-09-01"), "suspended"),
        (day("2017-09-25"), "own"),
    ]


def test_the_positions_api_names_the_order(client):
    response = client.get(
        "/api/v1/positions/",
        {"dimension": "detainer-holds", "as_of": "2017-09-10", "fips": "48453"},
    )
    (position,) = response.json()["results"]
    assert position["provenance"] == "suspended"
    assert position["suspended_by"][0]["order"].startswith("City of El Cenizo v. Abbott")
    assert position["suspended_by"][0]["until"] == "2017-09-25"


def test_the_map_and_the_profile_show_the_suspension(client):
    page = client.get(
        "/map/", {"dimension": "detainer-holds", "level": "state", "as_of": "2017-09-10"}
    ).content.decode()
    assert "a court order suspends" in page and "City of El Cenizo v. Abbott" in page
    profile = client.get("/jurisdictions/tx/", {"as_of": "2017-09-10"}).content.decode()
    assert "Unknown while suspended" in profile
    assert "Suspended by court order" in profile  # the timeline


# --- Florida SB 168: enjoined in part 2021-09-21, injunction vacated 2023-04-13 ----------


def test_sb168s_enjoined_sections_are_suspended_and_the_detainer_duty_is_not():
    orders = Suspension.objects.filter(provision__instrument__title__startswith="SB 168")
    assert {o.provision.dimension.slug for o in orders} == {
        "sanctuary-preemption",
        "operational-support",
    }
    assert {(o.starts_on, o.ends_on) for o in orders} == {(day("2021-09-21"), day("2023-04-13"))}
    miami_dade = answer("12086", "sanctuary-preemption", "2022-06-01")
    assert (miami_dade.value, miami_dade.provenance) == (None, "suspended")
    assert answer("12086", "detainer-holds", "2022-06-01").value.slug == "mandated"
    restored = answer("12086", "sanctuary-preemption", "2023-04-13")
    assert restored.value.slug == "sanctuary-banned-with-penalties"
    assert answer("12086", "operational-support", "2021-09-20").value.slug == "mandated"


def test_lifting_an_order_in_the_admin_restores_the_positions_at_once(bob):
    order = Suspension.objects.get(
        provision__instrument__title__startswith="SB 168",
        provision__dimension__slug="operational-support",
    )
    order.delete()
    assert answer("12086", "operational-support", "2022-06-01").value.slug == "mandated"
    assert position_store.differences() == (set(), set())


# --- "no law found" findings ------------------------------------------------------------


def with_finding(tmp_path, **changes):
    folder = tmp_path / "research"
    folder.mkdir()
    finding = {
        "jurisdiction": "48",
        "dimension": "courthouse-arrests",
        "value": "no-policy",
        "from": "2010-01-01",
        "reviewed_on": "2026-11-26",
        "searched": "Texas statutes and session laws on the legislature's site, 2010-2025.",
        **changes,
    }
    (folder / "tx.findings.yaml").write_text(yaml.safe_dump({"state": "TX", "findings": [finding]}))
    return [DEFAULT_POLICIES_DIR, folder]


def test_a_finding_is_a_coded_answer_distinct_from_unknown(client):
    finding = Instrument.objects.get(
        title=finding_title("courthouse-arrests"), jurisdiction__fips="48"
    )
    assert (finding.kind, finding.review_state, finding.last_verified_on) == (
        "research-finding",
        ReviewState.PUBLISHED,
        day("2026-11-26"),
    )
    texas = answer("48", "courthouse-arrests", "2020-01-01")
    assert (texas.value.slug, texas.instrument.kind) == ("no-policy", "research-finding")
    # A state's finding says nothing of its counties.
    assert answer("48453", "courthouse-arrests", "2020-01-01").value is None
    page = client.get("/jurisdictions/tx/", {"as_of": "2020-01-01"}).content.decode()
    assert "Reviewed: no law found" in page
    on = day("2022-01-01")
    report = coverage.coverage(on=on)
    row = next(
        r for r in report.rows if r.dimension.slug == "courthouse-arrests" and r.level == "state"
    )
    states = set(Jurisdiction.objects.filter(level="state").values_list("fips", flat=True))
    in_force = {
        f["jurisdiction"]
        for f in read_dataset().findings
        if f["dimension"] == "courthouse-arrests"
        and f["jurisdiction"] in states
        and f["from"] <= on.isoformat()
        and (f["until"] is None or on.isoformat() < f["until"])
    }
    assert "48" in in_force and "36" not in in_force
    assert row.no_law_found == len(in_force)
    assert row.known >= 1  # New York's Protect Our Courts Act among them
    assert answer("36", "courthouse-arrests", "2022-01-01").instrument.kind != "research-finding"


def test_a_finding_must_hold_the_neutral_value(tmp_path):
    with pytest.raises(SeedDataError, match="finding.*neutral value"):
        load_seed_policies(with_finding(tmp_path, value="prohibited"))


def test_a_finding_must_say_what_was_searched(tmp_path):
    with pytest.raises(SeedDataError, match=r"findings\[0\]: `searched` is required"):
        load_seed_policies(with_finding(tmp_path, searched=""))


# --- coverage ---------------------------------------------------------------------------


def test_coverage_counts_known_and_unknown_per_question_and_level(django_assert_num_queries):
    with django_assert_num_queries(coverage.COVERAGE_QUERIES):
        report = coverage.coverage(on=day("2019-06-01"))
    row = next(
        r for r in report.rows if r.dimension.slug == "detainer-holds" and r.level == "county"
    )
    known = Position.objects.on(day("2019-06-01")).filter(
        dimension__slug="detainer-holds", jurisdiction__level="county", value__isnull=False
    )
    assert row.known == known.count() > 58
    assert row.known + row.unknown + row.no_law_found + row.suspended == 3142
    assert 0 < report.provisions_without_quotes < report.published_provisions


def test_the_data_report_prints_the_table():
    out = StringIO()
    call_command("data_report", "--as-of=2019-06-01", stdout=out)
    text = out.getvalue()
    assert "| detainer-holds" in text and "no law found" in text
    assert "Published provisions without a quote:" in text
    assert "Public sources without an archived copy:" in text


def test_the_coverage_page_and_the_protocol_page_are_public(client):
    page = client.get("/coverage/").content.decode()
    assert "No law found" in page and "Detainer holds" in page
    protocol = client.get("/codebook/protocol/").content.decode()
    assert "“No law found” is a finding, not a gap" in protocol
    assert "Court orders that suspend provisions" in protocol


def test_the_about_page_says_what_is_covered_truthfully(client):
    page = client.get("/about/").content.decode()
    assert "covers all 3,142 counties" not in page
    covered = coverage.jurisdictions_with_a_known_position(on=dt.date.today())
    assert f"{covered} jurisdictions have at least one question answered" in page


def test_every_codebook_value_explains_itself_on_the_page_and_in_the_api(client):
    for dimension in Dimension.objects.prefetch_related("values"):
        for value in dimension.values.all():
            assert value.definition and value.decision_rule and value.example, value
    api = client.get("/api/v1/dimensions/detainer-holds/").json()
    assert all(v["definition"] and v["decision_rule"] and v["example"] for v in api["values"])
    page = client.get("/codebook/").content.decode()
    assert "Decision rule" in page and "Illinois TRUST Act, 5 ILCS 805/15(a)." in page
