from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite

from core import views
from public.views import home

admin.site.site_header = "PolicyHub curation"
admin.site.site_title = "PolicyHub"
admin.site.index_title = "Curate jurisdictions, instruments and sources"
# The index lists readers' open corrections above the models (policies/templates/admin/).
admin.site.index_template = "admin/index_with_corrections.html"
if settings.ADMIN_OTP_REQUIRED:
    # Staff must also give a code from a registered device (django-otp's own recipe: the
    # registry stays as the apps built it, only the site's login and permission change).
    admin.site.__class__ = OTPAdminSite

urlpatterns = [
    # First: the API takes most requests, and each pattern before it is one more tried on
    # every one of them (no other pattern starts with api/v1/).
    path("api/v1/", include("policyhub.api_urls", namespace="api")),
    path("", home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("287g/", include("agreements.urls", namespace="agreements")),
    path("releases/", include("releases.urls", namespace="releases")),
    path("feeds/", include("releases.feed_urls", namespace="feeds")),
    path("", include("public.urls", namespace="site")),
]

handler404 = "core.views.not_found"
handler500 = "core.views.server_error"
