"""The public map page: one dimension on one date, for every state or every county.

Drawn on the server (see `public/map_svg.py`), so it works without JavaScript. A bad
parameter never breaks the page: it answers 400, says which parameter was wrong and what it
allows, and shows the default map underneath.
"""

import datetime as dt
from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse

from core.params import today
from jurisdictions.models import Level
from policies.forms import MapQuery
from policies.positions import queries as position_queries
from public.map_svg import LEVEL_NAMES, build_map

DEFAULT_DIMENSION = "detainer-holds"
DEFAULT_LEVEL = Level.COUNTY.value
FIRST_YEAR = 2010  # the year links start here; any date can still be typed in


def same_day_in(day: dt.date, year: int) -> dt.date:
    """The same month and day in another year; 29 February becomes the 28th."""
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


def _parameters(request, dimensions):
    """The dimension, level and date asked for, each falling back to its default, and one
    message per parameter that was wrong."""
    default = next((d for d in dimensions if d.slug == DEFAULT_DIMENSION), dimensions[0])
    params = request.GET.copy()
    if not params.get("dimension"):
        params["dimension"] = default.slug
    query = MapQuery(params, codebook=dimensions)
    query.is_valid()
    asked = query.cleaned_data
    return (
        asked.get("dimension") or default,
        asked.get("level") or DEFAULT_LEVEL,
        asked.get("as_of") or today(),
        query.messages(),
    )


def _year_links(dimension, level, as_of):
    def url(day):
        query = {"dimension": dimension.slug, "level": level, "as_of": day.isoformat()}
        return f"?{urlencode(query)}"

    previous = next_ = None
    if as_of.year > dt.MINYEAR:
        day = same_day_in(as_of, as_of.year - 1)
        previous = {"year": day.year, "url": url(day)}
    if as_of.year < dt.MAXYEAR:
        day = same_day_in(as_of, as_of.year + 1)
        next_ = {"year": day.year, "url": url(day)}
    years = [
        {"year": year, "url": url(same_day_in(as_of, year)), "current": year == as_of.year}
        for year in range(FIRST_YEAR, max(today().year, FIRST_YEAR) + 1)
    ]
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
    dimension, level, as_of, errors = _parameters(request, dimensions)
    data = build_map(dimension, as_of, level)
    previous, next_, years = _year_links(dimension, level, as_of)
    api_query = {"dimension": dimension.slug, "level": level, "as_of": as_of.isoformat()}
    api_url = reverse("api:map")
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
        "csv_url": f"{api_url}?{urlencode({**api_query, 'format': 'csv'})}",
        "json_url": f"{api_url}?{urlencode({**api_query, 'format': 'json'})}",
    }
    return render(request, "public/map.html", context, status=400 if errors else 200)
