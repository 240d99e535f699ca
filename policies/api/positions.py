"""API for positions: which rule applied where on a date, and why; timelines; compare; map.

Query parameters are parsed by the forms of `policies/forms.py`, shared with the pages, so
that every 400 names the parameter and what it allows; the answers come from
`policies.positions.queries` and `policies.selectors`.
"""

import csv
import io
from collections.abc import Iterator

from django.db import connection
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core import export_cache
from core.api import ParameterError, PublicAPIMixin, chunked, raise_for
from core.shapes import link, schema_of
from core.snapshot import streamed_from_snapshot
from jurisdictions.models import Jurisdiction
from jurisdictions.selectors import jurisdiction_by_code
from jurisdictions.shapes import jurisdiction_ref
from policies.filters import JurisdictionListFilter
from policies.forms import CompareQuery, MapQuery, PositionQuery, TimelineQuery
from policies.positions import csv_copy
from policies.positions import queries as position_queries
from policies.selectors import MAX_COMPARE, jurisdictions_with_position
from policies.shapes import (
    POSITION_CSV_HEADER,
    Compare,
    Map,
    Position,
    Timeline,
    codebook_value,
    compare_csv,
    compare_of,
    intervals_of,
    position_csv_row,
    position_page_of,
)

DIMENSION_PARAM = OpenApiParameter(
    "dimension", str, required=True, description="A dimension slug (see /api/v1/dimensions/)."
)
AS_OF_PARAM = OpenApiParameter(
    "as_of", OpenApiTypes.DATE, description="The date asked about (YYYY-MM-DD); default today."
)

# The documentation of each endpoint, also extended by `releases/api.py` (`?release=N`).
POSITIONS_SCHEMA = {
    "parameters": [
        DIMENSION_PARAM,
        AS_OF_PARAM,
        OpenApiParameter("value", str, description="Only this value (or `unknown`)."),
        OpenApiParameter(
            "at_least", str, description="At least as limiting of cooperation as this value."
        ),
        OpenApiParameter(
            "at_most", str, description="At most as limiting of cooperation as this value."
        ),
    ],
    "responses": schema_of(Position)(many=True),
}
COMPARE_SCHEMA = {
    "parameters": [
        OpenApiParameter(
            "jurisdictions",
            str,
            required=True,
            description=f"Comma-separated FIPS codes, slugs or OCD ids (≤ {MAX_COMPARE}).",
        ),
        AS_OF_PARAM,
    ],
    "responses": schema_of(Compare),
}
MAP_SCHEMA = {
    "parameters": [
        DIMENSION_PARAM,
        AS_OF_PARAM,
        OpenApiParameter("level", str, enum=["state", "county"], description="Default county."),
    ],
    "responses": schema_of(Map),
}


class PositionsView(PublicAPIMixin, GenericAPIView):
    """Every matching jurisdiction's position on one dimension on a date, with provenance."""

    filterset_class = JurisdictionListFilter

    def get_queryset(self):
        return Jurisdiction.objects.order_by("fips", "pk")

    @extend_schema(**POSITIONS_SCHEMA)
    def get(self, request):
        query = PositionQuery(request.query_params)
        raise_for(query)
        dimension, as_of = query.cleaned_data["dimension"], query.cleaned_data["as_of"]
        jurisdictions = jurisdictions_with_position(
            jurisdictions=self.filter_queryset(self.get_queryset()),
            dimension=dimension,
            on=as_of,
            **query.conditions(),
        )
        if request.accepted_renderer.format == "csv":
            return position_csv(jurisdictions, dimension, as_of, request)
        page = self.paginator.paginate_rows(
            lambda offset, limit: position_queries.positions_page(
                dimension, as_of, jurisdictions, offset=offset, limit=limit
            ),
            request,
        )
        return self.get_paginated_response(position_page_of(page, as_of, request))


CSV_CHUNK = 2000  # jurisdictions resolved and written per step of the stream
# Stands in for an instrument's id while its address is built: digits, as ids are.
LINK_KEY = "123456789123456789"


