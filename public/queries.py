"""Read functions behind the public pages: facets, a jurisdiction's timeline, citations.

Each takes a constant number of queries, whatever the size of what it reads.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.cache import caches
from django.db.models import Count, Max, Q

from core.params import today
from jurisdictions.models import Agency, Jurisdiction, Level
from policies.dates import format_partial_date
from policies.models import (
    Dimension,
    Event,
    Instrument,
    InstrumentKind,
    Position,
    Provision,
    Suspension,
)
from policies.positions import version as data_version


def facets(jurisdictions) -> tuple[list[tuple[str, str, int]], list[tuple[str, str, int]]]:
    """The level facets (in level order) and the state facets (by state name) of these
    jurisdictions, from one count grouped by both: one scan of the filtered rows, not two
    (a name search reads all 39,000 names)."""
    by_level: dict[str, int] = {}
    by_state: dict[tuple[str, str], int] = {}
    rows = (
        jurisdictions.order_by()
        .values_list("level", "state__usps", "state__name")
        .annotate(n=Count("pk"))
    )
    for level, usps, name, n in rows:
        by_level[level] = by_level.get(level, 0) + n
        if usps:
            by_state[(usps, name)] = by_state.get((usps, name), 0) + n
    levels = [
        (value, label, by_level[value]) for value, label in Level.choices if value in by_level
    ]
    states = [(usps, name, n) for (usps, name), n in sorted(by_state.items(), key=_by_name)]
    return levels, states


def _by_name(item):
    (usps, name), _ = item
    return name


def facets_of_everything() -> tuple[list, list]:
    """The facets of the unfiltered list, a count over every jurisdiction (39,000 with the
    places), kept per process while the data version stands, as the maps are."""
    maps = caches["maps"]
    key = f"{data_version.current()}:jurisdiction-facets"
    found = maps.get(key)
    if found is None:
        found = facets(Jurisdiction.objects.all())
        maps.set(key, found)
    return found


def value_facets(jurisdictions, dimension: Dimension, on: dt.date) -> list[tuple[str, str, int]]:
    """Counts of each value of a dimension on a date among these jurisdictions, unknown last."""
    counts = dict(
        Position.objects.on(on)
        .filter(dimension=dimension, value__isnull=False, jurisdiction__in=jurisdictions)
        .order_by()
        .values_list("value__slug")
        .annotate(n=Count("pk"))
        .values_list("value__slug", "n")
    )
    total = jurisdictions.count()
    facets = [(v.slug, v.label, counts.get(v.slug, 0)) for v in dimension.values.all()]
    facets.append(("unknown", "Unknown", total - sum(counts.values())))
    return facets


@dataclass
class TimelineItem:
    date: dt.date | None
    date_text: str
    kind: str  # "instrument" or "event"
    title: str
    detail: str
    instrument: Instrument | None = None
    event: Event | None = None


def timeline_items(jurisdiction: Jurisdiction) -> list[TimelineItem]:
    """Instruments that reach this jurisdiction (its own, its agencies', and binding ones of
    its ancestors) and events here or above, oldest first."""
    above = [a.pk for a in jurisdiction.ancestors()]
    instruments = (
        Instrument.objects.published()
        .filter(Q(jurisdiction=jurisdiction) | Q(jurisdiction_id__in=above, binding=True))
        .select_related("jurisdiction", "agency")
    )
    events = (
        Event.objects.published()
        .filter(jurisdiction_id__in=[jurisdiction.pk, *above])
        .select_related("jurisdiction")
    )
    items = []
    for instrument in instruments:
        items.append(
            TimelineItem(
                instrument.effective_on,
                instrument.effective_display or "date unknown",
                "instrument",
                instrument.title,
                f"{instrument.get_kind_display()} of {instrument.jurisdiction.name}"
                + (f", ended {instrument.ended_display}" if instrument.ended_on else ""),
                instrument=instrument,
            )
        )
    for event in events:
        items.append(
            TimelineItem(
                event.occurred_on,
                format_partial_date(event.occurred_on, event.occurred_precision),
                "event",
                event.title,
                f"{event.get_kind_display()} — {event.jurisdiction.name}",
                event=event,
            )
        )
    suspensions = Suspension.objects.filter(provision__instrument__in=instruments).select_related(
        "provision__instrument", "provision__dimension"
    )
    for s in suspensions:
        instrument = s.provision.instrument
        what = f"{instrument.title}: {s.provision.dimension.name}"
        items.append(
            TimelineItem(
                s.starts_on,
                s.starts_on.isoformat(),
                "suspension",
                f"Suspended by court order — {what}",
                s.order,
                instrument=instrument,
            )
        )
        if s.ends_on:
            items.append(
                TimelineItem(
                    s.ends_on,
                    s.ends_on.isoformat(),
                    "suspension",
                    f"Suspension ends — {what}",
                    s.end_reason or s.order,
                    instrument=instrument,
                )
            )
    return sorted(items, key=lambda i: (i.date or dt.date.min, i.kind, i.title))


def agreements_by_agency(jurisdiction: Jurisdiction):
    """The jurisdiction's agencies with their published 287(g) and other agreements."""
    agencies = list(Agency.objects.filter(jurisdiction=jurisdiction).order_by("name"))
    agreements = (
        Instrument.objects.published()
        .filter(agency__in=agencies, kind=InstrumentKind.AGREEMENT)
        .order_by("effective_on")
    )
    by_agency = {a.pk: [] for a in agencies}
    for agreement in agreements:
        by_agency[agreement.agency_id].append(agreement)
    return [(agency, by_agency[agency.pk]) for agency in agencies]


def dataset_updated_at() -> dt.datetime | None:
    """When published data last changed: the newest publication or edit of a published
    instrument or provision. The newest provision is read from the end of the `updated_at`
    index rather than by aggregating every published provision (108 ms of a 160 ms profile
    page at national scale)."""
    instruments = Instrument.objects.published().aggregate(
        published=Max("reviewed_at"), edited=Max("updated_at")
    )
    newest_provision = (
        Provision.objects.published()
        .order_by("-updated_at")
        .values_list("updated_at", flat=True)
        .first()
    )
    stamps = [s for s in (*instruments.values(), newest_provision) if s is not None]
    return max(stamps) if stamps else None


def change_years(dimension: Dimension, level: str, state_fips: str | None = None) -> list[int]:
    """The years in which any stored position on this question began or ended at this level
    (in one state when given), up to this year: the stops of the map's year slider. One
    query."""
    positions = Position.objects.filter(dimension=dimension, jurisdiction__level=level)
    if state_fips:
        positions = positions.filter(jurisdiction__fips__startswith=state_fips)
    years = set()
    for began, ended in positions.values_list("valid_from__year", "valid_to__year").distinct():
        years.update(y for y in (began, ended) if y is not None)
    this_year = today().year
    return sorted({y for y in years if y <= this_year} | {this_year})
