"""What every endpoint of the read-only API shares: pagination, CSV lists, errors.

The endpoints live with their apps (`jurisdictions/api.py`, `policies/api/`) and
`policyhub/api_urls.py` routes them under /api/v1/. Query parameters are parsed by forms
(`core/params.py`); `raise_for` turns a form's errors into the API's 400.
"""

from collections.abc import Iterable, Iterator

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Page
from django.db import DataError
from django.http import Http404
from drf_orjson_renderer.renderers import ORJSONRenderer
from drf_spectacular.drainage import set_override
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core import params
from core.csv_text import csv_lines, flatten
from core.shapes import columns, schema_of
from core.snapshot import streamed_from_snapshot

MAX_PAGE_SIZE = settings.API_MAX_PAGE_SIZE
DEFAULT_PAGE_SIZE = 100
CSV_CHUNK = 1000


class ParameterError(exceptions.ValidationError):
    """A 400 that names the query parameter and, where it helps, what is allowed."""

    def __init__(self, parameter: str, message: str, allowed: Iterable[str] | None = None):
        if allowed is not None:
            allowed = list(allowed)
            message = f"{message} Allowed: {', '.join(allowed)}."
        super().__init__({parameter: [message]})


def raise_for(form) -> None:
    """A query form's errors as the API answers them: 400, each message under the
    parameter it is about (see `exception_handler`)."""
    if not form.is_valid():
        raise exceptions.ValidationError(form.by_parameter())


def answered_with(shape, build):
    """A resource's serializer class: described in the schema by `shape` (a TypedDict, see
    `core.shapes`), each object answered by `build(obj, request)`, the shape's one builder,
    for the JSON and the CSV alike."""
    described = schema_of(shape)

    def to_representation(self, obj):
        return build(obj, self.context.get("request"))

    answered = type(
        described.__name__,
        (described,),
        # `shape` also names the CSV's columns, so an empty list still has its header.
        {"to_representation": to_representation, "shape": shape},
    )
    # The same component as the shape's own serializer (a source is also inside an event):
    # one description under one name, not two classes competing for it.
    set_override(answered, "suppress_collision_warning", True)
    return answered


class Pagination(PageNumberPagination):
    """Numbered pages; `page_size` up to MAX_PAGE_SIZE. Out-of-range values are refused, not
    silently capped, so a client never receives less than it asked for unawares."""

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            return params.page_size(raw, self.max_page_size)
        except DjangoValidationError as error:
            raise exceptions.ValidationError({"page_size": error.messages}) from None

    def paginate_queryset(self, queryset, request, view=None):
        query = params.PageQuery(request.query_params)
        raise_for(query)
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound:
            number = query.cleaned_data["page"]
            raise exceptions.NotFound({"page": [params.past_the_last(number)]}) from None

    def paginate_rows(self, read, request):
        """A page read with the count in the same query: `read(offset, limit)` returns the
        page and the number of rows in all, None when the page is empty. The same page,
        links and errors as `paginate_queryset`, without a query of its own for the count."""
        self.request = request
        query = params.PageQuery(request.query_params)
        raise_for(query)
        size = self.get_page_size(request)
        number = query.cleaned_data["page"]
        page, count = read((number - 1) * size, size)
        if count is None:
            if number > 1:
                raise exceptions.NotFound({"page": [params.past_the_last(number)]})
            count = 0
        paginator = self.django_paginator_class([], size)
        paginator.count = count  # a cached property: the count read with the page
        self.page = Page([], number, paginator)
        if paginator.num_pages > 1 and self.template is not None:
            self.display_page_controls = True
        return page

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.page.paginator.count,
                "page": self.page.number,
                "page_size": self.page.paginator.per_page,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["count", "page", "page_size", "results"],
            "properties": {
                "count": {"type": "integer"},
                "page": {"type": "integer"},
                "page_size": {"type": "integer", "maximum": MAX_PAGE_SIZE},
                "next": {"type": "string", "format": "uri", "nullable": True},
                "previous": {"type": "string", "format": "uri", "nullable": True},
                "results": schema,
            },
        }


class CSVListMixin:
    """Streams `?format=csv` lists in chunks, so a full export never sits in memory.

    CSV is not paginated: it is the whole (filtered) list."""

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format != "csv":
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        response = streamed_from_snapshot(
            lambda: csv_lines(self.csv_rows(queryset), header=self.csv_header()),
            "text/csv; charset=utf-8",
            kind="csv",
        )
        name = getattr(self, "basename", None) or "export"
        response["Content-Disposition"] = f'attachment; filename="policyhub-{name}.csv"'
        return response

    def csv_header(self):  # the columns, or None to take them from the first row
        shape = getattr(self.get_serializer_class(), "shape", None)
        return columns(shape) if shape is not None else None

    def csv_rows(self, queryset) -> Iterator[dict]:
        for chunk in chunked(queryset.iterator(chunk_size=CSV_CHUNK), CSV_CHUNK):
            for record in self.get_serializer(chunk, many=True).data:
                yield flatten(record)


def chunked(items: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class PublicAPIMixin:
    """What every view of the read-only public API shares: errors are always JSON, even
    when CSV was asked for, and nobody is authenticated."""

    def perform_authentication(self, request):
        # DRF authenticates every request up front; the API has no authentication classes,
        # so that only set `request.user` to None. Left lazy, as DRF's documentation
        # suggests, it costs nothing until something reads it (nothing in the API does).
        pass

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code >= 400 and isinstance(response, Response):
            request.accepted_renderer = ORJSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)


def exception_handler(exc, context):
    """DRF's handler, plus: database range errors and Django validation errors become 400s
    that say what was wrong; every error body has `detail` and, where a parameter is to
    blame, `errors` naming it."""
    if isinstance(exc, DataError):
        exc = exceptions.ValidationError(
            {"query": ["A parameter value is out of range for what it filters."]}
        )
    elif isinstance(exc, DjangoValidationError):
        # Keyed by parameter when it says which (the lookups of jurisdictions/selectors.py).
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"query": exc.messages}
        )
    elif isinstance(exc, Http404) and exc.args:
        exc = exceptions.NotFound(str(exc.args[0]))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and "detail" not in data:
        first = next(iter(data.values()), [""])
        message = first[0] if isinstance(first, list) and first else str(first)
        response.data = {"detail": str(message), "errors": data}
    elif isinstance(data, list):
        response.data = {"detail": str(data[0]) if data else "Invalid request.", "errors": data}
    if isinstance(exc, exceptions.NotFound) and isinstance(exc.detail, dict):
        first = next(iter(exc.detail.values()))
        response.data = {"detail": str(first[0]), "errors": exc.detail}
    response.status_code = getattr(exc, "status_code", status.HTTP_400_BAD_REQUEST)
    return response
