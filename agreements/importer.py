"""Importing ICE's 287(g) sheets: store each snapshot, then apply it.

`import_sheets` reads files into snapshots (rows kept as published) and applies the new ones
in publication order, each in one transaction. `replay` rebuilds everything derived from
the stored snapshots alone. Applying a snapshot is the same code in both, so a replay gives
the same agencies, agreements and history. The rules themselves are in `agreements.rules`.
"""

import datetime as dt
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from agreements import publishing, rules
from agreements.matching import Matcher
from agreements.models import (
    AgencyName,
    Agreement,
    AgreementStatus,
    Change,
    ChangeKind,
    ListKind,
    MoaState,
    PendingRequest,
    PendingStatus,
    ReviewItem,
    ReviewReason,
    RowOutcome,
    Snapshot,
    SnapshotRow,
)
from agreements.sheets import Sheet, SheetError, find_files, read_sheet
from jurisdictions.models import Agency

MODEL_ABBREVIATION = {
    "warrant-service-officer": "wso",
    "jail-enforcement": "jem",
    "task-force": "tfm",
}


@dataclass
class SheetReport:
    """What happened to one file."""

    path: Path
    status: str  # imported, unchanged, empty, refused
    message: str = ""
    snapshot: Snapshot | None = None
    summary: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class ImportReport:
    sheets: list[SheetReport] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    replayed: bool = False
    seconds: float = 0.0


class ImportRefused(Exception):
    pass


def import_sheets(
    paths: list[Path],
    *,
    replay: bool = False,
    progress: Callable[[SheetReport, int], None] | None = None,
) -> ImportReport:
    """Import files and folders of ICE sheets. Every file is read before anything is
    written: one that cannot be read, or lacks a required column, stops the whole import."""
    started = time.perf_counter()
    files, skipped = find_files(paths)
    sheets = [read_sheet(path) for path in files]  # SheetError stops here, nothing written
    sheets.sort(key=lambda s: (s.published_on, s.half_day, s.captured_at is None, s.captured_at))
    report = ImportReport(skipped=skipped)
    stored_new = []
    matcher = None
    for sheet in sheets:
        begun = time.perf_counter()
        matcher = matcher or Matcher()
        result = _import_one(sheet, apply=not replay, matcher=matcher)
        result.seconds = time.perf_counter() - begun
        if result.status == "imported":
            stored_new.append(result)
        report.sheets.append(result)
        if progress:
            progress(result, len(sheets))
    if replay:
        replay_all()
        report.replayed = True
        for result in stored_new:
            result.snapshot.refresh_from_db()
            result.summary = result.snapshot.summary
            result.problems = result.snapshot.problems
    report.seconds = time.perf_counter() - started
    return report


def _latest(list_kind: str) -> Snapshot | None:
    snapshots = Snapshot.objects.filter(list_kind=list_kind).in_order()
    return snapshots.reverse().first()


def _import_one(sheet: Sheet, *, apply: bool, matcher: Matcher) -> SheetReport:
    if sheet.empty:
        return SheetReport(sheet.path, "empty", "empty sheet: no header row, nothing imported")
    content_hash = sheet.content_hash
    with transaction.atomic():
        lock_imports()
        existing = Snapshot.objects.filter(list_kind=sheet.list_kind, content_hash=content_hash)
        existing = existing.first()
        if existing is not None:
            return SheetReport(
                sheet.path,
                "unchanged",
                f"same content as the snapshot published {existing.published_label}: "
                "nothing changed",
                existing,
            )
        latest = _latest(sheet.list_kind)
        key = (sheet.published_on, sheet.half_day, sheet.captured_at is None, sheet.captured_at)
        if apply and latest is not None and key < latest.order_key:
            return SheetReport(
                sheet.path,
                "refused",
                f"published {sheet.published_on} {sheet.half_day}, older than the latest "
                f"{latest.get_list_kind_display().lower()} snapshot ({latest.published_label}): "
                "run again with --replay to replay the history with it in its place",
            )
        snapshot = store_snapshot(sheet, content_hash)
        if apply:
            apply_snapshot(snapshot, matcher=matcher)
    return SheetReport(sheet.path, "imported", "", snapshot, snapshot.summary, snapshot.problems)


