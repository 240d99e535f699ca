"""Unknown query parameters on the API are an error, not silence.

A typo such as `jurisdiction=` for `fips=` used to be ignored, and the answer was the whole
country. The parameters each endpoint takes are the ones its OpenAPI schema declares (drf-
spectacular reads them from the same filters and views that use them), plus `format`; any
other name is answered 400 with the names that are allowed. The table is built from the
schema once per process.

This module knows only which names an endpoint takes; what each value may be is parsed in
one place, the forms over `core/params.py`'s fields. The two stay apart: the pages use the
forms too, and must not load the API's schema.
"""

import re
import threading

from django.http import JsonResponse

ALWAYS_ALLOWED = frozenset({"format"})


_table: list[tuple[re.Pattern, frozenset]] | None = None
# drf-spectacular's generator is not safe to run in two threads at once (it loads its
# extensions lazily), and gunicorn's threads all meet the first request together.
_building = threading.RLock()


def allowed_by_path() -> list[tuple[re.Pattern, frozenset]]:
    global _table
    if _table is None:
        with _building:
            if _table is None:
                _table = _build()
    return _table


def _build() -> list[tuple[re.Pattern, frozenset]]:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    table = []
    for path, operations in schema["paths"].items():
        names = set(ALWAYS_ALLOWED)
        for operation in operations.values():
            if isinstance(operation, dict):
                for parameter in operation.get("parameters", []):
                    if parameter.get("in") == "query":
                        names.add(parameter["name"])
        pattern = re.compile(re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(path)) + "$")
        table.append((pattern, frozenset(names)))
    return table


def allowed_for(path: str) -> frozenset | None:
    """The query parameters `path` takes, or None if the schema does not describe it."""
    for pattern, names in allowed_by_path():
        if pattern.match(path):
            return names
    return None


def refuse_unknown_api_parameters(get_response):
    def middleware(request):
        if request.path.startswith("/api/") and request.GET and request.method in ("GET", "HEAD"):
            allowed = allowed_for(request.path)
            if allowed is not None:
                unknown = sorted(set(request.GET) - allowed)
                if unknown:
                    listed = ", ".join(sorted(allowed))
                    message = f"Unknown parameter. Allowed: {listed}."
                    return JsonResponse(
                        {
                            "detail": f"Unknown query parameter {', '.join(unknown)}. "
                            f"Allowed: {listed}.",
                            "errors": {name: [message] for name in unknown},
                        },
                        status=400,
                    )
        return get_response(request)

    return middleware


def schema_view():
    """drf-spectacular's schema view, generating under the same lock."""
    from drf_spectacular.utils import extend_schema
    from drf_spectacular.views import SpectacularAPIView

    class SchemaView(SpectacularAPIView):
        @extend_schema(exclude=True)
        def get(self, request, *args, **kwargs):
            with _building:
                return super().get(request, *args, **kwargs)

    return SchemaView
