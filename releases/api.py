"""`?release=N` on positions, compare and map: the same answers, computed from the frozen
provisions of release N (releases/resolver.py) instead of today's stored positions; and the
list of releases at /api/v1/releases/.

The views extend those of `policies/api/positions.py` and are routed at the same addresses;
without `release` they answer exactly as those do."""

import base64
import csv
import datetime as dt
import io
import json
from dataclasses import astuple
from typing import TypedDict
from urllib.parse import urlencode

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django_filters.utils import translate_validation
from drf_orjson_renderer.renderers import ORJSONRenderer
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.response import Response

from core.api import ParameterError, PublicAPIMixin, raise_for
from core.shapes import link, schema_of
from jurisdictions.models import Jurisdiction
from jurisdictions.selectors import jurisdictions_by_codes
from jurisdictions.shapes import jurisdiction_ref
from policies.api import positions as live
from policies.filters import JurisdictionListFilter
from policies.forms import CompareQuery, MapQuery, PositionQuery
from policies.models import DimensionValue
from policies.positions import queries as position_queries
from policies.shapes import codebook_value, compare_csv, compare_of, interval_of
from releases.changes import Place, changes_page, settled_until
from releases.models import Release
from releases.resolver import release_numbered, released_answers, released_codebook
from releases.shapes import ReleaseSummary, release_summary

RELEASE_PARAM = OpenApiParameter(
    "release",
    int,
    description="A release number (see /api/v1/releases/): answer from the provisions "
    "published in that release, not today's.",
)


def with_release(schema: dict) -> dict:
    return {**schema, "parameters": [*schema["parameters"], RELEASE_PARAM]}


def _release(request) -> Release | None:
    raw = request.query_params.get("release")
    return None if raw is None else release_numbered(raw)


def _matches(answer, value=None, at_least=None, at_most=None, unknown=False) -> bool:
    held = answer.value
    if unknown:
        return held is None
    if value is None and at_least is None and at_most is None:
        return True
    if held is None:
        return False
    return (
        (value is None or held.pk == value.pk)
        and (at_least is None or held.rank <= at_least.rank)
        and (at_most is None or held.rank >= at_most.rank)
    )


class ReleasedListFilter(JurisdictionListFilter):
    """The list's filters for an answer from a release: `coded=1` is validated here and
    applied by `PositionsView` from the release's answers, since today's stored positions
    say nothing about what the release knew."""

    def filter_coded(self, queryset, name, value):
        return queryset


class PositionsView(live.PositionsView):
    @extend_schema(**with_release(live.POSITIONS_SCHEMA))
    def get(self, request):
        release = _release(request)
        if release is None:
            return super().get(request)
        query = PositionQuery(request.query_params)
        raise_for(query)
        dimension, as_of = query.cleaned_data["dimension"], query.cleaned_data["as_of"]
        dimension = position_queries.in_codebook(dimension)
        listed = ReleasedListFilter(request.query_params, self.get_queryset(), request=request)
        if not listed.is_valid():
            raise translate_validation(listed.errors)
        coded = bool(listed.form.cleaned_data.get("coded"))
        answers = _released_on(release, list(listed.qs), dimension, as_of, coded=coded)
        # The scale as the release had it: a value's rank may have moved since.
        frozen = released_codebook(release, [dimension])
        conditions = {
            name: frozen.value(held) if isinstance(held, DimensionValue) else held
            for name, held in query.conditions().items()
        }
        answers = [a for a in answers if _matches(a, **conditions)]
        if request.accepted_renderer.format == "csv":
            return _csv(answers, as_of, request)
        page = self.paginate_queryset(answers)
        return self.get_paginated_response(
            [
                {
                    "jurisdiction": jurisdiction_ref(a.jurisdiction),
                    "as_of": as_of,
                    **interval_of(a, request),
                }
                for a in page
            ]
        )


def _released_on(release: Release, jurisdictions: list, dimension, as_of, *, coded: bool) -> list:
    """Each jurisdiction's answer on `dimension` as the release has it. With `coded`, only
    the jurisdictions with a known position on at least one dimension (what `coded=1` means
    for today's data), from one resolution of every dimension."""
    if not coded:
        table = released_answers(release, jurisdictions, [dimension], as_of)
        return [row[0] for row in table.values()]
    dimensions = position_queries.codebook()
    at = [d.pk for d in dimensions].index(dimension.pk)
    table = released_answers(release, jurisdictions, dimensions, as_of)
    return [row[at] for row in table.values() if any(a.value is not None for a in row)]


