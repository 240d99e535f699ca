"""Reading positions: one jurisdiction's profile, one dimension's map, a timeline, filters.

Public reads come from the stored intervals (published instruments only). A preview for
curators (`include_drafts=True`) resolves the same rules on read, drafts included, and
stores nothing, so what the public sees never changes. Every function here takes a constant
number of queries, however many jurisdictions or dimensions it returns.
"""

import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

import orjson
from django.db.models import (
    Case,
    Exists,
    FilteredRelation,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast

from core.lookups import count_of, json_list, read_json_list
from core.prepared import Prepared
from jurisdictions.models import Jurisdiction
from jurisdictions.selectors import in_order_of_codes
from policies.models import (
    Citation,
    Dimension,
    DimensionValue,
    Position,
    Provision,
    ReviewState,
    Suspension,
)
from policies.positions import version as data_version
from policies.positions.rules import Provenance, position_on, timeline
from policies.positions.store import scopes_for


@dataclass(frozen=True, slots=True)
class JurisdictionRef:
    pk: int
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class InstrumentRef:
    """What a position shows of an instrument: read as plain values, not model instances,
    because a map or a list of a thousand positions would otherwise build tens of thousands
    of model objects (see docs/benchmarks.md)."""

    pk: int
    title: str
    kind: str
    citation: str
    binding: bool
    review_state: str
    jurisdiction: JurisdictionRef

    def get_review_state_display(self) -> str:
        return str(ReviewState(self.review_state).label)


@dataclass(frozen=True, slots=True)
class SourceRef:
    pk: int
    title: str
    url: str
    publisher: str


@dataclass(frozen=True, slots=True)
class ProvisionRef:
    pk: int
    pinpoint: str
    exceptions: str
    instrument: InstrumentRef
    value: DimensionValue
    # The provision's own sources, then its instrument's, without repeats; filled only for
    # provisions that decide a position (set-aside and noted ones show no sources).
    sources: tuple[SourceRef, ...] = ()


PROVISION_COLUMNS = (
    "id",
    "pinpoint",
    "exceptions",
    "value",
    "instrument",
    "instrument__title",
    "instrument__kind",
    "instrument__citation",
    "instrument__binding",
    "instrument__review_state",
    "instrument__jurisdiction",
    "instrument__jurisdiction__slug",
    "instrument__jurisdiction__name",
)


_provision_rows = Prepared(
    lambda ids: Provision.objects.filter(pk__any_of=ids).order_by().values_list(*PROVISION_COLUMNS)
)


def provision_refs(
    provision_ids, values: dict[int, DimensionValue], *, with_sources=(), rows=(), known=None
) -> dict[int, ProvisionRef]:
    """Provisions by id as `ProvisionRef`s, in at most two queries whatever the number.
    `rows` are provisions already read (PROVISION_COLUMNS); the rest are queried. Those in
    `with_sources` also carry their sources, taken from `known` (provision id → sources,
    already read) where it has them."""
    rows = {row[0]: row for row in rows}
    missing = set(provision_ids).difference(rows)
    if missing:
        rows.update((row[0], row) for row in _provision_rows(ids=sorted(missing)))
    known = known or {}
    with_sources = set(with_sources)
    unread = with_sources.difference(known)
    sources = (
        _sources_of(unread, {rows[pk][4] for pk in unread if pk in rows}) if unread else ({}, {})
    )
    jurisdictions, instruments, refs = {}, {}, {}
    for (
        pk,
        pinpoint,
        exceptions,
        value_id,
        instrument_id,
        *instrument,
        j,
        j_slug,
        j_name,
    ) in rows.values():
        jurisdiction = jurisdictions.get(j) or jurisdictions.setdefault(
            j, JurisdictionRef(j, j_slug, j_name)
        )
        ref = instruments.get(instrument_id) or instruments.setdefault(
            instrument_id, InstrumentRef(instrument_id, *instrument, jurisdiction)
        )
        refs[pk] = ProvisionRef(
            pk,
            pinpoint,
            exceptions,
            ref,
            values.get(value_id),
            (
                known[pk]
                if pk in known
                else merge_sources(sources[0].get(pk, ()), sources[1].get(instrument_id, ()))
            )
            if pk in with_sources
            else (),
        )
    return refs


def _sources_of(provision_ids, instrument_ids):
    """Sources cited by these provisions and by these instruments, in citation order."""
    by_provision, by_instrument = {}, {}
    citations = (
        Citation.objects.filter(
            Q(provision_id__any_of=provision_ids) | Q(instrument_id__any_of=instrument_ids)
        )
        .order_by("pk")
        .values_list(
            "provision_id",
            "instrument_id",
            "source_id",
            "source__title",
            "source__url",
            "source__publisher",
        )
    )
    for provision_id, instrument_id, *source in citations:
        source = SourceRef(*source)
        if provision_id is not None:
            by_provision.setdefault(provision_id, []).append(source)
        else:
            by_instrument.setdefault(instrument_id, []).append(source)
    return by_provision, by_instrument


def merge_sources(own, inherited) -> tuple[SourceRef, ...]:
    seen, merged = set(), []
    for source in (*own, *inherited):
        if source.pk not in seen:
            seen.add(source.pk)
            merged.append(source)
    return tuple(merged)


@dataclass(frozen=True, slots=True)
class SuspensionRef:
    """A court order that keeps a provision out of a position: the provenance shown for a
    suspended provision."""

    pk: int
    order: str
    starts_on: dt.date
    ends_on: dt.date | None
    end_reason: str
    dimension_slug: str
    pinpoint: str
    instrument: InstrumentRef
    source: SourceRef | None


def suspension_refs(suspension_ids) -> dict[int, SuspensionRef]:
    """Suspensions by id, in one query (none when there are no ids)."""
    if not suspension_ids:
        return {}
    rows = Suspension.objects.filter(pk__in=set(suspension_ids)).values_list(
        "pk",
        "order",
        "starts_on",
        "ends_on",
        "end_reason",
        "provision__dimension__slug",
        "provision__pinpoint",
        "provision__instrument",
        "provision__instrument__title",
        "provision__instrument__kind",
        "provision__instrument__citation",
        "provision__instrument__binding",
        "provision__instrument__review_state",
        "provision__instrument__jurisdiction",
        "provision__instrument__jurisdiction__slug",
        "provision__instrument__jurisdiction__name",
        "source",
        "source__title",
        "source__url",
        "source__publisher",
    )
    refs = {}
    for pk, order, since, until, reason, slug, pinpoint, *rest in rows:
        instrument_pk, title, kind, citation, binding, state, j, j_slug, j_name = rest[:9]
        source = SourceRef(*rest[9:]) if rest[9] else None
        instrument = InstrumentRef(
            instrument_pk, title, kind, citation, binding, state, JurisdictionRef(j, j_slug, j_name)
        )
        refs[pk] = SuspensionRef(
            pk, order, since, until, reason, slug, pinpoint, instrument, source
        )
    return refs


@dataclass(slots=True)
class PositionAnswer:
    """A position with everything needed to explain it."""

    jurisdiction: Jurisdiction
    dimension: Dimension
    value: DimensionValue | None
    provenance: str
    provision: ProvisionRef | None = None
    approximate: bool = False
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    overridden: list[ProvisionRef] = field(default_factory=list)
    noted: list[ProvisionRef] = field(default_factory=list)
    # Court orders that keep a provision out of this position (see `policies.positions.rules`).
    suspensions: list[SuspensionRef] = field(default_factory=list)

    @property
    def is_suspended(self) -> bool:
        return bool(self.suspensions)

    @property
    def instrument(self):
        return self.provision.instrument if self.provision else None

    @property
    def pinpoint(self) -> str:
        return self.provision.pinpoint if self.provision else ""

    @property
    def sources(self) -> tuple[SourceRef, ...]:
        """The provision's own sources, then the instrument's, without repeats."""
        return self.provision.sources if self.provision else ()

    @property
    def is_known(self) -> bool:
        return self.value is not None


class Record(NamedTuple):
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
    # The deciding provision as PROVISION_COLUMNS, when it was read with the position.
    decided_by: tuple | None = None
    suspended: tuple[int, ...] = ()
    # The deciding provision's sources, when they were read with the position.
    sources: tuple[SourceRef, ...] | None = None


STORED_COLUMNS = (
    "jurisdiction_id",
    "dimension_id",
    "value_id",
    "provenance",
    "provision_id",
    "approximate",
    "valid_from",
    "valid_to",
    "overridden_text",
    "noted_text",
    "suspended_text",
    # The deciding provision comes in the same query, through joins on primary keys.
    *(f"provision__{column}" for column in PROVISION_COLUMNS),
)


def _ids(text: str) -> tuple[int, ...]:
    return () if text == "[]" else tuple(orjson.loads(text))


def _stored_records(positions: QuerySet[Position], *, with_sources=False) -> list[Record]:
    """Stored intervals as Records. `with_sources` reads each deciding provision's sources
    in the same query (a subquery per row): for small answers, where the separate query of
    sources would be a round trip of its own."""
    return _records(_stored_rows(positions, with_sources=with_sources), with_sources=with_sources)


def _stored_rows(positions: QuerySet[Position], *, with_sources=False) -> QuerySet:
    # The id lists are read as text and parsed with orjson: JSONField's json.loads was a
    # tenth of a thousand-row answer.
    annotations = {
        "overridden_text": Cast("overridden", TextField()),
        "noted_text": Cast("noted", TextField()),
        "suspended_text": Cast("suspended", TextField()),
    }
    columns = STORED_COLUMNS
    if with_sources:
        annotations["sources_text"] = _sources_subquery()
        columns = (*STORED_COLUMNS, "sources_text")
    return positions.order_by().annotate(**annotations).values_list(*columns)


def _records(rows, *, with_sources=False) -> list[Record]:
    width = len(STORED_COLUMNS)
    return [
        Record(
            *row[:8],
            _ids(row[8]),
            _ids(row[9]),
            row[11:width] if row[4] else None,
            _ids(row[10]),
            _source_refs(row[width]) if with_sources and row[4] else None,
        )
        for row in rows
    ]


# A profile's or a comparison's stored positions with their deciding provisions and those
# provisions' sources, compiled once per process: building and compiling this queryset had
# taken longer than the database took to answer it.
_profile_rows = Prepared(
    lambda jurisdictions, dimensions, on: _stored_rows(
        Position.objects.on(on).filter(
            jurisdiction_id__any_of=jurisdictions, dimension_id__any_of=dimensions
        ),
        with_sources=True,
    )
)


def _sources_subquery(
    provision: str = "provision_id", instrument: str = "provision__instrument_id"
) -> Subquery:
    """The deciding provision's citations (its own and its instrument's), each with what
    orders it: `_source_refs` sorts them, its own first then its instrument's, each in
    citation order, and drops repeats, as `merge_sources` does. `provision` and
    `instrument` name the outer query's columns of the provision's id and its
    instrument's."""
    provision = OuterRef(provision)
    return json_list(
        Citation.objects.filter(Q(provision_id=provision) | Q(instrument_id=OuterRef(instrument))),
        inherited=Case(When(provision_id=provision, then=Value(0)), default=Value(1)),
        citation="pk",
        pk="source_id",
        title="source__title",
        url="source__url",
        publisher="source__publisher",
    )


# A deciding provision's sources, by the text its subquery gave: the same provision decides
# many positions (a state's law those of its counties), and the text holds every value the
# refs show, so equal texts give equal refs; parsing and sorting each copy had been a tenth
# of a comparison's time. The refs are frozen, so sharing them is safe.
@functools.lru_cache(maxsize=4096)
def _source_refs(text: str | None) -> tuple[SourceRef, ...]:
    cited = sorted(read_json_list(text), key=lambda c: (c["inherited"], c["citation"]))
    seen, refs = set(), []
    for source in cited:
        if source["pk"] not in seen:
            seen.add(source["pk"])
            refs.append(
                SourceRef(source["pk"], source["title"], source["url"], source["publisher"])
            )
    return tuple(refs)


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
        None,
        resolution.suspended,
    )


