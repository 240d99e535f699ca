from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.response import Response

from core.api import CSVListMixin, PublicAPIMixin, answered_with
from core.shapes import schema_of
from jurisdictions import models
from jurisdictions.filters import AgencyFilter, JurisdictionFilter
from jurisdictions.selectors import jurisdiction_columns, jurisdiction_columns_page
from jurisdictions.shapes import (
    JURISDICTION_COLUMNS,
    Agency,
    Jurisdiction,
    JurisdictionRef,
    agency_of,
    jurisdiction_from_columns,
    jurisdiction_of,
    jurisdictions_from_columns,
)

# A jurisdiction inside another answer: the serializer of its declared shape.
JurisdictionRefSerializer = schema_of(JurisdictionRef)


# A jurisdiction's own answer: its declared shape, filled by its builder.
JurisdictionSerializer = answered_with(Jurisdiction, jurisdiction_of)


# An agency's answer: its declared shape, filled by its builder.
AgencySerializer = answered_with(Agency, agency_of)


@extend_schema_view(
    retrieve=extend_schema(
        parameters=[
            OpenApiParameter(
                "id",
                str,
                OpenApiParameter.PATH,
                description="FIPS code (17031) or slug (il-cook-county).",
            )
        ]
    )
)
class JurisdictionViewSet(PublicAPIMixin, CSVListMixin, viewsets.ReadOnlyModelViewSet):
    """States, territories, counties, places and county subdivisions. Find one by FIPS code
    (Census GEOID: 2, 5, 7 or 10 digits) or slug, or list them with `?ocd_id=`, `?state=IL`,
    `?level=place` and more."""

    serializer_class = JurisdictionSerializer
    filterset_class = JurisdictionFilter
    lookup_field = "id"
    lookup_value_regex = "[^/]+"
    basename = "jurisdictions"

    def get_queryset(self):
        return (
            models.Jurisdiction.objects.select_related("parent", "state")
            .only(*JURISDICTION_COLUMNS)
            .order_by("fips", "pk")
        )

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format == "csv":
            return super().list(request, *args, **kwargs)
        # The page as plain rows with its count, in one query: the answer is the same as
        # the serializer's from model instances, built by the same function as one
        # jurisdiction's.
        jurisdictions = self.filter_queryset(self.get_queryset())
        rows = self.paginator.paginate_rows(
            lambda offset, limit: jurisdiction_columns_page(
                jurisdictions, offset=offset, limit=limit
            ),
            request,
        )
        return self.get_paginated_response(jurisdictions_from_columns(rows, request))

    def retrieve(self, request, *args, **kwargs):
        # One row, not a model instance, from SQL compiled once per process: building and
        # compiling the queryset had cost more than the rest of the answer.
        code = self.kwargs["id"]
        row = jurisdiction_columns(code)
        if row is None:
            raise Http404(f"No jurisdiction with FIPS code or slug '{code}'.")
        return Response(jurisdiction_from_columns(row, request))


class AgencyViewSet(PublicAPIMixin, CSVListMixin, viewsets.ReadOnlyModelViewSet):
    """Law-enforcement agencies (sheriffs, police departments, state agencies)."""

    serializer_class = AgencySerializer
    filterset_class = AgencyFilter
    lookup_field = "slug"
    basename = "agencies"

    def get_queryset(self):
        # `agreements` is the agreements app's reverse relation (ICE's 287(g) lists).
        agreements = Prefetch(
            "agreements",
            queryset=models.Agency.agreements.rel.related_model.objects.order_by("signed_on", "pk"),
        )
        return (
            models.Agency.objects.select_related("jurisdiction")
            .prefetch_related(agreements)
            .order_by("name", "pk")
        )
