import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from jurisdictions.models import Agency, Jurisdiction
from policies.dates import Precision, format_partial_date, period_end, precision_check


class Dimension(models.Model):
    """A Dimension is one question asked of every jurisdiction (“Does it hold people on ICE
    detainers?”), answered on an ordered scale of values from the one that most limits
    cooperation to the one that most requires it. The codebook, as data."""

    slug = models.SlugField(
        max_length=60, unique=True, help_text="Stable identifier; never rename once published."
    )
    name = models.CharField(max_length=120)
    group = models.CharField(max_length=60, help_text="e.g. Detention, Information, Resources.")
    question = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Where this dimension appears in lists and tables."
    )
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self):
        return self.name


class DimensionValue(models.Model):
    """One value on a dimension's ordered scale. Rank 0 limits cooperation the most; the
    neutral value (`no-policy` or `none`) separates values that limit cooperation (lower
    ranks) from values that require it (higher ranks)."""

    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="values")
    slug = models.SlugField(max_length=60)
    label = models.CharField(max_length=120)
    rank = models.PositiveSmallIntegerField(help_text="0 limits cooperation the most.")
    is_neutral = models.BooleanField(
        default=False, help_text="The scale's neutral point (no-policy / none)."
    )
    description = models.TextField(blank=True)
    definition = models.TextField(
        blank=True, help_text="What the value means, in one or two neutral sentences."
    )
    decision_rule = models.TextField(
        blank=True, help_text="When a coder chooses this value rather than its neighbours."
    )
    example = models.TextField(blank=True, help_text="A provision coded with this value.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["dimension__position", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "slug"],
                name="value_unique_slug_per_dimension",
                violation_error_message="This dimension already has a value with that slug.",
            ),
            models.UniqueConstraint(
                fields=["dimension", "rank"],
                name="value_unique_rank_per_dimension",
                violation_error_message="Two values of a dimension cannot share a rank.",
            ),
            models.UniqueConstraint(
                fields=["dimension"],
                condition=Q(is_neutral=True),
                name="value_one_neutral_per_dimension",
                violation_error_message="A dimension has exactly one neutral value.",
            ),
        ]

    def __str__(self):
        # Human words in every admin drop-down; the slug is in the codebook and the API.
        return f"{self.dimension.name}: {self.label}"


class InstrumentKind(models.TextChoices):
    STATUTE = "statute", "Statute"
    ORDINANCE = "ordinance", "Ordinance"
    EXECUTIVE_ORDER = "executive-order", "Executive order"
    AG_DIRECTIVE = "ag-directive", "Attorney General directive"
    AG_GUIDANCE = "ag-guidance", "Attorney General guidance or opinion"
    AGENCY_POLICY = "agency-policy", "Agency policy"
    AGREEMENT = "agreement", "Agreement (287(g) or other)"
    DETENTION_CONTRACT = "detention-contract", "Detention contract"
    COURT_DECISION = "court-decision", "Court decision"
    BALLOT_MEASURE = "ballot-measure", "Ballot measure"
    # Not a law: a curator's finding, after searching, that no law speaks to a question.
    # Its one provision holds the dimension's neutral value, so the answer is "no law
    # found", which differs from "unknown" (nobody has looked).
    RESEARCH_FINDING = "research-finding", "Reviewed: no law found"


class Confidence(models.TextChoices):
    HIGH = "high", "High: checked against the primary text"
    MEDIUM = "medium", "Medium: sourced; pinpoints still to be checked against the text"
    UNVERIFIED = "unverified", "Unverified: a draft until the facts are confirmed"


class InstrumentStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    IN_FORCE = "in-force", "In force"
    SUPERSEDED = "superseded", "Superseded"
    ENJOINED = "enjoined", "Enjoined"
    ENJOINED_IN_PART = "enjoined-in-part", "Enjoined in part"
    REPEALED = "repealed", "Repealed"
    TERMINATED = "terminated", "Terminated"
    EXPIRED = "expired", "Expired"