def _preview_records(jurisdiction_ids, dimension_ids, on: dt.date) -> list[Record]:
    records = []
    for (j, d), scope in scopes_for(jurisdiction_ids, dimension_ids, include_drafts=True).items():
        interval = position_on(timeline(scope), on)
        resolution = interval.resolution
        if resolution.is_known or interval.approximate or resolution.suspended:
            records.append(_interval_record(j, d, interval))
    return records


def _hydrate(
    records, jurisdictions: dict, dimensions: dict
) -> dict[tuple[int, int], PositionAnswer]:
    values = _values_of(dimensions)
    provisions = _provisions_of(records, values)
    suspensions = suspension_refs({i for r in records for i in r.suspended})
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
            suspensions=[suspensions[i] for i in r.suspended if i in suspensions],
        )
        for r in records
    }


def _values_of(dimensions: dict) -> dict[int, DimensionValue]:
    """The values of these dimensions by id: the codebook's, read once with it, for the
    codebook's own dimensions (a related manager and a queryset per dimension had been a
    tenth of a comparison's time); any other dimension's through its manager."""
    cached = _codebook
    known = cached[2] if cached is not None else {}
    values = {}
    for d in dimensions.values():
        entry = known.get(d.pk)
        if entry is not None and entry[0] is d:
            values.update(entry[1])
        else:
            values.update((v.pk, v) for v in d.values.all())
    return values


