"""287(g) agreements as ICE lists them.

ICE publishes two sheets, the participating agencies and the pending requests, and
overwrites them at each update. A Snapshot stores one sheet's rows as published; applying
the snapshots in publication order derives the agencies, their agreements and pending
requests, and records every change against the snapshot that showed it. Everything here
but the snapshots, their rows and curators' resolutions is derived, so a replay rebuilds it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from jurisdictions.models import Agency, Jurisdiction


class ListKind(models.TextChoices):
    PARTICIPATING = "participating", "Participating agencies"
    PENDING = "pending", "Pending requests"


class Model287g(models.TextChoices):
    """ICE's support models; the slugs are the codebook's values of `agreement-287g`."""

    WARRANT_SERVICE_OFFICER = "warrant-service-officer", "Warrant Service Officer"
    JAIL_ENFORCEMENT = "jail-enforcement", "Jail Enforcement Model"
    TASK_FORCE = "task-force", "Task Force Model"


class SnapshotQuerySet(models.QuerySet):
    def in_order(self):
        """Publication order: date, then morning before afternoon, then capture time."""
        return self.order_by("published_on", "half_day", "captured_at", "pk")


class Snapshot(models.Model):
    """A Snapshot is one of ICE's sheets as it was published: which list, ICE's publication
    date and half-day (from its file name), when it was captured, its rows and columns. A
    snapshot is identified by its content: the same file name may carry new rows."""

    list_kind = models.CharField("list", max_length=15, choices=ListKind.choices)
    file_name = models.CharField(max_length=200)
    published_on = models.DateField(help_text="ICE's publication date, from the file name.")
    half_day = models.CharField(
        max_length=2, blank=True, help_text="am or pm, from the file name (empty if absent)."
    )
    captured_at = models.DateTimeField(
        null=True, blank=True, help_text="When the sheet was captured (its folder's name)."
    )
    content_hash = models.CharField(
        max_length=64, help_text="SHA-256 of the sheet's columns and cell values."
    )
    columns = models.JSONField(default=list, help_text="The header row, as found.")
    unknown_columns = models.JSONField(
        default=list, help_text="Columns the importer does not know; their values are kept."
    )
    row_count = models.PositiveIntegerField(default=0, help_text="Non-blank data rows.")
    blank_rows = models.JSONField(default=list, help_text="Row numbers of blank rows.")
    summary = models.JSONField(
        default=dict, help_text="What applying it changed, counted by kind of change."
    )
    problems = models.JSONField(
        default=list, help_text="Each bad cell or row found, with its row number."
    )
    model_counts = models.JSONField(
        default=dict, help_text="Rows of each support model the sheet lists."
    )
    source = models.OneToOneField(
        "policies.Source",
        on_delete=models.PROTECT,  # the agreements' citations point at it
        null=True,
        blank=True,
        related_name="ice_snapshot",
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["published_on", "half_day", "captured_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["list_kind", "content_hash"], name="snapshot_unique_content"
            ),
        ]

    def __str__(self):
        return f"{self.get_list_kind_display()}, {self.published_label}"

    @property
    def published_label(self) -> str:
        half = f" {self.half_day}" if self.half_day else ""
        return f"{self.published_on.isoformat()}{half}"

    @property
    def order_key(self) -> tuple:
        return (self.published_on, self.half_day, self.captured_at is None, self.captured_at)


class RowOutcome(models.TextChoices):
    AGREEMENT = "agreement", "Agreement"
    PENDING = "pending", "Pending request"
    REVIEW = "review", "Waiting for review"


class SnapshotRow(models.Model):
    """One non-blank row of a snapshot, as published (every column by its header), and what
    became of it: an agreement, a pending request or an item waiting for review."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField(help_text="Row number in the sheet (header is 1).")
    values = models.JSONField(help_text="Cell values by column header, as text.")
    moa_url = models.URLField("MOA link", max_length=2000, blank=True)
    outcome = models.CharField(max_length=10, choices=RowOutcome.choices, blank=True)
    agreement = models.ForeignKey(
        "Agreement", on_delete=models.SET_NULL, null=True, blank=True, related_name="rows"
    )
    pending = models.ForeignKey(
        "PendingRequest", on_delete=models.SET_NULL, null=True, blank=True, related_name="rows"
    )
    review = models.ForeignKey(
        "ReviewItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="rows"
    )

    class Meta:
        ordering = ["snapshot", "number"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "number"], name="row_unique_number"),
        ]

    def __str__(self):
        return f"{self.snapshot}, row {self.number}"


