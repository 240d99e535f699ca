"""The public choropleth: US states or counties drawn on the server as SVG.

The shapes come from the vendored us-atlas TopoJSON (`fixtures/us-atlas/`, Census
cartographic boundaries already projected to Albers USA in a 975×610 box). They are decoded
here in plain Python once per process (`geometry()` is cached) into SVG path data; each
request only joins those strings with the values of `position_queries.map_values`, so a
county map costs the same few queries as a state map.

Colours follow each dimension's ordered scale: blues for values that limit cooperation
(darkest = limits it most), light grey for the neutral value, oranges to browns for values
that require cooperation (darkest = requires it most). Unknown (no coded provision) is white
with a grey hatch, so it is never mistaken for `no-policy`. Every value is also named in text.
"""

import datetime as dt
import functools
import html
import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from jurisdictions.models import Jurisdiction, Level
from policies.models import Dimension
from policies.positions import queries as position_queries
from policies.positions import version as data_version

ATLAS = Path(settings.BASE_DIR) / "fixtures" / "us-atlas"
VIEWBOX = "0 0 975 610"
LEVEL_NAMES = {Level.STATE.value: "states", Level.COUNTY.value: "counties"}
UNKNOWN = "unknown"

# ColorBrewer Blues / Oranges (colour-blind safe as a pair), lightest first, by how many
# values one side of the scale has. Light enough steps are skipped when a side is short so
# that neighbouring values stay far apart.
BLUES = {
    1: ["#2171b5"],
    2: ["#6baed6", "#08519c"],
    3: ["#9ecae1", "#4292c6", "#08519c"],
    4: ["#9ecae1", "#6baed6", "#2171b5", "#08306b"],
    5: ["#c6dbef", "#9ecae1", "#6baed6", "#2171b5", "#08306b"],
}
ORANGES = {
    1: ["#e6550d"],
    2: ["#fdae6b", "#d94801"],
    3: ["#fdae6b", "#f16913", "#a63603"],
    4: ["#fdd0a2", "#fd8d3c", "#d94801", "#7f2704"],
    5: ["#fdd0a2", "#fdae6b", "#f16913", "#d94801", "#7f2704"],
}
NEUTRAL_FILL = "#d4d4d4"
# 3:1 against white (WCAG 1.4.11), yet light enough not to shout over the coded values.
HATCH_INK = "#949494"


# --- Geometry: TopoJSON → SVG path data, once per process -----------------------------


@dataclass(frozen=True)
class Geometry:
    """One level's shapes: FIPS → (atlas name, SVG path data), in atlas order, plus the
    borders between states, drawn over the shapes so that they show even between two
    hatched (unknown) shapes."""

    shapes: dict[str, tuple[str, str]]
    borders: str


def _number(tenths: int) -> str:
    """A coordinate kept in tenths of a unit, written as briefly as SVG allows."""
    sign = "-" if tenths < 0 else ""
    whole, tenth = divmod(abs(tenths), 10)
    if not tenth:
        return f"{sign}{whole}"
    return f"{sign}{whole or ''}.{tenth}"


def _join(numbers: list[str]) -> str:
    """Numbers separated by a space, or by nothing before a minus sign."""
    out = [numbers[0]]
    for n in numbers[1:]:
        out.append(n if n[0] == "-" else " " + n)
    return "".join(out)


