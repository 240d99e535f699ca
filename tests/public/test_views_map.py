"""The public map: shapes, values and labels on the real seed data; the legend; stepping
through years; bad parameters; query counts; drafts; and the TopoJSON decoder itself."""

import html
import re
import time

import pytest
from django.conf import settings
from django.urls import reverse

from policies.models import Dimension, Instrument
from policies.positions.queries import codebook
from public import map_svg
from public.views_map import same_day_in
from tests.factories import publish_with_pinpoints

# The data version (for the codebook, then for the map), two for the values on the date,
# one for the names and profile links: the same for 51 states as for 3,142 counties. Once
# drawn, a map comes from the cache: the two version reads. The first request of a process
# adds two, for reading the codebook (position_queries.codebook), and one for the court
# orders in force on the date (position_queries.suspensions_on), cached with the map.
MAP_PAGE_QUERIES = 6
MAP_PAGE_CACHED_QUERIES = 2

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

COUNTIES, STATES = 3142, 51
# A county page must stay a page, not a download: the whole of it, markup included.
MAX_COUNTY_PAGE_BYTES = 1_600_000

SHAPE = re.compile(
    r'(?:<a href="(?P<href>[^"]*)" aria-label="(?P<label>[^"]*)">)?'
    r'<path data-fips="(?P<fips>\d+)" data-value="(?P<value>[a-z0-9-]+)" fill="[^"]+" d="[^"]*">'
    r"<title>(?P<title>[^<]*)</title></path>"
)


def map_page(client, status=200, **params):
    response = client.get(reverse("site:map"), params)
    assert response.status_code == status, response.content[:500]
    return response.content.decode()


def shapes(text) -> dict[str, dict]:
    found = {}
    for m in SHAPE.finditer(text):
        assert m["fips"] not in found, f"{m['fips']} drawn twice"
        found[m["fips"]] = {k: html.unescape(v) if v else v for k, v in m.groupdict().items()}
    return found


def legend(text) -> list[str]:
    block = text[text.index('<div class="map-legend">') :]
    block = block[: block.index("</ol>")]
    return re.findall(r'<li data-value="([a-z0-9-]+)">', block)


def fill_rule(text, value) -> str:
    """The colour the legend shows for `value`; every shape with that value has it too."""
    swatch = re.search(rf'<li data-value="{value}"><svg[^>]*><rect[^>]*? fill="([^"]+)"', text)[1]
    shape_fills = set(re.findall(rf'data-value="{value}" fill="([^"]+)"', text))
    assert shape_fills <= {swatch}
    return swatch


# --- What the map shows ---------------------------------------------------------------


def test_the_county_map_draws_every_county_with_a_link_to_its_profile(client):
    drawn = shapes(map_page(client, as_of="2019-06-01"))
    assert len(drawn) == COUNTIES
    assert drawn["17031"]["href"] == reverse("site:jurisdiction", args=["il-cook-county"])
    assert all(s["href"] and s["label"] == s["title"] for s in drawn.values())


def test_the_state_map_draws_the_fifty_states_and_dc(client):
    drawn = shapes(map_page(client, level="state", as_of="2019-06-01"))
    assert len(drawn) == STATES
    assert drawn["06"]["title"] == "California: Prohibited"
    assert drawn["11"]["href"].startswith("/jurisdictions/")


def test_a_california_county_limited_holds_to_serious_offenses_in_2016(client, bob):
    # AB 4 is a draft until its section is confirmed; publish it as an editor would.
    publish_with_pinpoints(Instrument.objects.get(title="California TRUST Act"), bob)
    alameda = shapes(map_page(client, as_of="2016-06-01"))["06001"]
    assert alameda["value"] == "limited-to-serious-offenses"
    assert alameda["title"] == "Alameda County, CA: Limited to serious offenses"
    assert alameda["label"] == alameda["title"]


def test_the_same_county_prohibited_holds_in_2019_under_sb_54(client):
    alameda = shapes(map_page(client, as_of="2019-06-01"))["06001"]
    assert alameda["value"] == "prohibited"
    assert alameda["title"] == "Alameda County, CA: Prohibited"


def test_a_county_with_no_coded_provision_is_hatched_as_unknown(client):
    text = map_page(client, as_of="2019-06-01")
    wyoming = shapes(text)["56001"]
    assert (wyoming["value"], wyoming["title"]) == ("unknown", "Albany County, WY: Unknown")
    assert fill_rule(text, "unknown") == "url(#map-svg-hatch)"
    assert '<pattern id="map-svg-hatch"' in text