class ReviewState(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"


class InstrumentQuerySet(models.QuerySet):
    def published(self):
        return self.filter(review_state=ReviewState.PUBLISHED)

    def drafts(self):
        return self.exclude(review_state=ReviewState.PUBLISHED)


def _date_field(verbose_name, help_text):
    return models.DateField(verbose_name, null=True, blank=True, help_text=help_text)


def _precision_field():
    return models.CharField(
        max_length=5,
        choices=Precision.choices,
        default=Precision.DAY,
        help_text="How precisely the date is known; a month or year date is stored as its "
        "first day.",
    )


class Instrument(models.Model):
    """An Instrument is a legal or administrative text that sets policy: a statute,
    ordinance, executive order, Attorney General directive, agency policy, agreement,
    court decision or ballot measure. It is adopted by a jurisdiction (and perhaps one of
    its agencies), is in force between its effective and ended dates, and carries coded
    provisions. Nothing is public until an editor publishes it."""

    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=30, choices=InstrumentKind.choices)
    # PROTECT: instruments are the evidence; a jurisdiction with instruments is never deleted.
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        related_name="instruments",
        help_text="The jurisdiction that adopted it (for an agency policy, the agency's).",
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="instruments",
        help_text="The agency that adopted or signed it, if an agency did.",
    )
    citation = models.CharField(
        max_length=300, blank=True, help_text="Official citation, e.g. “5 ILCS 805”."
    )
    enacted_on = _date_field("enacted", "Date signed, passed or issued.")
    enacted_precision = _precision_field()
    effective_on = _date_field("effective", "Date it took effect (not the day it was signed).")
    effective_precision = _precision_field()
    ended_on = _date_field(
        "ended", "Date it stopped being in force (repealed, expired, terminated or enjoined)."
    )
    ended_precision = _precision_field()
    ended_until = models.DateField(
        "ended by",
        null=True,
        blank=True,
        help_text="When the end is known only to a window (e.g. between two of ICE's lists): "
        "the day by which it had certainly ended. It counts as ended from `ended`, and a "
        "date in between is approximate.",
    )
    status = models.CharField(
        max_length=20, choices=InstrumentStatus.choices, default=InstrumentStatus.IN_FORCE
    )
    supersedes = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        help_text="The earlier instrument this one replaces.",
    )
    summary = models.TextField(blank=True)
    confidence = models.CharField(
        max_length=10,
        choices=Confidence.choices,
        blank=True,
        help_text="How far the coded facts have been checked against the primary text.",
    )
    draft_reason = models.TextField(
        blank=True, help_text="Why it is still a draft: what could not be confirmed."
    )
    binding = models.BooleanField(
        "binding on localities",
        default=False,
        help_text="Its provisions bind every jurisdiction below the adopter (e.g. a state "
        "statute that governs every local agency).",
    )
    review_state = models.CharField(
        max_length=10, choices=ReviewState.choices, default=ReviewState.DRAFT, db_index=True
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The editor who published it.",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    last_verified_on = models.DateField(
        null=True, blank=True, help_text="When a curator last checked it against the text."
    )
    is_generated = models.BooleanField(
        default=False,
        editable=False,
        help_text="Made by the benchmark generator: never real data.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    history = HistoricalRecords()
    objects = InstrumentQuerySet.as_manager()

    class Meta:
        ordering = ["jurisdiction__fips", "effective_on", "title"]
        permissions = [
            ("publish_instrument", "Can publish and unpublish instruments"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=precision_check("enacted_on"),
                name="instrument_enacted_precision",
                violation_error_message="A month or year date must be stored as its first day.",
            ),
            models.CheckConstraint(
                condition=precision_check("effective_on"),
                name="instrument_effective_precision",
                violation_error_message="A month or year date must be stored as its first day.",
            ),
            models.CheckConstraint(
                condition=precision_check("ended_on"),
                name="instrument_ended_precision",
                violation_error_message="A month or year date must be stored as its first day.",
            ),
            # Stored dates are starts of periods, so the database can only be sure of the
            # order when it compares years; clean() compares whole periods.
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(effective_on__isnull=True)
                | Q(ended_on__year__gte=F("effective_on__year")),
                name="instrument_ends_after_it_starts",
                violation_error_message="An instrument cannot end before it takes effect.",
            ),
            models.CheckConstraint(
                condition=Q(enacted_on__isnull=True)
                | Q(effective_on__isnull=True)
                | Q(effective_on__year__gte=F("enacted_on__year")),
                name="instrument_effective_after_enacted",
                violation_error_message="An instrument cannot take effect before it is enacted.",
            ),
            models.CheckConstraint(
                condition=~Q(review_state=ReviewState.PUBLISHED) | Q(reviewed_at__isnull=False),
                name="instrument_published_is_reviewed",
                violation_error_message="A published instrument records when it was reviewed.",
            ),
            models.CheckConstraint(
                condition=~Q(supersedes=F("pk")), name="instrument_not_superseding_itself"
            ),
        ]
        indexes = [
            # Positions read instruments in force in a jurisdiction.
            models.Index(fields=["jurisdiction", "review_state"], name="instrument_juris_review"),
            # "Data last updated" on public pages: MAX over published instruments read from
            # the end of an index instead of aggregating 150,000 rows (30 ms at national scale).
            models.Index(
                fields=["reviewed_at"],
                name="instrument_published_reviewed",
                condition=Q(review_state="published"),
            ),
            models.Index(
                fields=["updated_at"],
                name="instrument_published_updated",
                condition=Q(review_state="published"),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def effective_display(self):
        return format_partial_date(self.effective_on, self.effective_precision)

    @property
    def ended_display(self):
        return format_partial_date(self.ended_on, self.ended_precision)

    @property
    def enacted_display(self):
        return format_partial_date(self.enacted_on, self.enacted_precision)

    @property
    def is_published(self):
        return self.review_state == ReviewState.PUBLISHED

    def clean(self):
        errors = {}
        for field in ("enacted_on", "effective_on", "ended_on"):
            value = getattr(self, field)
            precision = getattr(self, field.replace("_on", "_precision"))
            if value and precision == Precision.MONTH and value.day != 1:
                errors[field] = "A date known to the month is stored as the 1st of that month."
            if value and precision == Precision.YEAR and (value.month, value.day) != (1, 1):
                errors[field] = "A date known to the year is stored as 1 January of that year."
        # Compare whole periods: "2021" (year) and "2021-03-05" are not out of order.
        ended = self.ended_on and period_end(self.ended_on, self.ended_precision)
        if self.effective_on and ended and ended <= self.effective_on:
            errors["ended_on"] = (
                f"Ends ({self.ended_display}) before it takes effect ({self.effective_display})."
            )
        effective = self.effective_on and period_end(self.effective_on, self.effective_precision)
        if self.enacted_on and effective and effective <= self.enacted_on:
            errors["effective_on"] = (
                f"Takes effect ({self.effective_display}) before it is enacted "
                f"({self.enacted_display})."
            )
        agency = self.agency if self.agency_id else None
        if agency and self.jurisdiction_id and agency.jurisdiction_id != self.jurisdiction_id:
            errors["agency"] = (
                f"{agency} belongs to {agency.jurisdiction}, not {self.jurisdiction}."
            )
        if self.supersedes_id and self.pk and self.supersedes_id == self.pk:
            errors["supersedes"] = "An instrument cannot supersede itself."
        if errors:
            raise ValidationError(errors)


class ProvisionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(instrument__review_state=ReviewState.PUBLISHED)


class Provision(models.Model):
    """A Provision is one coded answer: what an instrument says on one dimension, as one
    value of that dimension's scale, with its exceptions and the section it comes from."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="provisions")
    dimension = models.ForeignKey(Dimension, on_delete=models.PROTECT, related_name="provisions")
    value = models.ForeignKey(DimensionValue, on_delete=models.PROTECT, related_name="provisions")
    exceptions = models.TextField(
        blank=True, help_text="Exceptions in the text (“unless a judicial warrant …”)."
    )
    pinpoint = models.CharField(
        max_length=200, blank=True, help_text="Section or page, e.g. “5 ILCS 805/15(a)”."
    )
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    history = HistoricalRecords()
    objects = ProvisionQuerySet.as_manager()

    class Meta:
        ordering = ["instrument", "dimension__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "dimension"],
                name="provision_one_per_instrument_and_dimension",
                violation_error_message="This instrument already codes that dimension.",
            ),
        ]

    def __str__(self):
        value = self.value.label if self.value_id else "?"
        dimension = self.dimension.name if self.dimension_id else "?"
        return f"{dimension}: {value}"

    def clean(self):
        if self.value_id and self.dimension_id and self.value.dimension_id != self.dimension_id:
            allowed = ", ".join(self.dimension.values.values_list("slug", flat=True))
            raise ValidationError(
                {
                    "value": f"“{self.value.slug}” is not on the scale of “{self.dimension.slug}”; "
                    f"choose one of: {allowed}."
                }
            )


class SourceKind(models.TextChoices):
    STATUTE_TEXT = "statute-text", "Statute text"
    ORDINANCE_TEXT = "ordinance-text", "Ordinance text"
    COURT_DECISION = "court-decision", "Court decision"
    COURT_RECORD = "court-record", "Court record"
    GUIDANCE = "guidance", "Official guidance"
    ANALYSIS = "analysis", "Analysis"
    NEWS = "news", "News"
    REFERENCE = "reference", "Reference work"
    DATASET = "dataset", "Dataset"
    OTHER = "other", "Other"


class SourceQuerySet(models.QuerySet):
    def public(self):
        """Sources cited by something published: drafts' sources stay out of sight."""
        published = ReviewState.PUBLISHED
        return self.filter(
            models.Exists(
                Citation.objects.filter(source=models.OuterRef("pk")).filter(
                    Q(instrument__review_state=published)
                    | Q(provision__instrument__review_state=published)
                )
            )
            | models.Exists(
                Event.sources.through.objects.filter(
                    source=models.OuterRef("pk"), event__review_state=published
                )
            )
        )


class Source(models.Model):
    """A Source is a document that supports a coded value: the text of a law, a court
    decision, official guidance, a news report."""

    title = models.CharField(max_length=400)
    publisher = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=SourceKind.choices, default=SourceKind.OTHER)
    url = models.URLField("URL", max_length=500, blank=True)
    archived_url = models.URLField("archived URL", max_length=500, blank=True)
    published_on = models.DateField(null=True, blank=True)
    accessed_on = models.DateField(null=True, blank=True)
    is_generated = models.BooleanField(
        default=False,
        editable=False,
        help_text="Made by the benchmark generator: never real data.",
    )
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    history = HistoricalRecords()
    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["url"],
                condition=~Q(url=""),
                name="source_unique_url",
                violation_error_message="A source with this URL already exists.",
            ),
        ]

    def __str__(self):
        return self.title


