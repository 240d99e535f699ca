from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

# OCD ids are lowercase; names keep accented letters ("doña_ana"), "~" and "-" (see
# fixtures/README.md), so anything but upper case, spaces and separators is allowed.
OCD_ID_PATTERN = r"^ocd-division/country:us(/[a-z_]+:[^\sA-Z/:]+)*$"


class Level(models.TextChoices):
    STATE = "state", "State"
    TERRITORY = "territory", "Territory"
    COUNTY = "county", "County"
    PLACE = "place", "Place"
    # A town or township (a Census minor civil division): Wayne township, Andover town.
    COUNTY_SUBDIVISION = "county-subdivision", "County subdivision"


TOP_LEVELS = (Level.STATE, Level.TERRITORY)
# Census GEOIDs: 2 digits for states and territories, 5 for counties, 7 for places and 10
# for county subdivisions (state, county and subdivision codes run together).
FIPS_LENGTH = {
    Level.STATE: 2,
    Level.TERRITORY: 2,
    Level.COUNTY: 5,
    Level.PLACE: 7,
    Level.COUNTY_SUBDIVISION: 10,
}
# Which levels may sit directly above each level.
ALLOWED_PARENT_LEVELS = {
    Level.STATE: set(),
    Level.TERRITORY: set(),
    Level.COUNTY: {Level.STATE, Level.TERRITORY},
    Level.PLACE: {Level.STATE, Level.TERRITORY, Level.COUNTY},
    Level.COUNTY_SUBDIVISION: {Level.COUNTY},
}


class JurisdictionQuerySet(models.QuerySet):
    def states(self):
        return self.filter(level=Level.STATE)

    def counties(self):
        return self.filter(level=Level.COUNTY)

    def places(self):
        return self.filter(level=Level.PLACE)

    def counts_by_level(self):
        counts = dict(
            self.values_list("level").annotate(n=models.Count("pk")).values_list("level", "n")
        )
        return [(label, counts.get(value, 0)) for value, label in Level.choices]


