"""What curators see of positions in the admin: rendered tables, read-only."""

import datetime as dt

from django.template.loader import render_to_string
from django.utils import timezone

from policies.models import Position
from policies.positions import queries as position_queries

DECIDES_SHOWN = 50


def jurisdiction_positions_html(jurisdiction, *, include_drafts: bool) -> str:
    today = timezone.localdate()
    answers = position_queries.profile(jurisdiction, today, include_drafts=include_drafts)
    return render_to_string(
        "admin/policies/positions_table.html",
        {"answers": answers, "today": today, "include_drafts": include_drafts},
    )


def instrument_decides_html(instrument, on: dt.date | None = None) -> str:
    on = on or timezone.localdate()
    decided = (
        Position.objects.on(on)
        .filter(provision__instrument=instrument)
        .select_related("jurisdiction", "dimension", "value")
        .order_by("dimension__position", "jurisdiction__fips", "jurisdiction__name")
    )
    total = decided.count()
    return render_to_string(
        "admin/policies/instrument_decides.html",
        {
            "decided": decided[:DECIDES_SHOWN],
            "total": total,
            "shown": DECIDES_SHOWN,
            "on": on,
            "published": instrument.is_published,
        },
    )
