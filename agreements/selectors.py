"""Reading ICE's 287(g) history: the queries the pages, the API and the feed share."""

import datetime as dt
from collections import Counter, defaultdict

from django.db.models import Prefetch, Q

from agreements.models import (
    Agreement,
    Change,
    ListKind,
    Model287g,
    PendingRequest,
    PendingStatus,
    Snapshot,
)


def agreement_list():
    return Agreement.objects.select_related(
        "agency__jurisdiction__state",
        "first_seen",
        "last_seen",
        "first_missing",
        "superseded_by",
    ).order_by("agency__jurisdiction__state__name", "agency__name", "model", "signed_on", "pk")


def changes_with_subjects():
    return Change.objects.select_related(
        "agreement__agency", "previous", "pending__state", "snapshot"
    ).order_by("kind", "pk")


def snapshot_list():
    return Snapshot.objects.prefetch_related(
        Prefetch("changes", queryset=changes_with_subjects())
    ).order_by("-published_on", "-half_day", "-captured_at", "-pk")


def pending_requests():
    return (
        PendingRequest.objects.filter(status=PendingStatus.PENDING)
        .select_related("state", "jurisdiction", "first_seen")
        .order_by("state__name", "agency_name", "model")
    )


def in_force_on(day: dt.date):
    """Agreements counted in force on a day: signed by then, not yet ended."""
    return Agreement.objects.in_force(day)


def counts_over_time() -> list[tuple[dt.date, dict[str, int]]]:
    """For each day with a participating sheet, how many rows of each model its last sheet
    of the day listed (rows waiting for review included: they are on ICE's list)."""
    latest: dict[dt.date, dict] = {}
    sheets = Snapshot.objects.filter(list_kind=ListKind.PARTICIPATING).in_order()
    for day, counts in sheets.values_list("published_on", "model_counts"):
        latest[day] = counts  # the last sheet of a day stands for it
    return [(day, {m: latest[day].get(m, 0) for m in Model287g.values}) for day in sorted(latest)]


def by_state(day: dt.date | None = None) -> list[dict]:
    """Active agreements per state and model (in force on `day` if given)."""
    agreements = Agreement.objects.active() if day is None else in_force_on(day)
    rows = agreements.values_list("agency__jurisdiction__state__name", "model").order_by()
    table: dict[str, Counter] = defaultdict(Counter)
    for state, model in rows:
        table[state][model] += 1
    return [
        {
            "state": state,
            **{m.replace("-", "_"): table[state][m] for m in Model287g.values},
            "total": sum(table[state].values()),
        }
        for state in sorted(table)
    ]


def recent_changes(limit: int = 200):
    return (
        Change.objects.select_related("snapshot", "agreement__agency", "previous", "pending")
        .filter(Q(agreement__isnull=False) | Q(pending__isnull=False))
        .order_by("-snapshot__published_on", "-snapshot__half_day", "-snapshot__pk", "kind", "pk")[
            :limit
        ]
    )
