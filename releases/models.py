"""A Release is a numbered, dated, immutable snapshot of everything published.

Its files (a zip of CSV tables, one SQLite file, one Parquet file per table, a manifest with
their SHA-256 and a changelog against the previous release) are written once under
`settings.RELEASES_DIR/<number>/` and never rewritten; this row keeps what the pages need to
list and cite them.
"""

from django.conf import settings
from django.db import models


class Release(models.Model):
    number = models.PositiveIntegerField(
        unique=True, help_text="1, 2, 3 … in the order releases were cut; never reused."
    )
    cut_at = models.DateTimeField(help_text="When the snapshot was taken.")
    # Unique: a second release in the same second is refused by the database as well as by
    # `releases.services.release_cut`, so two editors clicking at once cannot both win.
    second = models.CharField(
        max_length=16, unique=True, help_text="cut_at to the second, UTC (YYYYMMDDTHHMMSSZ)."
    )
    cut_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        # A release outlives the account of the editor who cut it.
        on_delete=models.SET_NULL,
        related_name="releases_cut",
    )
    archive_sha256 = models.CharField(
        max_length=64, help_text="SHA-256 of the zip of CSV tables: the checksum a citation names."
    )
    manifest = models.JSONField(
        help_text="Each file of the release: {name: {sha256, bytes}}.", default=dict
    )
    counts = models.JSONField(help_text="Rows per table.", default=dict)
    changelog = models.JSONField(
        help_text="What changed since the previous release (see releases/changelog.py).",
        default=dict,
    )

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"Release {self.number} ({self.cut_at:%Y-%m-%d})"

    def change_counts(self) -> dict[str, dict[str, int]]:
        """{instruments|provisions: {added, changed, unpublished: how many}}: the changelog
        keeps counts (early releases kept the id lists here)."""
        return {
            table: {
                action: len(held) if isinstance(held, list) else held
                for action, held in self.changelog.get(table, {}).items()
            }
            for table in ("instruments", "provisions")
        }

    @property
    def short_checksum(self) -> str:
        return self.archive_sha256[:12]


class RecordKind(models.TextChoices):
    INSTRUMENT = "instrument", "Instrument"
    PROVISION = "provision", "Provision"


class Withdrawal(models.Model):
    """A Withdrawal is the tombstone of a published record that left public view: an
    instrument unpublished or deleted, or a provision deleted or taken down with its
    instrument. The change log (/api/v1/changes/) lists them so a synced copy can drop what
    PolicyHub withdrew. Recorded by `releases/signals.py` whichever path made the change."""

    kind = models.CharField(max_length=12, choices=RecordKind.choices)
    record_id = models.PositiveBigIntegerField(help_text="The withdrawn record's id.")
    withdrawn_at = models.DateTimeField(db_index=True)
    deleted = models.BooleanField(help_text="Deleted, rather than returned to draft.")
    reason = models.TextField(blank=True, help_text="The editor's reason, when one was given.")
    title = models.CharField(max_length=500, blank=True, help_text="What it was called.")
    # Plain ids, not foreign keys: a tombstone outlives the record and need not block
    # deleting a jurisdiction.
    jurisdiction_id = models.PositiveBigIntegerField(null=True, blank=True)
    dimension_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["withdrawn_at", "pk"]
        indexes = [
            # The feeds of one jurisdiction read its withdrawals, newest first.
            models.Index(fields=["jurisdiction_id", "withdrawn_at"], name="withdrawal_by_place"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.record_id} withdrawn {self.withdrawn_at:%Y-%m-%d}"
