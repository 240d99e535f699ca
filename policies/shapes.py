"""The answers about the codebook, instruments, provisions, sources, events and positions,
declared once as TypedDicts (see core/shapes.py): the JSON of their endpoints, their CSV
columns and the OpenAPI schema all come from these declarations, and each is filled by one
builder here."""

import csv
import datetime as dt
import io
import json
from typing import Annotated, Literal, TypedDict

from core.shapes import (
    Help,
    Link,
    RelatedSlug,
    Timestamp,
    columns,
    link,
    links,
    resource_shape,
    timestamp,
)
from jurisdictions.shapes import JurisdictionRef, jurisdiction_ref
from policies import models
from policies.dates import Precision, format_partial_date
from policies.positions.queries import (
    PAGE_INTERVAL,
    PAGE_LISTED,
    PAGE_PROVISION,
    PositionAnswer,
    PositionPage,
    SuspensionRef,
)

# --- the codebook (/api/v1/dimensions/) ----------------------------------------------------


@resource_shape(models.DimensionValue)
class DimensionValue(TypedDict):
    slug: str
    label: str
    rank: int
    is_neutral: bool
    description: str
    definition: str
    decision_rule: str
    example: str


@resource_shape(models.Dimension)
class Dimension(TypedDict):
    slug: str
    name: str
    group: str
    question: str
    description: str
    position: int
    neutral: Annotated[
        str | None,
        Help("The neutral value: lower ranks limit cooperation, higher ranks require it."),
    ]
    values: list[DimensionValue]
    updated_at: Timestamp


def dimension_value_of(value: models.DimensionValue) -> DimensionValue:
    return {
        "slug": value.slug,
        "label": value.label,
        "rank": value.rank,
        "is_neutral": value.is_neutral,
        "description": value.description,
        "definition": value.definition,
        "decision_rule": value.decision_rule,
        "example": value.example,
    }


def dimension_of(dimension: models.Dimension, request) -> Dimension:
    values = dimension.values.all()
    return {
        "slug": dimension.slug,
        "name": dimension.name,
        "group": dimension.group,
        "question": dimension.question,
        "description": dimension.description,
        "position": dimension.position,
        "neutral": next((v.slug for v in values if v.is_neutral), None),
        "values": [dimension_value_of(v) for v in values],
        "updated_at": timestamp(dimension.updated_at),
    }


# --- sources and events (/api/v1/sources/, /api/v1/events/) --------------------------------


@resource_shape(models.Source)
class Source(TypedDict):
    id: int
    title: str
    publisher: str
    kind: models.SourceKind
    url: str
    archived_url: str
    published_on: dt.date | None
    accessed_on: dt.date | None
    notes: str
    updated_at: Timestamp


@resource_shape(models.Event)
class Event(TypedDict):
    id: int
    date: Annotated[str, Help("YYYY, YYYY-MM or YYYY-MM-DD.")]
    occurred_on: dt.date
    occurred_precision: Precision
    kind: models.EventKind
    title: str
    description: str
    jurisdiction: JurisdictionRef
    sources: list[Source]
    updated_at: Timestamp


def source_of(source: models.Source, request) -> Source:
    return {
        "id": source.pk,
        "title": source.title,
        "publisher": source.publisher,
        "kind": source.kind,
        "url": source.url,
        "archived_url": source.archived_url,
        "published_on": source.published_on,
        "accessed_on": source.accessed_on,
        "notes": source.notes,
        "updated_at": timestamp(source.updated_at),
    }


def event_of(event: models.Event, request) -> Event:
    return {
        "id": event.pk,
        "date": format_partial_date(event.occurred_on, event.occurred_precision),
        "occurred_on": event.occurred_on,
        "occurred_precision": event.occurred_precision,
        "kind": event.kind,
        "title": event.title,
        "description": event.description,
        "jurisdiction": jurisdiction_ref(event.jurisdiction),
        "sources": [source_of(s, request) for s in event.sources.all()],
        "updated_at": timestamp(event.updated_at),
    }


# --- instruments and provisions (/api/v1/instruments/, /api/v1/provisions/) ---------------


@resource_shape()
class CitedSource(TypedDict):
    """A citation as shown with what it supports: the source, the pinpoint, the quote."""

    source_id: int
    title: str
    publisher: str
    url: str
    archived_url: str
    pinpoint: str
    quote: str


@resource_shape(models.Provision)
class ProvisionInInstrument(TypedDict):
    id: int
    dimension: Annotated[str, RelatedSlug()]
    value: Annotated[str, RelatedSlug()]
    value_label: str
    rank: int
    pinpoint: str
    exceptions: str
    notes: str
    citations: list[CitedSource]