class Citation(models.Model):
    """A Citation ties a source to an instrument or to one provision, with the pinpoint
    (section or page) and, optionally, the passage quoted."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    instrument = models.ForeignKey(
        Instrument, on_delete=models.CASCADE, null=True, blank=True, related_name="citations"
    )
    provision = models.ForeignKey(
        Provision, on_delete=models.CASCADE, null=True, blank=True, related_name="citations"
    )
    pinpoint = models.CharField(max_length=200, blank=True)
    quote = models.TextField("quoted passage", blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(instrument__isnull=False, provision__isnull=True)
                | Q(instrument__isnull=True, provision__isnull=False),
                name="citation_cites_instrument_or_provision",
                violation_error_message="A citation supports either an instrument or a provision.",
            ),
            models.UniqueConstraint(
                fields=["source", "instrument", "pinpoint"],
                condition=Q(instrument__isnull=False),
                name="citation_unique_for_instrument",
                violation_error_message="This source is already cited here with that pinpoint.",
            ),
            models.UniqueConstraint(
                fields=["source", "provision", "pinpoint"],
                condition=Q(provision__isnull=False),
                name="citation_unique_for_provision",
                violation_error_message="This source is already cited here with that pinpoint.",
            ),
        ]

    def __str__(self):
        where = f", {self.pinpoint}" if self.pinpoint else ""
        return f"{self.source}{where}"


class Suspension(models.Model):
    """A Suspension is a court order that enjoins one provision of an instrument: from
    `starts_on` until the order is stayed, vacated or dissolved (`ends_on`, exclusive; None
    while it stands) the provision does not count in any position, and the positions it
    would have decided name the order instead."""

    provision = models.ForeignKey(Provision, on_delete=models.CASCADE, related_name="suspensions")
    order = models.CharField(
        max_length=300, help_text="The order's citation, e.g. “City of El Cenizo v. Abbott, …”."
    )
    starts_on = models.DateField("from", help_text="The day the order took effect.")
    ends_on = models.DateField(
        "until",
        null=True,
        blank=True,
        help_text="The day it was stayed, vacated or dissolved; empty while it stands.",
    )
    end_reason = models.CharField(max_length=300, blank=True)
    # PROTECT: the order's text is the evidence for the suspension.
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, null=True, blank=True, related_name="suspensions"
    )
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gt=F("starts_on")),
                name="suspension_ends_after_it_starts",
                violation_error_message="A suspension must end after it starts.",
            ),
            models.UniqueConstraint(
                fields=["provision", "starts_on"], name="suspension_one_per_provision_and_day"
            ),
        ]

    def __str__(self):
        until = f" until {self.ends_on}" if self.ends_on else ""
        return f"{self.order} (from {self.starts_on}{until})"


class EventKind(models.TextChoices):
    LITIGATION = "litigation", "Litigation"
    FEDERAL_ACTION = "federal-action", "Federal action"
    ENFORCEMENT_OPERATION = "enforcement-operation", "Enforcement operation"
    RUSE = "ruse", "Reported ruse"
    POLICY_DISPUTE = "policy-dispute", "Policy dispute"


class EventQuerySet(models.QuerySet):
    def published(self):
        return self.filter(review_state=ReviewState.PUBLISHED)


class Event(models.Model):
    """An Event is a dated happening in a jurisdiction that is not itself a rule: a lawsuit
    or ruling, a federal action, an enforcement operation, a reported ruse, a dispute over
    practice. Events record what happened around the rules, with their sources."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="events")
    occurred_on = models.DateField("date")
    occurred_precision = _precision_field()
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    sources = models.ManyToManyField(Source, blank=True, related_name="events")
    review_state = models.CharField(
        max_length=10, choices=ReviewState.choices, default=ReviewState.DRAFT, db_index=True
    )
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    history = HistoricalRecords(m2m_fields=[sources])
    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["occurred_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=precision_check("occurred_on"),
                name="event_occurred_precision",
                violation_error_message="A month or year date must be stored as its first day.",
            ),
            models.UniqueConstraint(
                fields=["jurisdiction", "occurred_on", "title"], name="event_unique_per_day"
            ),
        ]

    def __str__(self):
        return f"{format_partial_date(self.occurred_on, self.occurred_precision)}: {self.title}"


