"""The resolution rules of the codebook, on small hand-built hierarchies (no database)."""

import datetime as dt

from policies.dates import Precision
from policies.positions.rules import Coded, Provenance, Scope, position_on, resolve, timeline

# A detainer-holds-like scale: prohibited(0) judicial(1) serious(2) no-policy(3) honored(4)
# mandated(5); neutral is 3.
NEUTRAL = 3
STATE, COUNTY, CITY = 1, 2, 3
_ids = iter(range(1, 10_000))


def coded(
    adopter,
    rank,
    effective,
    *,
    binding=False,
    ended=None,
    eff_precision="day",
    end_precision="day",
    superseded_from=None,
):
    pid = next(_ids)
    return Coded(
        provision_id=pid,
        instrument_id=pid,
        adopter_id=adopter,
        dimension_id=1,
        value_id=100 + rank,
        rank=rank,
        binding=binding,
        effective_on=dt.date.fromisoformat(effective),
        effective_precision=eff_precision,
        ended_on=dt.date.fromisoformat(ended) if ended else None,
        ended_precision=end_precision,
        superseded_from=superseded_from,
    )


def on(text):
    return dt.date.fromisoformat(text)


def test_no_provision_means_unknown():
    assert resolve(Scope(NEUTRAL), on("2020-01-01")).provenance == Provenance.UNKNOWN


def test_a_county_with_nothing_of_its_own_inherits_a_binding_state_value():
    state_law = coded(STATE, 1, "2017-08-28", binding=True)
    result = resolve(Scope(NEUTRAL, own=[], ancestors=[[state_law]]), on("2019-06-01"))
    assert (result.rank, result.provenance, result.decided_by) == (1, "inherited", state_law)


def test_a_stricter_own_ordinance_stands_above_the_state_floor():
    ordinance = coded(COUNTY, 0, "2011-09-07")
    state_law = coded(STATE, 1, "2017-08-28", binding=True)
    result = resolve(Scope(NEUTRAL, own=[ordinance], ancestors=[[state_law]]), on("2019-06-01"))
    assert (result.rank, result.provenance) == (0, "own")
    assert result.overridden == (state_law.provision_id,)


def test_a_weaker_own_policy_is_lifted_to_the_state_floor():
    own = coded(COUNTY, 4, "2010-01-01")
    floor = coded(STATE, 2, "2014-01-01", binding=True)
    result = resolve(Scope(NEUTRAL, own=[own], ancestors=[[floor]]), on("2016-06-01"))
    assert (result.rank, result.provenance) == (2, "inherited")
    assert result.overridden == (own.provision_id,)


def test_a_binding_mandate_preempts_an_own_limiting_policy_only_while_in_force():
    own = coded(CITY, 1, "2015-01-01")
    mandate = coded(STATE, 5, "2017-09-01", binding=True)
    scope = Scope(NEUTRAL, own=[own], ancestors=[[], [mandate]])
    before = resolve(scope, on("2017-08-31"))
    after = resolve(scope, on("2017-09-01"))
    assert (before.rank, before.provenance) == (1, "own")
    assert (after.rank, after.provenance, after.decided_by) == (5, "preempted", mandate)


def test_an_own_cooperative_value_stands_under_a_mandate_and_the_mandate_is_noted():
    own = coded(COUNTY, 4, "2019-01-01")  # e.g. its own task-force agreement
    mandate = coded(STATE, 5, "2019-07-01", binding=True)
    result = resolve(Scope(NEUTRAL, own=[own], ancestors=[[mandate]]), on("2020-01-01"))
    assert (result.rank, result.provenance) == (4, "own")
    assert result.noted == (mandate.provision_id,)


def test_the_higher_authority_has_the_last_word():
    county_floor = coded(COUNTY, 0, "2015-01-01", binding=True)
    state_mandate = coded(STATE, 5, "2018-01-01", binding=True)
    scope = Scope(NEUTRAL, own=[], ancestors=[[county_floor], [state_mandate]])
    assert resolve(scope, on("2016-01-01")).rank == 0
    result = resolve(scope, on("2018-06-01"))
    assert (result.rank, result.decided_by) == (5, state_mandate)


def test_the_latest_own_provision_wins_and_a_tie_goes_to_the_more_limiting():
    old = coded(COUNTY, 0, "2011-01-01")
    new = coded(COUNTY, 4, "2020-01-01")
    same_day = coded(COUNTY, 2, "2020-01-01")
    scope = Scope(NEUTRAL, own=[old, new, same_day])
    assert resolve(scope, on("2019-01-01")).decided_by == old
    result = resolve(scope, on("2020-06-01"))
    assert result.decided_by == same_day
    assert set(result.overridden) == {old.provision_id, new.provision_id}


def test_a_superseded_instrument_drops_out_when_its_successor_takes_effect():
    old = coded(STATE, 2, "2014-01-01", superseded_from=on("2018-01-01"))
    new = coded(STATE, 0, "2018-01-01")
    intervals = timeline(Scope(NEUTRAL, own=[old, new]))
    assert [(i.since, i.resolution.rank) for i in intervals] == [
        (None, None),
        (on("2014-01-01"), 2),
        (on("2018-01-01"), 0),
    ]