@resource_shape(models.Instrument)
class InstrumentRef(TypedDict):
    id: int
    title: str
    kind: models.InstrumentKind
    citation: str
    binding: bool
    jurisdiction: JurisdictionRef


Provision = resource_shape(models.Provision)(
    TypedDict(
        "Provision",
        {
            **ProvisionInInstrument.__annotations__,
            "instrument": InstrumentRef,
            "updated_at": Timestamp,
        },
    )
)

# A date as written when known only to the month or year.
PartialDate = Annotated[str, Help("YYYY, YYYY-MM or YYYY-MM-DD, as precisely as known.")]


@resource_shape(models.Instrument)
class Instrument(TypedDict):
    id: int
    title: str
    kind: models.InstrumentKind
    status: models.InstrumentStatus
    citation: str
    jurisdiction: JurisdictionRef
    agency: Annotated[str | None, RelatedSlug()]
    binding: bool
    enacted: PartialDate
    effective: PartialDate
    ended: PartialDate
    enacted_on: dt.date | None
    enacted_precision: Precision
    effective_on: dt.date | None
    effective_precision: Precision
    ended_on: dt.date | None
    ended_precision: Precision
    supersedes: int | None
    summary: str
    confidence: models.Confidence | Literal[""]
    last_verified_on: dt.date | None
    published_at: Timestamp
    updated_at: Timestamp
    provisions: list[ProvisionInInstrument]
    citations: list[CitedSource]
    url: Link
    site_url: Link


def cited_source(citation: models.Citation) -> CitedSource:
    source = citation.source
    return {
        "source_id": citation.source_id,
        "title": source.title,
        "publisher": source.publisher,
        "url": source.url,
        "archived_url": source.archived_url,
        "pinpoint": citation.pinpoint,
        "quote": citation.quote,
    }


def provision_in_instrument(provision: models.Provision) -> ProvisionInInstrument:
    value = provision.value
    return {
        "id": provision.pk,
        "dimension": provision.dimension.slug,
        "value": value.slug,
        "value_label": value.label,
        "rank": value.rank,
        "pinpoint": provision.pinpoint,
        "exceptions": provision.exceptions,
        "notes": provision.notes,
        "citations": [cited_source(c) for c in provision.citations.all()],
    }


def instrument_ref(instrument: models.Instrument) -> InstrumentRef:
    return {
        "id": instrument.pk,
        "title": instrument.title,
        "kind": instrument.kind,
        "citation": instrument.citation,
        "binding": instrument.binding,
        "jurisdiction": jurisdiction_ref(instrument.jurisdiction),
    }


def provision_of(provision: models.Provision, request) -> Provision:
    return {
        **provision_in_instrument(provision),
        "instrument": instrument_ref(provision.instrument),
        "updated_at": timestamp(provision.updated_at),
    }


def instrument_of(instrument: models.Instrument, request) -> Instrument:
    agency = instrument.agency
    return {
        "id": instrument.pk,
        "title": instrument.title,
        "kind": instrument.kind,
        "status": instrument.status,
        "citation": instrument.citation,
        "jurisdiction": jurisdiction_ref(instrument.jurisdiction),
        "agency": agency.slug if agency else None,
        "binding": instrument.binding,
        "enacted": instrument.enacted_display,
        "effective": instrument.effective_display,
        "ended": instrument.ended_display,
        "enacted_on": instrument.enacted_on,
        "enacted_precision": instrument.enacted_precision,
        "effective_on": instrument.effective_on,
        "effective_precision": instrument.effective_precision,
        "ended_on": instrument.ended_on,
        "ended_precision": instrument.ended_precision,
        "supersedes": instrument.supersedes_id,
        "summary": instrument.summary,
        "confidence": instrument.confidence,
        "last_verified_on": instrument.last_verified_on,
        "published_at": timestamp(instrument.reviewed_at),
        "updated_at": timestamp(instrument.updated_at),
        "provisions": [provision_in_instrument(p) for p in instrument.provisions.all()],
        "citations": [cited_source(c) for c in instrument.citations.all()],
        "url": link(request, "api:instrument-detail", instrument.pk),
        "site_url": link(request, "site:instrument", instrument.pk),
    }


# --- positions (/api/v1/positions/, timeline, compare, map) --------------------------------


class InstrumentInPosition(TypedDict):
    id: int
    title: str
    kind: str
    citation: str
    binding: bool
    jurisdiction: str
    url: str


