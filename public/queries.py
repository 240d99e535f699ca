"""Read functions behind the public pages: facets, a jurisdiction's timeline, citations.

Each takes a constant number of queries, whatever the size of what it reads.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.cache import caches
from django.db.models import (
    Count,
    FilteredRelation,
    Max,
    OuterRef,
    Q,
    Subquery,
)
from django.http import Http404

from core.lookups import json_list, read_json_list
from core.params import today
from core.prepared import Prepared
from jurisdictions.models import Agency, AgencyKind, Jurisdiction, Level
from policies.dates import format_partial_date
from policies.models import (
    Dimension,
    Event,
    EventKind,
    Instrument,
    InstrumentKind,
    Position,
    Provision,
    ReviewState,
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


@dataclass(frozen=True, slots=True)
class Linked:
    """What the page links to: an instrument's or an agreement's page, by id."""

    pk: int


@dataclass
class TimelineItem:
    date: dt.date | None
    date_text: str
    kind: str  # "instrument", "event" or "suspension"
    title: str
    detail: str
    instrument: Linked | None = None


INSTRUMENT_KINDS = dict(InstrumentKind.choices)
EVENT_KINDS = dict(EventKind.choices)
AGENCY_KINDS = dict(AgencyKind.choices)


def timeline_items(jurisdiction: Jurisdiction) -> list[TimelineItem]:
    """Instruments that reach this jurisdiction (its own, its agencies', and binding ones of
    its ancestors), with the court orders suspending their provisions, and events here or
    above, oldest first. Two queries: each instrument comes as one plain row with its
    suspensions aggregated into it (a page shows a handful of fields of each; model
    instances through `select_related` and a third query were a fifth of the page), each
    compiled once per process."""
    above = [a.pk for a in jurisdiction.ancestors()]
    instruments = _timeline_instruments(place=jurisdiction.pk, above=above)
    items, suspensions = [], []
    for (
        pk,
        title,
        kind,
        effective_on,
        precision,
        ended_on,
        ended_precision,
        where,
        orders,
    ) in instruments:
        ended = format_partial_date(ended_on, ended_precision)
        items.append(
            TimelineItem(
                effective_on,
                format_partial_date(effective_on, precision) or "date unknown",
                "instrument",
                title,
                f"{INSTRUMENT_KINDS.get(kind, kind)} of {where}"
                + (f", ended {ended}" if ended_on else ""),
                instrument=Linked(pk),
            )
        )
        suspensions += [(order, pk, title) for order in read_json_list(orders)]
    events = _timeline_events(places=[jurisdiction.pk, *above])
    for occurred_on, precision, title, kind, where in events:
        items.append(
            TimelineItem(
                occurred_on,
                format_partial_date(occurred_on, precision),
                "event",
                title,
                f"{EVENT_KINDS.get(kind, kind)} — {where}",
            )
        )
    # In the court orders' own order (by start, then id), which the sort below keeps for
    # items alike in date, kind and title.
    suspensions.sort(key=lambda found: (found[0]["starts_on"], found[0]["pk"]))
    for order, instrument_id, title in suspensions:
        what = f"{title}: {order['dimension']}"
        starts_on = dt.date.fromisoformat(order["starts_on"])
        items.append(
            TimelineItem(
                starts_on,
                starts_on.isoformat(),
                "suspension",
                f"Suspended by court order — {what}",
                order["order"],
                instrument=Linked(instrument_id),
            )
        )
        if order["ends_on"]:
            ends_on = dt.date.fromisoformat(order["ends_on"])
            items.append(
                TimelineItem(
                    ends_on,
                    ends_on.isoformat(),
                    "suspension",
                    f"Suspension ends — {what}",
                    order["end_reason"] or order["order"],
                    instrument=Linked(instrument_id),
                )
            )
    return sorted(items, key=lambda i: (i.date or dt.date.min, i.kind, i.title))


def _suspensions_subquery() -> Subquery:
    """An instrument's court orders, as `policies.positions.queries` reads a position's
    sources."""
    return json_list(
        Suspension.objects.filter(provision__instrument_id=OuterRef("pk")),
        pk="pk",
        starts_on="starts_on",
        ends_on="ends_on",
        order="order",
        end_reason="end_reason",
        dimension="provision__dimension__name",
    )


# The timeline's two queries, compiled once per process (`core.prepared`): building and
# compiling them had cost more CPU than the rest of the timeline.
_timeline_instruments = Prepared(
    lambda place, above: (
        Instrument.objects.published()
        .filter(Q(jurisdiction_id=place) | Q(jurisdiction_id__in=above, binding=True))
        .annotate(suspensions=_suspensions_subquery())
        .values_list(
            "pk",
            "title",
            "kind",
            "effective_on",
            "effective_precision",
            "ended_on",
            "ended_precision",
            "jurisdiction__name",
            "suspensions",
        )
    )
)

_timeline_events = Prepared(
    lambda places: (
        Event.objects.published()
        .filter(jurisdiction_id__in=places)
        .values_list("occurred_on", "occurred_precision", "title", "kind", "jurisdiction__name")
    )
)


@dataclass(frozen=True, slots=True)
class Agreement:
    pk: int
    title: str
    effective_display: str
    ended_on: dt.date | None
    ended_display: str


@dataclass(frozen=True, slots=True)
class AgencyRow:
    pk: int
    name: str
    kind: str

    def get_kind_display(self) -> str:
        return str(AGENCY_KINDS.get(self.kind, self.kind))


_agencies_with_agreements = Prepared(
    lambda place: (
        Agency.objects.filter(jurisdiction_id=place)
        .annotate(
            agreement=FilteredRelation(
                "instruments",
                condition=Q(
                    instruments__kind=InstrumentKind.AGREEMENT,
                    instruments__review_state=ReviewState.PUBLISHED,
                ),
            )
        )
        .order_by("name", "pk", "agreement__effective_on", "agreement__pk")
        .values_list(
            "pk",
            "name",
            "kind",
            "agreement__pk",
            "agreement__title",
            "agreement__effective_on",
            "agreement__effective_precision",
            "agreement__ended_on",
            "agreement__ended_precision",
        )
    )
)


def agreements_by_agency(jurisdiction: Jurisdiction) -> list[tuple[AgencyRow, list[Agreement]]]:
    """The jurisdiction's agencies with their published 287(g) and other agreements, in one
    query compiled once per process: each agency joined to its published agreements (none:
    one row of nulls)."""
    rows = _agencies_with_agreements(place=jurisdiction.pk)
    listed: dict[int, tuple[AgencyRow, list[Agreement]]] = {}
    for pk, name, kind, agreement, title, effective_on, effective, ended_on, ended in rows:
        _, signed = listed.setdefault(pk, (AgencyRow(pk, name, kind), []))
        if agreement is not None:
            signed.append(
                Agreement(
                    agreement,
                    title,
                    format_partial_date(effective_on, effective),
                    ended_on,
                    format_partial_date(ended_on, ended),
                )
            )
    return list(listed.values())


def dataset_updated_at() -> dt.datetime | None:
    """When published data last changed: the newest publication or edit of a published
    instrument or provision, in one query. The newest provision is read from the end of the
    `updated_at` index rather than by aggregating every published provision (108 ms of a
    160 ms profile page at national scale)."""
    newest_provision = (
        Provision.objects.published().order_by("-updated_at").values("updated_at")[:1]
    )
    stamps = Instrument.objects.published().aggregate(
        published=Max("reviewed_at"),
        edited=Max("updated_at"),
        provision=Max(Subquery(newest_provision)),
    )
    found = [s for s in stamps.values() if s is not None]
    return max(found) if found else None


def _newest_stamps() -> dict[str, Subquery]:
    """What `dataset_updated_at` reads, as three columns for another query's row: the newest
    publication, edit of a published instrument and edit of a published provision, each
    from the end of its index."""
    published = Instrument.objects.published()
    return {
        "newest_published": Subquery(
            published.filter(reviewed_at__isnull=False)
            .order_by("-reviewed_at")
            .values("reviewed_at")[:1]
        ),
        "newest_edited": Subquery(published.order_by("-updated_at").values("updated_at")[:1]),
        "newest_provision": Subquery(
            Provision.objects.published().order_by("-updated_at").values("updated_at")[:1]
        ),
    }


PLACE_COLUMNS = tuple(f.attname for f in Jurisdiction._meta.concrete_fields)

# A profile's jurisdiction with its parent and state (as `select_related` reads them), the
# data version and the stamps of `dataset_updated_at`, in one row: three round trips were
# one, and the query is compiled once per process.
_place_row = Prepared(
    lambda slug: (
        Jurisdiction.objects.filter(slug=slug)
        .order_by()
        .annotate(version=data_version.token_subquery(), **_newest_stamps())
        .values_list(
            *PLACE_COLUMNS,
            *(f"parent__{c}" for c in PLACE_COLUMNS),
            *(f"state__{c}" for c in PLACE_COLUMNS),
            "version",
            *_newest_stamps(),
        )
    )
)


@dataclass(frozen=True, slots=True)
class Place:
    """A profile's jurisdiction (its parent and state loaded), the data version (for the
    codebook) and when published data last changed."""

    jurisdiction: Jurisdiction
    version: str
    updated: dt.datetime | None


def place_by_slug(slug: str) -> Place:
    """The jurisdiction with this slug, as `Jurisdiction.objects.select_related("parent",
    "state").get(slug=slug)` reads it, with the data version and `dataset_updated_at()`, in
    one query; Http404 if there is none."""
    rows = _place_row(slug=slug)
    if not rows:
        raise Http404(f"No {Jurisdiction._meta.object_name} matches the given query.")
    row, width = rows[0], len(PLACE_COLUMNS)
    place = _jurisdiction(row[:width])
    place.parent = _jurisdiction(row[width : 2 * width])
    place.state = _jurisdiction(row[2 * width : 3 * width])
    version, *stamps = row[3 * width :]
    found = [s for s in stamps if s is not None]
    return Place(place, data_version.as_text(version), max(found) if found else None)


def _jurisdiction(values: tuple) -> Jurisdiction | None:
    if values[0] is None:  # no parent, or no state: the outer join's nulls
        return None
    return Jurisdiction.from_db("default", PLACE_COLUMNS, values)


_children_rows = Prepared(
    lambda parent: (
        Jurisdiction.objects.filter(parent_id=parent)
        .order_by("name")
        .values_list("level", "name", "slug")
    )
)


def children_of(jurisdiction: Jurisdiction) -> list[tuple[str, str, str]]:
    """(level, name, slug) of the jurisdictions directly inside this one, by name, in one
    query compiled once per process."""
    return _children_rows(parent=jurisdiction.pk)


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
