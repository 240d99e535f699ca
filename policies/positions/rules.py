"""Positions: which rule applies to a jurisdiction on a dimension, on a date, and why.

This module is the pure part: given the provisions that can reach one jurisdiction (its own
and those its ancestors made binding), it works out the position on any date and the whole
timeline as intervals. It does not touch the database; `policies.positions.store` feeds it
and keeps the stored intervals in step.

The rules are the codebook's ("Time" and "Who is bound"):
- A provision is in force from its instrument's effective date until its ended date. A date
  known only to the month or year starts counting the day after that period and stops
  counting on its first day; a date inside such a period gives an *approximate* position.
- An instrument drops out once an instrument that supersedes it takes effect.
- Among a jurisdiction's own provisions (its instruments and its agencies'), the latest
  effective wins; a tie goes to the one that limits cooperation more. On a dimension whose
  provisions stack (`STACKING_DIMENSIONS`: several 287(g) agreements held at once), the
  most cooperative in force wins and the others are listed as set aside.
- Binding ancestors apply from the nearest up to the state, so the higher authority has the
  last word: a value that limits cooperation is a floor, one that requires it preempts the
  locality's own limiting value, and where the locality says nothing it inherits.
- A court order that enjoins a provision (a suspension) takes it out of every position from
  the order's date until it is stayed, vacated or dissolved: the position is what the other
  provisions give, and it names the order. Where nothing else applies, the position is
  unknown with provenance "suspended".
"""

import bisect
import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from policies.dates import Precision, certain_start, period_end


class Provenance(StrEnum):
    OWN = "own"
    INHERITED = "inherited"
    PREEMPTED = "preempted"
    SUSPENDED = "suspended"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Coded:
    """A provision as the resolver sees it: its value's rank and when it is in force."""

    provision_id: int
    instrument_id: int
    adopter_id: int  # the jurisdiction whose instrument it is
    dimension_id: int
    value_id: int
    rank: int
    binding: bool
    effective_on: dt.date
    effective_precision: str = Precision.DAY
    ended_on: dt.date | None = None
    ended_precision: str = Precision.DAY
    # When the end is known only to a window: the day by which it had certainly ended.
    ended_until: dt.date | None = None
    # When an instrument superseding this one takes effect (its certain start), if ever.
    superseded_from: dt.date | None = None
    # Court orders enjoining it: (suspension id, from, until or None while it stands).
    suspensions: tuple[tuple[int, dt.date, dt.date | None], ...] = ()

    # Worked out once per provision (timelines ask for them at every date they resolve).
    @cached_property
    def starts(self) -> dt.date:
        return certain_start(self.effective_on, self.effective_precision)

    @cached_property
    def stops(self) -> dt.date | None:
        """The first day it is no longer counted in force (None: still in force)."""
        ends = [d for d in (self.ended_on, self.superseded_from) if d is not None]
        return min(ends) if ends else None

    def enacted_in_force(self, on: dt.date) -> bool:
        """In force on that date by its own dates, whatever a court has ordered."""
        stops = self.stops
        return self.starts <= on and (stops is None or on < stops)

    def suspended_by(self, on: dt.date) -> tuple[int, ...]:
        """The suspensions that keep it out on that date (only while it would be in force)."""
        if not self.suspensions or not self.enacted_in_force(on):
            return ()
        return tuple(
            pk
            for pk, since, until in self.suspensions
            if since <= on and (until is None or on < until)
        )

    def in_force(self, on: dt.date) -> bool:
        stops = self.stops
        if not (self.starts <= on and (stops is None or on < stops)):
            return False  # not enacted in force
        return not self.suspensions or not self.suspended_by(on)

    def suspension_edges(self) -> set[dt.date]:
        return {d for _, since, until in self.suspensions for d in (since, until) if d is not None}

    @cached_property
    def windows(self) -> tuple[tuple[dt.date, dt.date], ...]:
        """`uncertain_windows()`, worked out once: a state law's are asked for by the
        timeline of every place below it."""
        return tuple(self.uncertain_windows())

    @cached_property
    def edges(self) -> frozenset[dt.date]:
        """Every date on which its standing can change: it starts or stops counting, a
        window of doubt opens or closes, a court order takes effect or ends."""
        dates = {self.starts, *self.suspension_edges()}
        if self.stops is not None:
            dates.add(self.stops)
        for window in self.windows:
            dates.update(window)
        return frozenset(dates)

    def uncertain_windows(self) -> list[tuple[dt.date, dt.date]]:
        """Periods in which it may or may not have been in force."""
        windows = []
        if self.effective_precision != Precision.DAY:
            windows.append((self.effective_on, self.starts))
        if self.ended_on is not None and self.ended_precision != Precision.DAY:
            windows.append((self.ended_on, period_end(self.ended_on, self.ended_precision)))
        if self.ended_on is not None and self.ended_until and self.ended_until > self.ended_on:
            windows.append((self.ended_on, self.ended_until))
        return windows


