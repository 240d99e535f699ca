from django.conf import settings
from django.utils.cache import patch_cache_control, patch_vary_headers

API_CACHE_SECONDS = getattr(settings, "API_CACHE_SECONDS", 300)


def api_cache_control(get_response):
    """Public GETs of the API may be cached by browsers and proxies for a few minutes; the
    data changes only when an editor publishes."""

    def middleware(request):
        response = get_response(request)
        if (
            request.path.startswith("/api/")
            and request.method in ("GET", "HEAD")
            and response.status_code in (200, 304)
        ):
            patch_cache_control(response, public=True, max_age=API_CACHE_SECONDS)
            patch_vary_headers(response, ["Accept"])
        return response

    return middleware
