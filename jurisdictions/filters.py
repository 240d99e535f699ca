"""Filters for jurisdictions and agencies, shared by the API and the public pages."""

from django.db.models import Q
from django_filters import rest_framework as filters
from rest_framework.exceptions import ValidationError

from core.api import StrictOrderingFilter, UpdatedSinceFilter
from jurisdictions.models import Agency, AgencyKind, Jurisdiction, Level


def state_by_code(code: str) -> Jurisdiction:
    """A state or territory by USPS code (IL), FIPS (17) or slug (il)."""
    code = code.strip()
    match = (
        Jurisdiction.objects.filter(level__in=[Level.STATE, Level.TERRITORY])
        .filter(Q(usps=code.upper()) | Q(fips=code) | Q(slug=code.lower()))
        .first()
    )
    if match is None:
        raise ValidationError(
            {"state": [f"No state or territory '{code}': use a USPS code (IL) or FIPS code (17)."]}
        )
    return match


def jurisdiction_by_code(code: str, parameter: str) -> Jurisdiction:
    """A jurisdiction by FIPS code, slug or OCD id."""
    code = code.strip()
    match = Jurisdiction.objects.filter(Q(fips=code) | Q(slug=code) | Q(ocd_id=code)).first()
    if match is None:
        raise ValidationError(
            {parameter: [f"No jurisdiction '{code}': use a FIPS code, slug or OCD id."]}
        )
    return match


def jurisdictions_by_codes(codes: list[str], parameter: str) -> list[Jurisdiction]:
    """Several jurisdictions by FIPS code, slug or OCD id, in the order given, in one query."""
    found = Jurisdiction.objects.filter(
        Q(fips__in=codes) | Q(slug__in=codes) | Q(ocd_id__in=codes)
    ).select_related("state")
    by_code = {}
    for jurisdiction in found:
        for code in (jurisdiction.fips, jurisdiction.slug, jurisdiction.ocd_id):
            if code:
                by_code[code] = jurisdiction
    missing = [code for code in codes if code not in by_code]
    if missing:
        raise ValidationError(
            {
                parameter: [
                    f"No jurisdiction '{code}': use a FIPS code, slug or OCD id."
                    for code in missing
                ]
            }
        )
    ordered = []
    for code in codes:
        if by_code[code] not in ordered:
            ordered.append(by_code[code])
    return ordered


class JurisdictionFilter(filters.FilterSet):
    q = filters.CharFilter(method="filter_q", help_text="Name contains (or exact FIPS code).")
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
        return queryset.filter(Q(name__icontains=value) | Q(fips=value))

    def filter_state(self, queryset, name, value):
        return queryset.filter(state=state_by_code(value))

    def filter_parent(self, queryset, name, value):
        return queryset.filter(parent=jurisdiction_by_code(value, "parent"))


class AgencyFilter(filters.FilterSet):
    q = filters.CharFilter(field_name="name", lookup_expr="icontains")
    kind = filters.ChoiceFilter(choices=AgencyKind.choices)
    jurisdiction = filters.CharFilter(method="filter_jurisdiction")
    state = filters.CharFilter(method="filter_state")
    ori = filters.CharFilter(field_name="ori", lookup_expr="exact")
    updated_since = UpdatedSinceFilter()
    ordering = StrictOrderingFilter(fields=["name", "kind", "updated_at"])

    class Meta:
        model = Agency
        fields = []

    def filter_jurisdiction(self, queryset, name, value):
        return queryset.filter(jurisdiction=jurisdiction_by_code(value, "jurisdiction"))

    def filter_state(self, queryset, name, value):
        return queryset.filter(jurisdiction__state=state_by_code(value))
