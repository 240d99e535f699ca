from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from jurisdictions.models import Jurisdiction
from policies.models import Dimension, Instrument
from public.map_svg import render_map


def home(request):
    published = Instrument.objects.published()
    context = {
        "national_map": render_map(
            "detainer-holds", timezone.localdate(), "county", id_prefix="home"
        )
        if Dimension.objects.filter(slug="detainer-holds").exists()
        else "",
        "jurisdiction_counts": Jurisdiction.objects.counts_by_level(),
        "dimension_count": Dimension.objects.count(),
        "instrument_count": published.count(),
        "recent_instruments": published.select_related("jurisdiction").order_by(
            "-reviewed_at", "-pk"
        )[:10],
    }
    return render(request, "home.html", context)


@never_cache
def healthz(request):
    """Liveness and database reachability, for the container healthcheck."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any database failure means unhealthy
        return JsonResponse({"status": "error", "database": str(exc)}, status=503)
    return HttpResponse("ok", content_type="text/plain")


def not_found(request, exception=None):
    """Under /api/ a 404 is JSON like every other API error; elsewhere, the site's page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": f"No API endpoint or object at {request.path}."}, status=404)
    return render(request, "404.html", {"path": request.path}, status=404)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error."}, status=500)
    return render(request, "500.html", status=500)