def _decode_arcs(topology: dict) -> list[list[tuple[int, int]]]:
    """Each arc as absolute points in tenths of a viewBox unit (rounded once, so that
    relative moves between rounded points add up exactly)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((round((x * sx + tx) * 10), round((y * sy + ty) * 10)))
        arcs.append(points)
    return arcs


def _ring_points(ring: list[int], arcs) -> list[tuple[int, int]]:
    points: list[tuple[int, int]] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        # Consecutive arcs share their end and start point.
        points.extend(arc[1:] if points else arc)
    return points


def _subpath(points, closed: bool) -> str:
    """`M x y l dx dy …` (then `z` for a ring), dropping moves that round to nothing."""
    x0, y0 = points[0]
    moves, (px, py) = [], points[0]
    for x, y in points[1:]:
        if (x, y) != (px, py):
            moves += [_number(x - px), _number(y - py)]
            px, py = x, y
    d = f"M{_join([_number(x0), _number(y0)])}"
    if moves:
        d += "l" + _join(moves)
    return d + ("z" if closed else "")


def _path_data(geometry: dict, arcs) -> str:
    if geometry["type"] == "Polygon":
        polygons = [geometry["arcs"]]
    elif geometry["type"] == "MultiPolygon":
        polygons = geometry["arcs"]
    else:  # a null geometry: nothing to draw
        return ""
    return "".join(
        _subpath(_ring_points(ring, arcs), closed=True) for polygon in polygons for ring in polygon
    )


def _interior_borders(collection: dict, arcs) -> str:
    """Arcs shared by two different geometries of a collection: the borders between states
    (what topojson.mesh(us, us.objects.states, (a, b) => a !== b) draws)."""
    users: dict[int, set[int]] = {}
    for owner, geometry in enumerate(collection["geometries"]):
        polygons = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry.get("arcs", [])
        for polygon in polygons:
            for ring in polygon:
                for index in ring:
                    users.setdefault(index if index >= 0 else ~index, set()).add(owner)
    return "".join(_subpath(arcs[i], closed=False) for i in sorted(users) if len(users[i]) > 1)


def decode(topology: dict, object_name: str, *, borders_of: str | None = None) -> Geometry:
    """Decode one object of a quantized TopoJSON topology into SVG path data per feature id;
    `borders_of` names an object (the same one or another) whose interior borders are
    wanted as one path."""
    arcs = _decode_arcs(topology)
    shapes = {
        feature["id"]: (feature.get("properties", {}).get("name", ""), _path_data(feature, arcs))
        for feature in topology["objects"][object_name]["geometries"]
    }
    borders = _interior_borders(topology["objects"][borders_of], arcs) if borders_of else ""
    return Geometry(shapes, borders)


@functools.cache
def geometry(level: str) -> Geometry:
    """The shapes of a level (state or county), decoded on first use and kept for the life
    of the process: never per request."""
    if level == Level.STATE:
        with open(ATLAS / "states-albers-10m.json", encoding="utf-8") as f:
            return decode(json.load(f), "states", borders_of="states")
    if level == Level.COUNTY:
        with open(ATLAS / "counties-albers-10m.json", encoding="utf-8") as f:
            return decode(json.load(f), "counties", borders_of="states")
    raise ValueError(f"Cannot map the level {level!r}.")


# --- Colours and legend ---------------------------------------------------------------


@dataclass(frozen=True)
class LegendEntry:
    slug: str
    label: str
    fill: str  # a colour, or "" for the unknown hatch
    count: int
    description: str = ""

    @property
    def is_unknown(self) -> bool:
        return self.slug == UNKNOWN


def palette(values) -> dict[str, str]:
    """Value slug → fill colour, for a dimension's values in rank order."""
    values = list(values)
    neutral = next((i for i, v in enumerate(values) if v.is_neutral), None)
    if neutral is None:  # no neutral value: the lower half limits cooperation
        below, above = values[: len(values) // 2], values[len(values) // 2 :]
        middle = []
    else:
        below, middle, above = (
            values[:neutral],
            values[neutral : neutral + 1],
            values[neutral + 1 :],
        )
    fills = {}
    # Values that limit cooperation run darkest (rank 0) to lightest (next to neutral).
    fills.update(zip((v.slug for v in below), _ramp(BLUES, len(below))[::-1], strict=True))
    fills.update((v.slug, NEUTRAL_FILL) for v in middle)
    fills.update(zip((v.slug for v in above), _ramp(ORANGES, len(above)), strict=True))
    return fills


def _ramp(scheme: dict[int, list[str]], n: int) -> list[str]:
    if n <= max(scheme):
        return scheme[n] if n else []
    # Longer than any scale in the codebook today: repeat the darkest step.
    longest = scheme[max(scheme)]
    return longest + [longest[-1]] * (n - len(longest))


# --- One map ---------------------------------------------------------------------------


@dataclass
class MapData:
    """Everything a template needs to show one map: the SVG markup and the legend."""

    dimension: Dimension
    as_of: dt.date
    level: str
    svg: SafeString
    legend: list[LegendEntry]
    caption: str
    caption_id: str
    hatch_id: str
    shape_count: int
    # Court orders that keep a provision on this question out of force on the date.
    suspensions: tuple = ()

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES[self.level]

    @property
    def neutral_label(self) -> str:
        return next((v.label for v in self.dimension.values.all() if v.is_neutral), "")


def _names(level: str) -> dict[str, tuple[str, str]]:
    """FIPS → (name for people, profile slug), in one query."""
    rows = Jurisdiction.objects.filter(level=level, fips__isnull=False).values_list(
        "fips", "name", "slug", "state__usps"
    )
    return {
        fips: (f"{name}, {usps}" if level == Level.COUNTY and usps else name, slug)
        for fips, name, slug, usps in rows
    }


# Shared by every map figure. It lives in the SVG's own <style> so that a page embedding
# the figure (the home page) needs nothing else; in an HTML page it applies document-wide,
# hence every rule starts with a map class.
FIGURE_CSS = (
    ".map-figure{margin:0 0 1rem}"
    ".map-caption{font-weight:600;margin-bottom:.25rem}"
    ".choropleth{display:block;width:100%;height:auto;background:#fff}"
    ".choropleth .shapes path{stroke:#fff;stroke-width:.35;stroke-linejoin:round;"
    "fill-rule:evenodd}"
    ".choropleth-state .shapes path{stroke-width:.9}"
    ".choropleth .borders{fill:none;stroke:#3a3a3a;stroke-width:.7;pointer-events:none}"
    ".choropleth a:hover path{stroke:#000;stroke-width:1.2}"
    ".choropleth a:focus path{stroke:#000;stroke-width:2}"
    ".map-readout{min-height:1.5em;margin:.25rem 0;font-weight:600}"
    ".map-legend ol{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem 1.25rem;"
    "margin:.25rem 0;padding:0}"
    ".map-legend li{display:flex;align-items:center;gap:.35rem}"
    ".map-legend .legend-count{color:#4a4a4a}"
    ".map-legend-title,.map-note{margin:.25rem 0;font-size:.9rem;color:#4a4a4a}"
)


def _style(fills: dict[str, str], root: str) -> str:
    rules = [f'#{root} [data-value="{slug}"]{{fill:{colour}}}' for slug, colour in fills.items()]
    rules.append(f'#{root} [data-value="{UNKNOWN}"]{{fill:url(#{root}-hatch)}}')
    return FIGURE_CSS + "".join(rules)


def build_map(
    dimension: Dimension, as_of: dt.date, level: str, *, id_prefix: str = "map"
) -> MapData:
    """The SVG and legend of one dimension on one date for every state or every county.

    `dimension` should come from `position_queries.codebook()` (values prefetched).
    `id_prefix` keeps element ids unique when a page shows more than one map. Drawing a
    county map takes three queries and about 30 ms at national scale, so each process keeps
    the last maps it drew (the `maps` cache), keyed on the data version: one query when
    the map is cached."""
    maps = caches["maps"]
    key = f"{data_version.current()}:{dimension.pk}:{as_of.isoformat()}:{level}:{id_prefix}"
    drawn = maps.get(key)
    if drawn is None:
        drawn = _draw(dimension, as_of, level, id_prefix)
        maps.set(key, drawn)
    return drawn


def _draw(dimension: Dimension, as_of: dt.date, level: str, id_prefix: str) -> MapData:
    shapes = geometry(level)
    values = list(dimension.values.all())
    fills = palette(values)
    labels = {v.slug: v.label for v in values}
    coded = position_queries.map_values(dimension, as_of, level)
    names = _names(level)
    # Reverse the profile URL once; slugs are URL-safe, so the rest is a substitution.
    placeholder = "jurisdiction-slug"
    profile_url = reverse("site:jurisdiction", args=[placeholder])

    counts = dict.fromkeys([*labels, UNKNOWN], 0)
    parts = []
    for fips, (atlas_name, d) in shapes.shapes.items():
        slug = coded.get(fips)
        if slug not in labels:  # unknown, or a value the legend does not know
            slug = UNKNOWN
        counts[slug] += 1
        name, profile = names.get(fips, (atlas_name, None))
        text = html.escape(f"{name}: {labels.get(slug, 'Unknown')}")
        path = f'<path data-fips="{fips}" data-value="{slug}" d="{d}"><title>{text}</title></path>'
        if profile:
            href = profile_url.replace(placeholder, profile)
            parts.append(f'<a href="{href}" aria-label="{text}">{path}</a>')
        else:  # a shape with no jurisdiction in the database: nothing to link to
            parts.append(path)

    root = f"{id_prefix}-svg"
    caption_id = f"{id_prefix}-caption"
    caption = f"{dimension.name}, {LEVEL_NAMES[level]}, {as_of.isoformat()}"
    borders = (
        f'<path class="borders" d="{shapes.borders}" aria-hidden="true"/>' if shapes.borders else ""
    )
    svg = (
        f'<svg id="{root}" class="choropleth choropleth-{level}" viewBox="{VIEWBOX}" '
        f'role="group" aria-labelledby="{caption_id}" xmlns="http://www.w3.org/2000/svg">'
        f"<defs><style>{_style(fills, root)}</style>"
        f'<pattern id="{root}-hatch" width="4" height="4" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="4" height="4" fill="#fff"/>'
        f'<line x1="0" y1="0" x2="0" y2="4" stroke="{HATCH_INK}" stroke-width="1"/>'
        f"</pattern></defs>"
        f'<g class="shapes">{"".join(parts)}</g>{borders}</svg>'
    )
    by_slug = {v.slug: v for v in values}
    legend = [
        LegendEntry(slug, labels[slug], fills[slug], counts[slug], by_slug[slug].description)
        for slug in labels
    ]
    legend.append(
        LegendEntry(UNKNOWN, "Unknown", "", counts[UNKNOWN], "No coded provision applies.")
    )
    return MapData(
        suspensions=tuple(position_queries.suspensions_on(dimension, as_of)),
        dimension=dimension,
        as_of=as_of,
        level=level,
        svg=mark_safe(svg),  # noqa: S308 — built above from escaped names and fixed markup
        legend=legend,
        caption=caption,
        caption_id=caption_id,
        hatch_id=f"{root}-hatch",
        shape_count=len(shapes.shapes),
    )


def render_map(
    dimension_slug: str,
    as_of: dt.date,
    level: str = Level.COUNTY,
    *,
    request=None,
    id_prefix: str = "map",
) -> str:
    """The map figure (caption, SVG, legend) as HTML, for embedding in another page such as
    the home page. Raises Dimension.DoesNotExist for an unknown slug and ValueError for a
    level that cannot be mapped. Six queries the first time, two once cached."""
    if level not in LEVEL_NAMES:
        raise ValueError(f"Cannot map the level {level!r}.")
    dimension = next((d for d in position_queries.codebook() if d.slug == dimension_slug), None)
    if dimension is None:
        raise Dimension.DoesNotExist(f"No dimension {dimension_slug!r}.")
    data = build_map(dimension, as_of, level, id_prefix=id_prefix)
    return render_to_string("public/_map_svg.html", {"map": data}, request=request)
