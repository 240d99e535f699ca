"""Reads that more than one surface needs (pages, API, admin, commands), each written once
as a keyword-only function. A query only one surface needs stays with it.
"""

import datetime as dt

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from jurisdictions.models import Jurisdiction
from policies.models import Citation, Dimension, DimensionValue, Instrument, Position, Provision
from policies.positions import queries as position_queries

# How many jurisdictions one comparison takes, on the compare page and in the API alike. A
# comparison costs the same few queries however many there are (position_queries.profiles);
# the bound keeps one answer to a readable size (the page's table scrolls sideways).
MAX_COMPARE = 50


def citations_with_sources() -> QuerySet[Citation]:
    return Citation.objects.select_related("source").order_by("pk")


def published_instruments() -> QuerySet[Instrument]:
    """Published instruments with what their pages and answers show: jurisdiction, agency,
    provisions (in codebook order) with their values and citations, and citations."""
    return (
        Instrument.objects.published()
        .select_related("jurisdiction", "agency")
        .prefetch_related(
            Prefetch(
                "provisions",
                queryset=Provision.objects.select_related("dimension", "value")
                .prefetch_related(Prefetch("citations", queryset=citations_with_sources()))
                .order_by("dimension__position"),
            ),
            Prefetch("citations", queryset=citations_with_sources()),
        )
    )


def positions_decided_by(*, instrument: Instrument, on: dt.date) -> QuerySet[Position]:
    """The positions one instrument's provisions decide on a date, by dimension, then place."""
    return (
        Position.objects.on(on)
        .filter(provision__instrument=instrument)
        .select_related("jurisdiction", "dimension", "value")
        .order_by("dimension__position", "jurisdiction__fips", "jurisdiction__name")
    )


def jurisdictions_with_position(
    *,
    jurisdictions: QuerySet[Jurisdiction],
    dimension: Dimension,
    on: dt.date,
    value: DimensionValue | None = None,
    at_least: DimensionValue | None = None,
    at_most: DimensionValue | None = None,
    unknown: bool = False,
) -> QuerySet[Jurisdiction]:
    """The jurisdictions whose position on `dimension` on `on` is `value`, at least or at
    most as limiting as a value, or unknown; all of them when no condition is given."""
    if value is None and at_least is None and at_most is None and not unknown:
        return jurisdictions
    return position_queries.with_position(
        jurisdictions,
        dimension,
        on,
        value=value,
        at_least=at_least,
        at_most=at_most,
        unknown=unknown,
    )


def jurisdictions_with_coded_policy(
    *, jurisdictions: QuerySet[Jurisdiction], on: dt.date
) -> QuerySet[Jurisdiction]:
    """The jurisdictions with a known position on at least one dimension on `on` (a law of
    their own, one binding them from above, or a "no law found" finding)."""
    known = Position.objects.on(on).filter(jurisdiction=OuterRef("pk"), value__isnull=False)
    return jurisdictions.filter(Exists(known))
