"""What changed since a moment: published records added or edited, and tombstones of those
withdrawn. The change log API (a page at a time) and the Atom feeds read it; replaying it
in order over a copy taken before `since` gives exactly the records published now
(tests/releases)."""

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.functions import Greatest

from jurisdictions.models import Jurisdiction
from policies.models import Dimension, Instrument, Provision
from releases.models import Withdrawal

FEED_ITEMS = 50


KIND_RANK = {"instrument": 0, "provision": 1}
ACTION_RANK = {"published": 0, "withdrawn": 1}


@dataclass(frozen=True, order=True)
class Place:
    """A change's place in the log: the log is in this order, and a page ends at a place
    that the next page starts after. Unique: a tombstone's own id (`seq`) tells apart two
    withdrawals of one record at one time."""

    at: dt.datetime
    kind: int
    action: int
    id: int
    seq: int = 0


@dataclass(frozen=True)
class Change:
    kind: str  # instrument | provision
    id: int
    action: str  # published (new or edited) | withdrawn
    at: dt.datetime
    title: str
    jurisdiction_id: int | None
    reason: str = ""
    deleted: bool = False
    seq: int = 0  # the tombstone's id, for withdrawals

    @property
    def place(self) -> Place:
        return Place(self.at, KIND_RANK[self.kind], ACTION_RANK[self.action], self.id, self.seq)


def _instrument_changes(instruments: QuerySet[Instrument]) -> list[Change]:
    return [
        Change("instrument", pk, "published", at, title, j)
        for pk, at, title, j in instruments.values_list(
            "pk", "updated_at", "title", "jurisdiction_id"
        )
    ]


def _withdrawals(withdrawals: QuerySet[Withdrawal]) -> list[Change]:
    return [
        Change(kind, pk, "withdrawn", at, title, j, reason, deleted, seq)
        for kind, pk, at, title, j, reason, deleted, seq in withdrawals.values_list(
            "kind",
            "record_id",
            "withdrawn_at",
            "title",
            "jurisdiction_id",
            "reason",
            "deleted",
            "pk",
        )
    ]


def _after(place: Place | None, kind: str, action: str, at: str, key: str, seq: str = "") -> Q:
    """The rows of one kind of change (all of one kind and action) that come after
    `place` in the log's order: a keyset condition, so a page costs the same wherever it
    starts and a change saved meanwhile cannot shift the pages."""
    if place is None:
        return Q()
    rank = (KIND_RANK[kind], ACTION_RANK[action])
    if rank < (place.kind, place.action):
        return Q(**{f"{at}__gt": place.at})
    if rank > (place.kind, place.action):
        return Q(**{f"{at}__gte": place.at})
    same = Q(**{at: place.at})
    later = Q(**{f"{at}__gt": place.at}) | (same & Q(**{f"{key}__gt": place.id}))
    if seq:
        later |= same & Q(**{key: place.id, f"{seq}__gt": place.seq})
    return later


def changes_page(
    *, since: dt.datetime, until: dt.datetime, after: Place | None, limit: int
) -> tuple[list[Change], bool]:
    """Up to `limit` changes at or after `since` and before `until`, after `after`, in the
    log's order; and whether more follow. A provision counts as changed when it or its
    instrument was (publishing an instrument publishes its provisions). Each kind of change
    is read in order with its own keyset condition and limit, and the four are merged."""
    window = {"__gte": since, "__lt": until}

    def within(field: str) -> dict:
        return {f"{field}{lookup}": moment for lookup, moment in window.items()}

    instruments = (
        Instrument.objects.published()
        .filter(**within("updated_at"))
        .filter(_after(after, "instrument", "published", "updated_at", "pk"))
        .order_by("updated_at", "pk")[: limit + 1]
    )
    provisions = (
        Provision.objects.published()
        .annotate(changed_at=Greatest("updated_at", "instrument__updated_at"))
        .filter(**within("changed_at"))
        .filter(_after(after, "provision", "published", "changed_at", "pk"))
        .order_by("changed_at", "pk")
        .values_list("pk", "changed_at", "instrument__title", "instrument__jurisdiction_id")[
            : limit + 1
        ]
    )
    changes = _instrument_changes(instruments)
    changes += [Change("provision", pk, "published", *rest) for pk, *rest in provisions]
    for kind in KIND_RANK:
        changes += _withdrawals(
            Withdrawal.objects.filter(kind=kind, **within("withdrawn_at"))
            .filter(_after(after, kind, "withdrawn", "withdrawn_at", "record_id", "pk"))
            .order_by("withdrawn_at", "record_id", "pk")[: limit + 1]
        )
    changes.sort(key=lambda c: c.place)
    return changes[:limit], len(changes) > limit


def settled_until(now: dt.datetime) -> dt.datetime:
    """Where a change log asked for now may end. A change is stamped when it is saved but
    seen only when its transaction commits: a log that ended after the stamp of a change
    not yet committed would skip it for good. On PostgreSQL the log therefore ends at the
    start of the oldest transaction elsewhere that has written and not yet committed."""
    if connection.vendor != "postgresql":
        return now  # SQLite: one writer at a time, for development
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(xact_start) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
        )
        (oldest,) = cursor.fetchone()
    return min(now, oldest) if oldest is not None else now


def _latest(
    instruments: QuerySet[Instrument],
    withdrawals: QuerySet[Withdrawal],
    withdrawn_kind: str = "instrument",
) -> list[Change]:
    """The newest changes of a feed: instruments published or edited, and withdrawals."""
    items = _instrument_changes(instruments.order_by("-updated_at")[:FEED_ITEMS])
    items += _withdrawals(
        withdrawals.filter(kind=withdrawn_kind).order_by("-withdrawn_at")[:FEED_ITEMS]
    )
    return sorted(items, key=lambda c: c.at, reverse=True)[:FEED_ITEMS]


def feed_everything() -> list[Change]:
    return _latest(Instrument.objects.published(), Withdrawal.objects.all())


def feed_of_jurisdiction(*, jurisdiction: Jurisdiction) -> list[Change]:
    """Its own instruments and those binding on it from above (state, county)."""
    ancestors = []
    node = jurisdiction.parent
    while node is not None and len(ancestors) < 10:
        ancestors.append(node.pk)
        node = node.parent
    reaching = Q(jurisdiction=jurisdiction) | Q(jurisdiction_id__in=ancestors, binding=True)
    return _latest(
        Instrument.objects.published().filter(reaching),
        Withdrawal.objects.filter(jurisdiction_id__in=[jurisdiction.pk, *ancestors]),
    )


def feed_of_state(*, state: Jurisdiction) -> list[Change]:
    within = Jurisdiction.objects.filter(Q(pk=state.pk) | Q(state=state)).values("pk")
    return _latest(
        Instrument.objects.published().filter(jurisdiction__in=within),
        Withdrawal.objects.filter(jurisdiction_id__in=within),
    )


def feed_of_question(*, dimension: Dimension) -> list[Change]:
    """Instruments coding this question, and its provisions withdrawn."""
    coded = Provision.objects.filter(dimension=dimension).values("instrument_id")
    return _latest(
        Instrument.objects.published().filter(pk__in=coded),
        Withdrawal.objects.filter(dimension_id=dimension.pk),
        withdrawn_kind="provision",
    )
