from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
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


def refuse_nul_parameters(get_response):
    """A NUL character fits no database column (PostgreSQL refuses it outright), so a query
    parameter holding one is answered 400 here, for every page, endpoint and admin view,
    rather than by each view or as a database error."""

    def middleware(request):
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                parameter = name.replace("\x00", "")
                message = f"{parameter}: null characters are not allowed."
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"detail": message, "errors": {parameter: [message]}}, status=400
                    )
                return render(request, "400.html", {"errors": [message]}, status=400)
        return get_response(request)

    return middleware