def csv_download(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def position_csv(jurisdictions, dimension, as_of, request):
    """Every matching jurisdiction's position as CSV with the columns of the JSON answer
    flattened, from one query in the database's order, and kept per process while the
    data version stands (`core.export_cache`): the links in it are absolute, so the key is
    the whole URL. On PostgreSQL the database writes the rows (`copied_csv`), elsewhere
    Python does (`written_csv`): the same bytes."""

    def content(version):
        key = export_cache.cache_key(version, "positions-csv", request.build_absolute_uri())
        write = copied_csv if connection.vendor == "postgresql" else written_csv
        return export_cache.kept_or_streamed(
            key, lambda: write(jurisdictions, dimension, as_of, request)
        )

    response = streamed_from_snapshot(
        content, "text/csv; charset=utf-8", kind="csv", versioned=True
    )
    response["Content-Disposition"] = 'attachment; filename="policyhub-positions.csv"'
    return response


def written_csv(jurisdictions, dimension, as_of, request) -> Iterator[str]:
    """The positions CSV as text, each row read and written in Python (`positions_streamed`,
    `position_csv_row`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(POSITION_CSV_HEADER)
    # The header goes first, on its own, so that a file with no rows still names its columns.
    yield buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    answers = position_queries.positions_streamed(
        dimension, as_of, jurisdictions, chunk_size=CSV_CHUNK
    )
    for chunk in chunked(answers, CSV_CHUNK):
        writer.writerows(position_csv_row(answer, as_of, request) for answer in chunk)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def copied_csv(jurisdictions, dimension, as_of, request) -> Iterator[str | bytes]:
    """The same CSV written by PostgreSQL (`policies.positions.csv_copy`): the rows come as
    finished CSV text, without being decoded into Python and encoded again."""
    before, _, after = link(request, "api:instrument-detail", LINK_KEY).partition(LINK_KEY)
    yield csv_copy.header_line(POSITION_CSV_HEADER)  # also when no row follows
    yield from csv_copy.positions_csv_rows(jurisdictions, dimension, as_of, (before, after))


class TimelineView(PublicAPIMixin, GenericAPIView):
    """One jurisdiction's whole history on one dimension, as intervals."""

    pagination_class = None
    filter_backends = []

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "jurisdiction", str, required=True, description="FIPS code, slug or OCD id."
            ),
            DIMENSION_PARAM,
        ],
        responses=schema_of(Timeline),
    )
    def get(self, request):
        code = request.query_params.get("jurisdiction")
        if not code:
            raise ParameterError("jurisdiction", "This parameter is required.")
        jurisdiction = jurisdiction_by_code(code=code, parameter="jurisdiction")
        query = TimelineQuery(request.query_params)
        raise_for(query)
        dimension = query.cleaned_data["dimension"]
        intervals = position_queries.timeline_of(jurisdiction, dimension)
        interval = intervals_of(request)
        return Response(
            {
                "jurisdiction": jurisdiction_ref(jurisdiction),
                "dimension": dimension.slug,
                "intervals": [interval(a) for a in intervals],
            }
        )


class CompareView(PublicAPIMixin, GenericAPIView):
    """Dimensions × jurisdictions on a date, with provenance in each cell."""

    pagination_class = None
    filter_backends = []

    @extend_schema(**COMPARE_SCHEMA)
    def get(self, request):
        query = CompareQuery(request.query_params)
        raise_for(query)
        codes, as_of = query.cleaned_data["jurisdictions"], query.cleaned_data["as_of"]
        jurisdictions, version = position_queries.listed_by_codes(codes, "jurisdictions")
        dimensions = position_queries.codebook(version)
        table = position_queries.profiles(jurisdictions, as_of, dimensions=dimensions)
        if request.accepted_renderer.format == "csv":
            csv_text = compare_csv(as_of, jurisdictions, table, request)
            return csv_download(csv_text, "policyhub-compare.csv")
        return Response(compare_of(as_of, jurisdictions, dimensions, table, request))


class MapView(PublicAPIMixin, GenericAPIView):
    """FIPS → value for every state or county on a date: compact, for drawing a map."""

    pagination_class = None
    filter_backends = []

    @extend_schema(**MAP_SCHEMA)
    def get(self, request):
        query = MapQuery(request.query_params)
        raise_for(query)
        dimension, level, as_of = (query.cleaned_data[k] for k in ("dimension", "level", "as_of"))
        values = position_queries.map_values(dimension, as_of, level)
        if request.accepted_renderer.format == "csv":
            return Response([{"fips": k, "value": v or "unknown"} for k, v in values.items()])
        legend = [codebook_value(v) for v in dimension.values.all()]  # in rank order
        return Response(
            {
                "dimension": dimension.slug,
                "level": level,
                "as_of": as_of,
                "legend": legend,
                "values": values,
            }
        )
