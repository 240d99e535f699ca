"""Cutting a release: the one write of this app."""

import datetime as dt
import shutil
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from policies.bulk import readme_text
from policies.models import Instrument
from releases import files
from releases.changelog import changelog
from releases.models import RecordKind, Release, Withdrawal


class ReleaseRefused(Exception):
    """A release that cannot be cut; the message says why."""


def releases_dir() -> Path:
    return Path(settings.RELEASES_DIR)


def release_directory(number: int) -> Path:
    return releases_dir() / str(number)


def _second(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def release_cut(*, user=None, now: dt.datetime | None = None) -> Release:
    """Write the next release's files once and record it. Refused (ReleaseRefused) when
    nothing is published or a release was already cut in this second."""
    now = now or timezone.now()
    second = _second(now)
    if not Instrument.objects.published().exists():
        raise ReleaseRefused("Nothing is published, so there is nothing to release.")
    if Release.objects.filter(second=second).exists():
        raise ReleaseRefused(
            f"A release was already cut in this second ({second}); wait a second and retry."
        )
    previous = Release.objects.order_by("-number").first()
    number = previous.number + 1 if previous else 1
    previous_file = (
        release_directory(previous.number) / files.SQLITE.format(number=previous.number)
        if previous
        else None
    )
    if previous_file is not None and not previous_file.is_file():
        raise ReleaseRefused(
            f"The files of release {previous.number} are missing from {releases_dir()}, "
            "so no changelog can be made against it; restore them first."
        )
    final = release_directory(number)
    if final.exists():
        # Old releases are never rewritten, even when their row has gone.
        raise ReleaseRefused(f"Files for release {number} already exist at {final}.")
    releases_dir().mkdir(parents=True, exist_ok=True)
    building = releases_dir() / f".cutting-{number}-{second}"
    building.mkdir()
    outermost = not connection.in_atomic_block
    try:
        with transaction.atomic():
            if outermost and connection.vendor == "postgresql":
                # One snapshot for every table, so an edit saved during the cut lands wholly
                # in this release or wholly in the next (READ COMMITTED would let the
                # provisions table see it and the instruments table not).
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            readme = (
                readme_text(now)
                + f"\nThis is PolicyHub release {number}; manifest.json has each file's SHA-256.\n"
            )
            counts = files.write_tables(building, number, readme)
            changes = changelog(
                building / files.SQLITE.format(number=number),
                previous_file,
                previous.number if previous else None,
                building / "changelog.json",
            )
            manifest = files.manifest_of(building)
            archive = manifest[files.ARCHIVE.format(number=number)]["sha256"]
            try:
                with transaction.atomic():
                    release = Release.objects.create(
                        number=number,
                        cut_at=now,
                        second=second,
                        cut_by=user,
                        archive_sha256=archive,
                        manifest=manifest,
                        counts=counts,
                        changelog=changes,
                    )
            except IntegrityError as error:
                raise ReleaseRefused(
                    f"Release {number} or a release in second {second} was cut meanwhile."
                ) from error
            files.write_manifest(
                building,
                {
                    "release": number,
                    "cut_at": now.isoformat(timespec="seconds"),
                    "archive_sha256": archive,
                    "files": manifest,
                    "rows": counts,
                },
            )
            building.rename(final)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return release


def release_verify(*, release: Release) -> list[str]:
    """Files whose checksum no longer matches the manifest (empty: all verify)."""
    directory = release_directory(release.number)
    return [
        name
        for name, entry in release.manifest.items()
        if not (directory / name).is_file() or files.sha256_of(directory / name) != entry["sha256"]
    ]


def withdrawal_record(
    *,
    instrument=None,
    provision=None,
    deleted: bool,
    reason: str = "",
    jurisdiction_id: int | None = None,
    title: str = "",
) -> list[Withdrawal]:
    """Tombstones for a withdrawn instrument (and each of its provisions) or one provision."""
    now = timezone.now()
    rows = []
    if instrument is not None:
        rows.append(
            Withdrawal(
                kind=RecordKind.INSTRUMENT,
                record_id=instrument.pk,
                withdrawn_at=now,
                deleted=deleted,
                reason=reason or "",
                title=instrument.title[:500],
                jurisdiction_id=instrument.jurisdiction_id,
            )
        )
        provisions = [] if deleted else instrument.provisions.values_list("pk", "dimension_id")
        # A deleted instrument's provisions are deleted with it and get their own tombstones.
        rows += [
            Withdrawal(
                kind=RecordKind.PROVISION,
                record_id=pk,
                withdrawn_at=now,
                deleted=False,
                reason=reason or "",
                title=instrument.title[:500],
                jurisdiction_id=instrument.jurisdiction_id,
                dimension_id=dimension_id,
            )
            for pk, dimension_id in provisions
        ]
    if provision is not None:
        rows.append(
            Withdrawal(
                kind=RecordKind.PROVISION,
                record_id=provision.pk,
                withdrawn_at=now,
                deleted=deleted,
                reason=reason or "",
                title=title[:500],
                jurisdiction_id=jurisdiction_id,
                dimension_id=provision.dimension_id,
            )
        )
    return Withdrawal.objects.bulk_create(rows)