def _provisions_of(records, values) -> dict[int, ProvisionRef]:
    deciding, others, rows, known = set(), set(), [], {}
    for r in records:
        if r.provision_id:
            deciding.add(r.provision_id)
            if r.decided_by:
                rows.append(r.decided_by)
            if r.sources is not None:
                known[r.provision_id] = r.sources
        others.update(r.overridden)
        others.update(r.noted)
    return provision_refs(deciding | others, values, with_sources=deciding, rows=rows, known=known)


# (data version, dimensions, dimension id → (dimension, its values by id)): the codebook as
# this process last read it.
_codebook: tuple[str, list[Dimension], dict[int, tuple[Dimension, dict]]] | None = None


def codebook(version: str | None = None) -> list[Dimension]:
    """Every dimension with its values in rank order, in codebook order.

    Read once per process while the data version stands (editing a dimension or a value
    changes it), so a page or an answer pays one small query for it instead of two and
    the building of some eighty model instances; none when the caller read the `version`
    already (`listed_by_codes`). The instances are shared: read them, never change them."""
    global _codebook
    version = version or data_version.current()
    cached = _codebook
    if cached is None or cached[0] != version:
        dimensions = list(
            Dimension.objects.prefetch_related(
                Prefetch("values", queryset=DimensionValue.objects.order_by("rank"))
            )
        )
        values = {d.pk: (d, {v.pk: v for v in d.values.all()}) for d in dimensions}
        cached = _codebook = (version, dimensions, values)
    return cached[1]


