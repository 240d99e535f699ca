"""The public map page: one dimension on one date, for every state, every county, or one
state's counties; and the files it shares across requests.

Drawn on the server (see `public/map_svg.py`), so it works without JavaScript; the script
(`public/static/public/map.js`) adds the year slider, the read-out, zoom, and copy and PNG
buttons. A bad parameter never breaks the page: it answers 400, says which parameter was
wrong and what it allows, and shows the default map underneath.
"""

import datetime as dt
import json
import re
from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import quote_etag
from django.views.decorators.http import require_safe

from core.params import today
from jurisdictions.models import Jurisdiction, Level
from policies.positions import queries as position_queries
from public import map_svg
from public.forms import MapPageQuery
from public.map_svg import LEVEL_NAMES, build_map, map_query

DEFAULT_DIMENSION = "detainer-holds"
DEFAULT_LEVEL = Level.COUNTY.value
ACCEPTS_GZIP = re.compile(r"\bgzip\b")
# A year is a year: the shapes and the names of a version never change under its URL.
FOREVER = "public, max-age=31536000, immutable"
# Without the version asked for (an old page after a release): check each time.
REVALIDATE = "public, max-age=0, must-revalidate"


def same_day_in(day: dt.date, year: int) -> dt.date:
    """The same month and day in another year; 29 February becomes the 28th."""
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


def _parameters(request, dimensions):
    """The dimension, level, state and date asked for, each falling back to its default,
    and one message per parameter that was wrong."""
    default = next((d for d in dimensions if d.slug == DEFAULT_DIMENSION), dimensions[0])
    params = request.GET.copy()
    if not params.get("dimension"):
        params["dimension"] = default.slug
    query = MapPageQuery(params, codebook=dimensions)
    query.is_valid()
    asked = query.cleaned_data
    return (
        asked.get("dimension") or default,
        asked.get("level") or DEFAULT_LEVEL,
        asked.get("state"),
        asked.get("as_of") or today(),
        query.messages(),
    )


def _year_steps(data, usps: str):
    """Previous and next year (never past today), and one stop per year in which anything
    changed, each on the same day of the year (today at the latest)."""
    as_of, last = data.as_of, today()

    def step(year):
        day = min(same_day_in(as_of, year), last)
        return {
            "year": year,
            "url": map_query(data.dimension, day, data.level, usps),
            "current": year == as_of.year,
        }

    previous = step(as_of.year - 1) if as_of.year > dt.MINYEAR else None
    next_ = step(as_of.year + 1) if as_of.year < last.year else None
    years = [step(year) for year in data.change_years]
    if not any(y["current"] for y in years) and as_of.year <= last.year:
        years = sorted([*years, step(as_of.year)], key=lambda y: y["year"])
    return previous, next_, years


def _groups(dimensions):
    groups: dict[str, list] = {}
    for d in dimensions:
        groups.setdefault(d.group, []).append(d)
    return list(groups.items())


def map_page(request):
    dimensions = position_queries.codebook()
    if not dimensions:
        return render(request, "public/map.html", {"map": None, "errors": []})
    dimension, level, state, as_of, errors = _parameters(request, dimensions)
    data = build_map(dimension, as_of, level, state=state)
    usps = state.usps if state else ""
    previous, next_, years = _year_steps(data, usps)
    here = map_query(dimension, as_of, level, usps)
    positions = {"dimension": dimension.slug, "level": level, "as_of": as_of.isoformat()}
    if state:
        positions["state"] = usps
    context = {
        "map": data,
        "errors": errors,
        "dimension_groups": _groups(dimensions),
        "levels": [
            (value, LEVEL_NAMES[value].capitalize()) for value in (Level.COUNTY, Level.STATE)
        ],
        "previous": previous,
        "next": next_,
        "years": years,
        "share_url": request.build_absolute_uri(reverse("site:map") + here),
        "national_url": map_query(dimension, as_of, Level.STATE),
        "all_counties_url": map_query(dimension, as_of, Level.COUNTY),
        "svg_url": reverse("site:map-svg") + here,
        "file_name": _file_name(data),
        "csv_url": f"{reverse('api:positions')}?{urlencode({**positions, 'format': 'csv'})}",
        "json_url": f"{reverse('api:map')}?{urlencode({**positions, 'format': 'json'})}"
        if not state
        else "",
        "profile_url": reverse("site:jurisdiction", args=["jurisdiction-slug"]),
    }
    return render(request, "public/map.html", context, status=400 if errors else 200)


@require_safe
def map_svg_download(request):
    """The map shown by the page with the same query, as one SVG file with its legend and
    source (see `map_svg.standalone_svg`)."""
    dimensions = position_queries.codebook()
    if not dimensions:
        raise Http404("No dimension has been coded yet.")
    dimension, level, state, as_of, errors = _parameters(request, dimensions)
    if errors:
        return HttpResponse("\n".join(errors) + "\n", status=400, content_type="text/plain")
    data = build_map(dimension, as_of, level, state=state)
    page = request.build_absolute_uri(
        reverse("site:map") + map_query(dimension, as_of, level, state.usps if state else "")
    )
    response = HttpResponse(
        map_svg.standalone_svg(data, page), content_type="image/svg+xml; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_file_name(data)}.svg"'
    return response


def _file_name(data) -> str:
    """What a download of this view is called, SVG and PNG alike (without the suffix)."""
    where = f"-{data.state.usps.lower()}" if data.state else ""
    return f"policyhub-{data.dimension.slug}-{data.level}{where}-{data.as_of.isoformat()}"


def _cached(response, version: str, asked: str):
    """Long-lived when the URL names the current version, revalidated otherwise; the
    version is the ETag either way (ConditionalGetMiddleware answers 304 to it)."""
    response["ETag"] = quote_etag(version)
    response["Cache-Control"] = FOREVER if asked == version else REVALIDATE
    return response


@require_safe
def map_shapes(request, level: str, version: str):
    """A level's shapes (`map_svg.sprite`), the same for every map of that level."""
    if level not in LEVEL_NAMES:
        raise Http404(f"No shapes for the level {level!r}.")
    sprite = map_svg.sprite(level)
    gzipped = ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", ""))
    response = HttpResponse(
        sprite.gzipped if gzipped else sprite.content, content_type="image/svg+xml"
    )
    patch_vary_headers(response, ("Accept-Encoding",))
    response = _cached(response, sprite.version, version)
    if gzipped:  # compressed here, once a process (the gzip middleware leaves it alone)
        response["Content-Encoding"] = "gzip"
        response["ETag"] = f"W/{response['ETag']}"  # another encoding of the same file
    return response


@require_safe
def map_places(request, level: str):
    """FIPS → [name, profile slug] of every shape of a level, for the script's read-out of
    the national county map; `v` is a hash of the answer (the page names it)."""
    if level not in LEVEL_NAMES:
        raise Http404(f"No places for the level {level!r}.")
    names, digest = map_svg.places(level)
    body = json.dumps(names, ensure_ascii=False, separators=(",", ":"))
    response = HttpResponse(body, content_type="application/json")
    return _cached(response, digest, request.GET.get("v", ""))


@require_safe
def map_county(request, fips: str):
    """A county of the national map, by FIPS code, sent to its profile: the map links each
    county this way because its page carries no names or slugs (see public/map_svg.py)."""
    slug = (
        Jurisdiction.objects.filter(level=Level.COUNTY, fips=fips)
        .values_list("slug", flat=True)
        .first()
    )
    if slug is None:
        raise Http404(f"No county with the FIPS code {fips!r}.")
    return redirect("site:jurisdiction", slug)