# Any constant that no other advisory lock of the project uses.
IMPORT_LOCK = 287_000_287


def lock_imports() -> None:
    """One import or replay at a time: two applying sheets at once would each see the
    other's agreements half written. PostgreSQL holds the lock until the transaction ends;
    SQLite already lets one writer in at a time."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])


def store_snapshot(sheet: Sheet, content_hash: str) -> Snapshot:
    problems = [{"row": n, "message": "blank row"} for n in sheet.blank_rows]
    problems += [
        {"row": 1, "message": f"unknown column “{c}” (kept)"} for c in sheet.unknown_columns
    ]
    snapshot = Snapshot.objects.create(
        list_kind=sheet.list_kind,
        file_name=sheet.path.name,
        published_on=sheet.published_on,
        half_day=sheet.half_day,
        captured_at=sheet.captured_at,
        content_hash=content_hash,
        columns=sheet.columns,
        unknown_columns=sheet.unknown_columns,
        row_count=len(sheet.rows),
        blank_rows=sheet.blank_rows,
        problems=problems,
    )
    SnapshotRow.objects.bulk_create(
        SnapshotRow(snapshot=snapshot, number=n, values=values, moa_url=url[:2000])
        for n, values, url in sheet.rows
    )
    publishing.source_for(snapshot)
    return snapshot


# ---------------------------------------------------------------------------------------
# Applying one snapshot


class Applier:
    """Applies a snapshot to what is known; holds the caches one application needs."""

    def __init__(self, snapshot: Snapshot, matcher: Matcher | None = None):
        self.snapshot = snapshot
        self.matcher = matcher or Matcher()
        self.counts: Counter = Counter()
        self.model_counts: Counter = Counter()
        self.problems: list[dict] = list(snapshot.problems)
        self.changes: list[Change] = []
        self.reviews = {(r.list_kind, r.reason, r.key): r for r in ReviewItem.objects.all()}
        self.touched_reviews: dict[int, ReviewItem] = {}
        self.names = {
            (state_id, key): agency_id
            for state_id, key, agency_id in AgencyName.objects.values_list(
                "state_id", "key", "agency_id"
            )
        }
        self.spellings = set(AgencyName.objects.values_list("state_id", "spelling"))
        self.agency_places = dict(Agency.objects.values_list("pk", "jurisdiction_id"))
        self.rows = list(snapshot.rows.order_by("number"))

    # -- rows --------------------------------------------------------------------------

    def _problem(self, row: SnapshotRow, message: str) -> None:
        self.problems.append({"row": row.number, "message": message})

    def review(self, row: SnapshotRow, reason: str, message: str, key: str) -> None:
        values = row.values
        item_key = (self.snapshot.list_kind, reason, key)
        item = self.reviews.get(item_key)
        if item is None:
            item = ReviewItem.objects.create(
                reason=reason,
                message=message[:300],
                list_kind=self.snapshot.list_kind,
                state_name=values.get(rules.STATE, "")[:100],
                agency_name=values.get(rules.AGENCY, "")[:300],
                key=key[:400],
                raw={**values, "row": row.number, "moa_url": row.moa_url},
                first_snapshot=self.snapshot,
                last_snapshot=self.snapshot,
                occurrences=0,
            )
            self.reviews[item_key] = item
        item.last_snapshot = self.snapshot
        item.raw = {**values, "row": row.number, "moa_url": row.moa_url}
        item.message = message[:300]
        item.occurrences += 1
        self.touched_reviews[item.pk] = item
        row.outcome, row.review_id = RowOutcome.REVIEW, item.pk
        self.counts["review"] += 1
        self._problem(row, f"for review: {message}")

    def parse(self, row: SnapshotRow, *, signed: bool):
        """(state, name, key, model, signed date, type) of a row, or None once it is sent
        to review."""
        values = row.values
        state = self.matcher.state(values.get(rules.STATE, ""))
        name = rules.clean_text(values.get(rules.AGENCY, ""))
        raw_key = "|".join(values.get(c, "") for c in (rules.STATE, rules.AGENCY, rules.SUPPORT))
        if state is None:
            state_text = values.get(rules.STATE, "")
            self.review(row, ReviewReason.UNKNOWN_STATE, f"unknown state “{state_text}”", raw_key)
            return None
        if not name:
            self.review(row, ReviewReason.NO_NAME, "no agency name", raw_key)
            return None
        key = rules.canonical_name(name)
        support = values.get(rules.SUPPORT, "")
        model = rules.support_model(support)
        if model is not None:
            self.model_counts[model] += 1
        if model is None:
            message = f"unknown support type “{support}”" if support else "no support type"
            self.review(
                row, ReviewReason.UNKNOWN_SUPPORT_TYPE, message, f"{state.usps}|{key}|{support}"
            )
            return None
        signed_on = None
        if signed:
            signed_on, note = rules.parse_signed(values.get(rules.SIGNED, ""))
            if signed_on is None:
                self.review(
                    row,
                    ReviewReason.BAD_DATE,
                    note,
                    f"{state.usps}|{key}|{model}|{values.get(rules.SIGNED, '')}",
                )
                return None
            if note:
                self._problem(row, note)
        type_text = rules.clean_text(values.get(rules.TYPE, "")).lower()
        ice_type = rules.AGENCY_TYPES.get(type_text, "")
        if type_text and not ice_type:
            self._problem(row, f"unknown agency type “{values.get(rules.TYPE)}”")
        if name != values.get(rules.AGENCY):
            self.counts["respaced"] += 1
        return state, name, key, model, signed_on, ice_type

    def agency_for(self, row, state, name, key, ice_type) -> int | None:
        """The agency's id, creating it (and recording the spelling) as needed; None when
        its jurisdiction is not known, after sending the row to review."""
        match = self.matcher.match(state, name, ice_type, row.values.get(rules.COUNTY, ""))
        if match.jurisdiction_id is None:
            self.review(row, match.reason, match.message, f"{state.usps}|{key}")
            return None
        agency_id = self.names.get((state.pk, key))
        kind = rules.agency_kind(name, ice_type)
        if agency_id is None:
            agency = (
                Agency.objects.filter(jurisdiction_id=match.jurisdiction_id, name__iexact=name)
                .only("pk")
                .first()
            )
            if agency is None:
                agency = Agency(
                    name=name,
                    slug=_free_slug(f"{state.usps.lower()}-{slugify(key)}"[:150]),
                    kind=kind,
                    jurisdiction_id=match.jurisdiction_id,
                )
                agency._change_reason = f"Listed by ICE ({self.snapshot})"
                agency.save()
            agency_id = agency.pk
            self.names[(state.pk, key)] = agency_id
        elif self.agency_places.get(agency_id) != match.jurisdiction_id:
            # A curator's resolution has since moved it.
            agency = Agency.objects.get(pk=agency_id)
            agency.jurisdiction_id = match.jurisdiction_id
            agency._change_reason = "Jurisdiction resolved by a curator"
            agency.save()
        self.agency_places[agency_id] = match.jurisdiction_id
        if (state.pk, name) not in self.spellings:
            AgencyName.objects.create(agency_id=agency_id, state=state, key=key, spelling=name)
            self.spellings.add((state.pk, name))
        return agency_id

    # -- the two lists -----------------------------------------------------------------

    def apply(self) -> None:
        if self.snapshot.list_kind == ListKind.PARTICIPATING:
            self.apply_participating()
        else:
            self.apply_pending()
        for item in self.touched_reviews.values():
            item.save(update_fields=["last_snapshot", "raw", "message", "occurrences"])
        # Written again rather than updated: bulk_update's CASE per row and column cost
        # more than the whole rest of applying a sheet.
        SnapshotRow.objects.filter(snapshot=self.snapshot).delete()
        SnapshotRow.objects.bulk_create(self.rows, batch_size=500)
        Change.objects.bulk_create(self.changes)
        for change in self.changes:
            self.counts[change.kind] += 1
        self.counts["rows"] = len(self.rows)
        self.counts["blank rows"] = len(self.snapshot.blank_rows)
        self.snapshot.summary = dict(sorted(self.counts.items()))
        self.snapshot.problems = self.problems
        self.snapshot.model_counts = dict(sorted(self.model_counts.items()))
        self.snapshot.save(update_fields=["summary", "problems", "model_counts"])

    def apply_participating(self) -> None:
        snapshot = self.snapshot
        previous = (
            Snapshot.objects.filter(list_kind=ListKind.PARTICIPATING, summary__has_key="rows")
            .exclude(pk=snapshot.pk)
            .in_order()
            .reverse()
            .first()
        )
        agreements = {a.pk: a for a in Agreement.objects.select_related("last_seen")}
        by_agency: dict[int, list[Agreement]] = defaultdict(list)
        for agreement in agreements.values():
            by_agency[agreement.agency_id].append(agreement)
        listed_rows: dict[int, list[tuple[SnapshotRow, str, dt.date]]] = defaultdict(list)
        seen_exact: dict[tuple, SnapshotRow] = {}
        for row in self.rows:
            parsed = self.parse(row, signed=True)
            if parsed is None:
                continue
            state, name, key, model, signed_on, ice_type = parsed
            agency_id = self.agency_for(row, state, name, key, ice_type)
            if agency_id is None:
                continue
            exact = (agency_id, model, signed_on)
            if exact in seen_exact:
                self.review(
                    row,
                    ReviewReason.DUPLICATE,
                    f"same agency, model and date as row {seen_exact[exact].number}",
                    f"{state.usps}|{key}|{model}|{signed_on}",
                )
                continue
            seen_exact[exact] = row
            listed_rows[agency_id].append((row, model, signed_on))

        updated: dict[int, Agreement] = {}
        seen_ids: set[int] = set()
        created: list[tuple[Agreement, SnapshotRow, str, Agreement | None]] = []
        keys = set(Agreement.objects.values_list("key", flat=True))
        slugs = dict(
            Agency.objects.filter(pk__in=set(listed_rows) | set(by_agency)).values_list(
                "pk", "slug"
            )
        )
        published_before = previous.published_on if previous else None
        for agency_id in sorted(set(listed_rows) | set(by_agency)):
            rows = listed_rows.get(agency_id, [])
            known = [
                rules.Known(
                    a.pk, a.model, a.signed_on, a.status == AgreementStatus.ACTIVE, a.status
                )
                for a in by_agency.get(agency_id, [])
            ]
            listed = [rules.Listed(i, model, signed) for i, (_, model, signed) in enumerate(rows)]
            plan = rules.reconcile(known, listed, published_before)

            def seen(agreement, row):
                moa_state, moa_url = rules.moa_link(row.values.get(rules.MOA, ""), row.moa_url)
                if moa_state == MoaState.LINKED and agreement.moa_state != MoaState.LINKED:
                    self.changes.append(
                        Change(snapshot=snapshot, kind=ChangeKind.MOA_LINKED, agreement=agreement)
                    )
                if (agreement.moa_state, agreement.moa_url) != (moa_state, moa_url[:2000]):
                    agreement.moa_state, agreement.moa_url = moa_state, moa_url[:2000]
                    updated[agreement.pk] = agreement
                agreement.last_seen = snapshot
                row.outcome, row.agreement_id = RowOutcome.AGREEMENT, agreement.pk
                seen_ids.add(agreement.pk)

            for index, agreement_id in plan.seen:
                seen(agreements[agreement_id], rows[index][0])
            for index, agreement_id in plan.reappeared:
                agreement = agreements[agreement_id]
                agreement.status = AgreementStatus.ACTIVE
                agreement.first_missing = None
                agreement.ended_from = agreement.ended_by = None
                updated[agreement.pk] = agreement
                self.changes.append(
                    Change(snapshot=snapshot, kind=ChangeKind.REAPPEARED, agreement=agreement)
                )
                seen(agreement, rows[index][0])
            for index, agreement_id in plan.corrected:
                agreement = agreements[agreement_id]
                row, _, signed_on = rows[index]
                self.changes.append(
                    Change(
                        snapshot=snapshot,
                        kind=ChangeKind.CORRECTED,
                        agreement=agreement,
                        detail=f"signed {agreement.signed_on} → {signed_on}",
                    )
                )
                agreement.signed_on = signed_on
                updated[agreement.pk] = agreement
                seen(agreement, row)
            for index in plan.added:
                row, model, signed_on = rows[index]
                created.append(
                    (
                        self._new(agency_id, model, signed_on, slugs, keys),
                        row,
                        ChangeKind.ADDED,
                        None,
                    )
                )
            for kind, pairs in (
                (ChangeKind.RENEWED, plan.renewed),
                (ChangeKind.SWITCHED, plan.switched),
            ):
                for index, old_id in pairs:
                    row, model, signed_on = rows[index]
                    old = agreements[old_id]
                    if old.status == AgreementStatus.ACTIVE:
                        self._end(old, record=kind == ChangeKind.SWITCHED)
                    if kind == ChangeKind.RENEWED:
                        old.status = AgreementStatus.SUPERSEDED
                    updated[old.pk] = old
                    created.append(
                        (self._new(agency_id, model, signed_on, slugs, keys), row, kind, old)
                    )
            for agreement_id in plan.ended:
                agreement = agreements[agreement_id]
                self._end(agreement, record=True)
                updated[agreement.pk] = agreement

        new = [agreement for agreement, *_ in created]
        Agreement.objects.bulk_create(new)
        for agreement, row, kind, old in created:
            moa_state, moa_url = rules.moa_link(row.values.get(rules.MOA, ""), row.moa_url)
            agreement.moa_state, agreement.moa_url = moa_state, moa_url[:2000]
            row.outcome, row.agreement_id = RowOutcome.AGREEMENT, agreement.pk
            if old is not None and kind == ChangeKind.RENEWED:
                old.superseded_by = agreement
            detail = ""
            if old is not None:
                detail = f"from {old.get_model_display()} signed {old.signed_on}"
            self.changes.append(
                Change(
                    snapshot=snapshot, kind=kind, agreement=agreement, previous=old, detail=detail
                )
            )
        Agreement.objects.bulk_update(new, ["moa_state", "moa_url"], batch_size=500)
        now = timezone.now()
        for agreement in updated.values():
            agreement.updated_at = now
        Agreement.objects.filter(pk__in=seen_ids - set(updated)).update(
            last_seen=snapshot, updated_at=now
        )
        Agreement.objects.bulk_update(
            list(updated.values()),
            [
                "status",
                "signed_on",
                "last_seen",
                "first_missing",
                "ended_from",
                "ended_by",
                "superseded_by",
                "moa_state",
                "moa_url",
                "updated_at",
            ],
            batch_size=500,
        )

    def _new(self, agency_id, model, signed_on, slugs, keys) -> Agreement:
        key = base = f"{slugs[agency_id]}-{MODEL_ABBREVIATION[model]}-{signed_on:%Y%m%d}"[:190]
        n = 2
        while key in keys:
            key, n = f"{base}-{n}", n + 1
        keys.add(key)
        return Agreement(
            key=key,
            agency_id=agency_id,
            model=model,
            signed_on=signed_on,
            first_seen=self.snapshot,
            last_seen=self.snapshot,
        )

    def _end(self, agreement: Agreement, *, record: bool) -> None:
        """Ended within the window (last sheet that listed it, this sheet): it counts as
        ended from the day after that last listing, certainly by this sheet's date."""
        last = agreement.last_seen.published_on
        first_missing = self.snapshot.published_on
        agreement.status = AgreementStatus.ENDED
        agreement.first_missing = self.snapshot
        agreement.ended_from = min(last + dt.timedelta(days=1), first_missing)
        agreement.ended_by = first_missing
        if record:
            self.changes.append(
                Change(
                    snapshot=self.snapshot,
                    kind=ChangeKind.ENDED,
                    agreement=agreement,
                    detail=f"last listed {agreement.last_seen.published_label}",
                )
            )

    def apply_pending(self) -> None:
        snapshot = self.snapshot
        requests = {(p.state_id, p.key, p.model): p for p in PendingRequest.objects.all()}
        here: dict[tuple, SnapshotRow] = {}
        new: list[PendingRequest] = []
        changed: dict[tuple, PendingRequest] = {}
        placed: list[tuple[SnapshotRow, PendingRequest]] = []
        for row in self.rows:
            parsed = self.parse(row, signed=False)
            if parsed is None:
                continue
            state, name, key, model, _, ice_type = parsed
            identity = (state.pk, key, model)
            if identity in here:
                self.review(
                    row,
                    ReviewReason.DUPLICATE,
                    f"same agency and model as row {here[identity].number}",
                    f"{state.usps}|{key}|{model}",
                )
                continue
            here[identity] = row
            request = requests.get(identity)
            if request is None:
                match = self.matcher.match(state, name, ice_type, row.values.get(rules.COUNTY, ""))
                request = PendingRequest(
                    state=state,
                    key=key,
                    agency_name=name,
                    model=model,
                    jurisdiction_id=match.jurisdiction_id,
                    agency_id=self.names.get((state.pk, key)),
                    first_seen=snapshot,
                    last_seen=snapshot,
                )
                requests[identity] = request
                new.append(request)
                self.changes.append(
                    Change(snapshot=snapshot, kind=ChangeKind.PENDING_ADDED, pending=request)
                )
            elif request.status == PendingStatus.LEFT:
                request.status = PendingStatus.PENDING
                changed[identity] = request
                self.changes.append(
                    Change(
                        snapshot=snapshot,
                        kind=ChangeKind.PENDING_ADDED,
                        pending=request,
                        detail="listed again",
                    )
                )
            if request.agency_name != name:
                request.agency_name = name
                changed[identity] = request
            request.last_seen = snapshot
            placed.append((row, request))
        for identity, request in requests.items():
            if identity not in here and request.status == PendingStatus.PENDING:
                request.status = PendingStatus.LEFT
                changed[identity] = request
                self.changes.append(
                    Change(snapshot=snapshot, kind=ChangeKind.PENDING_REMOVED, pending=request)
                )
        self.counts["pending"] = len(here)
        PendingRequest.objects.bulk_create(new, batch_size=500)
        for row, request in placed:
            row.outcome, row.pending_id = RowOutcome.PENDING, request.pk
        listed = [r.pk for i, r in requests.items() if i in here and r not in new]
        PendingRequest.objects.filter(pk__in=listed).update(last_seen=snapshot)
        PendingRequest.objects.bulk_update(
            [r for r in changed.values() if r not in new],
            ["status", "agency_name", "last_seen"],
            batch_size=500,
        )


