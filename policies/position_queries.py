"""Reading positions: one jurisdiction's profile, one dimension's map, a timeline, filters.

Public reads come from the stored intervals (published instruments only). A preview for
curators (`include_drafts=True`) resolves the same rules on read, drafts included, and
stores nothing, so what the public sees never changes. Every function here takes a constant
number of queries, however many jurisdictions or dimensions it returns.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from jurisdictions.models import Jurisdiction
from policies.models import Citation, Dimension, DimensionValue, Position, Provision
from policies.position_store import scopes_for
from policies.positions import Provenance, position_on, timeline


@dataclass
class PositionAnswer:
    """A position with everything needed to explain it."""

    jurisdiction: Jurisdiction
    dimension: Dimension
    value: DimensionValue | None
    provenance: str
    provision: Provision | None = None
    approximate: bool = False
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    overridden: list[Provision] = field(default_factory=list)
    noted: list[Provision] = field(default_factory=list)

    @property
    def instrument(self):
        return self.provision.instrument if self.provision else None

    @property
    def pinpoint(self) -> str:
        return self.provision.pinpoint if self.provision else ""

    @property
    def sources(self):
        """The provision's own sources, then the instrument's, without repeats."""
        if self.provision is None:
            return []
        seen, sources = set(), []
        citations = list(self.provision.own_citations) + list(
            self.provision.instrument.own_citations
        )
        for citation in citations:
            if citation.source_id not in seen:
                seen.add(citation.source_id)
                sources.append(citation.source)
        return sources

    @property
    def is_known(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class Record:
    """A position before hydration: ids only, from a stored row or a fresh resolution."""

    jurisdiction_id: int
    dimension_id: int
    value_id: int | None
    provenance: str
    provision_id: int | None
    approximate: bool
    valid_from: dt.date | None
    valid_to: dt.date | None
    overridden: tuple[int, ...] = ()
    noted: tuple[int, ...] = ()


def provisions_with_sources() -> QuerySet[Provision]:
    citations = Citation.objects.select_related("source").order_by("pk")
    return Provision.objects.select_related(
        "instrument__jurisdiction", "instrument__agency", "dimension", "value"
    ).prefetch_related(
        # to_attr: plain lists, without a queryset cloned for every provision.
        Prefetch("citations", queryset=citations, to_attr="own_citations"),
        Prefetch("instrument__citations", queryset=citations, to_attr="own_citations"),
    )


def _stored_records(positions: QuerySet[Position]) -> list[Record]:
    return [
        Record(
            p.jurisdiction_id,
            p.dimension_id,
            p.value_id,
            p.provenance,
            p.provision_id,
            p.approximate,
            p.valid_from,
            p.valid_to,
            tuple(p.overridden),
            tuple(p.noted),
        )
        for p in positions
    ]


def _interval_record(j: int, d: int, interval) -> Record:
    resolution = interval.resolution
    return Record(
        j,
        d,
        resolution.value_id,
        resolution.provenance.value,
        resolution.decided_by.provision_id if resolution.decided_by else None,
        interval.approximate,
        interval.since,
        interval.until,
        resolution.overridden,
        resolution.noted,
    )


def _preview_records(jurisdiction_ids, dimension_ids, on: dt.date) -> list[Record]:
    records = []
    for (j, d), scope in scopes_for(jurisdiction_ids, dimension_ids, include_drafts=True).items():
        interval = position_on(timeline(scope), on)
        if interval.resolution.is_known or interval.approximate:
            records.append(_interval_record(j, d, interval))
    return records


def _hydrate(
    records, jurisdictions: dict, dimensions: dict
) -> dict[tuple[int, int], PositionAnswer]:
    provision_ids = set()
    for r in records:
        provision_ids.update(filter(None, (r.provision_id, *r.overridden, *r.noted)))
    provisions = provisions_with_sources().in_bulk(provision_ids) if provision_ids else {}
    values = {v.pk: v for d in dimensions.values() for v in d.values.all()}
    return {
        (r.jurisdiction_id, r.dimension_id): PositionAnswer(
            jurisdiction=jurisdictions[r.jurisdiction_id],
            dimension=dimensions[r.dimension_id],
            value=values.get(r.value_id),
            provenance=r.provenance,
            provision=provisions.get(r.provision_id),
            approximate=r.approximate,
            valid_from=r.valid_from,
            valid_to=r.valid_to,
            overridden=[provisions[i] for i in r.overridden if i in provisions],
            noted=[provisions[i] for i in r.noted if i in provisions],
        )
        for r in records
    }


def codebook() -> QuerySet[Dimension]:
    return Dimension.objects.prefetch_related(
        Prefetch("values", queryset=DimensionValue.objects.order_by("rank"))
    )


def profiles(
    jurisdictions: list[Jurisdiction],
    on: dt.date,
    *,
    dimensions: list[Dimension] | None = None,
    include_drafts: bool = False,
) -> dict[int, list[PositionAnswer]]:
    """Every dimension's position for several jurisdictions on a date, unknown included,
    keyed by jurisdiction id. The same number of queries for one jurisdiction or fifty."""
    dimensions = list(dimensions if dimensions is not None else codebook())
    by_id = {d.pk: d for d in dimensions}
    listed = {j.pk: j for j in jurisdictions}
    if include_drafts:
        records = _preview_records(list(listed), list(by_id), on)
    else:
        records = _stored_records(
            Position.objects.on(on).filter(jurisdiction_id__in=listed, dimension_id__in=by_id)
        )
    answers = _hydrate(records, listed, by_id)
    return {
        pk: [
            answers.get((pk, d.pk)) or PositionAnswer(j, d, None, Provenance.UNKNOWN.value)
            for d in dimensions
        ]
        for pk, j in listed.items()
    }


def profile(
    jurisdiction: Jurisdiction,
    on: dt.date,
    *,
    dimensions: list[Dimension] | None = None,
    include_drafts: bool = False,
) -> list[PositionAnswer]:
    """Every dimension's position for one jurisdiction on a date, unknown ones included."""
    return profiles([jurisdiction], on, dimensions=dimensions, include_drafts=include_drafts)[
        jurisdiction.pk
    ]