def forget_codebook() -> None:
    """For tests, whose rolled-back transactions can bring an earlier version back."""
    global _codebook
    _codebook = None


def in_codebook(dimension: Dimension) -> Dimension:
    """The codebook's copy of a dimension: its values come without a query."""
    cached = _codebook
    if cached is not None and any(d is dimension for d in cached[1]):
        return dimension  # already the codebook's, read for this request
    for candidate in codebook():
        if candidate.pk == dimension.pk:
            return candidate
    raise Dimension.DoesNotExist(f"No dimension with id {dimension.pk}.")


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
    elif listed and by_id:
        rows = _profile_rows(jurisdictions=list(listed), dimensions=list(by_id), on=on)
        records = _records(rows, with_sources=True)
    else:
        records = []
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
    dimension = in_codebook(dimension)
    listed = {j.pk: j for j in jurisdictions}
    records = _stored_records(
        Position.objects.on(on).filter(dimension=dimension, jurisdiction_id__any_of=list(listed))
    )
    answers = _hydrate(records, listed, {dimension.pk: dimension})
    return [
        answers.get((pk, dimension.pk))
        or PositionAnswer(jurisdiction, dimension, None, Provenance.UNKNOWN.value)
        for pk, jurisdiction in listed.items()
    ]


@dataclass(frozen=True, slots=True)
class PositionPage:
    """A page of one dimension's positions as `positions_page` reads it, for the JSON list
    (`policies.shapes.position_page_of`): plain rows, no object per position."""

    dimension: Dimension
    values: dict[int, DimensionValue]
    # Per jurisdiction: its PAGE_COLUMNS row, then the ids of the provisions its position
    # sets aside, of those it notes, and of the court orders that suspend one.
    rows: list[tuple[tuple, tuple[int, ...], tuple[int, ...], tuple[int, ...]]]
    # Deciding provision id → its sources, in the order `merge_sources` gives.
    sources: dict[int, tuple[SourceRef, ...]]
    # Set-aside and noted provision id → its PROVISION_COLUMNS row.
    mentioned: dict[int, tuple]
    suspensions: dict[int, SuspensionRef]


