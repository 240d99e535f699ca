"""API for positions: which rule applied where on a date, and why; timelines; compare; map.

Query parameters are validated by small serializers so that every 400 names the parameter
and what it allows; the answers come from `policies.positions.queries`.
"""

import csv
import datetime as dt
import io
import json

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api import JSONErrorsMixin, ParameterError, chunked, link, parse_day
from core.snapshot import streamed_from_snapshot
from jurisdictions.api import jurisdiction_json
from jurisdictions.filters import (
    JurisdictionFilter,
    jurisdiction_by_code,
    jurisdictions_by_codes,
)
from jurisdictions.models import Jurisdiction, Level
from policies.filters import dimension_by_slug, value_by_slug
from policies.positions import queries as position_queries
from policies.positions.queries import PositionAnswer

MAX_COMPARE = 50


def today() -> dt.date:
    return timezone.localdate()


def answer_json(answer: PositionAnswer, request) -> dict:
    """A position with its provenance, as every positions endpoint shows it."""
    provision = answer.provision
    instrument = answer.instrument
    decided_by = None
    if provision is not None:
        decided_by = {
            "instrument": {
                "id": instrument.pk,
                "title": instrument.title,
                "kind": instrument.kind,
                "citation": instrument.citation,
                "binding": instrument.binding,
                "jurisdiction": instrument.jurisdiction.slug,
                "url": link(request, "api:instrument-detail", instrument.pk),
            },
            "provision": {
                "id": provision.pk,
                "pinpoint": provision.pinpoint,
                "exceptions": provision.exceptions,
            },
            "sources": sources_json(answer),
        }
    return {
        "dimension": answer.dimension.slug,
        "value": answer.value.slug if answer.value else None,
        "value_label": answer.value.label if answer.value else "Unknown",
        "rank": answer.value.rank if answer.value else None,
        "provenance": answer.provenance,
        "approximate": answer.approximate,
        "valid_from": answer.valid_from,
        "valid_to": answer.valid_to,
        "decided_by": decided_by,
        "overridden": overridden_json(answer),
        "mandates_noted": noted_json(answer),
    }


def sources_json(answer: PositionAnswer) -> list[dict]:
    return [{"title": s.title, "url": s.url} for s in answer.sources]


def overridden_json(answer: PositionAnswer) -> list[dict]:
    return [
        {
            "provision": p.pk,
            "instrument": p.instrument.title,
            "jurisdiction": p.instrument.jurisdiction.slug,
            "value": p.value.slug,
        }
        for p in answer.overridden
    ]


def noted_json(answer: PositionAnswer) -> list[dict]:
    return [
        {"provision": p.pk, "instrument": p.instrument.title, "value": p.value.slug}
        for p in answer.noted
    ]


POSITION_FIELDS = {
    "dimension": serializers.CharField(),
    "value": serializers.CharField(allow_null=True),
    "value_label": serializers.CharField(),
    "rank": serializers.IntegerField(allow_null=True),
    "provenance": serializers.ChoiceField(["own", "inherited", "preempted", "unknown"]),
    "approximate": serializers.BooleanField(),
    "valid_from": serializers.DateField(allow_null=True),
    "valid_to": serializers.DateField(allow_null=True),
    "decided_by": serializers.JSONField(allow_null=True),
    "overridden": serializers.JSONField(),
    "mandates_noted": serializers.JSONField(),
}
JURISDICTION_FIELDS = {
    "slug": serializers.CharField(),
    "name": serializers.CharField(),
    "level": serializers.CharField(),
    "fips": serializers.CharField(allow_null=True),
    "ocd_id": serializers.CharField(allow_null=True),
}
DIMENSION_PARAM = OpenApiParameter(
    "dimension", str, required=True, description="A dimension slug (see /api/v1/dimensions/)."
)
AS_OF_PARAM = OpenApiParameter(
    "as_of", OpenApiTypes.DATE, description="The date asked about (YYYY-MM-DD); default today."
)


