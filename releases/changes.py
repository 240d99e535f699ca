"""What changed since a moment: published records added or edited, and tombstones of those
withdrawn. The change log API and the Atom feeds read it; replaying it in time order over a
copy taken before `since` gives exactly the records published now (tests/releases)."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.db.models.functions import Greatest

from jurisdictions.models import Jurisdiction
from policies.models import Dimension, Instrument, Provision
from releases.models import Withdrawal

FEED_ITEMS = 50


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


def _instrument_changes(instruments: QuerySet[Instrument]) -> list[Change]:
    return [
        Change("instrument", pk, "published", at, title, j)
        for pk, at, title, j in instruments.values_list(
            "pk", "updated_at", "title", "jurisdiction_id"
        )
    ]


def _withdrawals(withdrawals: QuerySet[Withdrawal]) -> list[Change]:
    return [
        Change(kind, pk, "withdrawn", at, title, j, reason, deleted)
        for kind, pk, at, title, j, reason, deleted in withdrawals.values_list(
            "kind", "record_id", "withdrawn_at", "title", "jurisdiction_id", "reason", "deleted"
        )
    ]


def changes_since(*, since: dt.datetime) -> list[Change]:
    """Every change at or after `since`, oldest first. A provision counts as changed when it
    or its instrument was (publishing an instrument publishes its provisions)."""
    instruments = Instrument.objects.published().filter(updated_at__gte=since)
    provisions = (
        Provision.objects.published()
        .annotate(changed_at=Greatest("updated_at", "instrument__updated_at"))
        .filter(changed_at__gte=since)
        .values_list("pk", "changed_at", "instrument__title", "instrument__jurisdiction_id")
    )
    changes = _instrument_changes(instruments)
    changes += [Change("provision", pk, "published", *rest) for pk, *rest in provisions]
    changes += _withdrawals(Withdrawal.objects.filter(withdrawn_at__gte=since))
    return sorted(changes, key=lambda c: (c.at, c.kind != "instrument", c.id))


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
