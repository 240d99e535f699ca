"""The public map: shapes, values and labels on the real seed data; the legend; stepping
through years; bad parameters; query counts; drafts; and the TopoJSON decoder itself."""

import csv
import datetime as dt
import gzip
import html
import io
import re
import time

import pytest
from django.conf import settings
from django.urls import reverse

from policies.models import Dimension, Instrument, Position
from policies.positions.queries import codebook
from public import map_svg
from public.views_map import same_day_in
from tests.factories import publish_with_pinpoints

# The data version (for the codebook, then for the map), two for the values on the date,
# one for the names and profile links, one for the years in which anything changed: the
# same for 51 states as for 3,142 counties. Once drawn, a map comes from the cache: the two
# version reads. The first request of a process adds two, for reading the codebook
# (position_queries.codebook), and one for the court orders in force on the date
# (position_queries.suspensions_on), cached with the map. One state's counties add one
# query, for the state's profile link, made when the page asks for the state.
MAP_PAGE_QUERIES = 7
MAP_PAGE_CACHED_QUERIES = 2
STATE_COUNTIES_QUERIES = MAP_PAGE_QUERIES + 1

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

COUNTIES, STATES = 3142, 51
# What a second view of another year may cost, gzipped: the page, its shapes from the
# browser's cache (tests/browser/test_map.py measures the requests themselves).
MAX_COUNTY_PAGE_GZIPPED = 40_000
# A first visit: the page and the county shapes, as the server sends them gzipped
# (tests/browser/test_map.py measures the same in a browser).
FIRST_VISIT_GZIPPED = 200_000

# A state, or a county of one state: named and linked.
NAMED = re.compile(
    r'<(?:a href="(?P<href>[^"]*)"(?: data-profile="(?P<profile>[^"]*)")? '
    r'aria-label="(?P<label>[^"]*)"|g)><title>(?P<title>[^<]*)</title>'
    r'<use href="/map/shapes/(?:state|county)/[0-9a-f]{12}\.svg#f(?P<fips>\d+)" '
    r'data-fips="(?P=fips)" data-value="(?P<value>[a-z0-9-]+)" fill="[^"]+"/></(?:a|g)>'
)
# The national county map: a group per value, a <use> per county (each in a link).
GROUP = re.compile(
    r'<g data-value="(?P<value>[a-z0-9-]+)" fill="(?P<fill>[^"]+)" aria-hidden="true">'
    r"(?P<uses>.*?)</g>"
)
USE = re.compile(r'<use href="/map/shapes/county/[0-9a-f]{12}\.svg#f(\d+)"/>')


def map_page(client, status=200, **params):
    response = client.get(reverse("site:map"), params)
    assert response.status_code == status, response.content[:500]
    return response.content.decode()


def shapes(text) -> dict[str, dict]:
    """FIPS → what the page says of each shape: its value, and where it names its shapes,
    its link, label and title."""
    found = {}
    for m in NAMED.finditer(text):
        assert m["fips"] not in found, f"{m['fips']} drawn twice"
        found[m["fips"]] = {k: html.unescape(v) if v else v for k, v in m.groupdict().items()}
    if found:
        return found
    svg = text[text.index('<g class="shapes">') :]
    for group in GROUP.finditer(svg[: svg.index("</svg>")]):
        for fips in USE.findall(group["uses"]):
            assert fips not in found, f"{fips} drawn twice"
            found[fips] = {"value": group["value"], "fill": group["fill"]}
    return found


def legend(text) -> list[str]:
    block = text[text.index('<div class="map-legend">') :]
    block = block[: block.index("</ol>")]
    return re.findall(r'<li data-value="([a-z0-9-]+)"', block)


def fill_rule(text, value) -> str:
    """The colour the legend shows for `value`; every shape with that value has it too."""
    swatch = re.search(
        rf'<li data-value="{value}"[^>]*><svg[^>]*><rect[^>]*? fill="([^"]+)"', text
    )[1]
    shape_fills = set(re.findall(rf'data-value="{value}" fill="([^"]+)"', text))
    assert shape_fills <= {swatch}
    return swatch


