"""Positions on the real seed data: the scenarios researchers ask about."""

import datetime as dt

import pytest

from jurisdictions.models import Jurisdiction
from policies.models import Dimension, Instrument, Position, ReviewState
from policies.positions import queries as position_queries
from policies.positions import store as position_store
from policies.services import instrument_publish, instrument_unpublish
from tests.factories import (
    cite,
    make_instrument,
    make_place,
    make_provision,
    publish_with_pinpoints,
    submit_for_review,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

PROFILE_QUERIES = 6
MAP_QUERIES = 2
COUNTIES_LIST_QUERIES = 7


def day(text):
    return dt.date.fromisoformat(text)


def dimension(slug):
    return Dimension.objects.get(slug=slug)


def place(fips):
    return Jurisdiction.objects.get(fips=fips)


def answer(fips, slug, on):
    return position_queries.position(place(fips), dimension(slug), day(on))


def test_california_counties_inherit_ab4_then_sb54_on_detainers(seeded, bob):
    # AB 4 is a draft until its section is confirmed; publish it as an editor would.
    publish_with_pinpoints(Instrument.objects.get(title="California TRUST Act"), bob)
    california_counties = Jurisdiction.objects.filter(parent__fips="06", level="county")
    assert california_counties.count() == 58
    # San Francisco's own Due Process for All Ordinance (2013) is stricter than AB 4.
    san_francisco = answer("06075", "detainer-holds", "2016-06-01")
    assert (san_francisco.value.slug, san_francisco.provenance) == ("prohibited", "own")
    california_counties = california_counties.exclude(fips="06075")
    in_2016 = position_queries.positions_on(
        dimension("detainer-holds"), day("2016-06-01"), california_counties
    )
    assert {(a.value.slug, a.provenance, a.instrument.citation) for a in in_2016} == {
        (
            "limited-to-serious-offenses",
            "inherited",
            "AB 4 (2013), Stats. 2013; Gov. Code §§ 7282, 7282.5",
        )
    }
    in_2018 = position_queries.positions_on(
        dimension("detainer-holds"), day("2018-01-01"), california_counties
    )
    assert {(a.value.slug, a.provenance, a.pinpoint) for a in in_2018} == {
        ("prohibited", "inherited", "Gov. Code § 7284.6(a)(1)(B)")
    }


def test_the_day_before_sb54_california_counties_still_follow_ab4(seeded, bob):
    # AB 4 is a draft until its section is confirmed; publish it as an editor would.
    publish_with_pinpoints(Instrument.objects.get(title="California TRUST Act"), bob)
    alameda = answer("06001", "detainer-holds", "2017-12-31")
    assert alameda.value.slug == "limited-to-serious-offenses"
    assert alameda.approximate is False


def test_cook_county_keeps_its_own_stricter_ordinance_above_the_illinois_floor(seeded):
    cook = answer("17031", "detainer-holds", "2019-06-01")
    assert (cook.value.slug, cook.provenance) == ("prohibited", "own")
    assert cook.pinpoint == "§ 46-37"
    assert [p.instrument.title for p in cook.overridden] == ["Illinois TRUST Act"]
    illinois = answer("17", "detainer-holds", "2019-06-01")
    assert (illinois.value.slug, illinois.provenance) == ("judicial-warrant-only", "own")


def test_an_illinois_county_without_an_ordinance_inherits_the_trust_act(seeded):
    dupage = answer("17043", "detainer-holds", "2019-06-01")
    assert (dupage.value.slug, dupage.provenance) == ("judicial-warrant-only", "inherited")
    assert dupage.instrument.title == "Illinois TRUST Act"
    assert dupage.pinpoint == "5 ILCS 805/15(a)"
    assert "https://ilga.gov/legislation/publicacts/100/100-0463.htm" in [
        s.url for s in dupage.sources
    ]


def test_a_texas_city_with_its_own_detainer_limit_is_preempted_once_sb4_is_in_force(seeded, bob):
    travis = place("48453")
    city = make_place(travis, name="A Texas city", fips="4899999")
    ordinance = make_instrument(city, effective_on=day("2015-03-01"), title="City detainer policy")
    cite(ordinance)
    make_provision(ordinance, dimension("detainer-holds"), "judicial-warrant-only", pinpoint="§ 2")
    submit_for_review(ordinance)
    instrument_publish(instrument=ordinance, user=bob)
    before = answer("4899999", "detainer-holds", "2017-08-31")
    # SB 4 takes effect on 2017-09-01, but its detainer mandate is enjoined until the Fifth
    # Circuit's stay of 2017-09-25: until then the city's own limit stands.
    enjoined = answer("4899999", "detainer-holds", "2017-09-01")
    after = answer("4899999", "detainer-holds", "2017-09-25")
    assert (before.value.slug, before.provenance) == ("judicial-warrant-only", "own")
    assert (enjoined.value.slug, enjoined.provenance) == ("judicial-warrant-only", "own")
    assert enjoined.suspensions[0].order.startswith("City of El Cenizo v. Abbott")
    assert (after.value.slug, after.provenance) == ("mandated", "preempted")
    assert after.instrument.title == "SB 4 (2017): sanctuary-city ban"
    assert [p.instrument.title for p in after.overridden] == ["City detainer policy"]


def test_harris_countys_287g_position_ends_on_2017_02_21_once_published(seeded, bob):
    agreement = Instrument.objects.get(title="Harris County 287(g) jail agreement")
    assert agreement.review_state == ReviewState.DRAFT
    assert answer("48201", "agreement-287g", "2016-01-01").provenance == "unknown"
    publish_with_pinpoints(agreement, bob)
    in_force = answer("48201", "agreement-287g", "2017-02-20")
    assert (in_force.value.slug, in_force.provenance) == ("jail-enforcement", "own")
    assert Instrument.objects.get(pk=in_force.instrument.pk).agency.name == (
        "Harris County Sheriff's Office"
    )
    assert answer("48201", "agreement-287g", "2017-02-21").provenance == "unknown"
    # Effective "2008" is known only to the year: 2008 itself is approximate.
    assert answer("48201", "agreement-287g", "2008-06-01").approximate is True
    assert answer("48201", "agreement-287g", "2009-01-01").value.slug == "jail-enforcement"


def test_a_jurisdiction_with_no_provision_is_unknown_not_no_policy(seeded):
    wyoming_county = answer("56001", "detainer-holds", "2020-01-01")
    assert wyoming_county.value is None
    assert wyoming_county.provenance == "unknown"


def test_a_draft_never_changes_a_public_position_but_shows_in_a_preview(seeded):
    # Georgia's HB 1105 detainer duty (unverified, a draft) mandates holds from 2024.
    georgia, on = place("13"), day("2025-01-01")
    public = position_queries.position(georgia, dimension("detainer-holds"), on)
    preview = position_queries.position(
        georgia, dimension("detainer-holds"), on, include_drafts=True
    )
    assert public.provenance == "unknown"
    assert (preview.value.slug, preview.instrument.title) == (
        "mandated",
        "HB 1105 (2024): detainers, 287(g) applications and penalties",
    )
    assert not Position.objects.filter(provision__instrument__review_state="draft").exists()


def test_unpublishing_and_republishing_updates_positions_in_the_same_transaction(seeded, bob):
    sb54 = Instrument.objects.get(title="California Values Act")
    instrument_unpublish(instrument=sb54, user=bob)
    assert answer("06001", "detainer-holds", "2019-06-01").provenance == "unknown"
    submit_for_review(sb54)
    instrument_publish(instrument=sb54, user=bob)
    assert answer("06001", "detainer-holds", "2019-06-01").value.slug == "prohibited"
    assert position_store.differences() == (set(), set())


def test_counties_at_least_as_limiting_as_judicial_warrant_only_on_2019_06_01(seeded):
    detainers = dimension("detainer-holds")
    threshold = detainers.values.get(slug="judicial-warrant-only")
    matching = position_queries.with_position(
        Jurisdiction.objects.counties(), detainers, day("2019-06-01"), at_least=threshold
    )
    states = set(matching.values_list("parent__usps", flat=True))
    # California (SB 54), Illinois (TRUST Act), Colorado (HB19-1124), Massachusetts (Lunn v.
    # Commonwealth), New York and Washington (Keep Washington Working) by state law.
    assert states == {"CA", "CO", "IL", "MA", "NY", "WA"}
    assert matching.filter(parent__usps="CA").count() == 58
    # Connecticut's amended TRUST Act takes effect only on 2019-10-01.
    assert not matching.filter(parent__usps="CT").exists()


def test_a_county_profile_takes_a_constant_number_of_queries(seeded, django_assert_max_num_queries):
    for fips in ("06001", "17031", "48201"):
        jurisdiction = place(fips)
        with django_assert_max_num_queries(PROFILE_QUERIES):
            answers = position_queries.profile(jurisdiction, day("2019-06-01"))
            for a in answers:  # touch what a page shows
                _ = (a.value, a.instrument, a.pinpoint, [s.url for s in a.sources])
        assert len(answers) == 14


def test_the_national_county_map_takes_two_queries(seeded, django_assert_num_queries):
    detainers = dimension("detainer-holds")
    with django_assert_num_queries(MAP_QUERIES):
        values = position_queries.map_values(detainers, day("2019-06-01"), "county")
    assert len(values) == 3142
    assert values["06001"] == "prohibited"
    assert values["48201"] == "mandated"
    assert values["56001"] is None


def test_one_dimension_for_every_county_takes_a_constant_number_of_queries(
    seeded, django_assert_max_num_queries
):
    detainers = dimension("detainer-holds")
    with django_assert_max_num_queries(COUNTIES_LIST_QUERIES):
        answers = position_queries.positions_on(
            detainers, day("2019-06-01"), Jurisdiction.objects.counties()
        )
        explained = [(a.value, a.instrument, [s.url for s in a.sources]) for a in answers]
    assert len(explained) == 3142


def test_a_timeline_lists_each_change_with_its_authority(seeded, bob):
    # AB 4 is a draft until its section is confirmed; publish it as an editor would.
    publish_with_pinpoints(Instrument.objects.get(title="California TRUST Act"), bob)
    intervals = position_queries.timeline_of(place("06001"), dimension("detainer-holds"))
    assert [(i.valid_from, i.value.slug if i.value else None, i.provenance) for i in intervals] == [
        (None, None, "unknown"),
        (day("2014-01-01"), "limited-to-serious-offenses", "inherited"),
        (day("2018-01-01"), "prohibited", "inherited"),
    ]


def test_the_stored_seed_positions_equal_a_fresh_computation(seeded):
    assert Position.objects.count() > 3000
    assert position_store.differences() == (set(), set())