def positions_page(
    dimension: Dimension,
    on: dt.date,
    jurisdictions: QuerySet[Jurisdiction],
    *,
    offset: int,
    limit: int,
) -> tuple[PositionPage, int | None]:
    """One page of one dimension's positions for the jurisdictions of a queryset, in its
    order, and how many jurisdictions it holds (None when the page is empty): one query for
    the page's jurisdictions with their positions, deciding provisions and those
    provisions' sources and the count, as the floor's one query does (docs/benchmarks.md),
    and one for the set-aside and noted provisions when there are any."""
    dimension = in_codebook(dimension)
    values = {v.pk: v for v in dimension.values.all()}
    read = list(
        jurisdictions.annotate(
            held=held_on(dimension, on),
            held_overridden=Cast("held__overridden", TextField()),
            held_noted=Cast("held__noted", TextField()),
            held_suspended=Cast("held__suspended", TextField()),
            held_sources=_sources_subquery("held__provision_id", "held__provision__instrument_id"),
            total=count_of(jurisdictions),
        ).values_list(*PAGE_COLUMNS)[offset : offset + limit]
    )
    rows, sources, deciding, mentioned, suspended = [], {}, {}, set(), set()
    for row in read:
        if row[PAGE_PROVENANCE] is None:  # no stored interval on that date: unknown
            rows.append((row, (), (), ()))
            continue
        overridden, noted, suspensions = row[PAGE_ID_LISTS]
        lists = _ids(overridden), _ids(noted), _ids(suspensions)
        rows.append((row, *lists))
        mentioned.update(lists[0])
        mentioned.update(lists[1])
        suspended.update(lists[2])
        provision_id = row[PAGE_PROVISION_ID]
        if provision_id and provision_id not in sources:
            sources[provision_id] = _source_refs(row[PAGE_SOURCES])
            deciding[provision_id] = row[PAGE_PROVISION]
    # A provision set aside in one row may decide another: its columns are read already.
    known = {pk: deciding[pk] for pk in mentioned if pk in deciding}
    missing = mentioned.difference(known)
    if missing:
        known.update((row[0], row) for row in _provision_rows(ids=sorted(missing)))
    page = PositionPage(dimension, values, rows, sources, known, suspension_refs(suspended))
    return page, (read[0][-1] if read else None)