# --- What the map shows ---------------------------------------------------------------


def test_the_county_map_draws_every_county_and_names_them_in_a_shared_file(client):
    text = map_page(client, as_of="2019-06-01")
    drawn = shapes(text)
    assert len(drawn) == COUNTIES
    # 3,142 names would be most of the page: they come from one file the browser keeps.
    assert "Cook County" not in text
    places_url = html.unescape(re.search(r'data-places="([^"]+)"', text)[1])
    names = client.get(places_url).json()
    assert len(names) == COUNTIES
    assert names["17031"] == ["Cook County, IL", "il-cook-county"]
    assert set(names) == set(drawn)


def test_the_state_map_draws_the_fifty_states_and_dc_each_opening_its_counties(client):
    drawn = shapes(map_page(client, level="state", as_of="2019-06-01"))
    assert len(drawn) == STATES
    california = drawn["06"]
    assert california["title"] == california["label"] == "California: Prohibited"
    assert california["href"] == (
        "?dimension=detainer-holds&level=county&as_of=2019-06-01&state=CA"
    )
    assert california["profile"] == reverse("site:jurisdiction", args=["ca"])


def test_a_states_counties_are_drawn_alone_named_and_linked_to_their_profiles(client):
    text = map_page(client, state="ca", as_of="2019-06-01")
    drawn = shapes(text)
    assert len(drawn) == 58 and all(f.startswith("06") for f in drawn)
    alameda = drawn["06001"]
    assert alameda["href"] == reverse("site:jurisdiction", args=["ca-alameda-county"])
    assert alameda["title"] == alameda["label"] == "Alameda County, CA: Prohibited"
    assert "Detainer holds, California counties, 2019-06-01</figcaption>" in text
    # Framed on the state, and a way back to the national maps and to its profile.
    view_box = re.search(r'<svg id="map-svg"[^>]* viewBox="([^"]+)"', text)[1]
    assert view_box != map_svg.VIEWBOX and float(view_box.split()[2]) < 300
    assert (
        '<a href="?dimension=detainer-holds&amp;level=state&amp;as_of=2019-06-01" '
        "data-map-back>← Back to all states</a>"
    ) in text
    assert f'href="{reverse("site:jurisdiction", args=["ca"])}">California’s profile</a>' in text
    assert '<option value="CA" data-fips="06" selected>California</option>' in text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"state": "ZZ"}, "state: No state &#x27;ZZ&#x27; on the map. Allowed: AL, AK,"),
        ({"state": "PR"}, "state: No state &#x27;PR&#x27; on the map."),
        ({"state": "CA", "level": "state"}, "state: A state’s counties are drawn only with"),
    ],
)
def test_a_state_that_cannot_be_drawn_is_a_400_over_the_national_map(client, params, message):
    text = map_page(client, status=400, **params)
    assert message.replace("’", "&#x27;") in text or message in text
    assert len(shapes(text)) in (COUNTIES, STATES)


def test_a_california_county_limited_holds_to_serious_offenses_in_2016(client, bob):
    # AB 4 is a draft until its section is confirmed; publish it as an editor would.
    publish_with_pinpoints(Instrument.objects.get(title="California TRUST Act"), bob)
    assert shapes(map_page(client, as_of="2016-06-01"))["06001"]["value"] == (
        "limited-to-serious-offenses"
    )
    alameda = shapes(map_page(client, state="CA", as_of="2016-06-01"))["06001"]
    assert alameda["value"] == "limited-to-serious-offenses"
    assert alameda["title"] == "Alameda County, CA: Limited to serious offenses"
    assert alameda["label"] == alameda["title"]


def test_the_same_county_prohibited_holds_in_2019_under_sb_54(client):
    assert shapes(map_page(client, as_of="2019-06-01"))["06001"]["value"] == "prohibited"
    alameda = shapes(map_page(client, state="CA", as_of="2019-06-01"))["06001"]
    assert alameda["title"] == "Alameda County, CA: Prohibited"