class Jurisdiction(models.Model):
    """A Jurisdiction is a state, territory, county, place (an incorporated city, town,
    village or borough) or county subdivision (a town or township) that can adopt instruments
    about cooperation with immigration enforcement. Jurisdictions form a tree: a county sits
    in a state, a place in its state (a place may span counties), a county subdivision in its
    county."""

    name = models.CharField(max_length=200, help_text="Official name, e.g. “Cook County”.")
    slug = models.SlugField(
        max_length=120, unique=True, help_text="Stable identifier used in URLs, e.g. “il-cook”."
    )
    level = models.CharField(max_length=20, choices=Level.choices)
    # PROTECT: removing a state must not silently remove its counties and their policies.
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="The jurisdiction directly above this one (a county's state, a city's county).",
    )
    # Kept in step with the parent chain so filtering by state is one indexed lookup.
    state = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        help_text="The state or territory this jurisdiction lies in (itself, for a state).",
    )
    fips = models.CharField(
        "FIPS code",
        max_length=10,
        null=True,
        blank=True,
        unique=True,
        validators=[
            RegexValidator(r"^\d{2}(\d{3}|\d{5}|\d{8})?$", "A FIPS code is 2, 5, 7 or 10 digits.")
        ],
        help_text=(
            "Census FIPS code (GEOID): 2 digits for a state, 5 for a county, 7 for a place, "
            "10 for a county subdivision."
        ),
    )
    ocd_id = models.CharField(
        "OCD division id",
        max_length=200,
        null=True,
        blank=True,
        unique=True,
        validators=[RegexValidator(OCD_ID_PATTERN, "Not an Open Civic Data division id.")],
        help_text="Open Civic Data division id, e.g. ocd-division/country:us/state:il/county:cook.",
    )
    usps = models.CharField(
        "USPS code",
        max_length=2,
        null=True,
        blank=True,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", "A USPS code is two capital letters.")],
        help_text="Two-letter postal code, for states and territories only.",
    )
    is_generated = models.BooleanField(
        default=False,
        editable=False,
        help_text="Made by the benchmark generator: never real data.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    history = HistoricalRecords()
    objects = JurisdictionQuerySet.as_manager()

    class Meta:
        ordering = ["fips", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="jurisdiction_not_own_parent"
            ),
            models.CheckConstraint(
                condition=Q(level__in=["state", "territory"]) | Q(usps__isnull=True),
                name="jurisdiction_usps_only_for_states",
                violation_error_message="Only states and territories have a USPS code.",
            ),
            models.CheckConstraint(
                condition=Q(level__in=["state", "territory"], parent__isnull=True)
                | Q(
                    level__in=["county", "place", "county-subdivision"],
                    parent__isnull=False,
                ),
                name="jurisdiction_parent_matches_level",
                violation_error_message=(
                    "States and territories have no parent; counties, places and county "
                    "subdivisions must have one."
                ),
            ),
        ]
        indexes = [
            # The jurisdiction list filters by level within a state, in FIPS order: with the
            # order in the index, a page of Texas places reads 100 rows, not the 33,000
            # ahead of them in the FIPS index (9 ms → under 1 ms at national scale).
            models.Index(
                fields=["state", "level", "fips", "id"], name="jurisdiction_state_level_fips"
            ),
            # The same for one level across states (the API's `?level=place`, the positions
            # of every county): its count and first page read that level's rows only, not
            # all 39,000 jurisdictions (10 ms to under 1 ms on PostgreSQL).
            models.Index(fields=["level", "fips", "id"], name="jurisdiction_level_fips"),
        ]

    def __str__(self):
        if self.level not in TOP_LEVELS and self.state_id:
            return f"{self.name}, {self.state.usps or self.state.name}"
        return self.name

    def save(self, *args, **kwargs):
        is_top = self.level in TOP_LEVELS
        if not is_top:
            self.state_id = self.parent.state_id if self.parent_id else None
        super().save(*args, **kwargs)
        if is_top and self.state_id != self.pk:
            # A new state's own key exists only after the insert.
            self.state_id = self.pk
            type(self).objects.filter(pk=self.pk).update(state=self.pk)

    def clean(self):
        errors = {}
        if self.fips and self.level and len(self.fips) != FIPS_LENGTH[self.level]:
            errors["fips"] = (
                f"A {self.get_level_display().lower()} FIPS code has "
                f"{FIPS_LENGTH[self.level]} digits, not {len(self.fips)}."
            )
        if self.parent_id and self.level:
            if self.parent.level not in ALLOWED_PARENT_LEVELS[self.level]:
                errors["parent"] = (
                    f"A {self.get_level_display().lower()} cannot sit inside a "
                    f"{self.parent.get_level_display().lower()}."
                )
            elif self.pk and self.pk in {a.pk for a in self.parent.ancestors(include_self=True)}:
                errors["parent"] = "A jurisdiction cannot sit inside itself."
        if self.level in TOP_LEVELS and self.parent_id:
            errors["parent"] = "States and territories have no parent."
        if self.level and self.level not in TOP_LEVELS and not self.parent_id:
            errors["parent"] = "Counties, places and county subdivisions must have a parent."
        if self.usps and self.level not in TOP_LEVELS:
            errors["usps"] = "Only states and territories have a USPS code."
        if errors:
            raise ValidationError(errors)

    def ancestors(self, include_self=False):
        """This jurisdiction's chain of parents, nearest first."""
        chain = [self] if include_self else []
        node = self.parent
        while node is not None and len(chain) < 10:
            chain.append(node)
            node = node.parent
        return chain


class AgencyKind(models.TextChoices):
    SHERIFF = "sheriff", "Sheriff's office"
    POLICE = "police", "Police department"
    STATE_AGENCY = "state-agency", "State agency"
    CORRECTIONS = "corrections", "Corrections"
    OTHER = "other", "Other"


class Agency(models.Model):
    """An Agency is a law-enforcement body (sheriff's office, police department, state
    police, corrections department) that belongs to a jurisdiction and may adopt its own
    policies or sign agreements such as 287(g)."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=160, unique=True)
    kind = models.CharField(max_length=20, choices=AgencyKind.choices)
    # PROTECT: an agency's instruments must not vanish with a mistaken jurisdiction delete.
    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="agencies"
    )
    ori = models.CharField(
        "FBI ORI code",
        max_length=9,
        null=True,
        blank=True,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2}[A-Z0-9]{7}$", "An ORI is 9 letters and digits.")],
        help_text="FBI Originating Agency Identifier (9 characters), when known.",
    )
    is_generated = models.BooleanField(
        default=False,
        editable=False,
        help_text="Made by the benchmark generator: never real data.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "name"],
                name="agency_unique_name_in_jurisdiction",
                violation_error_message="This jurisdiction already has an agency of that name.",
            ),
        ]

    def __str__(self):
        return self.name