def _csv(answers, as_of, request):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(live.POSITION_CSV_HEADER)
    writer.writerows(live.position_csv_row(a, as_of, request) for a in answers)
    response = StreamingHttpResponse([buffer.getvalue()], content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="policyhub-positions.csv"'
    return response


class CompareView(live.CompareView):
    @extend_schema(**with_release(live.COMPARE_SCHEMA))
    def get(self, request):
        release = _release(request)
        if release is None:
            return super().get(request)
        query = CompareQuery(request.query_params)
        raise_for(query)
        codes, as_of = query.cleaned_data["jurisdictions"], query.cleaned_data["as_of"]
        jurisdictions = jurisdictions_by_codes(codes=codes, parameter="jurisdictions")
        dimensions = released_codebook(release, position_queries.codebook()).dimensions
        table = released_answers(release, jurisdictions, dimensions, as_of)
        if request.accepted_renderer.format == "csv":
            csv_text = compare_csv(as_of, jurisdictions, table, request)
            return live.csv_download(csv_text, "policyhub-compare.csv")
        return Response(compare_of(as_of, jurisdictions, dimensions, table, request))


class MapView(live.MapView):
    @extend_schema(**with_release(live.MAP_SCHEMA))
    def get(self, request):
        release = _release(request)
        if release is None:
            return super().get(request)
        query = MapQuery(request.query_params)
        raise_for(query)
        dimension, level, as_of = (query.cleaned_data[k] for k in ("dimension", "level", "as_of"))
        dimension = position_queries.in_codebook(dimension)
        places = list(Jurisdiction.objects.filter(level=level, fips__isnull=False).order_by("fips"))
        answers = released_answers(release, places, [dimension], as_of)
        values = {
            j.fips: (answers[j.pk][0].value.slug if answers[j.pk][0].value else None)
            for j in places
        }
        if request.accepted_renderer.format == "csv":
            return Response([{"fips": k, "value": v or "unknown"} for k, v in values.items()])
        return Response(
            {
                "dimension": dimension.slug,
                "level": level,
                "as_of": as_of,
                "legend": [
                    codebook_value(v)
                    for v in released_codebook(release, [dimension]).legends[dimension.pk]
                ],
                "values": values,
            }
        )


# Nested answers: JSON only (`?format=csv` is a 400 naming the format).
JSON_ONLY = [ORJSONRenderer, BrowsableAPIRenderer]


class ReleaseListView(PublicAPIMixin, GenericAPIView):
    """Every release cut so far, newest first, with its files, checksums and citation."""

    renderer_classes = JSON_ONLY
    pagination_class = None
    filter_backends = []

    @extend_schema(responses=schema_of(ReleaseSummary)(many=True))
    def get(self, request):
        return Response([release_summary(r, request) for r in Release.objects.all()])


class ChangeEntry(TypedDict):
    kind: str
    id: int
    action: str
    at: str
    title: str
    reason: str
    deleted: bool
    url: str | None


class ChangeLog(TypedDict):
    since: str
    until: str
    changes: list[ChangeEntry]
    next: str | None


CHANGES_PER_PAGE = 1000
MAX_CHANGES_PER_PAGE = 10_000


def _when(raw: str | None) -> dt.datetime:
    if not raw:
        raise ParameterError("since", "This parameter is required: a date or date-time (ISO).")
    try:
        moment = parse_datetime(raw) or (
            dt.datetime.combine(parse_date(raw), dt.time()) if parse_date(raw) else None
        )
    except ValueError:
        moment = None
    if moment is None:
        raise ParameterError("since", f"'{raw}' is not a date (YYYY-MM-DD) or ISO date-time.")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, dt.UTC)


def _page_size(raw: str | None) -> int:
    if raw is None:
        return CHANGES_PER_PAGE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_CHANGES_PER_PAGE:
        raise ParameterError(
            "page_size", f"'{raw}' is not a whole number from 1 to {MAX_CHANGES_PER_PAGE:,}."
        )
    return int(raw)


def _cursor_of(since: dt.datetime, until: dt.datetime, place: Place) -> str:
    """Where the next page starts, with the window of the first page: opaque to clients."""
    held = [since.isoformat(), until.isoformat(), place.at.isoformat(), *astuple(place)[1:]]
    return base64.urlsafe_b64encode(json.dumps(held).encode()).decode().rstrip("=")


def _read_cursor(raw: str) -> tuple[dt.datetime, dt.datetime, Place]:
    try:
        since, until, at, *rest = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        moments = [dt.datetime.fromisoformat(m) for m in (since, until, at)]
        place = Place(moments[2], *(int(n) for n in rest))
        if not all(timezone.is_aware(m) for m in moments):
            raise ValueError
    except (ValueError, TypeError):
        raise ParameterError(
            "cursor", "This is not a cursor of this change log: follow `next` as given."
        ) from None
    return moments[0], moments[1], place


class ChangeLogView(PublicAPIMixin, GenericAPIView):
    """Every change since a moment, oldest first: records published or edited, and
    tombstones of those withdrawn (unpublished or deleted) with time and reason, a page at
    a time. Apply them in order to a copy synced at `since`, following `next` until it is
    null; ask next time with `since` = this answer's `until`. `next` holds the window of
    the first page, so the pages neither skip nor repeat a change saved while they are read."""

    renderer_classes = JSON_ONLY
    pagination_class = None
    filter_backends = []

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "since",
                str,
                description="A date or ISO date-time (UTC if naive); required without `cursor`.",
            ),
            OpenApiParameter(
                "cursor", str, description="Where the next page starts: as given in `next`."
            ),
            OpenApiParameter(
                "page_size",
                int,
                description=f"Changes per page (default {CHANGES_PER_PAGE:,}, at most "
                f"{MAX_CHANGES_PER_PAGE:,}).",
            ),
        ],
        responses=schema_of(ChangeLog),
    )
    def get(self, request):
        params = request.query_params
        limit = _page_size(params.get("page_size"))
        if params.get("cursor"):
            since, until, after = _read_cursor(params["cursor"])
        else:
            since, until, after = _when(params.get("since")), settled_until(timezone.now()), None
        changes, more = changes_page(since=since, until=until, after=after, limit=limit)
        entries = [
            {
                "kind": c.kind,
                "id": c.id,
                "action": c.action,
                "at": c.at.isoformat(),
                "title": c.title,
                "reason": c.reason,
                "deleted": c.deleted,
                "url": link(request, f"api:{c.kind}-detail", c.id)
                if c.action == "published"
                else None,
            }
            for c in changes
        ]
        following = None
        if more:
            cursor = _cursor_of(since, until, changes[-1].place)
            query = urlencode({"cursor": cursor, "page_size": limit})
            following = request.build_absolute_uri(f"{request.path}?{query}")
        return Response(
            {
                "since": since.isoformat(),
                "until": until.isoformat(),
                "changes": entries,
                "next": following,
            }
        )
