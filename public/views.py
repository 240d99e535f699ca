"""Public pages for researchers. Anonymous visitors see published data only; curators and
editors may add `?preview=drafts` to a profile to include drafts (nothing is stored).

Bad query parameters render the page with status 400 and say what was wrong.
"""

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from coding.selectors import blind_instrument_ids
from core import licences
from core.params import PageQuery, past_the_last, today
from jurisdictions import search
from jurisdictions.models import Jurisdiction, Level
from jurisdictions.selectors import jurisdictions_by_codes
from jurisdictions.shapes import jurisdiction_ref
from policies import shapes
from policies.bulk import TABLES
from policies.filters import JurisdictionListFilter, SourceFilter
from policies.forms import DayQuery, PositionQuery, SearchQuery, too_many_to_compare, wants_drafts
from policies.models import (
    Dimension,
    Instrument,
    InstrumentKind,
    Source,
    SourceKind,
    Suspension,
)
from policies.positions import coverage
from policies.positions import queries as position_queries
from policies.search import search_instruments
from policies.selectors import (
    MAX_COMPARE,
    jurisdictions_with_position,
    positions_decided_by,
    published_instruments,
)
from public import queries
from public.map_svg import render_map
from releases.selectors import releases_listed

PAGE_SIZE = 50


def can_preview(request) -> bool:
    """Curators preview drafts, except while they code an instrument blind (a preview would
    show the first coding's effect)."""
    return (
        request.user.is_authenticated
        and request.user.has_perm("policies.view_instrument")
        and not blind_instrument_ids(user=request.user)
    )


class BadParameter(Exception):
    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


def messages_of(error: ValidationError) -> list[str]:
    """A lookup's or a filter's error, one line per parameter."""
    if hasattr(error, "error_dict"):
        return [f"{name}: {' '.join(msgs)}" for name, msgs in error.message_dict.items()]
    return error.messages


def valid(form) -> dict:
    if not form.is_valid():
        raise BadParameter(form.messages())
    return form.cleaned_data


def page_of(paginator: Paginator, request):
    """The page asked for, or BadParameter naming `page`."""
    number = valid(PageQuery(request.GET))["page"]
    if number > max(paginator.num_pages, 1):
        raise BadParameter([f"page: {past_the_last(number)}"])
    return paginator.page(number)


def bad_request(request, template: str, context: dict, error: BadParameter):
    return render(request, template, {**context, "errors": error.messages}, status=400)