def test_a_county_with_no_coded_provision_is_hatched_as_unknown(client):
    text = map_page(client, as_of="2019-06-01")
    assert shapes(text)["56001"]["value"] == "unknown"
    assert fill_rule(text, "unknown") == "url(#map-svg-hatch)"
    assert '<pattern id="map-svg-hatch"' in text
    wyoming = shapes(map_page(client, state="WY", as_of="2019-06-01"))["56001"]
    assert (wyoming["value"], wyoming["title"]) == ("unknown", "Albany County, WY: Unknown")


def test_unknown_is_drawn_unlike_the_neutral_value(client):
    # Pennsylvania found no law on 287(g) agreements ("none"); Tennessee's "none" finding stops
    # at 2026, when SB 2223 (a draft, its text unread) is reported to require agreements.
    text = map_page(client, dimension="agreement-287g", level="state", as_of="2026-06-01")
    drawn = shapes(text)
    assert (drawn["42"]["value"], drawn["47"]["value"]) == ("none", "unknown")
    assert drawn["42"]["title"].startswith("Pennsylvania: None")
    assert fill_rule(text, "none") == map_svg.NEUTRAL_FILL
    assert fill_rule(text, "none") != fill_rule(text, "unknown")


def test_each_value_has_its_own_colour_blue_for_limits_orange_for_requires(client):
    text = map_page(client)
    holds = Dimension.objects.get(slug="detainer-holds")
    fills = [fill_rule(text, v.slug) for v in holds.values.order_by("rank")]
    assert len(set(fills)) == len(fills)
    assert fills[0] == "#08519c"  # prohibited: the darkest blue of three
    assert fills[3] == map_svg.NEUTRAL_FILL  # no-policy
    assert fills[-1] == "#d94801"  # mandated: the darkest orange of two


def test_the_legend_lists_values_in_rank_order_then_unknown_with_counts(client):
    text = map_page(client, as_of="2019-06-01")
    holds = Dimension.objects.get(slug="detainer-holds")
    assert legend(text) == [
        *holds.values.order_by("rank").values_list("slug", flat=True),
        "unknown",
    ]
    counts = re.findall(r'<span class="legend-count">\((\d+)\)</span>', text)
    assert sum(map(int, counts)) == COUNTIES
    drawn = shapes(text)
    unknown = sum(1 for s in drawn.values() if s["value"] == "unknown")
    assert (
        f'<span class="legend-label">Unknown</span> <span class="legend-count">({unknown})' in text
    )
    assert '<span class="legend-label">Limited to serious offenses</span>' in text


def test_the_page_agrees_with_the_map_api(client):
    params = {"dimension": "detainer-holds", "level": "county", "as_of": "2016-06-01"}
    drawn = shapes(map_page(client, **params))
    api = client.get(reverse("api:map"), {**params, "format": "json"}).json()["values"]
    assert {f: s["value"] for f, s in drawn.items()} == {f: v or "unknown" for f, v in api.items()}


def _body(response) -> str:
    return b"".join(
        response.streaming_content if response.streaming else [response.content]
    ).decode()


def test_the_csv_download_is_the_positions_csv_of_the_shapes_shown(client):
    text = map_page(client, dimension="resource-use", state="IL", as_of="2019-06-01")
    query = "dimension=resource-use&amp;level=county&amp;as_of=2019-06-01&amp;state=IL"
    assert f'href="/api/v1/positions/?{query}&amp;format=csv">CSV with provenance</a>' in text
    response = client.get(f"/api/v1/positions/?{html.unescape(query)}&format=csv")
    assert response.status_code == 200
    header, *rows = csv.reader(io.StringIO(_body(response)))
    assert "decided_by.provision.pinpoint" in header and "decided_by.sources" in header
    assert {row[header.index("jurisdiction.fips")] for row in rows} == set(shapes(text))


def test_the_table_of_values_links_to_the_map_api_for_a_national_map(client):
    text = map_page(client, dimension="resource-use", level="state", as_of="2019-06-01")
    assert "<summary>Table of values</summary>" in text
    query = "dimension=resource-use&amp;level=state&amp;as_of=2019-06-01"
    assert f'href="/api/v1/map/?{query}&amp;format=json"' in text