def _free_slug(base: str) -> str:
    slug, n = base, 2
    while Agency.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def apply_snapshot(snapshot: Snapshot, *, matcher: Matcher | None = None, publish=True) -> None:
    Applier(snapshot, matcher).apply()
    if publish and snapshot.list_kind == ListKind.PARTICIPATING:
        publishing.sync_instruments()


@transaction.atomic
def replay_all(progress: Callable[[Snapshot], None] | None = None) -> int:
    """Forget everything derived and apply every stored snapshot again, in publication
    order. Curators' resolutions are kept and used."""
    lock_imports()
    publishing.forget_instruments()
    Change.objects.all().delete()
    SnapshotRow.objects.update(outcome="", agreement=None, pending=None, review=None)
    Agreement.objects.update(superseded_by=None)
    Agreement.objects.all().delete()
    PendingRequest.objects.all().delete()
    ReviewItem.objects.all().delete()
    Snapshot.objects.update(summary={})
    matcher = Matcher()
    count = 0
    for snapshot in Snapshot.objects.in_order():
        snapshot.problems = [p for p in snapshot.problems if _stored_problem(p)]
        apply_snapshot(snapshot, matcher=matcher, publish=False)
        count += 1
        if progress:
            progress(snapshot)
    publishing.sync_instruments(rebuild=True)
    return count


def _stored_problem(problem: dict) -> bool:
    """Problems found when the file was read (blank rows, unknown columns), as opposed to
    those found when it was applied, which a replay finds again."""
    message = problem["message"]
    return message == "blank row" or message.startswith("unknown column")


__all__ = ["ImportRefused", "SheetError", "import_sheets", "replay_all"]