class ProvisionInPosition(TypedDict):
    id: int
    pinpoint: str
    exceptions: str


class SourceInPosition(TypedDict):
    title: str
    url: str


class DecidedBy(TypedDict):
    """The provision that decides a position, its instrument, and their sources."""

    instrument: InstrumentInPosition
    provision: ProvisionInPosition
    sources: list[SourceInPosition]


class SetAside(TypedDict):
    """A provision the deciding one overrides (a preempted local rule, say)."""

    provision: int
    instrument: str
    jurisdiction: str
    value: str


class Noted(TypedDict):
    """A mandate noted beside the deciding provision."""

    provision: int
    instrument: str
    value: str


# A court order that keeps a provision out of the position (policies.positions.rules);
# declared this way because "from" is a Python keyword.
SuspendedBy = TypedDict(
    "SuspendedBy",
    {
        "order": str,
        "from": dt.date,
        "until": dt.date | None,
        "until_reason": str,
        "instrument": str,
        "jurisdiction": str,
        "dimension": str,
        "pinpoint": str,
        "source": str | None,
    },
)


class Interval(TypedDict):
    """A position with its provenance over the interval of time it holds: an interval of a
    timeline, or (in a comparison) the interval that contains the date asked about."""

    dimension: str
    value: str | None
    value_label: str
    rank: int | None
    provenance: Literal["own", "inherited", "preempted", "suspended", "unknown"]
    approximate: bool
    valid_from: dt.date | None
    valid_to: dt.date | None
    decided_by: DecidedBy | None
    overridden: list[SetAside]
    mandates_noted: list[Noted]
    suspended_by: list[SuspendedBy]


# A jurisdiction's position on a date: one row of /api/v1/positions/ (JSON and CSV).
Position = TypedDict(
    "Position", {"jurisdiction": JurisdictionRef, "as_of": dt.date, **Interval.__annotations__}
)


class Timeline(TypedDict):
    jurisdiction: JurisdictionRef
    dimension: str
    intervals: list[Interval]


class CompareRow(TypedDict):
    slug: str
    name: str
    cells: dict[str, Interval]


class Compare(TypedDict):
    as_of: dt.date
    jurisdictions: list[JurisdictionRef]
    dimensions: list[CompareRow]


class ProfileDownload(TypedDict):
    """A profile's download: every dimension's position on a date, with its licence."""

    jurisdiction: JurisdictionRef
    as_of: dt.date
    licence: str
    cite: str
    positions: list[Position]


class CodebookValue(TypedDict):
    """A value of the codebook, as the map's legend and the bulk download's codebook.json
    show it."""

    slug: str
    label: str
    rank: int
    is_neutral: bool


class Map(TypedDict):
    dimension: str
    level: str
    as_of: dt.date
    legend: list[CodebookValue]
    values: dict[str, str | None]


def interval_of(answer: PositionAnswer, request) -> Interval:
    return intervals_of(request)(answer)


def intervals_of(request):
    """`interval_of` for many answers of one request (a comparison's cells, a timeline's
    intervals): a function of the answer that builds the instrument's URL from parts made
    once, and a provision's `decided_by` once however many positions it decides (a state's
    law decides its counties'). The shared parts are never changed once built."""
    url = links(request, "api:instrument-detail")
    # id of a deciding provision → (the provision, kept so its id stays its own; decided_by)
    decided: dict[int, tuple] = {}

    def decided_by_of(provision) -> DecidedBy:
        built = decided.get(id(provision))
        if built is not None and built[0] is provision:
            return built[1]
        instrument = provision.instrument
        shown = _decided_by(
            instrument_id=instrument.pk,
            title=instrument.title,
            kind=instrument.kind,
            citation=instrument.citation,
            binding=instrument.binding,
            jurisdiction=instrument.jurisdiction.slug,
            url=url(instrument.pk),
            provision_id=provision.pk,
            pinpoint=provision.pinpoint,
            exceptions=provision.exceptions,
            sources=[{"title": s.title, "url": s.url} for s in provision.sources],
        )
        decided[id(provision)] = (provision, shown)
        return shown

    def interval(answer: PositionAnswer) -> Interval:
        provision, value = answer.provision, answer.value
        return {
            "dimension": answer.dimension.slug,
            "value": value.slug if value else None,
            "value_label": value.label if value else "Unknown",
            "rank": value.rank if value else None,
            "provenance": answer.provenance,
            "approximate": answer.approximate,
            "valid_from": answer.valid_from,
            "valid_to": answer.valid_to,
            "decided_by": decided_by_of(provision) if provision is not None else None,
            "overridden": set_aside_of(answer) if answer.overridden else [],
            "mandates_noted": noted_of(answer) if answer.noted else [],
            "suspended_by": suspended_by_of(answer) if answer.suspensions else [],
        }

    return interval


