"""Public pages for researchers. Anonymous visitors see published data only; curators and
editors may add `?preview=drafts` to a profile to include drafts (nothing is stored).

Bad query parameters render the page with status 400 and say what was wrong.
"""

import datetime as dt
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from core.api import iso_day
from jurisdictions.filters import JurisdictionFilter, jurisdictions_by_codes
from jurisdictions.models import Jurisdiction, Level
from policies.api.resources import published_instruments
from policies.filters import SourceFilter
from policies.models import Dimension, Instrument, Position, Source, SourceKind
from policies.positions import queries as position_queries
from public import queries
from public.map_svg import render_map

PAGE_SIZE = 50
MAX_COMPARE = 6


def today() -> dt.date:
    return timezone.localdate()


def can_preview(request) -> bool:
    return request.user.is_authenticated and request.user.has_perm("policies.view_instrument")


class BadParameter(Exception):
    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


def messages_of(error: ValidationError) -> list[str]:
    detail = error.detail
    if isinstance(detail, dict):
        return [f"{name}: {' '.join(str(m) for m in msgs)}" for name, msgs in detail.items()]
    return [str(m) for m in detail]


def as_of_from(request) -> dt.date:
    raw = request.GET.get("as_of", "")
    if not raw:
        return today()
    day = iso_day(raw)
    if day is None:
        raise BadParameter([f"as_of: '{raw}' is not a date of the form YYYY-MM-DD."])
    return day


def bad_request(request, template: str, context: dict, error: BadParameter):
    return render(request, template, {**context, "errors": error.messages}, status=400)


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
    return render(request, "public/home.html", context)


# --- jurisdictions ----------------------------------------------------------------------

SORTS = {"name": ["name", "pk"], "fips": ["fips", "pk"], "level": ["level", "name", "pk"]}


def jurisdictions(request):
    """Search and faceted filters; every filter lives in the URL."""
    context = {"levels": Level.choices, "dimensions": position_queries.codebook()}
    try:
        as_of = as_of_from(request)
        context["as_of"] = as_of
        filterset = JurisdictionFilter(
            {k: v for k, v in request.GET.items() if k in ("q", "level", "state", "parent")},
            queryset=Jurisdiction.objects.select_related("state", "parent"),
        )
        if not filterset.is_valid():
            raise BadParameter(
                [f"{name}: {' '.join(msgs)}" for name, msgs in filterset.errors.items()]
            )
        try:
            found = filterset.qs
            base_for_facets = found
        except ValidationError as exc:
            raise BadParameter(messages_of(exc)) from None
        dimension = value = None
        if request.GET.get("dimension"):
            dimension = next(
                (d for d in context["dimensions"] if d.slug == request.GET["dimension"]), None
            )
            if dimension is None:
                allowed = ", ".join(d.slug for d in context["dimensions"])
                raise BadParameter(
                    [f"dimension: no dimension '{request.GET['dimension']}'. Allowed: {allowed}."]
                )
            wanted = request.GET.get("value")
            if wanted == "unknown":
                found = position_queries.with_position(found, dimension, as_of, unknown=True)
                value = "unknown"
            elif wanted:
                value = next((v for v in dimension.values.all() if v.slug == wanted), None)
                if value is None:
                    allowed = ", ".join(v.slug for v in dimension.values.all())
                    raise BadParameter(
                        [
                            f"value: '{wanted}' is not a value of {dimension.slug}. "
                            f"Allowed: {allowed}, unknown."
                        ]
                    )
                found = position_queries.with_position(found, dimension, as_of, value=value)
        sort = request.GET.get("sort", "fips")
        if sort not in SORTS:
            raise BadParameter([f"sort: '{sort}' is not a sort. Allowed: {', '.join(SORTS)}."])
        page_number = request.GET.get("page", "1")
        if not (page_number.isascii() and page_number.isdigit()) or int(page_number) < 1:
            raise BadParameter([f"page: '{page_number}' is not a page number."])
        paginator = Paginator(found.order_by(*SORTS[sort]), PAGE_SIZE)
        if int(page_number) > max(paginator.num_pages, 1):
            raise BadParameter([f"page: there are only {paginator.num_pages} pages."])
        page = paginator.page(int(page_number))
    except BadParameter as error:
        return bad_request(request, "public/jurisdictions.html", context, error)

    rows = list(page.object_list)
    answers = {}
    if dimension is not None:
        ids = Jurisdiction.objects.filter(pk__in=[j.pk for j in rows])
        answers = {
            a.jurisdiction.pk: a for a in position_queries.positions_on(dimension, as_of, ids)
        }
    params = request.GET.copy()
    params.pop("page", None)

    def link(**changes) -> str:
        query = request.GET.copy()
        query.pop("page", None)
        for key, new in changes.items():
            if new is None:
                query.pop(key, None)
            else:
                query[key] = new
        return "?" + query.urlencode()

    csv_params = {k: v for k, v in request.GET.items() if k in ("q", "level", "state", "parent")}
    if dimension is not None:
        csv_params.update(dimension=dimension.slug, as_of=as_of.isoformat(), format="csv")
        if value is not None:
            csv_params["value"] = value if value == "unknown" else value.slug
        csv_url = reverse("api:positions") + "?" + urlencode(csv_params)
    else:
        csv_url = (
            reverse("api:jurisdiction-list") + "?" + urlencode({**csv_params, "format": "csv"})
        )
    context.update(
        page=page,
        rows=[(j, answers.get(j.pk)) for j in rows],
        dimension=dimension,
        value=value,
        sort=sort,
        params=params.urlencode(),
        query=request.GET,
        level_facets=[(*f, link(level=f[0])) for f in queries.level_facets(base_for_facets)],
        state_facets=[(*f, link(state=f[0])) for f in queries.state_facets(base_for_facets)],
        value_facets=[
            (*f, link(value=f[0]))
            for f in (queries.value_facets(base_for_facets, dimension, as_of) if dimension else [])
        ],
        any_value_url=link(value=None),
        csv_url=csv_url,
    )
    return render(request, "public/jurisdictions.html", context)


