"""The answers about positions, declared once as TypedDicts (see core/shapes.py): the JSON
of every positions endpoint, the CSV header of the positions export and the OpenAPI schema
all come from these declarations, and each is filled by one builder here."""

import csv
import datetime as dt
import io
import json
from typing import Literal, TypedDict

from core.api import link
from core.shapes import columns
from jurisdictions.shapes import JurisdictionRef, jurisdiction_ref
from policies.positions.queries import PositionAnswer


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
    provision = answer.provision
    decided_by = None
    if provision is not None:
        instrument = answer.instrument
        decided_by = {
            "instrument": {
                "id": instrument.pk,
                "title": instrument.title,
                "kind": instrument.kind,
                "citation": instrument.citation,
                "binding": instrument.binding,
                "jurisdiction": instrument.jurisdiction.slug,
                "url": link(request, "api:instrument-detail", instrument.pk),
            },
            "provision": {
                "id": provision.pk,
                "pinpoint": provision.pinpoint,
                "exceptions": provision.exceptions,
            },
            "sources": sources_of(answer),
        }
    value = answer.value
    return {
        "dimension": answer.dimension.slug,
        "value": value.slug if value else None,
        "value_label": value.label if value else "Unknown",
        "rank": value.rank if value else None,
        "provenance": answer.provenance,
        "approximate": answer.approximate,
        "valid_from": answer.valid_from,
        "valid_to": answer.valid_to,
        "decided_by": decided_by,
        "overridden": set_aside_of(answer),
        "mandates_noted": noted_of(answer),
        "suspended_by": suspended_by_of(answer),
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
    return [
        {
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
        for s in answer.suspensions
    ]


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