def test_the_svg_is_a_described_or_a_labelled_group_of_links(client):
    text = map_page(client, as_of="2019-06-01")
    assert 'role="group" aria-describedby="map-about" aria-labelledby="map-caption"' in text
    assert (
        '<figcaption id="map-caption" class="map-caption">'
        "Detainer holds, counties, 2019-06-01</figcaption>"
    ) in text
    assert 'role="group" aria-labelledby="map-caption"' in map_page(client, level="state")
    # A shape in keyboard focus is outlined: the rule lives in the site's stylesheet.
    css = (settings.BASE_DIR / "public" / "static" / "public" / "site.css").read_text()
    assert ".choropleth a:focus use{stroke:#000;stroke-width:2}" in css
    assert 'href="/static/public/site.css"' in text


def test_the_form_offers_every_dimension_level_and_a_date(client):
    text = map_page(client, dimension="courthouse-arrests", level="state", as_of="2019-06-01")
    assert '<label for="map-dimension">Dimension' in text
    options = len(re.findall(r'<option value="[A-Za-z0-9-]*"', text))
    assert options == Dimension.objects.count() + 2 + 1 + STATES
    assert '<option value="courthouse-arrests" selected>' in text
    assert '<optgroup label="Sensitive places">' in text
    assert '<option value="state" selected>States</option>' in text
    assert '<input id="map-as-of" type="date" name="as_of" value="2019-06-01">' in text
    assert '<button type="submit">Show</button>' in text


# --- Stepping through years ---------------------------------------------------------------


def test_previous_and_next_year_keep_the_other_parameters(client):
    text = map_page(client, dimension="release-notification", level="state", as_of="2019-06-01")
    query = "?dimension=release-notification&amp;level=state&amp;as_of="
    assert f'<a rel="prev" href="{query}2018-06-01">Previous year (2018)</a>' in text
    assert f'<a rel="next" href="{query}2020-06-01">Next year (2020)</a>' in text
    assert f'<a href="{query}2019-06-01" data-year="2019" aria-current="page">2019</a>' in text


def _year_links(text) -> list[int]:
    return [int(y) for y in re.findall(r'data-year="(\d{4})"', text)]


def test_the_years_are_those_in_which_something_changed_up_to_this_year(client):
    from core.params import today

    text = map_page(client, as_of="2019-03-15")
    years = _year_links(text)
    this_year = today().year
    assert years == sorted(years) and years[-1] == this_year
    # The stored positions' first and last days, no more (the current year always).
    changed = set()
    for began, ended in Position.objects.filter(
        dimension__slug="detainer-holds", jurisdiction__level="county"
    ).values_list("valid_from", "valid_to"):
        changed |= {d.year for d in (began, ended) if d is not None and d.year <= this_year}
    assert set(years) == changed | {this_year}
    assert f'as_of={this_year}-03-15" data-year="{this_year}">{this_year}</a>' in text or (
        today() < dt.date(this_year, 3, 15)
    )


def test_no_link_leads_past_today(client):
    from core.params import today

    text = map_page(client, level="state")
    assert 'rel="next"' not in text
    for day in re.findall(r"as_of=(\d{4}-\d{2}-\d{2})", text):
        assert dt.date.fromisoformat(day) <= today(), day


def test_a_states_years_are_its_own(client):
    california = _year_links(map_page(client, state="CA", as_of="2019-06-01"))
    national = _year_links(map_page(client, as_of="2019-06-01"))
    assert set(california) < set(national)
    assert 2018 in california  # SB 54


def test_a_leap_day_steps_to_the_28th_of_february():
    import datetime as dt

    assert same_day_in(dt.date(2020, 2, 29), 2019) == dt.date(2019, 2, 28)
    assert same_day_in(dt.date(2020, 2, 29), 2024) == dt.date(2024, 2, 29)


