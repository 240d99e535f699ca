from django.urls import path

from public import views, views_corrections, views_map

app_name = "site"
urlpatterns = [
    path("jurisdictions/", views.jurisdictions, name="jurisdictions"),
    path("jurisdictions/<slug:slug>/", views.jurisdiction, name="jurisdiction"),
    path(
        "jurisdictions/<slug:slug>/positions.csv",
        views.jurisdiction_download,
        {"fmt": "csv"},
        name="jurisdiction-csv",
    ),
    path(
        "jurisdictions/<slug:slug>/positions.json",
        views.jurisdiction_download,
        {"fmt": "json"},
        name="jurisdiction-json",
    ),
    path(
        "jurisdictions/<slug:slug>/report/",
        views_corrections.report_jurisdiction,
        name="report-jurisdiction",
    ),
    path("compare/", views.compare, name="compare"),
    path("map/", views_map.map_page, name="map"),
    path("map/map.svg", views_map.map_svg_download, name="map-svg"),
    path("map/shapes/<str:level>/<str:version>.svg", views_map.map_shapes, name="map-shapes"),
    path("map/places/<str:level>.json", views_map.map_places, name="map-places"),
    path("map/county/<str:fips>/", views_map.map_county, name="map-county"),
    path("instruments/<int:pk>/", views.instrument, name="instrument"),
    path(
        "instruments/<int:pk>/report/",
        views_corrections.report_instrument,
        name="report-instrument",
    ),
    path("codebook/", views.codebook, name="codebook"),
    path("codebook/protocol/", views.protocol, name="protocol"),
    path("coverage/", views.coverage_page, name="coverage"),
    path("sources/", views.sources, name="sources"),
    path("downloads/", views.downloads, name="downloads"),
    path("about/", views.about, name="about"),
]