def jurisdiction(request, slug):
    place = get_object_or_404(Jurisdiction.objects.select_related("parent", "state"), slug=slug)
    context = {"place": place, "as_of": today()}
    try:
        context["as_of"] = as_of = as_of_from(request)
    except BadParameter as error:
        context["answers"] = position_queries.profile(place, context["as_of"])
        return bad_request(request, "public/jurisdiction.html", context, error)
    preview = request.GET.get("preview") == "drafts" and can_preview(request)
    children = (
        Jurisdiction.objects.filter(parent=place).order_by("name").only("name", "slug", "level")
    )
    updated = queries.dataset_updated_at()
    context.update(
        answers=position_queries.profile(place, as_of, include_drafts=preview),
        preview=preview,
        ancestors=list(reversed(place.ancestors())),
        children=list(children),
        timeline=queries.timeline_items(place),
        agencies=queries.agreements_by_agency(place),
        dataset_updated=updated,
        accessed=today(),
        page_url=request.build_absolute_uri(request.path),
    )
    return render(request, "public/jurisdiction.html", context)


# --- compare ----------------------------------------------------------------------------


def compare(request):
    context = {"as_of": today(), "max_compare": MAX_COMPARE}
    codes = [c for c in request.GET.getlist("j") if c.strip()]
    try:
        context["as_of"] = as_of = as_of_from(request)
        if request.GET.get("add"):
            found = queries.matches(request.GET["add"])
            if not found:
                raise BadParameter([f"add: nothing found for '{request.GET['add']}'."])
            if len(found) == 1:
                if found[0].slug not in codes:
                    codes.append(found[0].slug)
                return redirect(compare_url(codes, as_of))
            # Ambiguous: let the researcher choose rather than guess.
            context["candidates"] = [
                (j, compare_url([*codes, j.slug], as_of)) for j in found if j.slug not in codes
            ]
            context["searched"] = request.GET["add"]
        if len(codes) > MAX_COMPARE:
            raise BadParameter([f"j: compare at most {MAX_COMPARE} jurisdictions at once."])
        try:
            chosen = jurisdictions_by_codes(codes, "j") if codes else []
        except ValidationError as exc:
            raise BadParameter(messages_of(exc)) from None
    except BadParameter as error:
        return bad_request(request, "public/compare.html", {**context, "chosen": []}, error)

    dimensions = position_queries.codebook()
    table = position_queries.profiles(chosen, as_of, dimensions=dimensions) if chosen else {}
    rows = []
    for index, dimension in enumerate(dimensions):
        cells = [table[j.pk][index] for j in chosen]
        values = {c.value.slug if c.value else None for c in cells}
        rows.append({"dimension": dimension, "cells": cells, "differs": len(values) > 1})
    context.update(
        chosen=chosen,
        rows=rows,
        removal_links=[(j, compare_url([c.slug for c in chosen if c != j], as_of)) for j in chosen],
        csv_url=reverse("api:compare")
        + "?"
        + urlencode(
            {"jurisdictions": ",".join(j.slug for j in chosen), "as_of": as_of, "format": "csv"}
        ),
        codes=[j.slug for j in chosen],
    )
    return render(request, "public/compare.html", context)


def compare_url(codes, as_of) -> str:
    params = [("j", c) for c in codes] + [("as_of", as_of.isoformat())]
    return reverse("site:compare") + "?" + urlencode(params)


# --- instruments, codebook, sources, downloads, about -----------------------------------


def instrument(request, pk):
    found = get_object_or_404(published_instruments(), pk=pk)
    on = today()
    decides = (
        Position.objects.on(on)
        .filter(provision__instrument=found)
        .select_related("jurisdiction", "dimension", "value")
        .order_by("dimension__position", "jurisdiction__fips")
    )
    return render(
        request,
        "public/instrument.html",
        {"instrument": found, "decides": decides[:200], "decides_count": decides.count(), "on": on},
    )


def codebook(request):
    return render(request, "public/codebook.html", {"dimensions": position_queries.codebook()})


def sources(request):
    context = {"kinds": SourceKind.choices, "query": request.GET}
    try:
        filterset = SourceFilter(
            {k: v for k, v in request.GET.items() if k in ("q", "kind", "publisher")},
            queryset=Source.objects.public()
            .annotate(cited=Count("citations", distinct=True))
            .order_by("title", "pk"),
        )
        if not filterset.is_valid():
            raise BadParameter(
                [f"{name}: {' '.join(msgs)}" for name, msgs in filterset.errors.items()]
            )
        page_number = request.GET.get("page", "1")
        paginator = Paginator(filterset.qs, PAGE_SIZE)
        if not (page_number.isascii() and page_number.isdigit()) or not 1 <= int(
            page_number
        ) <= max(paginator.num_pages, 1):
            raise BadParameter([f"page: '{page_number}' is not a page of these results."])
        page = paginator.page(int(page_number))
    except BadParameter as error:
        return bad_request(request, "public/sources.html", context, error)
    params = request.GET.copy()
    params.pop("page", None)
    context.update(page=page, params=params.urlencode())
    return render(request, "public/sources.html", context)


def downloads(request):
    from policies.bulk import TABLES

    return render(
        request,
        "public/downloads.html",
        {"tables": list(TABLES), "updated": queries.dataset_updated_at()},
    )


def about(request):
    return render(request, "public/about.html", {})