def test_a_date_past_today_has_no_next_year(client):
    text = map_page(client, level="state", as_of="9999-06-01")
    assert 'rel="next"' not in text
    assert "Previous year (9998)" in text


# --- Bad parameters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"dimension": "sanctuary"}, "dimension: No dimension &#x27;sanctuary&#x27;"),
        ({"level": "place"}, "level: &#x27;place&#x27; cannot be mapped. Allowed: state, county."),
        ({"as_of": "2019-13-45"}, "as_of: &#x27;2019-13-45&#x27; is not a date"),
        ({"as_of": "June 2019"}, "as_of: &#x27;June 2019&#x27; is not a date"),
    ],
)
def test_a_bad_parameter_is_a_400_that_names_it_over_the_default_map(client, params, message):
    text = map_page(client, status=400, **params)
    assert message in text
    assert 'role="alert"' in text
    assert len(shapes(text)) == COUNTIES  # the default map is still there


def test_a_bad_dimension_lists_the_ones_that_exist(client):
    text = map_page(client, status=400, dimension="nope")
    assert "Allowed: detainer-holds, release-notification," in text


def test_several_bad_parameters_are_all_reported(client):
    text = map_page(client, status=400, dimension="x", level="y", as_of="z")
    assert all(f"<li>{name}:" in text for name in ("dimension", "level", "as_of"))


def test_a_null_character_is_refused_not_crashed_on(client):
    text = map_page(client, status=400, dimension="detainer\x00holds", as_of="2019\x00")
    assert "\x00" not in text


def test_a_very_long_bad_value_is_cut_short_in_the_message(client):
    text = map_page(client, status=400, as_of="9" * 5000)
    assert f"as_of: &#x27;{'9' * 80}…&#x27; is not a date of the form YYYY-MM-DD." in text
    assert "9" * 81 not in text


# --- Queries, drafts, size --------------------------------------------------------------


def test_the_page_takes_the_same_few_queries_for_states_and_counties(
    client, django_assert_max_num_queries
):
    codebook()
    counted = {}
    for level in ("state", "county"):
        with django_assert_max_num_queries(MAP_PAGE_QUERIES) as queries:
            map_page(client, level=level, as_of="2019-06-01")
        counted[level] = len(queries.captured_queries)
    assert counted["state"] == counted["county"] == MAP_PAGE_QUERIES


def test_a_map_is_drawn_once_then_served_from_the_cache(client, django_assert_num_queries):
    codebook()
    with django_assert_num_queries(MAP_PAGE_QUERIES):
        drawn = map_page(client, as_of="2019-06-01")
    with django_assert_num_queries(MAP_PAGE_CACHED_QUERIES):
        cached = map_page(client, as_of="2019-06-01")
    assert cached == drawn
    with django_assert_num_queries(MAP_PAGE_QUERIES):  # another date: another map
        map_page(client, as_of="2019-06-02")


def test_a_states_counties_take_one_query_more(client, django_assert_num_queries):
    codebook()
    with django_assert_num_queries(STATE_COUNTIES_QUERIES):
        map_page(client, state="TX", as_of="2019-06-01")
    with django_assert_num_queries(MAP_PAGE_CACHED_QUERIES + 1):
        map_page(client, state="TX", as_of="2019-06-01")


def test_publishing_redraws_a_cached_map(client, bob):
    before = shapes(map_page(client, dimension="agreement-287g", as_of="2015-06-01"))
    assert before["48201"]["value"] == "unknown"
    agreement = Instrument.objects.get(title="Harris County 287(g) jail agreement")
    publish_with_pinpoints(agreement, bob)
    after = shapes(map_page(client, dimension="agreement-287g", as_of="2015-06-01"))
    assert after["48201"]["value"] == "jail-enforcement"