def held_on(dimension: Dimension, on: dt.date) -> FilteredRelation:
    """A jurisdiction's stored interval on a dimension on a date (at most one): the join
    every per-jurisdiction read of positions annotates as `held`."""
    return FilteredRelation(
        "positions",
        condition=Q(positions__dimension=dimension)
        & (Q(positions__valid_from__isnull=True) | Q(positions__valid_from__lte=on))
        & (Q(positions__valid_to__isnull=True) | Q(positions__valid_to__gt=on)),
    )


class ListedJurisdiction(NamedTuple):
    """What a streamed list shows of a jurisdiction: read with its position, in one row."""

    pk: int
    slug: str
    name: str
    level: str
    fips: str | None
    ocd_id: str | None


LISTED_COLUMNS = ("pk", "slug", "name", "level", "fips", "ocd_id")

# Jurisdictions by code with the data version in the same row, so that a comparison learns
# whether its codebook is current without a round trip of its own.
_listed_with_version = Prepared(
    lambda codes: (
        Jurisdiction.objects.filter(
            Q(fips__any_of=codes) | Q(slug__any_of=codes) | Q(ocd_id__any_of=codes)
        )
        .annotate(version=data_version.token_subquery())
        .values_list(*LISTED_COLUMNS, "version")
    )
)


def listed_by_codes(codes: list[str], parameter: str) -> tuple[list[ListedJurisdiction], str]:
    """The jurisdictions with these FIPS codes, slugs or OCD ids in the order given (each
    once; a ValidationError names the codes that match none), and the data version, in one
    query compiled once per process."""
    rows = _listed_with_version(codes=codes)
    found = [ListedJurisdiction(*row[:-1]) for row in rows]
    version = data_version.as_text(rows[0][-1]) if rows else data_version.current()
    return in_order_of_codes(found, codes=codes, parameter=parameter), version


HELD_COLUMNS = (
    "held__value_id",
    "held__provenance",
    "held__provision_id",
    "held__approximate",
    "held__valid_from",
    "held__valid_to",
    "held_overridden",
    "held_noted",
    "held_suspended",
    *(f"held__provision__{column}" for column in PROVISION_COLUMNS),
)


# A jurisdiction of a page with its position (`positions_page`): LISTED_COLUMNS, the
# interval, its id lists as text, the deciding provision as PROVISION_COLUMNS, that
# provision's sources as JSON text, and the count of the whole list. The streamed rows
# (`positions_streamed`) are the same without the last two.
PAGE_COLUMNS = (*LISTED_COLUMNS, *HELD_COLUMNS, "held_sources", "total")
# Where each part sits in such a row, named rather than counted.
PAGE_LISTED = slice(0, len(LISTED_COLUMNS))
# value, provenance, provision, approximate, valid from, valid to
PAGE_INTERVAL = slice(
    PAGE_COLUMNS.index("held__value_id"), PAGE_COLUMNS.index("held__valid_to") + 1
)
PAGE_PROVENANCE = PAGE_COLUMNS.index("held__provenance")
PAGE_PROVISION_ID = PAGE_COLUMNS.index("held__provision_id")
# overridden, noted, suspended
PAGE_ID_LISTS = slice(
    PAGE_COLUMNS.index("held_overridden"), PAGE_COLUMNS.index("held_suspended") + 1
)
PAGE_PROVISION = slice(
    PAGE_COLUMNS.index(f"held__provision__{PROVISION_COLUMNS[0]}"),
    PAGE_COLUMNS.index(f"held__provision__{PROVISION_COLUMNS[-1]}") + 1,
)
PAGE_SOURCES = PAGE_COLUMNS.index("held_sources")


