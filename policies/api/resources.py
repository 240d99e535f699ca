"""API resources for the codebook, instruments, provisions, sources and events.

Only published records appear: every queryset here starts from a `published()` or
`public()` queryset method, never from `objects.all()`.
"""

from django.db.models import Prefetch
from rest_framework import serializers, viewsets

from core.api import CSVListMixin, JSONErrorsMixin, LinkField
from jurisdictions.api import DATETIME, JurisdictionRefSerializer
from jurisdictions.shapes import jurisdiction_ref
from policies.filters import EventFilter, InstrumentFilter, ProvisionFilter, SourceFilter
from policies.models import (
    Dimension,
    DimensionValue,
    Event,
    Instrument,
    Provision,
    Source,
)
from policies.selectors import citations_with_sources, published_instruments

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


class CitedSourceSerializer(serializers.Serializer):
    """A citation as shown with what it supports: the source, the pinpoint, the quote."""

    source_id = serializers.IntegerField()
    title = serializers.CharField(source="source.title")
    publisher = serializers.CharField(source="source.publisher")
    url = serializers.CharField(source="source.url")
    archived_url = serializers.CharField(source="source.archived_url")
    pinpoint = serializers.CharField()
    quote = serializers.CharField()


class ProvisionInInstrumentSerializer(serializers.ModelSerializer):
    dimension = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    value = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    value_label = serializers.CharField(source="value.label", read_only=True)
    rank = serializers.IntegerField(source="value.rank", read_only=True)
    citations = CitedSourceSerializer(many=True, read_only=True)

    class Meta:
        model = Provision
        fields = [
            "id",
            "dimension",
            "value",
            "value_label",
            "rank",
            "pinpoint",
            "exceptions",
            "notes",
            "citations",
        ]


def _partial_date(prefix: str):
    return serializers.CharField(
        source=f"{prefix}_display",
        read_only=True,
        help_text="YYYY, YYYY-MM or YYYY-MM-DD, as precisely as known.",
    )


class InstrumentSerializer(serializers.ModelSerializer):
    jurisdiction = JurisdictionRefSerializer(read_only=True)
    agency = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    enacted = _partial_date("enacted")
    effective = _partial_date("effective")
    ended = _partial_date("ended")
    published_at = serializers.DateTimeField(source="reviewed_at", read_only=True)
    provisions = ProvisionInInstrumentSerializer(many=True, read_only=True)
    citations = CitedSourceSerializer(many=True, read_only=True)
    url = LinkField("api:instrument-detail")
    site_url = LinkField("site:instrument")

    class Meta:
        model = Instrument
        fields = [
            "id",
            "title",
            "kind",
            "status",
            "citation",
            "jurisdiction",
            "agency",
            "binding",
            "enacted",
            "effective",
            "ended",
            "enacted_on",
            "enacted_precision",
            "effective_on",
            "effective_precision",
            "ended_on",
            "ended_precision",
            "supersedes",
            "summary",
            "confidence",
            "last_verified_on",
            "published_at",
            "updated_at",
            "provisions",
            "citations",
            "url",
            "site_url",
        ]

    def to_representation(self, obj):
        # Written out, like JurisdictionSerializer's: DRF's field-by-field machinery was
        # most of a page of search results once the search itself was indexed.
        # tests/policies/api/test_resources.py checks this against the declared fields.
        agency = obj.agency
        return {
            "id": obj.pk,
            "title": obj.title,
            "kind": obj.kind,
            "status": obj.status,
            "citation": obj.citation,
            "jurisdiction": jurisdiction_ref(obj.jurisdiction),
            "agency": agency.slug if agency else None,
            "binding": obj.binding,
            "enacted": obj.enacted_display,
            "effective": obj.effective_display,
            "ended": obj.ended_display,
            "enacted_on": _day(obj.enacted_on),
            "enacted_precision": obj.enacted_precision,
            "effective_on": _day(obj.effective_on),
            "effective_precision": obj.effective_precision,
            "ended_on": _day(obj.ended_on),
            "ended_precision": obj.ended_precision,
            "supersedes": obj.supersedes_id,
            "summary": obj.summary,
            "confidence": obj.confidence,
            "last_verified_on": _day(obj.last_verified_on),
            "published_at": DATETIME.to_representation(obj.reviewed_at),
            "updated_at": DATETIME.to_representation(obj.updated_at),
            "provisions": [
                {
                    "id": p.pk,
                    "dimension": p.dimension.slug,
                    "value": p.value.slug,
                    "value_label": p.value.label,
                    "rank": p.value.rank,
                    "pinpoint": p.pinpoint,
                    "exceptions": p.exceptions,
                    "notes": p.notes,
                    "citations": [_cited(c) for c in p.citations.all()],
                }
                for p in obj.provisions.all()
            ],
            "citations": [_cited(c) for c in obj.citations.all()],
            "url": self.fields["url"].to_representation(obj),
            "site_url": self.fields["site_url"].to_representation(obj),
        }


def _day(day) -> str | None:
    return day.isoformat() if day is not None else None


def _cited(citation) -> dict:
    source = citation.source
    return {
        "source_id": citation.source_id,
        "title": source.title,
        "publisher": source.publisher,
        "url": source.url,
        "archived_url": source.archived_url,
        "pinpoint": citation.pinpoint,
        "quote": citation.quote,
    }


class InstrumentRefSerializer(serializers.ModelSerializer):
    jurisdiction = JurisdictionRefSerializer(read_only=True)

    class Meta:
        model = Instrument
        fields = ["id", "title", "kind", "citation", "binding", "jurisdiction"]


class ProvisionSerializer(ProvisionInInstrumentSerializer):
    instrument = InstrumentRefSerializer(read_only=True)

    class Meta(ProvisionInInstrumentSerializer.Meta):
        fields = [*ProvisionInInstrumentSerializer.Meta.fields, "instrument", "updated_at"]


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
            Provision.objects.published()
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