def position(jurisdiction, dimension, on, *, include_drafts=False) -> PositionAnswer:
    return profile(jurisdiction, on, dimensions=[dimension], include_drafts=include_drafts)[0]


def positions_on(
    dimension: Dimension, on: dt.date, jurisdictions: QuerySet[Jurisdiction]
) -> list[PositionAnswer]:
    """One dimension's position for every jurisdiction of a queryset (the map, a list)."""
    dimension = codebook().get(pk=dimension.pk)
    listed = {j.pk: j for j in jurisdictions}
    records = _stored_records(
        Position.objects.on(on).filter(dimension=dimension, jurisdiction__in=jurisdictions)
    )
    answers = _hydrate(records, listed, {dimension.pk: dimension})
    return [
        answers.get((pk, dimension.pk))
        or PositionAnswer(jurisdiction, dimension, None, Provenance.UNKNOWN.value)
        for pk, jurisdiction in listed.items()
    ]


def map_values(dimension: Dimension, on: dt.date, level: str) -> dict[str, str | None]:
    """FIPS → value slug (None: unknown) for every jurisdiction of a level: two queries."""
    fips = dict(
        Jurisdiction.objects.filter(level=level, fips__isnull=False).values_list("pk", "fips")
    )
    known = (
        Position.objects.on(on)
        .filter(dimension=dimension, jurisdiction__level=level, value__isnull=False)
        .values_list("jurisdiction_id", "value__slug")
    )
    values = dict.fromkeys(fips.values())
    for jurisdiction_id, slug in known:
        if jurisdiction_id in fips:
            values[fips[jurisdiction_id]] = slug
    return values


def timeline_of(
    jurisdiction: Jurisdiction, dimension: Dimension, *, include_drafts: bool = False
) -> list[PositionAnswer]:
    """The whole history of one jurisdiction on one dimension, oldest first, gaps unknown."""
    dimension = codebook().get(pk=dimension.pk)
    if include_drafts:
        scope = scopes_for([jurisdiction.pk], [dimension.pk], include_drafts=True).get(
            (jurisdiction.pk, dimension.pk)
        )
        records = [
            _interval_record(jurisdiction.pk, dimension.pk, interval)
            for interval in (timeline(scope) if scope else [])
        ]
    else:
        records = _stored_records(
            Position.objects.filter(jurisdiction=jurisdiction, dimension=dimension).order_by(
                "valid_from"
            )
        )
    provision_ids = {i for r in records for i in (r.provision_id, *r.overridden, *r.noted) if i}
    provisions = provisions_with_sources().in_bulk(provision_ids) if provision_ids else {}
    values = {v.pk: v for v in dimension.values.all()}
    answers, cursor = [], None
    for r in sorted(records, key=lambda r: (r.valid_from is not None, r.valid_from)):
        if r.valid_from is not None and r.valid_from != cursor:
            answers.append(
                PositionAnswer(
                    jurisdiction,
                    dimension,
                    None,
                    Provenance.UNKNOWN.value,
                    valid_from=cursor,
                    valid_to=r.valid_from,
                )
            )
        answers.append(
            PositionAnswer(
                jurisdiction,
                dimension,
                values.get(r.value_id),
                r.provenance,
                provisions.get(r.provision_id),
                r.approximate,
                r.valid_from,
                r.valid_to,
                [provisions[i] for i in r.overridden if i in provisions],
                [provisions[i] for i in r.noted if i in provisions],
            )
        )
        cursor = r.valid_to
    if cursor is not None or not answers:
        answers.append(
            PositionAnswer(
                jurisdiction, dimension, None, Provenance.UNKNOWN.value, valid_from=cursor
            )
        )
    return answers


def with_position(
    jurisdictions: QuerySet[Jurisdiction],
    dimension: Dimension,
    on: dt.date,
    *,
    value: DimensionValue | None = None,
    at_least: DimensionValue | None = None,
    at_most: DimensionValue | None = None,
    unknown: bool = False,
) -> QuerySet[Jurisdiction]:
    """Filter jurisdictions by their position on a date, in the database.

    `at_least` keeps those that limit cooperation at least as much as that value (ranks at
    or below it); `at_most` those that limit it at most as much. `unknown` keeps those with
    no known position.
    """
    held = Position.objects.on(on).filter(
        dimension=dimension, jurisdiction=OuterRef("pk"), value__isnull=False
    )
    if unknown:
        return jurisdictions.filter(~Exists(held))
    if value is not None:
        held = held.filter(value=value)
    if at_least is not None:
        held = held.filter(rank__lte=at_least.rank)
    if at_most is not None:
        held = held.filter(rank__gte=at_most.rank)
    return jurisdictions.filter(Exists(held))