class PositionsView(JSONErrorsMixin, GenericAPIView):
    """Every matching jurisdiction's position on one dimension on a date, with provenance."""

    filterset_class = JurisdictionFilter

    def get_queryset(self):
        return Jurisdiction.objects.order_by("fips", "pk")

    @extend_schema(
        parameters=[
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
        responses=inline_serializer(
            "Position",
            {
                "jurisdiction": inline_serializer("PositionJurisdiction", JURISDICTION_FIELDS),
                "as_of": serializers.DateField(),
                **POSITION_FIELDS,
            },
            many=True,
        ),
    )
    def get(self, request):
        params = request.query_params
        dimension = dimension_by_slug(params.get("dimension") or "", "dimension")
        as_of = parse_day(params.get("as_of"), "as_of", default=today())
        jurisdictions = self.filter_queryset(self.get_queryset())
        value = params.get("value")
        conditions = {}
        for name in ("at_least", "at_most"):
            if params.get(name):
                conditions[name] = value_by_slug(dimension, params[name], name)
        if value == "unknown":
            conditions["unknown"] = True
        elif value:
            conditions["value"] = value_by_slug(dimension, value, "value")
        if conditions:
            jurisdictions = position_queries.with_position(
                jurisdictions, dimension, as_of, **conditions
            )
        if request.accepted_renderer.format == "csv":
            return position_csv(jurisdictions, dimension, as_of, request)
        page = self.paginate_queryset(jurisdictions)
        answers = position_queries.positions_on(dimension, as_of, page)
        return self.get_paginated_response(
            [
                {
                    "jurisdiction": jurisdiction_json(a.jurisdiction),
                    "as_of": as_of,
                    **answer_json(a, request),
                }
                for a in answers
            ]
        )


POSITION_CSV_HEADER = [
    *(f"jurisdiction.{k}" for k in ("slug", "name", "level", "fips", "ocd_id")),
    "as_of",
    *("dimension", "value", "value_label", "rank", "provenance", "approximate"),
    *("valid_from", "valid_to"),
    *(f"decided_by.instrument.{k}" for k in ("id", "title", "kind", "citation", "binding")),
    *("decided_by.instrument.jurisdiction", "decided_by.instrument.url"),
    *(f"decided_by.provision.{k}" for k in ("id", "pinpoint", "exceptions")),
    *("decided_by.sources", "overridden", "mandates_noted"),
]
NOT_DECIDED = [""] * 11
CSV_CHUNK = 2000  # jurisdictions resolved and written per step of the stream


def _cell(value):
    """A value as `core.csv_text.flatten` writes it."""
    return "" if value is None else value


def _json_cell(items: list[dict]) -> str:
    return json.dumps(items, ensure_ascii=False) if items else ""


def position_csv_row(answer: PositionAnswer, as_of, request) -> list:
    """One CSV row: what `flatten(answer_json(…))` gives, written out because the generic
    flattening was a third of an all-counties export (tests/api/test_positions_api.py
    checks the two agree on every county)."""
    j, value, provision = answer.jurisdiction, answer.value, answer.provision
    row = [
        j.slug,
        j.name,
        j.level,
        _cell(j.fips),
        _cell(j.ocd_id),
        as_of,
        answer.dimension.slug,
        value.slug if value else "",
        value.label if value else "Unknown",
        value.rank if value else "",
        answer.provenance,
        answer.approximate,
        _cell(answer.valid_from),
        _cell(answer.valid_to),
    ]
    if provision is None:
        row += NOT_DECIDED
    else:
        instrument = provision.instrument
        row += [
            instrument.pk,
            instrument.title,
            instrument.kind,
            instrument.citation,
            instrument.binding,
            instrument.jurisdiction.slug,
            link(request, "api:instrument-detail", instrument.pk),
            provision.pk,
            provision.pinpoint,
            provision.exceptions,
            _json_cell(sources_json(answer)),
        ]
    row += [_json_cell(overridden_json(answer)), _json_cell(noted_json(answer))]
    return row


def position_csv(jurisdictions, dimension, as_of, request):
    """Every matching jurisdiction's position as CSV, streamed 2,000 jurisdictions at a
    time, with the columns of the JSON answer flattened."""

    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(POSITION_CSV_HEADER)
        shown = jurisdictions.only("slug", "name", "level", "fips", "ocd_id")
        for chunk in chunked(shown.iterator(chunk_size=CSV_CHUNK), CSV_CHUNK):
            writer.writerows(
                position_csv_row(answer, as_of, request)
                for answer in position_queries.positions_on(dimension, as_of, chunk)
            )
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    response = streamed_from_snapshot(lines, "text/csv; charset=utf-8", kind="csv")
    response["Content-Disposition"] = 'attachment; filename="policyhub-positions.csv"'
    return response


class TimelineView(JSONErrorsMixin, GenericAPIView):
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
        responses=inline_serializer(
            "Timeline",
            {
                "jurisdiction": inline_serializer("TimelineJurisdiction", JURISDICTION_FIELDS),
                "dimension": serializers.CharField(),
                "intervals": inline_serializer("Interval", POSITION_FIELDS, many=True),
            },
        ),
    )
    def get(self, request):
        code = request.query_params.get("jurisdiction")
        if not code:
            raise ParameterError("jurisdiction", "This parameter is required.")
        jurisdiction = jurisdiction_by_code(code, "jurisdiction")
        dimension = dimension_by_slug(request.query_params.get("dimension") or "", "dimension")
        intervals = position_queries.timeline_of(jurisdiction, dimension)
        return Response(
            {
                "jurisdiction": jurisdiction_json(jurisdiction),
                "dimension": dimension.slug,
                "intervals": [answer_json(a, request) for a in intervals],
            }
        )


