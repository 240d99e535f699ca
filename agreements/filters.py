"""Filters for agreements and snapshots, shared by the API and the 287(g) page."""

from django_filters import rest_framework as filters

from agreements.models import Agreement, AgreementStatus, ListKind, Model287g, Snapshot
from core.filters import StrictOrderingFilter, UpdatedSinceFilter


class AgreementFilter(filters.FilterSet):
    state = filters.CharFilter(
        field_name="agency__jurisdiction__state__usps",
        lookup_expr="iexact",
        help_text="USPS code of the agency's state, e.g. TX.",
    )
    model = filters.ChoiceFilter(choices=Model287g.choices)
    status = filters.ChoiceFilter(choices=AgreementStatus.choices)
    agency = filters.CharFilter(field_name="agency__slug", lookup_expr="exact")
    jurisdiction = filters.CharFilter(
        field_name="agency__jurisdiction__fips",
        lookup_expr="exact",
        help_text="FIPS code of the agency's jurisdiction.",
    )
    in_force_on = filters.DateFilter(
        method="filter_in_force", help_text="Signed by this day and not yet ended (YYYY-MM-DD)."
    )
    signed_after = filters.DateFilter(field_name="signed_on", lookup_expr="gte")
    signed_before = filters.DateFilter(field_name="signed_on", lookup_expr="lte")
    updated_since = UpdatedSinceFilter()
    ordering = StrictOrderingFilter(fields=["signed_on", "key"])

    class Meta:
        model = Agreement
        fields = []

    def filter_in_force(self, queryset, name, value):
        return queryset.in_force(value)


class SnapshotFilter(filters.FilterSet):
    list = filters.ChoiceFilter(field_name="list_kind", choices=ListKind.choices)
    published_after = filters.DateFilter(field_name="published_on", lookup_expr="gte")
    published_before = filters.DateFilter(field_name="published_on", lookup_expr="lte")
    updated_since = UpdatedSinceFilter(field_name="imported_at")

    class Meta:
        model = Snapshot
        fields = []