def test_renaming_a_jurisdiction_redraws_a_cached_map(client):
    from jurisdictions.models import Jurisdiction

    text = map_page(client, as_of="2019-06-01")
    places_before = re.search(r'data-places="([^"]+)"', text)[1]
    assert shapes(map_page(client, state="TX", as_of="2019-06-01"))["48201"]["title"].startswith(
        "Harris County, TX:"
    )
    harris = Jurisdiction.objects.get(fips="48201")
    harris.name = "Harris County (renamed)"
    harris.save()
    assert shapes(map_page(client, state="TX", as_of="2019-06-01"))["48201"]["title"].startswith(
        "Harris County (renamed), TX:"
    )
    # The national map names its counties in another file: its address changes too.
    places_after = re.search(r'data-places="([^"]+)"', map_page(client, as_of="2019-06-01"))[1]
    assert places_after != places_before
    names = client.get(html.unescape(places_after)).json()
    assert names["48201"][0] == "Harris County (renamed), TX"


def test_a_draft_never_colours_the_map(client):
    # The Harris County 287(g) agreement is a draft: in 2015 the county shows as unknown.
    text = map_page(client, dimension="agreement-287g", as_of="2015-06-01")
    assert shapes(text)["48201"]["value"] == "unknown"
    text = map_page(client, dimension="agreement-287g", state="TX", as_of="2015-06-01")
    harris = shapes(text)["48201"]
    assert (harris["value"], harris["title"]) == ("unknown", "Harris County, TX: Unknown")
    assert "Harris County 287(g) jail agreement" not in text


def test_the_county_page_is_a_fraction_of_its_shapes(client):
    county = client.get(reverse("site:map"), {"as_of": "2019-06-01"}).content
    state = len(client.get(reverse("site:map"), {"level": "state", "as_of": "2019-06-01"}).content)
    shapes_file = map_svg.sprite("county").content
    print(
        f"\nmap page bytes: county {len(county):,} ({len(gzip.compress(county)):,} gzipped), "
        f"state {state:,}; county shapes {len(shapes_file):,} "
        f"({len(gzip.compress(shapes_file)):,} gzipped)"
    )
    assert len(gzip.compress(county)) < MAX_COUNTY_PAGE_GZIPPED
    assert b" d=" not in county  # no outline in the page itself
    assert state < 60_000


def test_render_times_are_reported(client):
    """Not a benchmark: prints the figures for the record, asserts nothing about time."""
    map_svg.geometry.cache_clear()
    started = time.perf_counter()
    map_svg.geometry("county")
    map_svg.geometry("state")
    decoded = time.perf_counter() - started
    timings = {}
    for level in ("county", "state"):
        map_page(client, level=level)  # warm
        started = time.perf_counter()
        for _ in range(3):
            map_page(client, level=level, as_of="2019-06-01")
        timings[level] = (time.perf_counter() - started) / 3
    print(
        f"\ngeometry decoded once in {decoded * 1000:.0f} ms; page render "
        f"county {timings['county'] * 1000:.0f} ms, state {timings['state'] * 1000:.0f} ms"
    )


# --- Embedding and geometry -------------------------------------------------------------


def test_render_map_gives_the_home_page_a_figure_in_seven_queries_then_two(
    django_assert_num_queries,
):
    import datetime as dt

    codebook()
    # Court orders in force on the day (none here) and the years in which anything
    # changed, cached with the figure.
    with django_assert_num_queries(7):
        figure = map_svg.render_map(
            "detainer-holds", dt.date(2019, 6, 1), "county", id_prefix="home"
        )
    with django_assert_num_queries(2):
        again = map_svg.render_map(
            "detainer-holds", dt.date(2019, 6, 1), "county", id_prefix="home"
        )
    assert again == figure
    assert figure.lstrip().startswith("<figure")
    assert len(shapes(figure)) == COUNTIES
    assert 'aria-describedby="home-about"' in figure and 'id="home-about"' in figure
    assert 'aria-labelledby="home-caption"' in figure
    assert "url(#home-svg-hatch)" in figure


def test_render_map_refuses_a_level_it_cannot_draw():
    import datetime as dt

    with pytest.raises(ValueError, match="place"):
        map_svg.render_map("detainer-holds", dt.date(2019, 6, 1), "place")