class PositionQuerySet(models.QuerySet):
    def on(self, date):
        """The interval in force on `date` (at most one per jurisdiction and dimension)."""
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=date)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=date)
        )

    def known(self):
        return self.filter(value__isnull=False)

    def at_least_as_limiting_as(self, value: "DimensionValue"):
        return self.filter(dimension_id=value.dimension_id, rank__lte=value.rank)

    def at_most_as_limiting_as(self, value: "DimensionValue"):
        return self.filter(dimension_id=value.dimension_id, rank__gte=value.rank)


class Position(models.Model):
    """A Position is a jurisdiction's answer on one dimension over an interval of time —
    the value that results from its own provisions and its binding ancestors', with where
    it comes from. Rows are derived from published provisions by `policies.positions.store`
    (never edited by hand) so that maps and filters over every jurisdiction on a date are
    single indexed queries. A date with no row is `unknown`; rows with no value exist only
    to flag an approximate unknown (a provision that may already have been in force) or a
    provision suspended by a court order (`provenance` "suspended")."""

    class Source(models.TextChoices):
        OWN = "own", "Own"
        INHERITED = "inherited", "Inherited"
        PREEMPTED = "preempted", "Preempted"
        SUSPENDED = "suspended", "Suspended by a court order"
        UNKNOWN = "unknown", "Unknown"

    # The foreign keys have no database constraints (`db_constraint=False`): rows are
    # derived, written only by `policies.positions.store` and checked by `check_positions`,
    # and Django still deletes them with what they point to. Each constraint was a trigger
    # fired for every interval a publication writes (a state law: thousands).
    # No index of its own: the unique (jurisdiction, dimension, valid_from) constraint serves
    # every lookup by jurisdiction, and a one-column index here misled PostgreSQL's planner
    # into reading every dimension's rows for one dimension's map (18 ms against 4 ms).
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        on_delete=models.CASCADE,
        related_name="positions",
        db_index=False,
        db_constraint=False,
    )
    # Neither this nor `value` has an index of its own: the composite index below leads
    # with the dimension, and every index is paid for on each interval a publication
    # rewrites (a state law: thousands).
    dimension = models.ForeignKey(
        Dimension,
        on_delete=models.CASCADE,
        related_name="positions",
        db_index=False,
        db_constraint=False,
    )
    valid_from = models.DateField(null=True, blank=True, help_text="None: since records begin.")
    valid_to = models.DateField(null=True, blank=True, help_text="Exclusive; None: still holds.")
    value = models.ForeignKey(
        DimensionValue,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # only a codebook value's deletion looks rows up by it
        db_constraint=False,
    )
    # The value's rank, copied so "at least as limiting as" filters need no join.
    rank = models.PositiveSmallIntegerField(null=True, blank=True)
    provenance = models.CharField(max_length=10, choices=Source.choices)
    provision = models.ForeignKey(
        Provision,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="decided_positions",
        db_constraint=False,
        help_text="The provision that decides the value.",
    )
    approximate = models.BooleanField(
        default=False, help_text="A date inside this interval falls in an imprecise period."
    )
    overridden = models.JSONField(
        default=list, blank=True, help_text="Ids of provisions considered and set aside."
    )
    noted = models.JSONField(
        default=list, blank=True, help_text="Ids of binding mandates that left the value as is."
    )
    suspended = models.JSONField(
        default=list,
        blank=True,
        help_text="Ids of suspensions (court orders) that keep a provision out of this interval.",
    )

    objects = PositionQuerySet.as_manager()

    class Meta:
        ordering = ["jurisdiction_id", "dimension_id", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gt=F("valid_from")),
                name="position_interval_in_order",
            ),
            # Also the index for a profile (every dimension of one jurisdiction) and timelines.
            models.UniqueConstraint(
                fields=["jurisdiction", "dimension", "valid_from"],
                name="position_one_interval_per_start",
            ),
        ]
        indexes = [
            # One dimension, for a set of jurisdictions or all of them, on a date (the map,
            # filtered lists, the "at least as limiting as" filters). A second index on
            # (dimension, valid_from, valid_to, rank) served those filters no faster at
            # national scale and cost a third of the time of every interval a publication
            # inserts (thousands of equal keys: a state law's intervals all start on its
            # date), so it was dropped (migration 0016).
            models.Index(
                fields=["dimension", "jurisdiction", "valid_from"],
                name="position_dimension_place",
            ),
        ]

    def __str__(self):
        value = self.value.slug if self.value_id else "unknown"
        return (
            f"{self.jurisdiction_id}/{self.dimension_id} {self.valid_from}–{self.valid_to}: {value}"
        )