def _decided_by(
    *,
    instrument_id,
    title,
    kind,
    citation,
    binding,
    jurisdiction,
    url,
    provision_id,
    pinpoint,
    exceptions,
    sources,
) -> DecidedBy:
    """The one place a position's `decided_by` is written, from plain values: an answer
    object's (`intervals_of`) or a page row's (`position_page_of`)."""
    return {
        "instrument": {
            "id": instrument_id,
            "title": title,
            "kind": kind,
            "citation": citation,
            "binding": binding,
            "jurisdiction": jurisdiction,
            "url": url,
        },
        "provision": {"id": provision_id, "pinpoint": pinpoint, "exceptions": exceptions},
        "sources": sources,
    }


def sources_of(answer: PositionAnswer) -> list[SourceInPosition]:
    return [{"title": s.title, "url": s.url} for s in answer.sources]


def set_aside_of(answer: PositionAnswer) -> list[SetAside]:
    return [
        {
            "provision": p.pk,
            "instrument": p.instrument.title,
            "jurisdiction": p.instrument.jurisdiction.slug,
            "value": p.value.slug,
        }
        for p in answer.overridden
    ]


def noted_of(answer: PositionAnswer) -> list[Noted]:
    return [
        {"provision": p.pk, "instrument": p.instrument.title, "value": p.value.slug}
        for p in answer.noted
    ]


def suspended_by_of(answer: PositionAnswer) -> list[SuspendedBy]:
    return [_suspended_by(s) for s in answer.suspensions]


def _suspended_by(s: SuspensionRef) -> SuspendedBy:
    return {
        "order": s.order,
        "from": s.starts_on,
        "until": s.ends_on,
        "until_reason": s.end_reason,
        "instrument": s.instrument.title,
        "jurisdiction": s.instrument.jurisdiction.slug,
        "dimension": s.dimension_slug,
        "pinpoint": s.pinpoint,
        "source": s.source.url if s.source else None,
    }


def compare_of(as_of: dt.date, jurisdictions, dimensions, table, request) -> Compare:
    """Jurisdictions side by side, one row per dimension; `table` maps each jurisdiction's
    id to its answers in the order of `dimensions` (live or as a release had them)."""
    interval = intervals_of(request)
    columns = [(j.slug, table[j.pk]) for j in jurisdictions]
    return {
        "as_of": as_of,
        "jurisdictions": [jurisdiction_ref(j) for j in jurisdictions],
        "dimensions": [
            {
                "slug": d.slug,
                "name": d.name,
                "cells": {slug: interval(answers[i]) for slug, answers in columns},
            }
            for i, d in enumerate(dimensions)
        ],
    }


def compare_csv(as_of: dt.date, jurisdictions, table, request) -> str:
    """A comparison as CSV (live or as a release had it): one row per jurisdiction and
    dimension, with the provenance, deciding instrument, pinpoint and sources of the
    positions CSV; `table` as for `compare_of`."""
    answers = [answer for j in jurisdictions for answer in table[j.pk]]
    return positions_csv(answers, as_of, request)


def codebook_value(value) -> CodebookValue:
    return {
        "slug": value.slug,
        "label": value.label,
        "rank": value.rank,
        "is_neutral": value.is_neutral,
    }


def position_of(answer: PositionAnswer, as_of: dt.date, request) -> Position:
    """One jurisdiction's position with its provenance: a row of the positions endpoint, a
    profile's download and a comparison's CSV."""
    return {
        "jurisdiction": jurisdiction_ref(answer.jurisdiction),
        "as_of": as_of,
        **interval_of(answer, request),
    }


