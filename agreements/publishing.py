"""How ICE's list reaches the positions engine.

Each agreement is represented by an Instrument (kind agreement, adopted by the agency's
jurisdiction, signed by the agency) with one provision on `agreement-287g` whose value is
the agreement's model, citing ICE's sheet as its source and, where ICE links it, the
memorandum of agreement as its pinpoint. These instruments are published by the importer
itself, without a curator's review: they transcribe ICE's official list, and what a curator
decides (an agency's jurisdiction) enters through resolutions, which every import uses.
They belong to the importer: it rewrites them from the agreements on every import, so they
are not edited in the admin.
"""

from django.db import transaction
from django.utils import timezone

from agreements.models import Agreement, AgreementStatus, MoaState, Snapshot
from policies.models import (
    Citation,
    Dimension,
    Instrument,
    InstrumentKind,
    InstrumentStatus,
    Provision,
    ReviewState,
    Source,
    SourceKind,
)
from policies.positions import store as position_store

DIMENSION = "agreement-287g"
ICE = "U.S. Immigration and Customs Enforcement"
STATUS = {
    AgreementStatus.ACTIVE: InstrumentStatus.IN_FORCE,
    AgreementStatus.ENDED: InstrumentStatus.TERMINATED,
    AgreementStatus.SUPERSEDED: InstrumentStatus.SUPERSEDED,
}


def source_for(snapshot: Snapshot) -> Source:
    """The Source that stands for one of ICE's sheets."""
    if snapshot.source_id:
        return snapshot.source
    captured = snapshot.captured_at.date() if snapshot.captured_at else None
    source = Source.objects.create(
        title=f"ICE, 287(g) {snapshot.get_list_kind_display().lower()} "
        f"(published {snapshot.published_label})",
        publisher=ICE,
        kind=SourceKind.DATASET,
        published_on=snapshot.published_on,
        accessed_on=captured,
        notes=f"ICE's spreadsheet {snapshot.file_name}, SHA-256 of its cells "
        f"{snapshot.content_hash}. Public domain (a work of the U.S. government).",
    )
    snapshot.source = source
    snapshot.save(update_fields=["source"])
    return source


def _pinpoint(agreement) -> str:
    if agreement["moa_state"] == MoaState.LINKED and len(agreement["moa_url"]) <= 200:
        return agreement["moa_url"]
    return ""


def _wanted(agreement: dict, value_ids: dict[str, int]) -> dict:
    """The instrument fields an agreement implies."""
    return {
        "title": f"287(g) {agreement['model_label']} agreement: {agreement['agency__name']}"[:300],
        "jurisdiction_id": agreement["agency__jurisdiction_id"],
        "agency_id": agreement["agency_id"],
        "enacted_on": agreement["signed_on"],
        "effective_on": agreement["signed_on"],
        "ended_on": agreement["ended_from"],
        "ended_until": agreement["ended_by"] if agreement["ended_from"] else None,
        "status": STATUS[agreement["status"]],
    }