def test_geometry_is_decoded_once_per_process():
    assert map_svg.geometry("county") is map_svg.geometry("county")
    county = map_svg.geometry("county")
    assert len(county.shapes) == COUNTIES and county.borders.startswith("M")
    assert len(map_svg.geometry("state").shapes) == STATES
    assert map_svg.geometry("state").borders.startswith("M")
    assert all(d.startswith("M") and d.endswith("z") for _, d in county.shapes.values())


# Two 2×2 squares side by side, quantized with a scale and translate: A on the left, B on
# the right with a square hole in it. They share one arc, the edge x = 12, which B walks
# backwards (~0).
TOPOLOGY = {
    "type": "Topology",
    "transform": {"scale": [0.5, 0.25], "translate": [10, 20]},
    "arcs": [
        [[4, 0], [0, 8]],  # (12,20) → (12,22): the shared edge
        [[4, 8], [-4, 0], [0, -8], [4, 0]],  # (12,22) → (10,22) → (10,20) → (12,20)
        [[4, 0], [4, 0], [0, 8], [-4, 0]],  # (12,20) → (14,20) → (14,22) → (12,22)
        [[2, 2], [2, 0], [0, 2], [-2, 0], [0, -2]],  # the hole: (11,20.5) … (11,20.5)
    ],
    "objects": {
        "squares": {
            "type": "GeometryCollection",
            "geometries": [
                {"type": "Polygon", "arcs": [[0, 1]], "id": "01", "properties": {"name": "A"}},
                {
                    "type": "MultiPolygon",
                    "arcs": [[[~0, 2], [3]]],
                    "id": "02",
                    "properties": {"name": "B"},
                },
                {"type": None, "id": "03"},
            ],
        }
    },
}


def test_the_decoder_undoes_delta_encoding_and_quantization():
    decoded = map_svg.decode(TOPOLOGY, "squares", borders_of="squares")
    assert decoded.shapes["01"] == ("A", "M12 20l0 2-2 0 0-2 2 0z")
    # B starts with the shared edge walked backwards, (12,22) → (12,20), then its hole.
    assert decoded.shapes["02"] == ("B", "M12 22l0-2 2 0 0 2-2 0zM11 20.5l1 0 0 .5-1 0 0-.5z")
    assert decoded.shapes["03"] == ("", "")
    # Only the shared edge belongs to two shapes: it is the one interior border.
    assert decoded.borders == "M12 20l0 2"


def test_coordinates_are_rounded_to_tenths_without_drift():
    assert [map_svg._number(n) for n in (0, 5, -5, 10, -123, 1234)] == [
        "0",
        ".5",
        "-.5",
        "1",
        "-12.3",
        "123.4",
    ]


# --- The files a map shares: shapes, names, and the SVG download --------------------------


def test_the_shapes_file_is_cached_for_a_year_under_its_hash(client, django_assert_num_queries):
    url = map_svg.sprite_url("county")
    with django_assert_num_queries(0):
        response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    body = response.content.decode()
    assert body.count('<path id="f') == COUNTIES and '<path id="borders"' in body
    assert ' fill="' not in body  # each <use> of a page paints its shape
    etag = response["ETag"]
    assert etag.strip('W/"') == map_svg.sprite("county").version in url
    assert client.get(url, headers={"if-none-match": etag}).status_code == 304


def test_a_page_names_the_shapes_file_of_its_level(client):
    text = map_page(client, as_of="2019-06-01")
    assert f'<use href="{map_svg.sprite_url("county")}#f06001"/>' in text
    # The borders between states, drawn over the counties.
    assert f'<use class="borders" href="{map_svg.sprite_url("county")}#borders"/></svg>' in text


