"""Filters for jurisdictions and agencies, shared by the API and the public pages. A wrong
value raises Django's ValidationError (see jurisdictions/selectors.py), which each surface
renders its own way."""

from django_filters import rest_framework as filters

from core.filters import StrictOrderingFilter, UpdatedSinceFilter
from jurisdictions import search
from jurisdictions.models import Agency, AgencyKind, Jurisdiction, Level
from jurisdictions.selectors import jurisdiction_by_code, state_by_code


class JurisdictionFilter(filters.FilterSet):
    q = filters.CharFilter(
        method="filter_q",
        help_text="A name (“Cook County, IL”, “cook il”), FIPS code, OCD id, slug or agency "
        "name; most relevant first.",
    )
    level = filters.ChoiceFilter(choices=Level.choices)
    state = filters.CharFilter(
        method="filter_state", help_text="State or territory: USPS code (IL) or FIPS (17)."
    )
    parent = filters.CharFilter(
        method="filter_parent", help_text="Directly inside this jurisdiction (FIPS or slug)."
    )
    fips = filters.CharFilter(field_name="fips", lookup_expr="exact")
    ocd_id = filters.CharFilter(field_name="ocd_id", lookup_expr="exact")
    updated_since = UpdatedSinceFilter()
    ordering = StrictOrderingFilter(fields=["name", "fips", "level", "updated_at"])

    class Meta:
        model = Jurisdiction
        fields = []

    def filter_q(self, queryset, name, value):
        return search.matching(queryset, search.parse(value))

    def filter_state(self, queryset, name, value):
        return queryset.filter(state=state_by_code(code=value))

    def filter_parent(self, queryset, name, value):
        return queryset.filter(parent=jurisdiction_by_code(code=value, parameter="parent"))


class AgencyFilter(filters.FilterSet):
    q = filters.CharFilter(
        method="filter_q", help_text="Part of the agency's name or of a spelling ICE uses."
    )
    kind = filters.ChoiceFilter(choices=AgencyKind.choices)
    jurisdiction = filters.CharFilter(method="filter_jurisdiction")
    state = filters.CharFilter(method="filter_state")
    ori = filters.CharFilter(field_name="ori", lookup_expr="exact")
    updated_since = UpdatedSinceFilter()
    ordering = StrictOrderingFilter(fields=["name", "kind", "updated_at"])

    class Meta:
        model = Agency
        fields = []

    def filter_q(self, queryset, name, value):
        return queryset.filter(search.agency_called(value))

    def filter_jurisdiction(self, queryset, name, value):
        return queryset.filter(
            jurisdiction=jurisdiction_by_code(code=value, parameter="jurisdiction")
        )

    def filter_state(self, queryset, name, value):
        return queryset.filter(jurisdiction__state=state_by_code(code=value))
