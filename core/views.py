"""Views every part of the site shares: the health check, the icon and the error pages."""

import logging

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control, never_cache

logger = logging.getLogger(__name__)


@never_cache
def healthz(request):
    """Liveness and database reachability, for the container healthcheck: "ok" or "not ok".
    Why it is not ok goes to the log, never to the caller: a database error names hosts,
    users and databases."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database failure means unhealthy
        logger.exception("Health check: the database cannot be reached")
        return HttpResponse("not ok", content_type="text/plain", status=503)
    return HttpResponse("ok", content_type="text/plain")


# A day: the icon's static address carries a hash of its content in production, so the
# redirect is temporary and short-lived while the file it leads to is cached for a year.
@cache_control(public=True, max_age=86400)
def favicon(request):
    """Browsers ask for /favicon.ico whatever a page links (feeds, the API, files): sent to
    the icon among the static files instead of a 404."""
    return redirect(static("core/favicon.ico"))


def not_found(request, exception=None):
    """Under /api/ a 404 is JSON like every other API error; elsewhere, the site's page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": f"No API endpoint or object at {request.path}."}, status=404)
    return render(request, "404.html", {"path": request.path}, status=404)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error."}, status=500)
    return render(request, "500.html", status=500)
