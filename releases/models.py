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

    @property
    def short_checksum(self) -> str:
        return self.archive_sha256[:12]