def position_page_of(page: PositionPage, as_of: dt.date, request) -> list[Position]:
    """A page of the positions list: what `position_of` gives for each row, built from the
    rows `positions_page` read rather than through an answer object per row, the parts
    that repeat (a value, a provision's sources, a set-aside provision) built once each. A
    thousand rows had cost more here than in the database (docs/benchmarks.md);
    tests/policies/api/test_positions.py checks the two agree on every county."""
    dimension, values = page.dimension.slug, page.values
    shown = {pk: (v.slug, v.label, v.rank) for pk, v in values.items()}
    instrument_url = links(request, "api:instrument-detail")
    sources = {
        pk: [{"title": s.title, "url": s.url} for s in refs] for pk, refs in page.sources.items()
    }
    set_aside, noted = {}, {}
    for pk, (_, _, _, value_id, _, title, *_, j_slug, _) in page.mentioned.items():
        set_aside[pk] = {
            "provision": pk,
            "instrument": title,
            "jurisdiction": j_slug,
            "value": values[value_id].slug,
        }
        noted[pk] = {"provision": pk, "instrument": title, "value": values[value_id].slug}
    suspended = {pk: _suspended_by(s) for pk, s in page.suspensions.items()}
    results = []
    for row, overridden, mandates, suspensions in page.rows:
        _, slug, name, level, fips, ocd_id = row[PAGE_LISTED]
        value_id, provenance, provision_id, approximate, valid_from, valid_to = row[PAGE_INTERVAL]
        value = shown.get(value_id)
        decided_by = None
        if provision_id:
            # PROVISION_COLUMNS
            (
                _,
                pinpoint,
                exceptions,
                _,
                instrument,
                title,
                kind,
                citation,
                binding,
                _,
                _,
                j_slug,
                _,
            ) = row[PAGE_PROVISION]
            decided_by = _decided_by(
                instrument_id=instrument,
                title=title,
                kind=kind,
                citation=citation,
                binding=binding,
                jurisdiction=j_slug,
                url=instrument_url(instrument),
                provision_id=provision_id,
                pinpoint=pinpoint,
                exceptions=exceptions,
                sources=sources[provision_id],
            )
        if not provenance:  # unknown: no interval
            approximate, valid_from, valid_to = False, None, None
        results.append(
            {
                "jurisdiction": {
                    "slug": slug,
                    "name": name,
                    "level": level,
                    "fips": fips,
                    "ocd_id": ocd_id,
                },
                "as_of": as_of,
                "dimension": dimension,
                "value": value[0] if value else None,
                "value_label": value[1] if value else "Unknown",
                "rank": value[2] if value else None,
                "provenance": provenance or "unknown",
                "approximate": approximate,
                "valid_from": valid_from,
                "valid_to": valid_to,
                "decided_by": decided_by,
                "overridden": [set_aside[i] for i in overridden if i in set_aside],
                "mandates_noted": [noted[i] for i in mandates if i in noted],
                "suspended_by": [suspended[i] for i in suspensions if i in suspended],
            }
        )
    return results


# The CSV of positions, wherever it is downloaded (the positions endpoint, a profile, a
# comparison, the map): the columns of `Position` flattened, one row per position.
POSITION_CSV_HEADER = columns(Position)
NOT_DECIDED = [""] * len(columns(DecidedBy))


def _cell(value):
    """A value as `core.csv_text.flatten` writes it."""
    return "" if value is None else value


def _json_cell(items: list[dict]) -> str:
    return json.dumps(items, ensure_ascii=False, default=str) if items else ""


def position_csv_row(answer: PositionAnswer, as_of, request) -> list:
    """One CSV row: what `flatten(interval_of(…))` gives, written out because the generic
    flattening was a third of an all-counties export (tests/policies/api/test_positions.py
    checks the two agree on every county)."""
    j, value, provision = answer.jurisdiction, answer.value, answer.provision
    row = [
        j.slug,
        j.name,
        j.level,
        _cell(j.fips),
        _cell(j.ocd_id),
        as_of,
        answer.dimension.slug,
        value.slug if value else "",
        value.label if value else "Unknown",
        value.rank if value else "",
        answer.provenance,
        answer.approximate,
        _cell(answer.valid_from),
        _cell(answer.valid_to),
    ]
    if provision is None:
        row += NOT_DECIDED
    else:
        instrument = provision.instrument
        row += [
            instrument.pk,
            instrument.title,
            instrument.kind,
            instrument.citation,
            instrument.binding,
            instrument.jurisdiction.slug,
            link(request, "api:instrument-detail", instrument.pk),
            provision.pk,
            provision.pinpoint,
            provision.exceptions,
            _json_cell(sources_of(answer)),
        ]
    row += [
        _json_cell(set_aside_of(answer)),
        _json_cell(noted_of(answer)),
        _json_cell(suspended_by_of(answer)),
    ]
    return row


def positions_csv(answers: list[PositionAnswer], as_of: dt.date, request) -> str:
    """A few positions (a profile, a comparison) as CSV text, header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(POSITION_CSV_HEADER)
    writer.writerows(position_csv_row(answer, as_of, request) for answer in answers)
    return buffer.getvalue()