@transaction.atomic
def sync_instruments(*, rebuild: bool = False) -> int:
    """Bring every agreement's instrument, provision and citation in step with it, then
    recompute the 287(g) positions. Returns how many instruments changed."""
    dimension = Dimension.objects.filter(slug=DIMENSION).first()
    if dimension is None:
        return 0  # no codebook loaded: nothing to code against
    value_ids = dict(dimension.values.values_list("slug", "pk"))
    labels = dict(Agreement._meta.get_field("model").choices)
    rows = list(
        Agreement.objects.values(
            "pk",
            "model",
            "signed_on",
            "status",
            "ended_from",
            "ended_by",
            "moa_state",
            "moa_url",
            "instrument_id",
            "superseded_by_id",
            "agency_id",
            "agency__name",
            "agency__jurisdiction_id",
            "first_seen__source_id",
        )
    )
    instruments = Instrument.objects.in_bulk(
        [r["instrument_id"] for r in rows if r["instrument_id"]]
    )
    now = timezone.now()
    to_create, to_update = [], []
    affected = {r["agency__jurisdiction_id"] for r in rows if not r["instrument_id"]}
    for row in rows:
        row["model_label"] = labels[row["model"]]
        wanted = _wanted(row, value_ids)
        instrument = instruments.get(row["instrument_id"])
        if instrument is None:
            instrument = Instrument(
                kind=InstrumentKind.AGREEMENT,
                citation="287(g) memorandum of agreement",
                review_state=ReviewState.PUBLISHED,
                reviewed_at=now,
                summary="Listed by ICE in its 287(g) participating agencies.",
                **wanted,
            )
            to_create.append((row, instrument))
        elif any(getattr(instrument, k) != v for k, v in wanted.items()):
            affected.add(instrument.jurisdiction_id)
            for k, v in wanted.items():
                setattr(instrument, k, v)
            to_update.append(instrument)
    Instrument.objects.bulk_create([i for _, i in to_create])
    for row, instrument in to_create:
        row["instrument_id"] = instrument.pk
    Agreement.objects.bulk_update(
        [Agreement(pk=r["pk"], instrument_id=r["instrument_id"]) for r, _ in to_create],
        ["instrument"],
        batch_size=500,
    )
    Provision.objects.bulk_create(
        Provision(
            instrument=instrument,
            dimension=dimension,
            value_id=value_ids[row["model"]],
            pinpoint=_pinpoint(row),
        )
        for row, instrument in to_create
    )
    provisions = dict(
        Provision.objects.filter(
            instrument_id__in=[i.pk for _, i in to_create], dimension=dimension
        ).values_list("instrument_id", "pk")
    )
    Citation.objects.bulk_create(
        Citation(source_id=row["first_seen__source_id"], provision_id=provisions[instrument.pk])
        for row, instrument in to_create
        if row["first_seen__source_id"]
    )
    Instrument.objects.bulk_update(
        to_update,
        [
            "jurisdiction_id",
            "agency_id",
            "enacted_on",
            "effective_on",
            "ended_on",
            "ended_until",
            "status",
            "title",
        ],
        batch_size=500,
    )
    affected |= {i.jurisdiction_id for i in to_update}
    affected |= _sync_pinpoints(rows, dimension)
    affected |= _sync_supersedes(rows)
    # Agreements bind no one below their adopter: only the adopters' positions change.
    if rebuild:
        position_store.rebuild(dimension_ids={dimension.pk})
    elif affected:
        position_store.refresh(affected, dimension_ids={dimension.pk})
    return len(to_create) + len(to_update)


def _sync_pinpoints(rows, dimension) -> set[int]:
    wanted = {r["instrument_id"]: _pinpoint(r) for r in rows}
    provisions = Provision.objects.filter(instrument_id__in=wanted, dimension=dimension)
    stale, affected = [], set()
    for pk, instrument_id, pinpoint, jurisdiction_id in provisions.values_list(
        "pk", "instrument_id", "pinpoint", "instrument__jurisdiction_id"
    ):
        if pinpoint != wanted[instrument_id]:
            stale.append(Provision(pk=pk, pinpoint=wanted[instrument_id]))
            affected.add(jurisdiction_id)
    Provision.objects.bulk_update(stale, ["pinpoint"], batch_size=500)
    return affected


def _sync_supersedes(rows) -> int:
    """A renewal's instrument supersedes the one it renews."""
    instrument_of = {r["pk"]: r["instrument_id"] for r in rows}
    wanted = {
        instrument_of[r["superseded_by_id"]]: r["instrument_id"]
        for r in rows
        if r["superseded_by_id"]
    }
    current = dict(
        Instrument.objects.filter(
            pk__in=instrument_of.values(), supersedes__isnull=False
        ).values_list("pk", "supersedes_id")
    )
    stale = [
        Instrument(pk=pk, supersedes_id=wanted.get(pk))
        for pk in set(wanted) | set(current)
        if wanted.get(pk) != current.get(pk)
    ]
    Instrument.objects.bulk_update(stale, ["supersedes"], batch_size=500)
    jurisdiction_of = {r["instrument_id"]: r["agency__jurisdiction_id"] for r in rows}
    return {jurisdiction_of[i.pk] for i in stale if i.pk in jurisdiction_of}


def forget_instruments() -> None:
    """Delete the importer's instruments (before a replay recreates them). Made drafts
    first, so their deletion does not recompute positions one by one."""
    ids = list(Instrument.objects.filter(ice_agreement__isnull=False).values_list("pk", flat=True))
    Instrument.objects.filter(pk__in=ids).update(supersedes=None, review_state=ReviewState.DRAFT)
    Instrument.objects.filter(pk__in=ids).delete()


__all__ = ["forget_instruments", "source_for", "sync_instruments"]
