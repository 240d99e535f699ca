"""The public choropleth: US states or counties drawn on the server as SVG.

The shapes come from the vendored us-atlas TopoJSON (`fixtures/us-atlas/`, Census
cartographic boundaries already projected to Albers USA in a 975×610 box). They are decoded
here in plain Python once per process (`geometry()` is cached) into SVG path data and served
once per level as a separate file (`sprite()`, named by its content's hash, cached by the
browser for a year). A page draws each shape as `<use href="…/shapes/county/<hash>.svg#f06001">`
with the shape's colour, so a county page carries a few bytes per county, not its outline;
it still draws without JavaScript. The whole national county map names no county (3,142
names would be most of the page): the script reads them from `places_url`, itself cached;
each county still links, by its FIPS code, to an address that sends it to the county's
profile (`county_url`), so that a click leads there without the script. A state's counties
and the state map name and link every shape.

Colours follow each dimension's ordered scale: blues for values that limit cooperation
(darkest = limits it most), light grey for the neutral value, oranges to browns for values
that require cooperation (darkest = requires it most). Unknown (no coded provision) is white
with a grey hatch, so it is never mistaken for `no-policy`. Every value is also named in text.
"""

import datetime as dt
import functools
import gzip
import hashlib
import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import us
from django.conf import settings
from django.core.cache import caches
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from jurisdictions.models import Jurisdiction, Level
from policies.models import Dimension
from policies.positions import queries as position_queries
from policies.positions import version as data_version
from public.queries import change_years

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
    # FIPS → (min x, min y, max x, max y) in tenths of a unit, to frame one state's counties.
    boxes: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)


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
    features = topology["objects"][object_name]["geometries"]
    shapes = {
        feature["id"]: (feature.get("properties", {}).get("name", ""), _path_data(feature, arcs))
        for feature in features
    }
    boxes = {feature["id"]: _box(feature, arcs) for feature in features if feature.get("arcs")}
    borders = _interior_borders(topology["objects"][borders_of], arcs) if borders_of else ""
    return Geometry(shapes, borders, boxes)


def _box(geometry: dict, arcs) -> tuple[int, int, int, int]:
    polygons = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
    indexes = {i if i >= 0 else ~i for polygon in polygons for ring in polygon for i in ring}
    xs = [x for i in indexes for x, _ in arcs[i]]
    ys = [y for i in indexes for _, y in arcs[i]]
    return min(xs), min(ys), max(xs), max(ys)


@dataclass(frozen=True)
class Sprite:
    """A level's shapes as one SVG file of `<path id="f<FIPS>">` (and `id="borders"`),
    with no colour, so that each `<use>` of a page paints its own; `version` is a hash of
    the bytes, part of the file's URL, so that it can be cached for a year."""

    content: bytes
    version: str
    # The same bytes gzipped once at the highest level: the file never changes under its
    # URL, and the county shapes are most of a first visit's bytes (178 KB at the level
    # pages are compressed at, 159 KB at this one).
    gzipped: bytes = b""


@functools.cache
def sprite(level: str) -> Sprite:
    shapes = geometry(level)
    paths = "".join(f'<path id="f{fips}" d="{d}"/>' for fips, (_, d) in shapes.shapes.items())
    if shapes.borders:
        paths += f'<path id="borders" d="{shapes.borders}"/>'
    content = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{VIEWBOX}">{paths}</svg>'
    ).encode()
    return Sprite(
        content,
        hashlib.sha256(content).hexdigest()[:12],
        gzip.compress(content, compresslevel=9, mtime=0),
    )


def sprite_url(level: str) -> str:
    return reverse("site:map-shapes", args=[level, sprite(level).version])


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


@dataclass(frozen=True)
class StateRef:
    """The state whose counties a map shows alone."""

    fips: str
    usps: str
    name: str
    slug: str


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
    state: StateRef | None = None
    # FIPS → value slug (or "unknown") of every shape drawn, for the SVG download.
    values: dict = field(default_factory=dict)
    # Where the script finds the names of a national county map (none are in the page).
    places_url: str = ""
    # The years in which any position on this question changed at this level.
    change_years: tuple = ()
    # (USPS, name, FIPS) of every state with counties on the map, for choosing one.
    states: tuple = ()
    id_prefix: str = "map"

    @property
    def about_id(self) -> str:
        return f"{self.id_prefix}-about"

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES[self.level]

    @property
    def shape_name(self) -> str:
        return "county" if self.level == Level.COUNTY else "state"

    @property
    def neutral_label(self) -> str:
        return next((v.label for v in self.dimension.values.all() if v.is_neutral), "")

    @property
    def names_each_shape(self) -> bool:
        """Whether the page names and links every shape (all but the national county map)."""
        return self.level == Level.STATE or self.state is not None


