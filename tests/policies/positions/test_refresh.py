"""The incremental refresh leaves exactly the table a full rebuild would, and rewrites only
what changed.

Random hierarchies and instruments (binding and not, imprecise dates, ends known only to a
window, supersessions, court orders, a stacking 287(g) dimension) are published through the
models, so the signals refresh the stored intervals step by step; after every change the
stored table must equal a fresh computation, and at the end a full rebuild must leave it
as it was.
"""

import datetime as dt
import random

import pytest
from django.db import transaction

from policies.dates import Precision
from policies.models import Instrument, Position, Provision, ReviewState, Suspension
from policies.positions import store as position_store
from policies.positions.rules import timeline
from tests.factories import (
    make_county,
    make_dimension,
    make_instrument,
    make_place,
    make_provision,
    make_state,
)

SCALE = ("prohibited", "judicial-warrant-only", "limited", "no-policy", "honored", "mandated")
MODELS = ("none", "task-force", "warrant-service", "jail-enforcement")
REVIEWED = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def _date(rng: random.Random) -> tuple[dt.date, str]:
    year = rng.randint(2005, 2025)
    precision = rng.choice([Precision.DAY, Precision.DAY, Precision.MONTH, Precision.YEAR])
    if precision == Precision.YEAR:
        return dt.date(year, 1, 1), precision
    month = rng.randint(1, 12)
    if precision == Precision.MONTH:
        return dt.date(year, month, 1), precision
    return dt.date(year, month, rng.randint(1, 28)), precision


def _snapshot() -> set[tuple]:
    rows = Position.objects.values_list(*position_store.COLUMNS)
    return {(*row[:-3], *(tuple(ids) for ids in row[-3:])) for row in rows}


def _assert_in_step(what: str) -> None:
    stale, missing = position_store.differences()
    assert not stale and not missing, f"after {what}: {len(stale)} stale, {len(missing)} missing"