class AgencyName(models.Model):
    """A spelling ICE used for an agency. An agency's identity is its state and canonical
    name (`key`), so a respelling ("Sheriff’s Department") finds the same agency."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="ice_names")
    state = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=200, help_text="Canonical name (see agreements.rules).")
    spelling = models.CharField(max_length=300)

    class Meta:
        ordering = ["agency", "spelling"]
        constraints = [
            models.UniqueConstraint(fields=["state", "spelling"], name="agency_name_unique"),
        ]
        indexes = [models.Index(fields=["state", "key"], name="agency_name_key")]

    def __str__(self):
        return self.spelling


class AgreementStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ENDED = "ended", "Ended"
    SUPERSEDED = "superseded", "Superseded by a renewal"


class MoaState(models.TextChoices):
    LINKED = "linked", "Linked"
    PENDING = "pending", "Link pending"
    NONE = "none", "No link"


class AgreementQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=AgreementStatus.ACTIVE)

    def in_force(self, on):
        """Signed by `on` and not yet ended then (an end known to a window counts from its
        start)."""
        return self.filter(signed_on__lte=on).filter(
            Q(ended_from__isnull=True) | Q(ended_from__gt=on)
        )


class Agreement(models.Model):
    """An Agreement is one signed 287(g) instrument of one agency: a support model signed on
    a date, as ICE lists it. It is active while it is on the current sheet; when it
    disappears it is ended (never deleted) with the window in which it ended."""

    key = models.SlugField(
        max_length=200, unique=True, help_text="Stable id: agency, model, first signing date."
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="agreements")
    model = models.CharField(max_length=30, choices=Model287g.choices)
    signed_on = models.DateField(help_text="Signing date as ICE lists it (latest correction).")
    status = models.CharField(
        max_length=12, choices=AgreementStatus.choices, default=AgreementStatus.ACTIVE
    )
    first_seen = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="+")
    last_seen = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="+")
    first_missing = models.ForeignKey(
        Snapshot,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The first sheet that no longer listed it (ended agreements).",
    )
    ended_from = models.DateField(
        null=True,
        blank=True,
        help_text="First day it is no longer counted in force: the day after its last listing.",
    )
    ended_by = models.DateField(
        null=True, blank=True, help_text="It had certainly ended by this day (first missing)."
    )
    superseded_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="renews"
    )
    moa_state = models.CharField(max_length=10, choices=MoaState.choices, default=MoaState.NONE)
    moa_url = models.URLField("MOA link", max_length=2000, blank=True)
    instrument = models.OneToOneField(
        "policies.Instrument",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ice_agreement",
        help_text="The published instrument that feeds positions.",
    )
    # Set by the importer (bulk writes skip auto_now): a new listing counts as a change.
    updated_at = models.DateTimeField(
        default=timezone.now, db_index=True, help_text="When an import last changed it."
    )

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["agency__name", "model", "signed_on"]
        indexes = [models.Index(fields=["status", "model"], name="agreement_status_model")]

    def __str__(self):
        return f"{self.agency}: {self.get_model_display()}, signed {self.signed_on}"


class ChangeKind(models.TextChoices):
    ADDED = "added", "Added"
    RENEWED = "renewed", "Renewed"
    SWITCHED = "switched", "Switched model"
    CORRECTED = "corrected", "Signing date corrected"
    ENDED = "ended", "Ended"
    REAPPEARED = "reappeared", "Listed again"
    MOA_LINKED = "moa-linked", "MOA linked"
    PENDING_ADDED = "pending-added", "Request pending"
    PENDING_REMOVED = "pending-removed", "Request left the pending list"


class Change(models.Model):
    """One change a snapshot showed: an agreement added, renewed, switched, corrected or
    ended, a pending request added or removed."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=20, choices=ChangeKind.choices)
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, null=True, blank=True, related_name="changes"
    )
    previous = models.ForeignKey(
        Agreement,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="The agreement renewed or switched from.",
    )
    pending = models.ForeignKey(
        "PendingRequest", on_delete=models.CASCADE, null=True, blank=True, related_name="changes"
    )
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["snapshot", "kind", "pk"]

    def __str__(self):
        return f"{self.snapshot}: {self.get_kind_display()}"


class PendingStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    LEFT = "left", "Left the list"


class PendingRequest(models.Model):
    """A request for a 287(g) agreement that ICE lists as pending: never an agreement in
    force. It leaves the list when ICE signs it or drops it."""

    state = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=200)
    agency_name = models.CharField(max_length=300, help_text="As ICE spelled it last.")
    model = models.CharField(max_length=30, choices=Model287g.choices)
    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=PendingStatus.choices, default=PendingStatus.PENDING
    )
    first_seen = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="+")
    last_seen = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["state__name", "agency_name", "model"]
        constraints = [
            models.UniqueConstraint(fields=["state", "key", "model"], name="pending_unique"),
        ]

    def __str__(self):
        return f"{self.agency_name} ({self.get_model_display()}, pending)"


class ReviewReason(models.TextChoices):
    NO_PLACE = "no-matching-place", "No matching place"
    NO_COUNTY = "no-matching-county", "No matching county"
    SEVERAL_COUNTIES = "several-counties", "Several counties"
    NO_COUNTY_GIVEN = "no-county", "No county given"
    UNKNOWN_STATE = "unknown-state", "Unknown state"
    UNKNOWN_TYPE = "unknown-type", "Unknown agency type"
    UNKNOWN_SUPPORT_TYPE = "unknown-support-type", "Unknown support type"
    NO_NAME = "no-agency-name", "No agency name"
    BAD_DATE = "bad-date", "Unreadable signing date"
    DUPLICATE = "duplicate-row", "Duplicate row"


class ReviewStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class ReviewItem(models.Model):
    """A row the importer could not turn into an agreement or a pending request by itself,
    with the reason and the row as published. Never dropped: it waits here until a curator
    resolves it (for an agency, by choosing its jurisdiction) or the sheet changes."""

    reason = models.CharField(max_length=25, choices=ReviewReason.choices)
    message = models.CharField(max_length=300)
    list_kind = models.CharField("list", max_length=15, choices=ListKind.choices)
    state_name = models.CharField(max_length=100, blank=True)
    agency_name = models.CharField(max_length=300, blank=True)
    key = models.CharField(max_length=400, help_text="What identifies the item across snapshots.")
    raw = models.JSONField(help_text="The latest row as published.")
    first_snapshot = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="+")
    last_snapshot = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="+")
    occurrences = models.PositiveIntegerField(default=1, help_text="Rows it stands for.")
    status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN
    )

    class Meta:
        ordering = ["reason", "state_name", "agency_name"]
        constraints = [
            models.UniqueConstraint(fields=["list_kind", "reason", "key"], name="review_unique"),
        ]

    def __str__(self):
        return f"{self.get_reason_display()}: {self.agency_name or self.key}"


class AgencyResolution(models.Model):
    """A curator's decision for an agency the importer could not place: which jurisdiction
    it belongs to. Kept apart from what imports derive, so every later import and every
    replay use it."""

    state = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=200, help_text="The agency's canonical name.")
    agency_name = models.CharField(max_length=300, help_text="As ICE spelled it.")
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The county, place or state the agency belongs to.",
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    resolved_at = models.DateTimeField(auto_now=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["state__name", "agency_name"]
        constraints = [
            models.UniqueConstraint(fields=["state", "key"], name="resolution_unique"),
        ]

    def __str__(self):
        return f"{self.agency_name} → {self.jurisdiction}"