def test_an_old_shapes_address_is_answered_but_checked_each_time(client):
    response = client.get(reverse("site:map-shapes", args=["state", "000000000000"]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=0, must-revalidate"
    assert response.content == map_svg.sprite("state").content


@pytest.mark.parametrize("name", ["map-shapes", "map-places"])
def test_a_level_that_has_no_shapes_is_a_404(client, name):
    args = ["place", "abc"] if name == "map-shapes" else ["place"]
    assert client.get(reverse(f"site:{name}", args=args)).status_code == 404


def test_the_names_file_is_cached_under_the_hash_the_page_gives(client):
    text = map_page(client)
    url = html.unescape(re.search(r'data-places="([^"]+)"', text)[1])
    response = client.get(url)
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get(url.split("?")[0])["Cache-Control"] == "public, max-age=0, must-revalidate"
    assert "data-places" not in map_page(client, level="state")


def test_the_svg_download_stands_alone_with_its_legend_and_source(client):
    response = client.get(reverse("site:map-svg"), {"state": "IL", "as_of": "2019-06-01"})
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="policyhub-detainer-holds-county-il-2019-06-01.svg"'
    )
    svg = response.content.decode()
    drawn = dict(re.findall(r'<path data-fips="(\d+)" data-value="([a-z0-9-]+)"', svg))
    page = shapes(map_page(client, state="IL", as_of="2019-06-01"))
    assert drawn == {fips: shape["value"] for fips, shape in page.items()}
    assert "<title>Cook County, IL: Prohibited</title>" in svg
    assert ">Prohibited (" in svg and ">Unknown (" in svg
    assert ("Source: PolicyHub, Detainer holds, Illinois counties, 2019-06-01. ") in svg
    assert "http://testserver/map/?dimension=detainer-holds&amp;level=county" in svg
    assert "href=" not in svg


def test_a_bad_svg_download_is_a_400_naming_the_parameter(client):
    response = client.get(reverse("site:map-svg"), {"state": "ZZ"})
    assert response.status_code == 400
    assert response.content.decode().startswith("state: No state 'ZZ' on the map.")


def test_every_county_of_the_national_map_links_to_its_profile_without_the_script(client):
    text = map_page(client, as_of="2019-06-01")
    links = re.findall(
        r'<a href="/map/county/(\d{5})/" tabindex="-1"><use href="[^"]+#f(\d{5})"/></a>', text
    )
    assert len(links) == COUNTIES and all(a == b for a, b in links)
    # Unnamed, so out of the tab order and hidden from assistive technology; the page
    # describes the way to a state's named links instead.
    assert text.count('aria-hidden="true"') >= len(GROUP.findall(text))
    response = client.get(f"/map/county/{links[0][0]}/")
    assert response.status_code == 302 and response["Location"].startswith("/jurisdictions/")


def test_a_county_by_fips_code_leads_to_its_profile(client):
    response = client.get(reverse("site:map-county", args=["06001"]))
    assert (response.status_code, response["Location"]) == (
        302,
        "/jurisdictions/ca-alameda-county/",
    )
    assert client.get(reverse("site:map-county", args=["06"])).status_code == 404
    assert client.get(reverse("site:map-county", args=["99999"])).status_code == 404


def test_a_first_visit_to_the_county_map_stays_within_its_budget_on_the_wire(client):
    gzip_ok = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}
    page = client.get(reverse("site:map"), {"as_of": "2019-06-01"}, **gzip_ok)
    assert page["Content-Encoding"] == "gzip"
    text = gzip.decompress(page.content).decode()
    shapes_url = re.search(r'href="(/map/shapes/county/[0-9a-f]{12}\.svg)#f', text)[1]
    shapes = client.get(shapes_url, **gzip_ok)
    assert shapes["Content-Encoding"] == "gzip" and "Accept-Encoding" in shapes["Vary"]
    assert gzip.decompress(shapes.content) == map_svg.sprite("county").content
    on_the_wire = len(page.content) + len(shapes.content)
    print(f"\nfirst visit: page {len(page.content):,} B + shapes {len(shapes.content):,} B")
    assert on_the_wire < FIRST_VISIT_GZIPPED
    # Asked again with the ETag it came with: nothing to send.
    again = client.get(shapes_url, HTTP_IF_NONE_MATCH=shapes["ETag"], **gzip_ok)
    assert again.status_code == 304
    assert client.get(shapes_url).content == map_svg.sprite("county").content