def _names(level: str) -> dict[str, tuple[str, str]]:
    """FIPS → (name for people, profile slug), in one query."""
    rows = Jurisdiction.objects.filter(level=level, fips__isnull=False).values_list(
        "fips", "name", "slug", "state__usps"
    )
    return {
        fips: (f"{name}, {usps}" if level == Level.COUNTY and usps else name, slug)
        for fips, name, slug, usps in rows
    }


def places(level: str) -> tuple[dict[str, list[str]], str]:
    """FIPS → [name, profile slug] of a level, and a hash of it (the `v` of its URL)."""
    names = {fips: [name, slug] for fips, (name, slug) in sorted(_names(level).items())}
    return names, _digest(names)


def _digest(names: dict) -> str:
    text = json.dumps(names, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _fill(slug: str, fills: dict[str, str], root: str) -> str:
    """A shape's colour as an SVG presentation attribute, not a style rule: the page's
    Content-Security-Policy allows no inline <style>, and the figure's other rules live
    in the site's stylesheet (public/static/public/site.css, "Map figures")."""
    return fills.get(slug) or f"url(#{root}-hatch)"


def build_map(
    dimension: Dimension,
    as_of: dt.date,
    level: str,
    *,
    id_prefix: str = "map",
    state: StateRef | None = None,
) -> MapData:
    """The SVG and legend of one dimension on one date for every state, every county, or
    one state's counties.

    `dimension` should come from `position_queries.codebook()` (values prefetched).
    `id_prefix` keeps element ids unique when a page shows more than one map. Drawing a
    map takes a few queries, so each process keeps the last maps it drew (the `maps`
    cache), keyed on the data version: one query when the map is cached."""
    maps = caches["maps"]
    where = state.fips if state else ""
    key = f"{data_version.current()}:{dimension.pk}:{as_of.isoformat()}:{level}:{where}:{id_prefix}"
    drawn = maps.get(key)
    if drawn is None:
        drawn = _draw(dimension, as_of, level, id_prefix, state)
        maps.set(key, drawn)
    return drawn


def _framing(shapes: Geometry, fips: list[str]) -> str:
    """The viewBox around some shapes, with a margin, in viewBox units."""
    boxes = [shapes.boxes[f] for f in fips if f in shapes.boxes]
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    margin = max(x1 - x0, y1 - y0) // 20 + 5
    x0, y0, x1, y1 = x0 - margin, y0 - margin, x1 + margin, y1 + margin
    return " ".join(_number(n) for n in (x0, y0, x1 - x0, y1 - y0))


def _draw(
    dimension: Dimension, as_of: dt.date, level: str, id_prefix: str, state: StateRef | None
) -> MapData:
    shapes = geometry(level)
    href = sprite_url(level) + "#f"
    values = list(dimension.values.all())
    fills = palette(values)
    labels = {v.slug: v.label for v in values}
    coded = position_queries.map_values(dimension, as_of, level)
    names = _names(level)
    fips_drawn = [f for f in shapes.shapes if state is None or f.startswith(state.fips)]
    root = f"{id_prefix}-svg"
    counts = dict.fromkeys([*labels, UNKNOWN], 0)
    shown = {}
    for fips in fips_drawn:
        slug = coded.get(fips)
        if slug not in labels:  # unknown, or a value the legend does not know
            slug = UNKNOWN
        counts[slug] += 1
        shown[fips] = slug

    if level == Level.STATE or state is not None:
        body = _named_shapes(shown, names, shapes, labels, fills, root, href, dimension, as_of)
    else:
        body = _grouped_shapes(shown, fills, root, href, linked=names)
    caption_id = f"{id_prefix}-caption"
    where = f"{state.name} counties" if state else LEVEL_NAMES[level]
    caption = f"{dimension.name}, {where}, {as_of.isoformat()}"
    borders = f'<use class="borders" href="{sprite_url(level)}#borders"/>' if shapes.borders else ""
    view_box = _framing(shapes, fips_drawn) if state else VIEWBOX
    role = (
        'role="group"'
        if level == Level.STATE or state
        else f'role="group" aria-describedby="{id_prefix}-about"'
    )
    svg = (
        f'<svg id="{root}" class="choropleth choropleth-{level}" viewBox="{view_box}" '
        f'{role} aria-labelledby="{caption_id}" data-view="{view_box}" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f"<defs>"
        f'<pattern id="{root}-hatch" width="4" height="4" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="4" height="4" fill="#fff"/>'
        f'<line x1="0" y1="0" x2="0" y2="4" stroke="{HATCH_INK}" stroke-width="1"/>'
        f"</pattern></defs>"
        f'<g class="shapes">{body}</g>{borders}</svg>'
    )
    by_slug = {v.slug: v for v in values}
    legend = [
        LegendEntry(slug, labels[slug], fills[slug], counts[slug], by_slug[slug].description)
        for slug in labels
    ]
    legend.append(
        LegendEntry(UNKNOWN, "Unknown", "", counts[UNKNOWN], "No coded provision applies.")
    )
    places_url = ""
    if level == Level.COUNTY and state is None:
        digest = _digest({f: [n, s] for f, (n, s) in sorted(names.items())})
        places_url = f"{reverse('site:map-places', args=[level])}?v={digest}"
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
        shape_count=len(fips_drawn),
        state=state,
        values=shown,
        places_url=places_url,
        change_years=change_years(dimension, level, state.fips if state else None),
        states=states_with_counties(),
        id_prefix=id_prefix,
    )