class World:
    """Two states, two counties each, two places per county; two dimensions."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.scale = make_dimension(values=SCALE)
        self.stacking = make_dimension(slug="agreement-287g", values=MODELS, neutral="none")
        self.states = [make_state(), make_state()]
        self.counties = [make_county(s) for s in self.states for _ in range(2)]
        self.places = [make_place(c) for c in self.counties for _ in range(2)]
        self.instruments: list[Instrument] = []

    def adopter(self):
        return self.rng.choice([*self.states, *self.counties, *self.places])

    def instrument(self):
        rng = self.rng
        adopter = self.adopter()
        effective_on, effective_precision = _date(rng)
        fields = {"effective_on": effective_on, "effective_precision": effective_precision}
        if rng.random() < 0.35:
            ended_on, ended_precision = _date(rng)
            if ended_on.year >= effective_on.year:
                fields.update(ended_on=ended_on, ended_precision=ended_precision)
                if rng.random() < 0.5:
                    fields["ended_until"] = ended_on + dt.timedelta(days=rng.randint(1, 400))
        earlier = [i for i in self.instruments if i.jurisdiction_id == adopter.pk]
        if earlier and rng.random() < 0.3:
            fields["supersedes"] = rng.choice(earlier)
        binding = adopter.parent_id is None or rng.random() < 0.6
        instrument = make_instrument(adopter, binding=binding, **fields)
        if rng.random() < 0.7:
            provision = make_provision(instrument, self.scale, rng.choice(SCALE))
            if rng.random() < 0.25:
                self.suspend(provision)
        if rng.random() < 0.5:
            make_provision(instrument, self.stacking, rng.choice(MODELS))
        self.instruments.append(instrument)
        return instrument

    def suspend(self, provision):
        since = dt.date(self.rng.randint(2005, 2025), self.rng.randint(1, 12), 1)
        until = since + dt.timedelta(days=self.rng.randint(30, 900))
        Suspension.objects.get_or_create(
            provision=provision,
            starts_on=since,
            defaults={"order": "Order", "ends_on": self.rng.choice([None, until])},
        )

    def publish(self, instrument, published=True):
        instrument.review_state = ReviewState.PUBLISHED if published else ReviewState.DRAFT
        instrument.reviewed_at = REVIEWED
        instrument.save()

    def change(self) -> str:
        """One random change through the models; returns what it was."""
        rng = self.rng
        instrument = rng.choice(self.instruments)
        what = rng.choice(
            [
                "publish",
                "unpublish",
                "end",
                "binding",
                "suspend",
                "lift",
                "value",
                "drop-provision",
                "move",
                "new",
                "date",
            ]
        )
        if what == "publish":
            self.publish(instrument)
        elif what == "unpublish":
            self.publish(instrument, published=False)
        elif what == "end":
            ended_on = dt.date(max(instrument.effective_on.year, 2010) + rng.randint(0, 8), 6, 1)
            instrument.ended_on, instrument.ended_precision = ended_on, Precision.MONTH
            instrument.ended_until = ended_on + dt.timedelta(days=rng.randint(0, 500))
            instrument.save()
        elif what == "binding":
            instrument.binding = not instrument.binding
            instrument.save()
        elif what in ("suspend", "lift", "value", "drop-provision"):
            provision = Provision.objects.filter(instrument=instrument).first()
            if provision is None:
                return what + " (none)"
            if what == "suspend":
                self.suspend(provision)
            elif what == "lift":
                for suspension in Suspension.objects.filter(provision=provision):
                    suspension.delete()
            elif what == "value":
                provision.value = rng.choice(list(provision.dimension.values.all()))
                provision.save()
            else:
                provision.delete()
        elif what == "date":  # earlier or later: the refresh must reach the earlier date
            instrument.effective_on, instrument.effective_precision = _date(rng)
            if instrument.ended_on and instrument.ended_on < instrument.effective_on:
                instrument.ended_on = instrument.ended_until = None
            instrument.save()
        elif what == "move":
            place = rng.choice(self.places)
            place.parent = rng.choice(self.counties)
            place.save()
        else:
            self.publish(self.instrument())
        return what


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(6))
def test_refreshing_step_by_step_leaves_what_a_full_rebuild_would(seed):
    rng = random.Random(seed)
    with transaction.atomic():
        world = World(rng)
        for _ in range(10):
            instrument = world.instrument()
            if rng.random() < 0.8:
                world.publish(instrument)
        _assert_in_step("publishing")
        for step in range(12):
            what = world.change()
            _assert_in_step(f"change {step} ({what})")
        incremental = _snapshot()
        position_store.rebuild()
        assert _snapshot() == incremental
        assert incremental, "the generated data reached no position"
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_publishing_a_state_law_keeps_the_intervals_before_it():
    dimension = make_dimension(values=SCALE)
    other = make_dimension(values=SCALE)
    state = make_state()
    county = make_county(state)
    for _ in range(3):
        make_place(county)
    older = make_instrument(
        state,
        binding=True,
        effective_on=dt.date(2010, 1, 1),
        review_state=ReviewState.PUBLISHED,
    )
    make_provision(older, dimension, "limited")
    make_provision(older, other, "honored")
    before = {row[0]: row[1:] for row in Position.objects.values_list("pk", "jurisdiction_id")}
    assert len(before) == 2 * 5  # every jurisdiction, both dimensions

    law = make_instrument(state, binding=True, effective_on=dt.date(2017, 9, 1))
    make_provision(law, dimension, "mandated")
    law.review_state, law.reviewed_at = ReviewState.PUBLISHED, REVIEWED
    law.save()

    after = set(Position.objects.values_list("pk", flat=True))
    # The other dimension's intervals are untouched; on the law's dimension the intervals
    # up to 2017 are shortened (rewritten) and one from 2017 is added, for each of the 5.
    kept = before.keys() & after
    assert len(kept) == 5
    assert set(Position.objects.filter(pk__in=kept).values_list("dimension_id", flat=True)) == {
        other.pk
    }
    assert Position.objects.filter(dimension=dimension).count() == 10
    _assert_in_step("publishing the law")

    law.review_state = ReviewState.DRAFT
    law.save()
    assert set(Position.objects.filter(dimension=other).values_list("pk", flat=True)) == kept
    _assert_in_step("unpublishing the law")


@pytest.mark.django_db
def test_a_refresh_with_nothing_changed_rewrites_nothing():
    dimension = make_dimension(values=SCALE)
    state = make_state()
    make_place(make_county(state))
    law = make_instrument(
        state, binding=True, effective_on=dt.date(2017, 9, 1), review_state=ReviewState.PUBLISHED
    )
    make_provision(law, dimension, "mandated")
    assert position_store.refresh() == (0, 0)
    assert position_store.refresh_for_adopter(state.pk, None) == (0, 0)


def _resolved_one_by_one() -> set[tuple]:
    """Every interval row as each scope alone resolves it, without grouping places by what
    they inherit: what the grouped computation must equal."""
    rows = set()
    for (j, d), scope in position_store.scopes_for().items():
        for interval in timeline(scope):
            resolution = interval.resolution
            if not (resolution.is_known or interval.approximate or resolution.suspended):
                continue
            rows.add(
                (
                    j,
                    d,
                    interval.since,
                    interval.until,
                    resolution.value_id,
                    resolution.rank,
                    resolution.provenance.value,
                    resolution.decided_by.provision_id if resolution.decided_by else None,
                    interval.approximate,
                    resolution.overridden,
                    resolution.noted,
                    resolution.suspended,
                )
            )
    return rows


@pytest.mark.django_db
def test_a_state_law_over_counties_that_differ_resolves_as_every_place_alone_would():
    """A state law over counties that bind their places differently (a stricter rule, a
    weaker one, one ended, one suspended by a court, none at all), and places with rules of
    their own: publishing and unpublishing it refreshes to what a full rebuild leaves, and
    the places that only inherit fall into one class per county that differs."""
    dimension = make_dimension(values=SCALE)
    other = make_dimension(values=SCALE)
    state = make_state()
    counties = [make_county(state) for _ in range(5)]
    places = {county.pk: [make_place(county) for _ in range(3)] for county in counties}
    stricter, weaker, ended, suspended, silent = counties

    def publish(adopter, value, on, *, binding=True, dimension=dimension, **fields):
        instrument = make_instrument(
            adopter,
            binding=binding,
            effective_on=on,
            review_state=ReviewState.PUBLISHED,
            **fields,
        )
        return make_provision(instrument, dimension, value)

    publish(state, "limited", dt.date(2010, 1, 1))  # an older state law, in force throughout
    publish(stricter, "prohibited", dt.date(2012, 3, 1))
    publish(weaker, "honored", dt.date(2014, 5, 1), dimension=other)
    publish(weaker, "no-policy", dt.date(2013, 1, 1))
    publish(ended, "judicial-warrant-only", dt.date(2011, 1, 1), ended_on=dt.date(2019, 1, 1))
    enjoined = publish(suspended, "prohibited", dt.date(2016, 1, 1))
    Suspension.objects.create(
        provision=enjoined, order="Order", starts_on=dt.date(2018, 6, 1), ends_on=None
    )
    own = places[silent.pk][0]
    publish(own, "judicial-warrant-only", dt.date(2015, 2, 1), binding=False)
    publish(places[stricter.pk][0], "honored", dt.date(2019, 7, 1), binding=False)

    law = make_instrument(state, binding=True, effective_on=dt.date(2017, 9, 1))
    make_provision(law, dimension, "mandated")
    make_provision(law, other, "prohibited")
    for published in (True, False, True):
        law.review_state = ReviewState.PUBLISHED if published else ReviewState.DRAFT
        law.reviewed_at = REVIEWED
        law.save()
        _assert_in_step(f"{'publishing' if published else 'unpublishing'} the law")
        incremental = _snapshot()
        assert incremental == _resolved_one_by_one()
        position_store.rebuild()
        assert _snapshot() == incremental

    grouped = position_store.grouped_scopes(None, [dimension.pk])
    # What only inherits falls into one class per county that binds its places its own way,
    # and one for the rest, under the state's laws alone: the silent county and its places
    # (its empty level changes nothing), but not the place with a rule of its own.
    assert (own.pk, dimension.pk) in grouped.own
    assert len(grouped.inherited) == 5
    under_the_state_alone = {(silent.pk, dimension.pk)} | {
        (p.pk, dimension.pk) for p in places[silent.pk][1:]
    }
    assert any(set(keys) == under_the_state_alone for _, keys in grouped.inherited.values())