class CompareView(JSONErrorsMixin, GenericAPIView):
    """Dimensions × jurisdictions on a date, with provenance in each cell."""

    pagination_class = None
    filter_backends = []

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "jurisdictions",
                str,
                required=True,
                description=f"Comma-separated FIPS codes, slugs or OCD ids (≤ {MAX_COMPARE}).",
            ),
            AS_OF_PARAM,
        ],
        responses=inline_serializer(
            "Compare",
            {
                "as_of": serializers.DateField(),
                "jurisdictions": inline_serializer(
                    "CompareJurisdiction", JURISDICTION_FIELDS, many=True
                ),
                "dimensions": serializers.JSONField(),
            },
        ),
    )
    def get(self, request):
        raw = request.query_params.get("jurisdictions", "")
        codes = [c for c in (part.strip() for part in raw.split(",")) if c]
        if not codes:
            raise ParameterError("jurisdictions", "Give one or more codes, separated by commas.")
        if len(codes) > MAX_COMPARE:
            raise ParameterError("jurisdictions", f"At most {MAX_COMPARE} jurisdictions at once.")
        as_of = parse_day(request.query_params.get("as_of"), "as_of", default=today())
        jurisdictions = jurisdictions_by_codes(codes, "jurisdictions")
        dimensions = position_queries.codebook()
        table = position_queries.profiles(jurisdictions, as_of, dimensions=dimensions)
        if request.accepted_renderer.format == "csv":
            rows = [
                {
                    "dimension": d.slug,
                    **{
                        j.slug: (table[j.pk][i].value.slug if table[j.pk][i].value else "unknown")
                        for j in jurisdictions
                    },
                }
                for i, d in enumerate(dimensions)
            ]
            return Response(rows)
        return Response(
            {
                "as_of": as_of,
                "jurisdictions": [jurisdiction_json(j) for j in jurisdictions],
                "dimensions": [
                    {
                        "slug": d.slug,
                        "name": d.name,
                        "cells": {
                            j.slug: answer_json(table[j.pk][i], request) for j in jurisdictions
                        },
                    }
                    for i, d in enumerate(dimensions)
                ],
            }
        )


class MapView(JSONErrorsMixin, GenericAPIView):
    """FIPS → value for every state or county on a date: compact, for drawing a map."""

    pagination_class = None
    filter_backends = []

    @extend_schema(
        parameters=[
            DIMENSION_PARAM,
            AS_OF_PARAM,
            OpenApiParameter("level", str, enum=["state", "county"], description="Default county."),
        ],
        responses=inline_serializer(
            "Map",
            {
                "dimension": serializers.CharField(),
                "level": serializers.CharField(),
                "as_of": serializers.DateField(),
                "legend": serializers.JSONField(),
                "values": serializers.DictField(child=serializers.CharField(allow_null=True)),
            },
        ),
    )
    def get(self, request):
        dimension = dimension_by_slug(request.query_params.get("dimension") or "", "dimension")
        as_of = parse_day(request.query_params.get("as_of"), "as_of", default=today())
        level = request.query_params.get("level", Level.COUNTY)
        if level not in (Level.STATE, Level.COUNTY):
            raise ParameterError("level", f"'{level}' cannot be mapped.", ["state", "county"])
        values = position_queries.map_values(dimension, as_of, level)
        if request.accepted_renderer.format == "csv":
            return Response([{"fips": k, "value": v or "unknown"} for k, v in values.items()])
        legend = [
            {"slug": v.slug, "label": v.label, "rank": v.rank, "is_neutral": v.is_neutral}
            for v in dimension.values.all()  # the codebook's, in rank order
        ]
        return Response(
            {
                "dimension": dimension.slug,
                "level": level,
                "as_of": as_of,
                "legend": legend,
                "values": values,
            }
        )
