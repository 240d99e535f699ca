from django.db.models import Q
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from core.api import CSVListMixin, JSONErrorsMixin, LinkField
from core.shapes import schema_of
from jurisdictions.filters import AgencyFilter, JurisdictionFilter
from jurisdictions.models import Agency, Jurisdiction
from jurisdictions.shapes import JurisdictionRef, jurisdiction_ref

# A jurisdiction inside another answer: the serializer of its declared shape.
JurisdictionRefSerializer = schema_of(JurisdictionRef)


# Converts a datetime as the API's declared DateTimeFields do (ISO 8601, UTC as Z).
DATETIME = serializers.DateTimeField()


class JurisdictionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    parent_fips = serializers.CharField(source="parent.fips", read_only=True, allow_null=True)
    state = serializers.CharField(source="state.usps", read_only=True, allow_null=True)
    url = LinkField("api:jurisdiction-detail", key=lambda obj: obj.fips or obj.slug)
    site_url = LinkField("site:jurisdiction", key=lambda obj: obj.slug)

    class Meta:
        model = Jurisdiction
        fields = [
            "slug",
            "name",
            "level",
            "fips",
            "ocd_id",
            "usps",
            "parent",
            "parent_fips",
            "state",
            "url",
            "site_url",
            "updated_at",
        ]

    def to_representation(self, obj):
        # Written out: DRF's field-by-field machinery (building the fields from the model,
        # then a lookup and a conversion per field) was most of a one-jurisdiction answer.
        # tests/policies/api/test_resources.py checks this against the declared fields.
        parent, state = obj.parent, obj.state
        return {
            **jurisdiction_ref(obj),
            "usps": obj.usps,
            "parent": parent.slug if parent else None,
            "parent_fips": parent.fips if parent else None,
            "state": state.usps if state else None,
            "url": self.fields["url"].to_representation(obj),
            "site_url": self.fields["site_url"].to_representation(obj),
            "updated_at": DATETIME.to_representation(obj.updated_at),
        }


# What JurisdictionSerializer reads: a third of the columns of three joined tables.
JURISDICTION_COLUMNS = (
    "slug",
    "name",
    "level",
    "fips",
    "ocd_id",
    "usps",
    "updated_at",
    "parent__slug",
    "parent__fips",
    "state__usps",
)


class AgencySerializer(serializers.ModelSerializer):
    jurisdiction = JurisdictionRefSerializer(read_only=True)

    class Meta:
        model = Agency
        fields = ["slug", "name", "kind", "ori", "jurisdiction", "updated_at"]


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
class JurisdictionViewSet(JSONErrorsMixin, CSVListMixin, viewsets.ReadOnlyModelViewSet):
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
            Jurisdiction.objects.select_related("parent", "state")
            .only(*JURISDICTION_COLUMNS)
            .order_by("fips", "pk")
        )

    def get_object(self):
        code = self.kwargs["id"]
        # Unordered: a FIPS code and a slug never look alike, so at most one row matches.
        found = self.get_queryset().filter(Q(fips=code) | Q(slug=code)).order_by()[:1]
        if not found:
            raise Http404(f"No jurisdiction with FIPS code or slug '{code}'.")
        return found[0]


class AgencyViewSet(JSONErrorsMixin, CSVListMixin, viewsets.ReadOnlyModelViewSet):
    """Law-enforcement agencies (sheriffs, police departments, state agencies)."""

    serializer_class = AgencySerializer
    filterset_class = AgencyFilter
    lookup_field = "slug"
    basename = "agencies"

    def get_queryset(self):
        return Agency.objects.select_related("jurisdiction").order_by("name", "pk")
