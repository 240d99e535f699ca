"""What every endpoint of the read-only API shares: pagination, CSV, errors, parameters.

The resources themselves live with their apps (`jurisdictions/api.py`, `policies/api/resources.py`);
`policyhub/api_urls.py` routes them under /api/v1/.
"""

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from urllib.parse import quote

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404
from django.utils.dateparse import parse_datetime
from django_filters import rest_framework as filters
from drf_orjson_renderer.renderers import ORJSONRenderer
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import exception_handler as drf_exception_handler

from core.csv_text import csv_lines, flatten
from core.snapshot import streamed_from_snapshot

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
CSV_CHUNK = 1000


class ParameterError(exceptions.ValidationError):
    """A 400 that names the query parameter and, where it helps, what is allowed."""

    def __init__(self, parameter: str, message: str, allowed: Iterable[str] | None = None):
        if allowed is not None:
            allowed = list(allowed)
            message = f"{message} Allowed: {', '.join(allowed)}."
        super().__init__({parameter: [message]})


# The one grammar of a day in a query, on pages and in the API alike: YYYY-MM-DD in ASCII
# digits. Python's and Django's parsers also take 20190601, 2019-W23-6 and other digits
# (Arabic-Indic, superscripts), which no one means and no document promises.
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_day(value: str) -> dt.date | None:
    """The day `value` names in the form YYYY-MM-DD, or None."""
    if not ISO_DAY.fullmatch(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def parse_day(value: str | None, parameter: str, *, default: dt.date | None = None) -> dt.date:
    if value in (None, ""):
        if default is None:
            raise ParameterError(parameter, "This parameter is required (YYYY-MM-DD).")
        return default
    day = iso_day(value)
    if day is None:
        raise ParameterError(parameter, f"'{value}' is not a date of the form YYYY-MM-DD.")
    return day


# Stands in for the key while a URL is reversed: digits, so it fits every URL pattern.
_KEY = "987654321987654321"


def link(request, viewname: str, key) -> str:
    """`reverse(viewname, args=[key], request=request)`, resolving the URL pattern once per
    request and view name: a list of a thousand rows would otherwise resolve it a thousand
    times, a fifth of the time of the answer (docs/benchmarks.md)."""
    if request is None:
        return reverse(viewname, args=[key])
    templates = getattr(request, "_link_templates", None)
    if templates is None:
        templates = request._link_templates = {}
    template = templates.get(viewname)
    if template is None:
        template = templates[viewname] = reverse(viewname, args=[_KEY], request=request)
    return template.replace(_KEY, quote(str(key), safe=""))


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
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= self.max_page_size:
            raise ParameterError(
                "page_size", f"'{raw}' is not a whole number from 1 to {self.max_page_size}."
            )
        return int(raw)

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.page_query_param, "1")
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            raise ParameterError("page", f"'{raw}' is not a page number (1, 2, …).")
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound:
            raise exceptions.NotFound(
                {"page": [f"Page {raw} is past the last page of results."]}
            ) from None

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
            lambda: csv_lines(self.csv_rows(queryset)), "text/csv; charset=utf-8", kind="csv"
        )
        name = getattr(self, "basename", None) or "export"
        response["Content-Disposition"] = f'attachment; filename="policyhub-{name}.csv"'
        return response

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


class JSONErrorsMixin:
    """Errors are always JSON, even when CSV was asked for."""

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
        exc = exceptions.ValidationError({"query": exc.messages})
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


class IsoDayField(forms.Field):
    def to_python(self, value):
        if value in (None, ""):
            return None
        day = iso_day(value)
        if day is None:
            # The value goes in as a parameter: django-filter %-formats the message.
            raise DjangoValidationError(
                "'%(value)s' is not a date of the form YYYY-MM-DD.", params={"value": value}
            )
        return day


class IsoDayFilter(filters.DateFilter):
    """A date filter that takes only YYYY-MM-DD (django-filter's DateFilter also takes
    11/26/2026, Nov 26 2026 and more)."""

    field_class = IsoDayField


class DayOrDateTimeField(forms.Field):
    def to_python(self, value):
        if value in (None, ""):
            return None
        try:
            parsed = iso_day(value) or (parse_datetime(value) if value.isascii() else None)
        except ValueError:
            parsed = None
        if parsed is None:
            raise DjangoValidationError(
                "'%(value)s' is not a date (YYYY-MM-DD) or date-time (ISO 8601).",
                params={"value": value},
            )
        if isinstance(parsed, dt.datetime):
            if parsed.tzinfo is None:
                return parsed.replace(tzinfo=dt.UTC)
            try:  # the database takes offsets of at most 15 hours; UTC always fits
                return parsed.astimezone(dt.UTC)
            except OverflowError:
                raise DjangoValidationError(
                    "'%(value)s' is out of range.", params={"value": value}
                ) from None
        return dt.datetime.combine(parsed, dt.time.min, tzinfo=dt.UTC)


class UpdatedSinceFilter(filters.Filter):
    """`updated_since=2026-01-01` (or an ISO date-time): rows changed since then, so a
    client can sync only what changed."""

    field_class = DayOrDateTimeField

    def __init__(self, field_name="updated_at", **kwargs):
        kwargs.setdefault("lookup_expr", "gte")
        kwargs.setdefault(
            "help_text",
            "Only rows changed at or after this date (YYYY-MM-DD) or date-time (ISO 8601).",
        )
        super().__init__(field_name=field_name, **kwargs)


class StrictOrderingFilter(filters.OrderingFilter):
    """Refuses an unknown `ordering` instead of ignoring it, and always ends on the primary
    key so pages are stable."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        ordering = list(qs.query.order_by or qs.model._meta.ordering or [])
        if "pk" not in ordering and "-pk" not in ordering:
            qs = qs.order_by(*ordering, "pk")
        return qs
