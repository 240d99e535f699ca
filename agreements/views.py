"""The public 287(g) pages: the history of ICE's lists, and one page per snapshot."""

import datetime as dt

from django.shortcuts import get_object_or_404, render
from django.utils.safestring import mark_safe

from agreements import selectors
from agreements.charts import line_chart
from agreements.models import ChangeKind, ListKind, Model287g, Snapshot

CHANGE_COLUMNS = (
    ("added", "Added"),
    ("renewed", "Renewed"),
    ("switched", "Switched"),
    ("corrected", "Corrected"),
    ("ended", "Ended"),
    ("pending-added", "Pending +"),
    ("pending-removed", "Pending −"),
    ("review", "For review"),
)


def overview(request):
    series = selectors.counts_over_time()
    snapshots = list(Snapshot.objects.in_order().reverse())
    last_day = series[-1][0] if series else dt.date.today()
    context = {
        "chart": mark_safe(line_chart(series, "Agreements on ICE's list, by model")),
        "series": [(day, [counts[m] for m in Model287g.values]) for day, counts in series],
        "snapshots": [
            (s, [s.summary.get(key, "") for key, _ in CHANGE_COLUMNS]) for s in snapshots
        ],
        "columns": CHANGE_COLUMNS,
        "states": selectors.by_state(),
        "pending": selectors.pending_requests(),
        "last_day": last_day,
    }
    return render(request, "agreements/overview.html", context)


def snapshot_detail(request, pk: int):
    snapshot = get_object_or_404(Snapshot, pk=pk)
    changes = selectors.changes_with_subjects().filter(snapshot=snapshot)
    groups = {}
    for change in changes:
        groups.setdefault(change.get_kind_display(), []).append(change)
    ordered = [label for _, label in ChangeKind.choices if label in groups]
    context = {
        "snapshot": snapshot,
        "groups": [(label, groups[label]) for label in ordered],
        "is_participating": snapshot.list_kind == ListKind.PARTICIPATING,
        "counts": [(label, snapshot.summary.get(key, 0)) for key, label in CHANGE_COLUMNS],
    }
    return render(request, "agreements/snapshot.html", context)