def positions_streamed(
    dimension: Dimension, on: dt.date, jurisdictions: QuerySet[Jurisdiction], *, chunk_size=2000
) -> Iterator[PositionAnswer]:
    """One dimension's position for every jurisdiction of a queryset, in the queryset's
    order, for exports of any length: each jurisdiction comes with its position and deciding
    provision in the same row of one query, read through a server-side cursor in the order
    the database returns it. Sources, set-aside and noted provisions and court orders are
    looked up per chunk of rows, for the ids not met in an earlier chunk."""
    dimension = in_codebook(dimension)
    values = {v.pk: v for v in dimension.values.all()}
    rows = (
        jurisdictions.annotate(
            held=held_on(dimension, on),
            held_overridden=Cast("held__overridden", TextField()),
            held_noted=Cast("held__noted", TextField()),
            held_suspended=Cast("held__suspended", TextField()),
        )
        .values_list(*LISTED_COLUMNS, *HELD_COLUMNS)
        .iterator(chunk_size=chunk_size)
    )
    refs = ({}, {}, {})  # deciding provisions, set-aside and noted ones, court orders
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == chunk_size:
            yield from _streamed_answers(chunk, dimension, values, *refs)
            chunk = []
    yield from _streamed_answers(chunk, dimension, values, *refs)


def _streamed_answers(chunk, dimension, values, decided, mentioned, suspensions):
    records = []
    for row in chunk:
        j = ListedJurisdiction(*row[PAGE_LISTED])
        value_id, provenance, provision_id, approximate, since, until = row[PAGE_INTERVAL]
        lists = row[PAGE_ID_LISTS]
        if provenance is None:  # no stored interval on that date: unknown
            records.append((j, None))
            continue
        record = Record(
            j.pk,
            dimension.pk,
            value_id,
            provenance,
            provision_id,
            approximate,
            since,
            until,
            _ids(lists[0]),
            _ids(lists[1]),
            row[PAGE_PROVISION] if provision_id else None,
            _ids(lists[2]),
        )
        records.append((j, record))
    known = [r for _, r in records if r is not None]
    # Deciding provisions carry their sources; set-aside and noted ones need none, so they
    # are kept apart: a provision met first as set aside may decide a later row.
    deciding = {r.provision_id for r in known if r.provision_id} - decided.keys()
    if deciding:
        rows = [r.decided_by for r in known if r.provision_id in deciding]
        decided.update(provision_refs(deciding, values, with_sources=deciding, rows=rows))
    others = {i for r in known for i in (*r.overridden, *r.noted)} - mentioned.keys()
    if others:
        mentioned.update(provision_refs(others, values))
    wanted = {i for r in known for i in r.suspended} - suspensions.keys()
    suspensions.update(suspension_refs(wanted))
    for j, r in records:
        if r is None:
            yield PositionAnswer(j, dimension, None, Provenance.UNKNOWN.value)
            continue
        yield PositionAnswer(
            jurisdiction=j,
            dimension=dimension,
            value=values.get(r.value_id),
            provenance=r.provenance,
            provision=decided.get(r.provision_id),
            approximate=r.approximate,
            valid_from=r.valid_from,
            valid_to=r.valid_to,
            overridden=[mentioned[i] for i in r.overridden if i in mentioned],
            noted=[mentioned[i] for i in r.noted if i in mentioned],
            suspensions=[suspensions[i] for i in r.suspended if i in suspensions],
        )


def suspensions_on(dimension: Dimension, on: dt.date) -> list[SuspensionRef]:
    """Court orders suspending a published provision on this question on that date, for
    the map's note: two queries, one when none is in force."""
    ids = Suspension.objects.filter(
        provision__dimension=dimension,
        provision__instrument__review_state=ReviewState.PUBLISHED,
        starts_on__lte=on,
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gt=on))
    refs = suspension_refs(list(ids.values_list("pk", flat=True)))
    return sorted(refs.values(), key=lambda s: (s.starts_on, s.pk))


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
    dimension = in_codebook(dimension)
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
    values = {v.pk: v for v in dimension.values.all()}
    provisions = _provisions_of(records, values)
    suspensions = suspension_refs({i for r in records for i in r.suspended})
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
                [suspensions[i] for i in r.suspended if i in suspensions],
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
