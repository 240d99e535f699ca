"""The read-only API, version 1, under /api/v1/."""

from django.urls import path
from drf_spectacular.views import (
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import DefaultRouter

from agreements.api import AgreementViewSet, SnapshotViewSet
from core.parameters import schema_view
from jurisdictions.api import AgencyViewSet
from policies.api.bulk import BulkDownloadView
from policies.api.jurisdictions import JurisdictionViewSet
from policies.api.positions import TimelineView
from policies.api.resources import (
    DimensionViewSet,
    EventViewSet,
    InstrumentViewSet,
    ProvisionViewSet,
    SourceViewSet,
)
from releases.api import ChangeLogView, CompareView, MapView, PositionsView, ReleaseListView

router = DefaultRouter()
router.register("jurisdictions", JurisdictionViewSet, basename="jurisdiction")
router.register("agencies", AgencyViewSet, basename="agency")
router.register("dimensions", DimensionViewSet, basename="dimension")
router.register("instruments", InstrumentViewSet, basename="instrument")
router.register("provisions", ProvisionViewSet, basename="provision")
router.register("sources", SourceViewSet, basename="source")
router.register("events", EventViewSet, basename="event")
router.register("agreements", AgreementViewSet, basename="agreement")
router.register("snapshots", SnapshotViewSet, basename="snapshot")

app_name = "api"
urlpatterns = [
    # The router's patterns themselves rather than an include of them (one level of
    # resolving less), and first: Django lists every pattern tried before the one that
    # matches, so the resources (one jurisdiction, a profile, a list) are found after a few
    # rather than after every path below. No path below starts with a router's prefix.
    *router.urls,
    path("positions/", PositionsView.as_view(), name="positions"),
    path("positions/timeline/", TimelineView.as_view(), name="timeline"),
    path("compare/", CompareView.as_view(), name="compare"),
    path("map/", MapView.as_view(), name="map"),
    path("bulk/", BulkDownloadView.as_view(), name="bulk"),
    path("releases/", ReleaseListView.as_view(), name="releases"),
    path("changes/", ChangeLogView.as_view(), name="changes"),
    path("schema/", schema_view().as_view(api_version="1.0.0"), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]
