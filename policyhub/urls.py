from django.contrib import admin
from django.urls import include, path

from core import views
from public.views import home

admin.site.site_header = "PolicyHub curation"
admin.site.site_title = "PolicyHub"
admin.site.index_title = "Curate jurisdictions, instruments and sources"

urlpatterns = [
    path("", home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("policyhub.api_urls", namespace="api")),
    path("releases/", include("releases.urls", namespace="releases")),
    path("feeds/", include("releases.feed_urls", namespace="feeds")),
    path("", include("public.urls", namespace="site")),
]

handler404 = "core.views.not_found"
handler500 = "core.views.server_error"
