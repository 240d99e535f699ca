"""How the API shows ICE's 287(g) lists, declared once (see core/shapes.py): agreements
(/api/v1/agreements/) and the sheets they were read from with what each changed
(/api/v1/snapshots/), each filled by one builder here."""

import datetime as dt
from typing import Annotated, TypedDict

from agreements import models
from core.shapes import RelatedSlug, Timestamp, link, resource_shape, timestamp
from jurisdictions.shapes import AgencyRef, JurisdictionRef, agency_ref, jurisdiction_ref

# Every count of a sheet's summary, so each CSV row of the snapshots has the same columns.
SUMMARY_KEYS = (
    "rows",
    "blank rows",
    "added",
    "renewed",
    "switched",
    "corrected",
    "ended",
    "reappeared",
    "moa-linked",
    "pending",
    "pending-added",
    "pending-removed",
    "review",
)

# A sheet's summary: each count under its own key, so the CSV has a column for each.
SnapshotSummary = TypedDict("SnapshotSummary", dict.fromkeys(SUMMARY_KEYS, int))

# An agreement's key: the slug of an agreement named by another object.
AgreementKey = Annotated[str | None, RelatedSlug("key")]


@resource_shape(models.Snapshot)
class SnapshotRef(TypedDict):
    id: int
    list_kind: models.ListKind
    published_on: dt.date
    half_day: str


@resource_shape(models.Agreement)
class Agreement(TypedDict):
    key: str
    agency: AgencyRef
    jurisdiction: JurisdictionRef
    state: str
    model: models.Model287g
    signed_on: dt.date
    status: models.AgreementStatus
    first_seen: SnapshotRef
    last_seen: SnapshotRef
    first_missing: SnapshotRef | None
    ended_from: dt.date | None
    ended_by: dt.date | None
    superseded_by: AgreementKey
    moa_state: models.MoaState
    moa_url: str
    instrument: int | None
    updated_at: Timestamp
    url: str


@resource_shape(models.Change)
class Change(TypedDict):
    kind: models.ChangeKind
    agreement: AgreementKey
    previous: AgreementKey
    agency: str
    model: str
    detail: str


@resource_shape(models.Snapshot)
class Snapshot(TypedDict):
    id: int
    list_kind: models.ListKind
    file_name: str
    published_on: dt.date
    half_day: str
    captured_at: Timestamp | None
    content_hash: str
    row_count: int
    columns: list[str]
    unknown_columns: list[str]
    summary: SnapshotSummary
    changes: list[Change]
    url: str


def snapshot_ref(snapshot: models.Snapshot) -> SnapshotRef:
    return {
        "id": snapshot.pk,
        "list_kind": snapshot.list_kind,
        "published_on": snapshot.published_on,
        "half_day": snapshot.half_day,
    }


def agreement_of(agreement: models.Agreement, request) -> Agreement:
    agency, first_missing, renewal = (
        agreement.agency,
        agreement.first_missing,
        agreement.superseded_by,
    )
    return {
        "key": agreement.key,
        "agency": agency_ref(agency),
        "jurisdiction": jurisdiction_ref(agency.jurisdiction),
        "state": agency.jurisdiction.state.usps,
        "model": agreement.model,
        "signed_on": agreement.signed_on,
        "status": agreement.status,
        "first_seen": snapshot_ref(agreement.first_seen),
        "last_seen": snapshot_ref(agreement.last_seen),
        "first_missing": snapshot_ref(first_missing) if first_missing else None,
        "ended_from": agreement.ended_from,
        "ended_by": agreement.ended_by,
        "superseded_by": renewal.key if renewal else None,
        "moa_state": agreement.moa_state,
        "moa_url": agreement.moa_url,
        "instrument": agreement.instrument_id,
        "updated_at": timestamp(agreement.updated_at),
        "url": link(request, "api:agreement-detail", agreement.key),
    }


def change_of(change: models.Change) -> Change:
    # What changed is an agreement, or a request still pending (which has none yet).
    agreement, previous, pending = change.agreement, change.previous, change.pending
    if agreement is not None:
        agency, model = agreement.agency.name, agreement.model
    elif pending is not None:
        agency, model = pending.agency_name, pending.model
    else:
        agency, model = "", ""
    return {
        "kind": change.kind,
        "agreement": agreement.key if agreement else None,
        "previous": previous.key if previous else None,
        "agency": agency,
        "model": model,
        "detail": change.detail,
    }


def snapshot_of(snapshot: models.Snapshot, request) -> Snapshot:
    return {
        "id": snapshot.pk,
        "list_kind": snapshot.list_kind,
        "file_name": snapshot.file_name,
        "published_on": snapshot.published_on,
        "half_day": snapshot.half_day,
        "captured_at": timestamp(snapshot.captured_at),
        "content_hash": snapshot.content_hash,
        "row_count": snapshot.row_count,
        "columns": snapshot.columns,
        "unknown_columns": snapshot.unknown_columns,
        "summary": {key: snapshot.summary.get(key, 0) for key in SUMMARY_KEYS},
        "changes": [change_of(c) for c in snapshot.changes.all()],
        "url": link(request, "api:snapshot-detail", snapshot.pk),
    }