def _grouped_shapes(shown: dict[str, str], fills, root: str, href: str, linked) -> str:
    """The national county map: one group per value (its colour said once), a `<use>` per
    county; the names come from `places_url` (see the module's docstring). Each county
    with a profile is a link to it by FIPS code, for a pointer without the script; the
    links carry no name, so they are hidden from assistive technology and kept out of the
    tab order (3,142 stops): the description beside the map points keyboards and screen
    readers to a state's named and linked counties instead."""
    link = county_url("00000")[: -len("00000/")]
    groups: dict[str, list[str]] = {}
    for fips, slug in shown.items():
        groups.setdefault(slug, []).append(fips)

    def shape(fips: str) -> str:
        use = f'<use href="{href}{fips}"/>'
        if fips not in linked:
            return use
        return f'<a href="{link}{fips}/" tabindex="-1">{use}</a>'

    return "".join(
        f'<g data-value="{slug}" fill="{_fill(slug, fills, root)}" aria-hidden="true">'
        + "".join(shape(fips) for fips in members)
        + "</g>"
        for slug, members in groups.items()
    )


def county_url(fips: str) -> str:
    """The address that sends a county's FIPS code to its profile."""
    return reverse("site:map-county", args=[fips])


def _named_shapes(shown, names, shapes, labels, fills, root, href, dimension, as_of) -> str:
    """A shape per link, named: a state leads to its counties, a county to its profile."""
    placeholder = "jurisdiction-slug"
    profile_url = reverse("site:jurisdiction", args=[placeholder])
    parts = []
    for fips, slug in shown.items():
        atlas_name = shapes.shapes[fips][0]
        name, profile = names.get(fips, (atlas_name, None))
        text = html.escape(f"{name}: {labels.get(slug, 'Unknown')}")
        use = (
            f'<use href="{href}{fips}" data-fips="{fips}" data-value="{slug}" '
            f'fill="{_fill(slug, fills, root)}"/>'
        )
        if not profile:  # a shape with no jurisdiction in the database: nothing to link to
            parts.append(f"<g><title>{text}</title>{use}</g>")
            continue
        profile_href = profile_url.replace(placeholder, profile)
        if len(fips) == 2:  # a state: its link opens its counties
            link = html.escape(map_query(dimension, as_of, Level.COUNTY, fips_to_usps(fips)))
            parts.append(
                f'<a href="{link}" data-profile="{profile_href}" aria-label="{text}">'
                f"<title>{text}</title>{use}</a>"
            )
        else:
            parts.append(
                f'<a href="{profile_href}" aria-label="{text}"><title>{text}</title>{use}</a>'
            )
    return "".join(parts)


def map_query(dimension: Dimension, as_of: dt.date, level: str, usps: str = "") -> str:
    """The map page's query string for a view: the one URL the page, its links and the
    script share."""
    query = {"dimension": dimension.slug, "level": level, "as_of": as_of.isoformat()}
    if usps:
        query["state"] = usps
    return f"?{urlencode(query)}"


@functools.cache
def _usps_by_fips() -> dict[str, str]:
    return {s.fips: s.abbr for s in us.states.STATES_AND_TERRITORIES}


def fips_to_usps(fips: str) -> str:
    return _usps_by_fips().get(fips[:2], "")


def states_with_counties() -> tuple[tuple[str, str, str], ...]:
    """(USPS, name, FIPS) of each state the county map draws, by name: no query."""
    county_states = {fips[:2] for fips in geometry(Level.COUNTY).shapes}
    states = geometry(Level.STATE).shapes
    return tuple(
        sorted(
            ((fips_to_usps(f), name, f) for f, (name, _) in states.items() if f in county_states),
            key=lambda s: s[1],
        )
    )


