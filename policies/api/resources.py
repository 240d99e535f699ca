"""API resources for the codebook, instruments, provisions, sources and events.

Only published records appear: every queryset here starts from a `published()` or
`public()` queryset method, never from `objects.all()`.
"""

from django.db.models import Prefetch
from rest_framework import viewsets

from core.api import CSVListMixin, PublicAPIMixin, answered_with
from policies import models
from policies.filters import EventFilter, InstrumentFilter, ProvisionFilter, SourceFilter
from policies.selectors import citations_with_sources, published_instruments
from policies.shapes import (
    Dimension,
    Event,
    Instrument,
    Provision,
    Source,
    dimension_of,
    event_of,
    instrument_of,
    provision_of,
    source_of,
)

# Ids are 64-bit integers: anything longer is no id, and must not reach the database.
ID_PATTERN = "[0-9]{1,18}"


# Each resource's answer: its declared shape, filled by its builder.
DimensionSerializer = answered_with(Dimension, dimension_of)
InstrumentSerializer = answered_with(Instrument, instrument_of)
ProvisionSerializer = answered_with(Provision, provision_of)
SourceSerializer = answered_with(Source, source_of)
EventSerializer = answered_with(Event, event_of)


class DimensionViewSet(PublicAPIMixin, CSVListMixin, viewsets.ReadOnlyModelViewSet):
    """The codebook: each dimension with its ordered values (rank 0 limits cooperation the
    most) and its neutral value."""

    serializer_class = DimensionSerializer
    lookup_field = "slug"
    basename = "dimensions"
    filter_backends = []

    def get_queryset(self):
        values = models.DimensionValue.objects.order_by("rank")
        return models.Dimension.objects.prefetch_related(
            Prefetch("values", queryset=values)
        ).order_by("position", "pk")


class InstrumentViewSet(PublicAPIMixin, CSVListMixin, viewsets.ReadOnlyModelViewSet):
    """Published instruments with their coded provisions and citations."""

    serializer_class = InstrumentSerializer
    filterset_class = InstrumentFilter
    basename = "instruments"

    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return published_instruments().order_by("jurisdiction__fips", "effective_on", "pk")


class ProvisionViewSet(PublicAPIMixin, CSVListMixin, viewsets.ReadOnlyModelViewSet):
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


class SourceViewSet(PublicAPIMixin, CSVListMixin, viewsets.ReadOnlyModelViewSet):
    """Sources cited by published instruments, provisions or events."""

    serializer_class = SourceSerializer
    filterset_class = SourceFilter
    basename = "sources"

    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return models.Source.objects.public().order_by("title", "pk")


class EventViewSet(PublicAPIMixin, CSVListMixin, viewsets.ReadOnlyModelViewSet):
    """Published events: litigation, federal actions, enforcement operations, reported ruses."""

    serializer_class = EventSerializer
    filterset_class = EventFilter
    basename = "events"

    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return (
            models.Event.objects.published()
            .select_related("jurisdiction")
            .prefetch_related(Prefetch("sources", queryset=models.Source.objects.order_by("pk")))
            .order_by("occurred_on", "pk")
        )
