"""Filters for instruments, provisions, sources and events, shared by the API and pages. A
wrong value raises Django's ValidationError keyed by its parameter."""

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django_filters import rest_framework as filters

from core.filters import IsoDayFilter, StrictOrderingFilter, UpdatedSinceFilter
from core.params import allowed, shown, today
from jurisdictions.filters import JurisdictionFilter
from jurisdictions.models import Level
from jurisdictions.selectors import jurisdiction_by_code, state_by_code
from policies import forms
from policies.models import (
    Dimension,
    DimensionValue,
    Event,
    EventKind,
    Instrument,
    InstrumentKind,
    InstrumentStatus,
    Provision,
    Source,
    SourceKind,
)
from policies.search import search_instruments
from policies.selectors import jurisdictions_with_coded_policy


def dimension_by_slug(slug: str, parameter: str = "dimension") -> Dimension:
    try:
        return forms.dimension_by_slug(slug)
    except ValidationError as error:
        raise ValidationError({parameter: error.messages}) from None


def value_by_slug(dimension: Dimension, slug: str, parameter: str) -> DimensionValue:
    try:
        return forms.value_by_slug(dimension, slug)
    except ValidationError as error:
        raise ValidationError({parameter: error.messages}) from None


class JurisdictionListFilter(JurisdictionFilter):
    """The filters of a list of jurisdictions wherever it is shown (the list page, its CSV,
    the API's list and positions): `JurisdictionFilter`'s, and `coded=1`, which needs the
    positions that the jurisdictions app cannot see."""

    coded = filters.ChoiceFilter(
        method="filter_coded",
        choices=[("1", "only with a coded policy")],
        help_text="`1`: only jurisdictions with a known position on some dimension on `as_of`.",
        error_messages={
            "invalid_choice": "'%(value)s' is not allowed. Allowed: 1, or leave it out."
        },
    )
    # Read by `coded` (and by the positions it is used with); filters nothing by itself.
    as_of = IsoDayFilter(method="filter_nothing", help_text="YYYY-MM-DD; default today.")

    def filter_coded(self, queryset, name, value):
        on = self.form.cleaned_data.get("as_of") or today()
        return jurisdictions_with_coded_policy(jurisdictions=queryset, on=on)

    def filter_nothing(self, queryset, name, value):
        return queryset


class InstrumentFilter(filters.FilterSet):
    q = filters.CharFilter(
        method="filter_q",
        help_text=(
            "Full-text search of title, citation and summary, most relevant first: words, "
            '"quoted phrases", `or`, `-word`, with English stemming (on SQLite: every word '
            "as a substring)."
        ),
    )
    kind = filters.ChoiceFilter(choices=InstrumentKind.choices)
    status = filters.ChoiceFilter(choices=InstrumentStatus.choices)
    binding = filters.BooleanFilter(help_text="Binding on localities.")
    jurisdiction = filters.CharFilter(
        method="filter_jurisdiction", help_text="Adopted by (FIPS code, slug or OCD id)."
    )
    state = filters.CharFilter(method="filter_state", help_text="USPS code (IL) or FIPS (17).")
    level = filters.ChoiceFilter(field_name="jurisdiction__level", choices=Level.choices)
    dimension = filters.CharFilter(method="filter_dimension", help_text="Codes this dimension.")
    effective_after = IsoDayFilter(field_name="effective_on", lookup_expr="gte")
    effective_before = IsoDayFilter(field_name="effective_on", lookup_expr="lt")
    in_force_on = IsoDayFilter(
        method="filter_in_force_on",
        help_text="In force on this date by its recorded dates (effective ≤ date < ended).",
    )
    updated_since = UpdatedSinceFilter()
    ordering = StrictOrderingFilter(fields=["effective_on", "enacted_on", "title", "updated_at"])

    class Meta:
        model = Instrument
        fields = []

    def filter_q(self, queryset, name, value):
        return search_instruments(queryset, value)

    def filter_jurisdiction(self, queryset, name, value):
        return queryset.filter(
            jurisdiction=jurisdiction_by_code(code=value, parameter="jurisdiction")
        )

    def filter_state(self, queryset, name, value):
        return queryset.filter(jurisdiction__state=state_by_code(code=value))

    def filter_dimension(self, queryset, name, value):
        dimension = dimension_by_slug(value)
        coded = Provision.objects.filter(instrument=OuterRef("pk"), dimension=dimension)
        return queryset.filter(Exists(coded))

    def filter_in_force_on(self, queryset, name, value):
        return queryset.filter(effective_on__lte=value).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=value)
        )


class ProvisionFilter(filters.FilterSet):
    dimension = filters.CharFilter(method="filter_dimension")
    value = filters.CharFilter(
        method="filter_value", help_text="A value slug; give `dimension` too when ambiguous."
    )
    instrument = filters.NumberFilter(field_name="instrument_id", min_value=1, max_value=2**62)
    jurisdiction = filters.CharFilter(method="filter_jurisdiction")
    state = filters.CharFilter(method="filter_state")
    updated_since = UpdatedSinceFilter()
    ordering = StrictOrderingFilter(fields=["updated_at", "instrument__effective_on"])

    class Meta:
        model = Provision
        fields = []

    def filter_dimension(self, queryset, name, value):
        return queryset.filter(dimension=dimension_by_slug(value))

    def filter_value(self, queryset, name, value):
        dimension_slug = self.data.get("dimension")
        if dimension_slug:
            return queryset.filter(
                value=value_by_slug(dimension_by_slug(dimension_slug), value, "value")
            )
        if not DimensionValue.objects.filter(slug=value).exists():
            slugs = sorted(set(DimensionValue.objects.values_list("slug", flat=True)))
            message = allowed(f"No value '{shown(value)}' on any dimension.", slugs)
            raise ValidationError({"value": [message]})
        return queryset.filter(value__slug=value)

    def filter_jurisdiction(self, queryset, name, value):
        return queryset.filter(
            instrument__jurisdiction=jurisdiction_by_code(code=value, parameter="jurisdiction")
        )

    def filter_state(self, queryset, name, value):
        return queryset.filter(instrument__jurisdiction__state=state_by_code(code=value))


class SourceFilter(filters.FilterSet):
    q = filters.CharFilter(method="filter_q", help_text="Title, publisher or URL contains.")
    kind = filters.ChoiceFilter(choices=SourceKind.choices)
    publisher = filters.CharFilter(field_name="publisher", lookup_expr="icontains")
    updated_since = UpdatedSinceFilter()
    ordering = StrictOrderingFilter(fields=["title", "publisher", "updated_at"])

    class Meta:
        model = Source
        fields = []

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(title__icontains=value) | Q(publisher__icontains=value) | Q(url__icontains=value)
        )


class EventFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=EventKind.choices)
    jurisdiction = filters.CharFilter(method="filter_jurisdiction")
    state = filters.CharFilter(method="filter_state")
    after = IsoDayFilter(field_name="occurred_on", lookup_expr="gte")
    before = IsoDayFilter(field_name="occurred_on", lookup_expr="lt")
    updated_since = UpdatedSinceFilter()
    ordering = StrictOrderingFilter(fields=["occurred_on", "title", "updated_at"])

    class Meta:
        model = Event
        fields = []

    def filter_jurisdiction(self, queryset, name, value):
        return queryset.filter(
            jurisdiction=jurisdiction_by_code(code=value, parameter="jurisdiction")
        )

    def filter_state(self, queryset, name, value):
        return queryset.filter(jurisdiction__state=state_by_code(code=value))