def home(request):
    published = Instrument.objects.published()
    context = {
        "national_map": render_map("detainer-holds", today(), "county", id_prefix="home")
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

SORTS = {
    "relevance": ["relevance", "level_order", "name_length", "name", "pk"],  # with a search
    "name": ["name", "pk"],
    "fips": ["fips", "pk"],
    "level": ["level", "name", "pk"],
}


# The parameters that narrow the list (and its level and state facets).
FILTERS = ("q", "level", "state", "parent")


def jurisdictions(request):
    """Search and faceted filters; every filter lives in the URL."""
    searched = search.parse(request.GET.get("q", ""))
    context = {
        "levels": Level.choices,
        "dimensions": position_queries.codebook(),
        "searched": searched,
    }
    query = PositionQuery(request.GET, dimension_required=False, codebook=context["dimensions"])
    try:
        query.is_valid()
        if "as_of" in query.cleaned_data:  # kept in the form when another parameter is wrong
            context["as_of"] = query.cleaned_data["as_of"]
        asked = valid(query)
        coded = valid(SearchQuery(request.GET))["coded"] == "1"
        as_of, dimension = asked["as_of"], asked["dimension"]
        filterset = JurisdictionListFilter(
            {
                **{k: v for k, v in request.GET.items() if k in FILTERS},
                **({"coded": "1", "as_of": as_of.isoformat()} if coded else {}),
            },
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
        value = None
        if dimension is not None:
            conditions = query.conditions()
            found = jurisdictions_with_position(
                jurisdictions=found, dimension=dimension, on=as_of, **conditions
            )
            value = "unknown" if conditions["unknown"] else conditions["value"]
        sorts = (
            SORTS if not searched.is_empty else {k: v for k, v in SORTS.items() if k != "relevance"}
        )
        sort = request.GET.get("sort") or ("fips" if searched.is_empty else "relevance")
        if sort not in sorts:
            raise BadParameter([f"sort: '{sort}' is not a sort. Allowed: {', '.join(sorts)}."])
        if coded or any(request.GET.get(name) for name in FILTERS):
            level_facets, state_facets = queries.facets(base_for_facets)
        else:
            level_facets, state_facets = queries.facets_of_everything()
        paginator = Paginator(found.order_by(*SORTS[sort]), PAGE_SIZE)
        if found is base_for_facets:
            # The level facets count every row already: no second scan to count them.
            paginator.count = sum(n for _, _, n in level_facets)
        page = page_of(paginator, request)
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

    # The download is this view: the same filters, through the same filter set.
    csv_params = {k: v for k, v in filterset.data.items() if k in {*FILTERS, "coded"}}
    if coded:
        csv_params["as_of"] = as_of.isoformat()
    if dimension is not None:
        csv_params.update(dimension=dimension.slug, as_of=as_of.isoformat(), format="csv")
        if value is not None:
            csv_params["value"] = value if value == "unknown" else value.slug
        for name in ("at_least", "at_most"):
            if asked[name] is not None:
                csv_params[name] = asked[name].slug
        csv_url = reverse("api:positions") + "?" + urlencode(csv_params)
    else:
        csv_url = (
            reverse("api:jurisdiction-list") + "?" + urlencode({**csv_params, "format": "csv"})
        )
    if not searched.is_empty and page.number == 1:
        context.update(
            agencies=search.agencies_matching(searched),
            instruments=instruments_matching(searched),
        )
    if not rows:
        context["empty"] = empty_state(
            request, searched=searched, value=value, dimension=dimension, as_of=as_of, coded=coded
        )
    context.update(
        coded=coded,
        coded_url=link(coded=None if coded else "1"),
        page=page,
        rows=[(j, answers.get(j.pk)) for j in rows],
        dimension=dimension,
        value=value,
        sort=sort,
        params=params.urlencode(),
        query=request.GET,
        level_facets=[(*f, link(level=f[0])) for f in level_facets],
        state_facets=[(*f, link(state=f[0])) for f in state_facets],
        value_facets=[
            (*f, link(value=f[0]))
            for f in (queries.value_facets(base_for_facets, dimension, as_of) if dimension else [])
        ],
        any_value_url=link(value=None),
        csv_url=csv_url,
    )
    return render(request, "public/jurisdictions.html", context)


# A state holds up to 1,300 places and 2,500 county subdivisions: past this many of one
# level, a profile names the first and links to the list page for the rest.
CHILDREN_LISTED = 150
LEVEL_PLURALS = {
    Level.STATE: "states",
    Level.TERRITORY: "territories",
    Level.COUNTY: "counties",
    Level.PLACE: "places",
    Level.COUNTY_SUBDIVISION: "county subdivisions",
}


def instruments_matching(searched, limit: int = 10) -> list[Instrument]:
    """Published instruments whose title, citation or summary matches the name searched,
    within the state named, if any."""
    if len(searched.name) < 3 or searched.looks_like_code:
        return []
    found = (
        Instrument.objects.published()
        .exclude(kind=InstrumentKind.RESEARCH_FINDING)  # titled by the question, not a name
        .select_related("jurisdiction")
    )
    if searched.state:
        found = found.filter(
            Q(jurisdiction__usps=searched.state) | Q(jurisdiction__state__usps=searched.state)
        )
    return list(search_instruments(found, searched.name)[:limit])


def empty_state(request, *, searched, value, dimension, as_of, coded) -> dict:
    """Why a list came out empty, and what to try: each filter that may be the reason,
    with a link to the same list without it."""

    def without(*names) -> str:
        query = request.GET.copy()
        for name in ("page", *names):
            query.pop(name, None)
        return "?" + query.urlencode()

    reasons = []
    if not searched.is_empty:
        where = f" in {searched.state}" if searched.state else ""
        reasons.append(
            {
                "text": f"No jurisdiction{where} is named “{searched.name}” or has an agency "
                "of that name.",
                "try": "Try fewer words, a FIPS code (17031), or a state after a comma "
                "(Cook County, IL).",
                "url": without("q"),
                "link": "Clear the search",
            }
        )
    for name, label in (("level", "level"), ("state", "state"), ("parent", "parent")):
        if request.GET.get(name):
            shown = dict(Level.choices).get(request.GET[name], request.GET[name])
            reasons.append(
                {
                    "text": f"Only {label} {shown} is shown.",
                    "try": "",
                    "url": without(name),
                    "link": f"Any {label}",
                }
            )
    if value is not None:
        shown = "Unknown" if value == "unknown" else value.label
        reasons.append(
            {
                "text": f"No jurisdiction here has “{shown}” on {dimension.name.lower()} on "
                f"{as_of:%Y-%m-%d}.",
                "try": "Try another date, or see every value.",
                "url": without("value", "at_least", "at_most"),
                "link": "Any value",
            }
        )
    if coded:
        reasons.append(
            {
                "text": f"No jurisdiction here has a coded policy on {as_of:%Y-%m-%d}: "
                "every question is still unknown.",
                "try": "Coding is far from complete; the coverage page shows what is coded.",
                "url": without("coded"),
                "link": "Include uncoded jurisdictions",
            }
        )
    return {"reasons": reasons}


def children_by_level(place: Jurisdiction, rows) -> list[dict]:
    """The jurisdictions directly inside `place`, one group per level, from (level, name,
    slug) rows in name order: plain tuples, since a state's thousands are mostly counted."""
    groups: dict[str, dict] = {}
    for level, name, slug in rows:
        group = groups.setdefault(level, {"level": level, "count": 0, "listed": []})
        group["count"] += 1
        if group["count"] <= CHILDREN_LISTED:
            group["listed"].append((name, slug))
    ordered = []
    for level in Level:
        group = groups.get(level)
        if group is None:
            continue
        group["label"] = LEVEL_PLURALS[level] if group["count"] != 1 else level.label.lower()
        if group["count"] > CHILDREN_LISTED:
            query = urlencode({"parent": place.fips or place.slug, "level": level.value})
            group["more_url"] = f"{reverse('site:jurisdictions')}?{query}"
        ordered.append(group)
    return ordered


def jurisdiction(request, slug):
    # The jurisdiction, the data version (so the codebook needs no query of its own) and
    # when the data last changed, in one query.
    found = queries.place_by_slug(slug)
    place, updated = found.jurisdiction, found.updated
    dimensions = position_queries.codebook(found.version)
    context = {"place": place, "as_of": today()}
    try:
        context["as_of"] = as_of = valid(DayQuery(request.GET))["as_of"]
    except BadParameter as error:
        context["answers"] = position_queries.profile(
            place, context["as_of"], dimensions=dimensions
        )
        return bad_request(request, "public/jurisdiction.html", context, error)
    preview = wants_drafts(request.GET) and can_preview(request)
    context.update(
        answers=position_queries.profile(
            place, as_of, dimensions=dimensions, include_drafts=preview
        ),
        preview=preview,
        ancestors=list(reversed(place.ancestors())),
        children=children_by_level(place, queries.children_of(place)),
        timeline=queries.timeline_items(place),
        agencies=queries.agreements_by_agency(place),
        dataset_updated=updated,
        accessed=today(),
        dataset_cite=dataset_citation(request, updated),
        licence=licences.DATA,
        page_url=request.build_absolute_uri(request.path),
    )
    return render(request, "public/jurisdiction.html", context)


def jurisdiction_download(request, slug, fmt):
    """A profile as CSV (the positions CSV's columns) or JSON (`ProfileDownload`)."""
    place = get_object_or_404(Jurisdiction.objects.select_related("parent", "state"), slug=slug)
    query = DayQuery(request.GET)
    if not query.is_valid():
        return HttpResponseBadRequest(
            "\n".join(query.messages()), content_type="text/plain; charset=utf-8"
        )
    as_of = query.cleaned_data["as_of"]
    answers = position_queries.profile(place, as_of)
    name = f"policyhub-{place.slug}-{as_of:%Y-%m-%d}"
    if fmt == "csv":
        response = HttpResponse(
            shapes.positions_csv(answers, as_of, request), content_type="text/csv; charset=utf-8"
        )
    else:
        download: shapes.ProfileDownload = {
            "jurisdiction": jurisdiction_ref(place),
            "as_of": as_of,
            "licence": licences.STATEMENT,
            "cite": dataset_citation(request, queries.dataset_updated_at()),
            "positions": [shapes.position_of(a, as_of, request) for a in answers],
        }
        response = JsonResponse(download, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def dataset_citation(request, updated) -> str:
    return licences.dataset_citation(
        updated=f"{updated:%Y-%m-%d}" if updated else "",
        url=request.build_absolute_uri(reverse("site:downloads")),
        accessed=today().isoformat(),
    )


# --- compare ----------------------------------------------------------------------------


def compare(request):
    context = {"as_of": today(), "max_compare": MAX_COMPARE}
    codes = [c for c in request.GET.getlist("j") if c.strip()]
    try:
        context["as_of"] = as_of = valid(DayQuery(request.GET))["as_of"]
        if request.GET.get("add"):
            found = search.best_matches(request.GET["add"])
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
            raise BadParameter([f"j: {too_many_to_compare()}"])
        try:
            chosen = jurisdictions_by_codes(codes=codes, parameter="j") if codes else []
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
    decides = positions_decided_by(instrument=found, on=on)
    suspensions = Suspension.objects.filter(provision__instrument=found).select_related(
        "source", "provision__dimension"
    )
    return render(
        request,
        "public/instrument.html",
        {
            "instrument": found,
            "decides": decides[:200],
            "decides_count": decides.count(),
            "on": on,
            "suspensions": suspensions,
        },
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
        page = page_of(Paginator(filterset.qs, PAGE_SIZE), request)
    except BadParameter as error:
        return bad_request(request, "public/sources.html", context, error)
    params = request.GET.copy()
    params.pop("page", None)
    context.update(page=page, params=params.urlencode())
    return render(request, "public/sources.html", context)


def downloads(request):
    updated = queries.dataset_updated_at()
    return render(
        request,
        "public/downloads.html",
        {
            "tables": list(TABLES),
            "updated": updated,
            "releases": releases_listed(),
            "licence": licences.DATA,
            "code_licence": licences.CODE,
            "dataset_cite": dataset_citation(request, updated),
        },
    )


def protocol(request):
    return render(request, "public/protocol.html", {})


def coverage_page(request):
    on = today()
    return render(request, "public/coverage.html", {"coverage": coverage.coverage(on=on)})


def about(request):
    on = today()
    return render(
        request,
        "public/about.html",
        {
            "covered": coverage.jurisdictions_with_a_known_position(on=on),
            "states_covered": coverage.states_with_published_instruments(),
            "on": on,
            "licence": licences.DATA,
            "code_licence": licences.CODE,
            "dataset_cite": dataset_citation(request, queries.dataset_updated_at()),
        },
    )