@dataclass(frozen=True)
class Resolution:
    """The position on one date: the value, where it comes from, and what it overrode."""

    value_id: int | None
    rank: int | None
    provenance: Provenance
    decided_by: Coded | None = None
    overridden: tuple[int, ...] = ()  # provision ids considered and set aside
    noted: tuple[int, ...] = ()  # binding mandates that did not displace the own value
    suspended: tuple[int, ...] = ()  # suspensions keeping a reaching provision out

    @property
    def is_known(self) -> bool:
        return self.value_id is not None


UNKNOWN = Resolution(None, None, Provenance.UNKNOWN)


@dataclass(frozen=True)
class Interval:
    """A stretch of time with one position. `until` None means open-ended."""

    since: dt.date | None
    until: dt.date | None
    resolution: Resolution
    approximate: bool = False


@dataclass
class Scope:
    """Everything that can reach one jurisdiction on one dimension."""

    neutral_rank: int
    own: list[Coded] = field(default_factory=list)
    # Own provisions that stack rather than replace each other (an agency holding several
    # 287(g) models at once): the most cooperative one is the position.
    stacking: bool = False
    # One list per binding ancestor, nearest first, holding only binding provisions.
    ancestors: list[list[Coded]] = field(default_factory=list)

    def all_provisions(self) -> list[Coded]:
        return self.own + [c for level in self.ancestors for c in level]


def latest(provisions: list[Coded]) -> tuple[Coded | None, list[Coded]]:
    """The provision that wins among one adopter level's, and the ones it beat."""
    if len(provisions) < 2:  # most levels hold one provision in force, or none
        return (provisions[0], []) if provisions else (None, [])
    ordered = sorted(provisions, key=lambda c: (c.starts, -c.rank, c.provision_id))
    return ordered[-1], ordered[:-1]


def most_cooperative(provisions: list[Coded]) -> tuple[Coded | None, list[Coded]]:
    """Among provisions that hold at once, the one that requires cooperation the most (a
    tie goes to the latest), and the others."""
    if len(provisions) < 2:
        return (provisions[0], []) if provisions else (None, [])
    ordered = sorted(provisions, key=lambda c: (c.rank, c.starts, c.provision_id))
    return ordered[-1], ordered[:-1]


# Dimensions whose own provisions stack: an agency can hold a 287(g) agreement in several
# models at once, and each agreement is its own instrument.
STACKING_DIMENSIONS = frozenset({"agreement-287g"})


