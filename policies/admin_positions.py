"""What curators see of positions in the admin: rendered tables, read-only."""

import datetime as dt

from django.template.loader import render_to_string

from core.params import today
from policies.positions import queries as position_queries
from policies.selectors import positions_decided_by

DECIDES_SHOWN = 50


def jurisdiction_positions_html(jurisdiction, *, include_drafts: bool) -> str:
    on = today()
    answers = position_queries.profile(jurisdiction, on, include_drafts=include_drafts)
    return render_to_string(
        "admin/policies/positions_table.html",
        {"answers": answers, "today": on, "include_drafts": include_drafts},
    )


def instrument_decides_html(instrument, on: dt.date | None = None) -> str:
    on = on or today()
    decided = positions_decided_by(instrument=instrument, on=on)
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
