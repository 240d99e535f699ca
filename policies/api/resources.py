"""API resources for the codebook, instruments, provisions, sources and events.

Only published records appear: every queryset here starts from a `published()` or
`public()` queryset method, never from `objects.all()`.
"""

from django.db.models import Prefetch
from rest_framework import serializers, viewsets

from core.api import CSVListMixin, JSONErrorsMixin, answered_with
from jurisdictions.api import JurisdictionRefSerializer
from policies import models
from policies.filters import EventFilter, InstrumentFilter, ProvisionFilter, SourceFilter
from policies.models import Dimension, DimensionValue, Event, Source
from policies.selectors import citations_with_sources, published_instruments
from policies.shapes import Instrument, Provision, instrument_of, provision_of

# Ids are 64-bit integers: anything longer is no id, and must not reach the database.
ID_PATTERN = "[0-9]{1,18}"


class DimensionValueSerializer(serializers.ModelSerializer):
    class Meta:
        model = DimensionValue
        fields = [
            "slug",
            "label",
            "rank",
            "is_neutral",
            "description",
            "definition",
            "decision_rule",
            "example",
        ]


class DimensionSerializer(serializers.ModelSerializer):
    values = DimensionValueSerializer(many=True, read_only=True)
    neutral = serializers.SerializerMethodField(
        help_text="The neutral value: lower ranks limit cooperation, higher ranks require it."
    )

    class Meta:
        model = Dimension
        fields = [
            "slug",
            "name",
            "group",
            "question",
            "description",
            "position",
            "neutral",
            "values",
            "updated_at",
        ]

    def get_neutral(self, obj) -> str | None:
        return next((v.slug for v in obj.values.all() if v.is_neutral), None)


# Instruments and provisions: their declared shapes, filled by their builders.
InstrumentSerializer = answered_with(Instrument, instrument_of)
ProvisionSerializer = answered_with(Provision, provision_of)


class SourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = [
            "id",
            "title",
            "publisher",
            "kind",
            "url",
            "archived_url",
            "published_on",
            "accessed_on",
            "notes",
            "updated_at",
        ]


class EventSerializer(serializers.ModelSerializer):
    jurisdiction = JurisdictionRefSerializer(read_only=True)
    date = serializers.SerializerMethodField(help_text="YYYY, YYYY-MM or YYYY-MM-DD.")
    sources = SourceSerializer(many=True, read_only=True)

    class Meta:
        model = Event
        fields = [
            "id",
            "date",
            "occurred_on",
            "occurred_precision",
            "kind",
            "title",
            "description",
            "jurisdiction",
            "sources",
            "updated_at",
        ]

    def get_date(self, obj) -> str:
        from policies.dates import format_partial_date

        return format_partial_date(obj.occurred_on, obj.occurred_precision)


class DimensionViewSet(JSONErrorsMixin, CSVListMixin, viewsets.ReadOnlyModelViewSet):
    """The codebook: each dimension with its ordered values (rank 0 limits cooperation the
    most) and its neutral value."""

    serializer_class = DimensionSerializer
    lookup_field = "slug"
    basename = "dimensions"
    filter_backends = []

    def get_queryset(self):
        values = DimensionValue.objects.order_by("rank")
        return Dimension.objects.prefetch_related(Prefetch("values", queryset=values)).order_by(
            "position", "pk"
        )


class InstrumentViewSet(JSONErrorsMixin, CSVListMixin, viewsets.ReadOnlyModelViewSet):
    """Published instruments with their coded provisions and citations."""

    serializer_class = InstrumentSerializer
    filterset_class = InstrumentFilter
    basename = "instruments"

    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return published_instruments().order_by("jurisdiction__fips", "effective_on", "pk")


class ProvisionViewSet(JSONErrorsMixin, CSVListMixin, viewsets.ReadOnlyModelViewSet):
    """Published provisions: one coded value of one instrument on one dimension."""

    serializer_class = ProvisionSerializer
    filterset_class = ProvisionFilter
    basename = "provisions"

    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return (
            models.Provision.objects.published()
            .select_related("dimension", "value", "instrument__jurisdiction")
            .prefetch_related(Prefetch("citations", queryset=citations_with_sources()))
            .order_by("instrument_id", "dimension__position", "pk")
        )


class SourceViewSet(JSONErrorsMixin, CSVListMixin, viewsets.ReadOnlyModelViewSet):
    """Sources cited by published instruments, provisions or events."""

    serializer_class = SourceSerializer
    filterset_class = SourceFilter
    basename = "sources"

    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return Source.objects.public().order_by("title", "pk")


class EventViewSet(JSONErrorsMixin, CSVListMixin, viewsets.ReadOnlyModelViewSet):
    """Published events: litigation, federal actions, enforcement operations, reported ruses."""

    serializer_class = EventSerializer
    filterset_class = EventFilter
    basename = "events"

    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return (
            Event.objects.published()
            .select_related("jurisdiction")
            .prefetch_related(Prefetch("sources", queryset=Source.objects.order_by("pk")))
            .order_by("occurred_on", "pk")
        )