def state_ref(usps: str) -> StateRef | None:
    """The state of a USPS code whose counties the map draws, or None."""
    fips = next((f for f, code in _usps_by_fips().items() if code == usps.upper()), None)
    if fips is None or fips not in geometry(Level.STATE).shapes:
        return None
    if not any(f.startswith(fips) for f in geometry(Level.COUNTY).shapes):
        return None
    name = geometry(Level.STATE).shapes[fips][0]
    profile = _names(Level.STATE).get(fips, (name, ""))[1]
    return StateRef(fips, usps.upper(), name, profile)


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
    level that cannot be mapped."""
    if level not in LEVEL_NAMES:
        raise ValueError(f"Cannot map the level {level!r}.")
    dimension = next((d for d in position_queries.codebook() if d.slug == dimension_slug), None)
    if dimension is None:
        raise Dimension.DoesNotExist(f"No dimension {dimension_slug!r}.")
    data = build_map(dimension, as_of, level, id_prefix=id_prefix)
    return render_to_string("public/_map_svg.html", {"map": data}, request=request)


# --- The SVG download ------------------------------------------------------------------


def standalone_svg(data: MapData, page_url: str) -> str:
    """The map as one SVG file, for a paper: the shapes drawn out (no reference to the
    site's files), each with its name and value, the legend with its counts, and where the
    data comes from (the address of the page showing the same view)."""
    shapes = geometry(data.level)
    names = _names(data.level)
    labels = {e.slug: e.label for e in data.legend}
    fills = {e.slug: e.fill for e in data.legend}
    parts = []
    for fips, slug in data.values.items():
        name = names.get(fips, (shapes.shapes[fips][0], ""))[0]
        text = html.escape(f"{name}: {labels[slug]}")
        fill = fills.get(slug) or "url(#hatch)"
        parts.append(
            f'<path data-fips="{fips}" data-value="{slug}" fill="{fill}" '
            f'd="{shapes.shapes[fips][1]}"><title>{text}</title></path>'
        )
    x, y, w, h = (float(n) for n in _framing_or_all(data, shapes).split())
    legend_top = y + h + 10 * (w / 975)
    unit = w / 975  # text keeps one size whatever the framing
    legend = []
    for i, entry in enumerate(data.legend):
        top = legend_top + i * 16 * unit
        fill = entry.fill or "url(#hatch)"
        legend.append(
            f'<rect x="{x:.1f}" y="{top:.1f}" width="{14 * unit:.2f}" height="{10 * unit:.2f}" '
            f'fill="{fill}" stroke="#767676" stroke-width="{0.5 * unit:.2f}"/>'
            f'<text x="{x + 20 * unit:.1f}" y="{top + 9 * unit:.1f}">'
            f"{html.escape(entry.label)} ({entry.count})</text>"
        )
    note_top = legend_top + len(data.legend) * 16 * unit + 6 * unit
    source = f"Source: PolicyHub, {data.caption}. {page_url}"
    total_h = note_top + 8 * unit - y
    border = (
        f'<path d="{shapes.borders}" fill="none" stroke="#3a3a3a" stroke-width=".7"/>'
        if shapes.borders
        else ""
    )
    # The whole picture: a margin all round, the caption above, the legend and source below.
    pad = 12 * unit
    left, top = x - pad, y - 20 * unit - pad
    width, height = w + 2 * pad, total_h + 20 * unit + 2 * pad
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{left:.1f} {top:.1f} '
        f'{width:.1f} {height:.1f}" width="{width / unit * 1.5:.0f}" '
        f'height="{height / unit * 1.5:.0f}" font-family="sans-serif" '
        f'font-size="{10 * unit:.2f}">'
        f"<title>{html.escape(data.caption)}</title>"
        f"<desc>{html.escape(source)}</desc>"
        f'<defs><pattern id="hatch" width="4" height="4" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="4" height="4" fill="#fff"/>'
        f'<line x1="0" y1="0" x2="0" y2="4" stroke="{HATCH_INK}" stroke-width="1"/>'
        f"</pattern></defs>"
        f'<rect x="{left:.1f}" y="{top:.1f}" width="{width:.1f}" height="{height:.1f}" '
        f'fill="#fff"/>'
        f'<text x="{x:.1f}" y="{y - 8 * unit:.1f}" font-weight="bold" '
        f'font-size="{12 * unit:.2f}">{html.escape(data.caption)}</text>'
        f'<g stroke="#fff" stroke-width="{0.35 if data.level == Level.COUNTY else 0.9}" '
        f'stroke-linejoin="round" fill-rule="evenodd">{"".join(parts)}</g>{border}'
        f"{''.join(legend)}"
        f'<text x="{x:.1f}" y="{note_top:.1f}" font-size="{8 * unit:.2f}" fill="#4a4a4a">'
        f"{html.escape(source)}</text></svg>\n"
    )


def _framing_or_all(data: MapData, shapes: Geometry) -> str:
    return _framing(shapes, list(data.values)) if data.state else VIEWBOX