def test_unknown_is_drawn_unlike_the_neutral_value(client):
    # Texas found no law on 287(g) agreements before SB 8 ("none"); Utah codes nothing.
    text = map_page(client, dimension="agreement-287g", level="state", as_of="2019-06-01")
    drawn = shapes(text)
    assert (drawn["48"]["value"], drawn["49"]["value"]) == ("none", "unknown")
    assert drawn["48"]["title"].startswith("Texas: None")
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


def test_the_table_of_values_links_to_the_same_data_as_csv_and_json(client):
    text = map_page(client, dimension="resource-use", level="state", as_of="2019-06-01")
    assert "<summary>Table of values</summary>" in text
    query = "dimension=resource-use&amp;level=state&amp;as_of=2019-06-01"
    assert f'href="/api/v1/map/?{query}&amp;format=csv"' in text
    assert f'href="/api/v1/map/?{query}&amp;format=json"' in text
    response = client.get(f"/api/v1/map/?{html.unescape(query)}&format=csv")
    assert response.status_code == 200
    assert b"fips,value" in b"".join(
        response.streaming_content if response.streaming else [response.content]
    )


def test_the_svg_is_a_labelled_group_of_links(client):
    text = map_page(client, as_of="2019-06-01")
    assert 'role="group" aria-labelledby="map-caption"' in text
    assert (
        '<figcaption id="map-caption" class="map-caption">'
        "Detainer holds, counties, 2019-06-01</figcaption>"
    ) in text
    # A shape in keyboard focus is outlined: the rule lives in the site's stylesheet.
    css = (settings.BASE_DIR / "public" / "static" / "public" / "site.css").read_text()
    assert ".choropleth a:focus path{stroke:#000;stroke-width:2}" in css
    assert 'href="/static/public/site.css"' in text


def test_the_form_offers_every_dimension_level_and_a_date(client):
    text = map_page(client, dimension="courthouse-arrests", level="state", as_of="2019-06-01")
    assert '<label for="map-dimension">Dimension' in text
    assert len(re.findall(r'<option value="[a-z0-9-]+"', text)) == Dimension.objects.count() + 2
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
    assert f'<a href="{query}2010-06-01">2010</a>' in text
    assert f'<a href="{query}2019-06-01" aria-current="page">2019</a>' in text


def test_the_year_links_reach_the_current_year(client):
    from core.params import today

    text = map_page(client, as_of="2019-03-15")
    year = today().year
    assert f'as_of={year}-03-15">{year}</a>' in text


def test_a_leap_day_steps_to_the_28th_of_february():
    import datetime as dt

    assert same_day_in(dt.date(2020, 2, 29), 2019) == dt.date(2019, 2, 28)
    assert same_day_in(dt.date(2020, 2, 29), 2024) == dt.date(2024, 2, 29)


def test_the_last_possible_year_has_no_next_year(client):
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


def test_publishing_redraws_a_cached_map(client, bob):
    before = shapes(map_page(client, dimension="agreement-287g", as_of="2015-06-01"))
    assert before["48201"]["value"] == "unknown"
    agreement = Instrument.objects.get(title="Harris County 287(g) jail agreement")
    publish_with_pinpoints(agreement, bob)
    after = shapes(map_page(client, dimension="agreement-287g", as_of="2015-06-01"))
    assert after["48201"]["value"] == "jail-enforcement"


def test_renaming_a_jurisdiction_redraws_a_cached_map(client):
    from jurisdictions.models import Jurisdiction

    assert shapes(map_page(client, as_of="2019-06-01"))["48201"]["title"].startswith(
        "Harris County, TX:"
    )
    harris = Jurisdiction.objects.get(fips="48201")
    harris.name = "Harris County (renamed)"
    harris.save()
    assert shapes(map_page(client, as_of="2019-06-01"))["48201"]["title"].startswith(
        "Harris County (renamed), TX:"
    )


def test_a_draft_never_colours_the_map(client):
    # The Harris County 287(g) agreement is a draft: in 2015 the county shows as unknown.
    text = map_page(client, dimension="agreement-287g", as_of="2015-06-01")
    harris = shapes(text)["48201"]
    assert (harris["value"], harris["title"]) == ("unknown", "Harris County, TX: Unknown")
    assert "Harris County 287(g) jail agreement" not in text


def test_the_county_page_stays_a_reasonable_size(client):
    county = len(client.get(reverse("site:map"), {"as_of": "2019-06-01"}).content)
    state = len(client.get(reverse("site:map"), {"level": "state", "as_of": "2019-06-01"}).content)
    print(f"\nmap page bytes: county {county:,}, state {state:,}")
    assert county < MAX_COUNTY_PAGE_BYTES
    assert state < 150_000


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


def test_render_map_gives_the_home_page_a_figure_in_six_queries_then_two(
    django_assert_num_queries,
):
    import datetime as dt

    codebook()
    # The sixth: court orders in force on the day (none here), cached with the figure.
    with django_assert_num_queries(6):
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
