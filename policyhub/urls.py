from django.contrib import admin
from django.urls import include, path

from policyhub import views

admin.site.site_header = "PolicyHub curation"
admin.site.site_title = "PolicyHub"
admin.site.index_title = "Curate jurisdictions, instruments and sources"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("policyhub.api_urls", namespace="api")),
    path("", include("public.urls", namespace="site")),
]

handler404 = "policyhub.views.not_found"
handler500 = "policyhub.views.server_error"