class DataVersion(models.Model):
    """A single row whose token changes whenever stored positions, the codebook or the
    jurisdictions change (`policies.positions.version`), so that what is drawn from them, such as
    the maps, can be cached in each server process and still never be shown stale. A fresh
    random token rather than a counter: after a change is rolled back, the next change must
    not reuse the number the rolled-back one had."""

    token = models.UUIDField(default=uuid.uuid4)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.token} ({self.changed_at:%Y-%m-%d %H:%M:%S})"


class CorrectionStatus(models.TextChoices):
    OPEN = "open", "Open"
    FIXED = "fixed", "Fixed"
    DECLINED = "declined", "Declined"


class CorrectionQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=CorrectionStatus.OPEN)


class Correction(models.Model):
    """A Correction is a reader's report that something on a public page is wrong, with the
    source that shows it. Curators read it in the admin and fix the record through the
    usual review; the report itself is never published."""

    page = models.CharField(max_length=300, help_text="The page it was sent from (its path).")
    # SET_NULL: a report outlives a record deleted after it (its page path still says where).
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="corrections",
    )
    instrument = models.ForeignKey(
        Instrument, on_delete=models.SET_NULL, null=True, blank=True, related_name="corrections"
    )
    what_is_wrong = models.TextField(max_length=4000)
    source = models.TextField(
        max_length=1000, help_text="A link or citation that shows what is right."
    )
    email = models.EmailField(blank=True, help_text="The reader's, if they want an answer.")
    status = models.CharField(
        max_length=10, choices=CorrectionStatus.choices, default=CorrectionStatus.OPEN
    )
    curator_note = models.TextField(blank=True, help_text="What was done about it (internal).")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        # The admin index lists the open ones, newest first.
        indexes = [models.Index(fields=["status", "-created_at"], name="correction_open_newest")]

    def __str__(self):
        return f"{self.page}: {self.what_is_wrong[:60]}"