def test_a_year_precision_start_counts_from_the_next_year_and_is_approximate_meanwhile():
    law = coded(STATE, 0, "2019-01-01", eff_precision=Precision.YEAR)
    intervals = timeline(Scope(NEUTRAL, own=[law]))
    during = position_on(intervals, on("2019-06-01"))
    assert (during.resolution.provenance, during.approximate) == ("unknown", True)
    after = position_on(intervals, on("2020-01-01"))
    assert (after.resolution.rank, after.approximate) == (0, False)


def test_a_month_precision_end_stops_counting_on_the_first_of_that_month():
    agreement = coded(
        COUNTY,
        4,
        "2008-01-01",
        eff_precision=Precision.YEAR,
        ended="2017-02-01",
        end_precision=Precision.MONTH,
    )
    intervals = timeline(Scope(NEUTRAL, own=[agreement]))
    assert position_on(intervals, on("2017-01-31")).resolution.rank == 4
    february = position_on(intervals, on("2017-02-10"))
    assert (february.resolution.provenance, february.approximate) == ("unknown", True)
    assert position_on(intervals, on("2017-03-01")).approximate is False


def test_a_day_precision_end_is_exclusive():
    agreement = coded(COUNTY, 4, "2008-01-01", ended="2017-02-21")
    intervals = timeline(Scope(NEUTRAL, own=[agreement]))
    assert position_on(intervals, on("2017-02-20")).resolution.rank == 4
    assert position_on(intervals, on("2017-02-21")).resolution.provenance == "unknown"


def test_an_overridden_floor_is_listed_only_while_it_is_in_force():
    floor = coded(STATE, 1, "2010-01-01", binding=True, ended="2015-01-01")
    ordinance = coded(COUNTY, 0, "2012-01-01")
    intervals = timeline(Scope(NEUTRAL, own=[ordinance], ancestors=[[floor]]))
    assert [(i.since, i.resolution.decided_by, i.resolution.overridden) for i in intervals] == [
        (None, None, ()),
        (on("2010-01-01"), floor, ()),
        (on("2012-01-01"), ordinance, (floor.provision_id,)),
        (on("2015-01-01"), ordinance, ()),
    ]


# --- court orders (suspensions) ----------------------------------------------------------


def suspended(provision, since, until=None, pk=900):
    from dataclasses import replace

    return replace(
        provision,
        suspensions=((pk, on(since), on(until) if until else None),),
    )


def test_an_enjoined_binding_mandate_leaves_the_county_unknown_and_names_the_order():
    mandate = suspended(
        coded(STATE, 5, "2017-09-01", binding=True), "2017-08-30", "2017-09-25", pk=7
    )
    scope = Scope(NEUTRAL, own=[], ancestors=[[mandate]])
    during = resolve(scope, on("2017-09-10"))
    assert (during.value_id, during.provenance, during.suspended) == (None, "suspended", (7,))
    after = resolve(scope, on("2017-09-25"))
    assert (after.rank, after.provenance, after.suspended) == (5, "inherited", ())


def test_a_citys_own_limit_stands_while_the_state_mandate_is_enjoined():
    own = coded(CITY, 1, "2015-03-01")
    mandate = suspended(coded(STATE, 5, "2017-09-01", binding=True), "2017-08-30", "2017-09-25")
    scope = Scope(NEUTRAL, own=[own], ancestors=[[], [mandate]])
    during = resolve(scope, on("2017-09-10"))
    assert (during.decided_by, during.provenance, during.suspended) == (own, "own", (900,))
    after = resolve(scope, on("2017-10-01"))
    assert (after.rank, after.provenance) == (5, "preempted")


def test_a_timeline_cuts_at_the_order_and_at_its_end():
    mandate = suspended(
        coded(STATE, 5, "2019-10-01", binding=True), "2021-09-21", "2023-04-13", pk=8
    )
    intervals = timeline(Scope(NEUTRAL, own=[], ancestors=[[mandate]]))
    assert [(i.since, i.resolution.provenance, i.resolution.suspended) for i in intervals] == [
        (None, "unknown", ()),
        (on("2019-10-01"), "inherited", ()),
        (on("2021-09-21"), "suspended", (8,)),
        (on("2023-04-13"), "inherited", ()),
    ]


def test_an_order_before_the_law_takes_effect_suspends_it_only_once_it_would_be_in_force():
    mandate = suspended(coded(STATE, 5, "2017-09-01", binding=True), "2017-08-30", "2017-09-25")
    scope = Scope(NEUTRAL, own=[], ancestors=[[mandate]])
    assert resolve(scope, on("2017-08-31")).provenance == "unknown"
    assert resolve(scope, on("2017-08-31")).suspended == ()


def test_a_later_law_overrides_a_no_law_found_finding():
    finding = coded(STATE, NEUTRAL, "2010-01-01")  # a "no law found" finding holds neutral
    statute = coded(STATE, 1, "2019-01-01")
    scope = Scope(NEUTRAL, own=[finding, statute])
    assert resolve(scope, on("2015-01-01")).decided_by == finding
    assert resolve(scope, on("2020-01-01")).decided_by == statute