def resolve(scope: Scope, on: dt.date, suspendable: list[Coded] | None = None) -> Resolution:
    """The position on one date. `suspendable`: the scope's provisions that have court
    orders, when the caller already knows them (a timeline resolves many dates)."""
    if suspendable is None:
        suspendable = [c for c in scope.all_provisions() if c.suspensions]
    suspended = (
        tuple(sorted({pk for c in suspendable for pk in c.suspended_by(on)})) if suspendable else ()
    )
    pick = most_cooperative if scope.stacking else latest
    own, own_losers = pick([c for c in scope.own if c.in_force(on)])
    overridden = [c.provision_id for c in own_losers]
    noted: list[int] = []
    current, provenance = own, Provenance.OWN if own else Provenance.UNKNOWN

    for level in scope.ancestors:
        binding, losers = latest([c for c in level if c.in_force(on)])
        overridden += [c.provision_id for c in losers]
        if binding is None:
            continue
        if current is None:
            current, provenance = binding, Provenance.INHERITED
            continue
        limits = binding.rank < scope.neutral_rank
        requires = binding.rank > scope.neutral_rank
        if limits and current.rank > binding.rank:
            # A floor: the locality cannot limit cooperation less than this.
            overridden.append(current.provision_id)
            current, provenance = binding, Provenance.INHERITED
        elif requires and current.rank < scope.neutral_rank:
            # A ceiling: the locality's own limit yields to the mandate.
            overridden.append(current.provision_id)
            current = binding
            provenance = (
                Provenance.PREEMPTED if provenance == Provenance.OWN else Provenance.INHERITED
            )
        elif requires:
            noted.append(binding.provision_id)
        else:
            overridden.append(binding.provision_id)

    if current is None:
        if suspended:
            return Resolution(None, None, Provenance.SUSPENDED, suspended=suspended)
        return UNKNOWN
    return Resolution(
        value_id=current.value_id,
        rank=current.rank,
        provenance=provenance,
        decided_by=current,
        overridden=tuple(sorted(set(overridden))) if overridden else (),
        noted=tuple(sorted(set(noted))) if noted else (),
        suspended=suspended,
    )


def timeline(scope: Scope, since: dt.date | None = None) -> list[Interval]:
    """The whole history as intervals, adjacent intervals merged when nothing differs.

    The first interval starts at None (the beginning of time) and is unknown unless a
    provision is in force from then; only dates where some provision starts, stops or
    becomes uncertain can change the position, so those are the only ones resolved.

    With `since`: only the intervals that end on or after that date (or never), exactly as
    the whole timeline has them; the dates before the first of them are not resolved. (A
    change that moves nothing before a date, such as publishing a law that takes effect on
    it, leaves the intervals that end before it as they were.)
    """
    provisions = scope.all_provisions()
    windows = [w for c in provisions for w in c.windows]
    edges = sorted(set().union(*(c.edges for c in provisions)))
    suspendable = [c for c in provisions if c.suspensions]

    resolved: dict[dt.date, tuple[Resolution, bool]] = {}  # each date resolved once

    def state(on: dt.date) -> tuple[Resolution, bool]:
        found = resolved.get(on)
        if found is None:
            approximate = any(start <= on < end for start, end in windows)
            found = resolved[on] = (resolve(scope, on, suspendable), approximate)
        return found

    first = 0
    if since is not None:
        # The interval holding the day before `since` starts at the earliest edge of the
        # run of edges that resolve alike up to the last edge before it.
        last = bisect.bisect_left(edges, since) - 1
        if last > 0:
            held = state(edges[last])
            first = last
            while first > 0 and state(edges[first - 1]) == held:
                first -= 1

    intervals: list[Interval] = []
    if first == 0:
        intervals.append(Interval(None, edges[0] if edges else None, UNKNOWN))
    for index in range(first, len(edges)):
        on = edges[index]
        until = edges[index + 1] if index + 1 < len(edges) else None
        resolution, approximate = state(on)
        previous = intervals[-1] if intervals else None
        if previous is not None and (previous.resolution, previous.approximate) == (
            resolution,
            approximate,
        ):
            intervals[-1] = Interval(previous.since, until, resolution, approximate)
        else:
            intervals.append(Interval(on, until, resolution, approximate))
    if since is not None:
        intervals = [i for i in intervals if i.until is None or i.until >= since]
    return intervals


def position_on(intervals: list[Interval], on: dt.date) -> Interval:
    for interval in intervals:
        if (interval.since is None or interval.since <= on) and (
            interval.until is None or on < interval.until
        ):
            return interval
    raise ValueError("intervals do not cover every date")  # timeline() always covers all
