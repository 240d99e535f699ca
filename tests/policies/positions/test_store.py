"""Property-based tests: random hierarchies, provisions and dates."""

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policies.dates import Precision
from policies.models import Position, ReviewState
from policies.positions import store as position_store
from policies.positions.rules import Coded, Scope, latest, position_on, resolve, timeline
from tests.factories import (
    make_county,
    make_dimension,
    make_instrument,
    make_place,
    make_provision,
    make_state,
)

SCALE = ("prohibited", "judicial-warrant-only", "limited", "no-policy", "honored", "mandated")
NEUTRAL = SCALE.index("no-policy")
YEARS = st.integers(min_value=2000, max_value=2030)


@st.composite
def partial_dates(draw):
    year = draw(YEARS)
    precision = draw(st.sampled_from(list(Precision)))
    if precision == Precision.YEAR:
        return dt.date(year, 1, 1), precision
    month = draw(st.integers(1, 12))
    if precision == Precision.MONTH:
        return dt.date(year, month, 1), precision
    return dt.date(year, month, draw(st.integers(1, 28))), precision


@st.composite
def provisions(draw, adopter, binding):
    effective_on, effective_precision = draw(partial_dates())
    ended_on, ended_precision = None, Precision.DAY
    if draw(st.booleans()):
        ended_on, ended_precision = draw(partial_dates())
        if ended_on.year < effective_on.year:
            ended_on, ended_precision = None, Precision.DAY
    rank = draw(st.integers(0, len(SCALE) - 1))
    suspensions = ()
    if draw(st.booleans()):  # a court order enjoining it for a while, or until now
        since = draw(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 12, 31)))
        until = draw(st.one_of(st.none(), st.integers(1, 3000)))
        suspensions = (
            (
                draw(st.integers(1, 10**9)),
                since,
                since + dt.timedelta(days=until) if until else None,
            ),
        )
    return Coded(
        provision_id=draw(st.integers(1, 10**9)),
        instrument_id=0,
        adopter_id=adopter,
        dimension_id=1,
        value_id=rank,
        rank=rank,
        binding=binding,
        effective_on=effective_on,
        effective_precision=effective_precision,
        ended_on=ended_on,
        ended_precision=ended_precision,
        suspensions=suspensions,
    )


@st.composite
def scopes(draw):
    own = draw(st.lists(provisions(3, False), max_size=3))
    county = draw(st.lists(provisions(2, True), max_size=3))
    state = draw(st.lists(provisions(1, True), max_size=3))
    return Scope(NEUTRAL, own=own, ancestors=[county, state])


DATES = st.dates(min_value=dt.date(1999, 1, 1), max_value=dt.date(2032, 12, 31))


@given(scope=scopes(), on=DATES)
@settings(max_examples=200)
def test_a_suspended_provision_never_decides_a_position_and_is_named(scope, on):
    result = resolve(scope, on)
    # Compared whole: two drawn provisions may share an id.
    suspended = [c for c in scope.all_provisions() if c.suspended_by(on)]
    if result.decided_by is not None:
        assert result.decided_by not in suspended
    named = {pk for c in scope.all_provisions() for pk in c.suspended_by(on)}
    assert set(result.suspended) == named


@given(scope=scopes(), on=DATES)
@settings(max_examples=400)
def test_no_position_breaks_the_highest_binding_floor_or_ceiling_in_force(scope, on):
    result = resolve(scope, on)
    for level in reversed(scope.ancestors):  # the state first: it has the last word
        binding, _ = latest([c for c in level if c.in_force(on)])
        if binding is None:
            continue
        assert result.is_known
        if binding.rank < NEUTRAL:
            assert result.rank <= binding.rank, "less limiting than a binding floor"
        elif binding.rank > NEUTRAL:
            assert result.rank >= NEUTRAL, "a limit survives a binding mandate"
        break


@given(scope=scopes(), on=DATES)
@settings(max_examples=400)
def test_the_timeline_agrees_with_resolving_each_date(scope, on):
    intervals = timeline(scope)
    assert position_on(intervals, on).resolution == resolve(scope, on)


@given(scope=scopes(), since=DATES)
@settings(max_examples=400)
def test_a_timeline_since_a_date_is_the_whole_one_from_the_interval_before_it(scope, since):
    whole = timeline(scope)
    assert timeline(scope, since) == [i for i in whole if i.until is None or i.until >= since]


@given(scope=scopes())
@settings(max_examples=300)
def test_timelines_cover_all_time_without_gaps_or_repeats(scope):
    intervals = timeline(scope)
    assert intervals[0].since is None and intervals[-1].until is None
    for before, after in zip(intervals, intervals[1:], strict=False):
        assert before.until == after.since
        assert (before.resolution, before.approximate) != (after.resolution, after.approximate)


@given(scope=scopes(), on=DATES)
@settings(max_examples=300)
def test_a_date_inside_an_imprecise_period_is_flagged_approximate(scope, on):
    windows = [w for c in scope.all_provisions() for w in c.uncertain_windows()]
    inside = any(start <= on < end for start, end in windows)
    assert position_on(timeline(scope), on).approximate == inside


# The database side: random hierarchies and publications, kept in step by the signals.

operations = st.lists(
    st.tuples(
        st.sampled_from(["state", "county", "place"]),  # adopter
        st.booleans(),  # binding
        st.sampled_from(SCALE),
        partial_dates(),
        st.sampled_from(["publish", "draft", "unpublish-later", "edit-later"]),
    ),
    min_size=1,
    max_size=6,
)


@pytest.mark.django_db
@given(ops=operations, move_place=st.booleans())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_stored_intervals_always_equal_a_fresh_computation(ops, move_place):
    with transaction.atomic():
        dimension = make_dimension(values=SCALE)
        state = make_state()
        county, other_county = make_county(state), make_county(state)
        place = make_place(county)
        adopters = {"state": state, "county": county, "place": place}
        later = []
        for adopter, binding, value, (effective_on, precision), what in ops:
            published = what != "draft"
            instrument = make_instrument(
                adopters[adopter],
                binding=binding,
                effective_on=effective_on,
                effective_precision=precision,
            )
            provision = make_provision(instrument, dimension, value)
            if published:
                instrument.review_state = ReviewState.PUBLISHED
                instrument.reviewed_at = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
                instrument.save()
            later.append((what, instrument, provision))
        for what, instrument, provision in later:
            if what == "unpublish-later":
                instrument.review_state = ReviewState.DRAFT
                instrument.save()
            elif what == "edit-later":
                provision.value = dimension.values.get(slug="mandated")
                provision.save()
        if move_place:
            place.parent = other_county
            place.save()
        stale, missing = position_store.differences()
        assert not stale and not missing
        drafts_only = all(what == "draft" for what, _, _ in later) or all(
            what in ("draft", "unpublish-later") for what, _, _ in later
        )
        if drafts_only:
            assert not Position.objects.exists(), "a draft reached the public positions"
        transaction.set_rollback(True)
