"""The map as a researcher plays it, in a real Chromium over the seed data: the year slider
and play, a state's counties and the way back, the link to the view, the SVG download, a
tap on a phone, accessibility, and what the page costs in bytes."""

import csv
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import assert_accessible

ALAMEDA = "06001"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
LAPTOP = {"width": 1280, "height": 800}
# What the issue asks of a county map: the first visit under 200 KB gzipped, another year
# under 40 KB with the shapes from the browser's cache.
FIRST_VISIT_BUDGET = 200_000
ANOTHER_YEAR_BUDGET = 40_000


def _query(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def _county_value(page, fips: str) -> str:
    """The value a county is drawn with on the national map (its group's)."""
    return page.locator(f'use[href$="#f{fips}"]').evaluate(
        "use => use.closest('[data-value]').dataset.value"
    )


@pytest.mark.parametrize("viewport", [DESKTOP, LAPTOP], ids=["1366x900", "1280x800"])
def test_the_legend_and_the_read_out_sit_beside_the_map_above_the_fold(page, visit, viewport):
    visit("/map/")
    svg = page.locator("svg.choropleth").bounding_box()
    readout = page.locator("[data-map-readout]").bounding_box()
    legend = page.get_by_role("list", name=re.compile(r"^Legend")).bounding_box()
    for box in (readout, legend):
        assert box["x"] >= svg["x"] + svg["width"], (box, svg)  # beside, not below
        assert box["y"] + box["height"] <= viewport["height"], (box, viewport)
    assert svg["y"] + svg["height"] <= viewport["height"], (svg, viewport)


def test_the_slider_steps_through_the_years_and_plays(page, visit, screenshot):
    visit("/map/")
    slider = page.get_by_role("slider", name="Year")
    expect(slider).to_be_visible()
    # The links it stands for are hidden, and no year lies past today.
    expect(page.locator("[data-map-years] ul")).to_be_hidden()
    years = page.locator("[data-map-years] a[data-year]").evaluate_all(
        "links => links.map(a => Number(a.dataset.year))"
    )
    this_year = page.evaluate("() => new Date().getFullYear()")
    assert years == sorted(years) and years[-1] == this_year, years
    expect(page.locator('a[rel="next"]')).to_have_count(0)

    # 2014: Alameda County had no published answer (California's TRUST Act is a draft until
    # its section is confirmed); a step of the slider swaps that year's map in.
    slider.fill(str(years.index(2014)))
    slider.dispatch_event("change")
    page.wait_for_url(re.compile(r"as_of=2014-"))
    expect(page.locator("figcaption")).to_contain_text("2014")
    assert _county_value(page, ALAMEDA) == "unknown"
    expect(page.get_by_role("slider", name="Year")).to_have_attribute("aria-valuetext", "2014")
    screenshot(page)

    play = page.get_by_role("button", name="Play")
    play.click()
    expect(page.get_by_role("button", name="Pause")).to_have_attribute("aria-pressed", "true")
    after = years[years.index(2014) + 2]
    page.wait_for_url(re.compile(rf"as_of={after}-"), timeout=15_000)
    page.get_by_role("button", name="Pause").click()
    stopped_at = _query(page)["as_of"]
    expect(page.get_by_role("button", name="Play")).to_have_attribute("aria-pressed", "false")
    page.wait_for_timeout(2000)
    assert _query(page)["as_of"] == stopped_at  # paused means paused
    assert _county_value(page, ALAMEDA) == "prohibited"  # SB 54, from 2018
    screenshot(page)


def test_a_state_opens_its_counties_and_the_way_back(page, visit, screenshot):
    visit("/map/?level=state&as_of=2019-06-01")
    california = page.locator('a:has(use[data-fips="06"])')
    expect(california).to_have_accessible_name(re.compile(r"^California: "))
    california.locator("use").click()
    page.wait_for_url(re.compile(r"state=CA"))
    assert _query(page) | {"as_of": "x"} == {
        "dimension": "detainer-holds",
        "level": "county",
        "state": "CA",
        "as_of": "x",
    }
    expect(page.get_by_role("heading", level=1)).to_contain_text("California")
    counties = page.locator("svg.choropleth use[data-fips]")
    expect(counties).to_have_count(58)
    alameda = page.locator(f'a:has(use[data-fips="{ALAMEDA}"])')
    expect(alameda).to_have_accessible_name("Alameda County, CA: Prohibited")
    screenshot(page)

    # A click reads the county; its profile is one link away in the read-out.
    alameda.locator("use").click()
    readout = page.locator("[data-map-readout]")
    expect(readout).to_contain_text("Alameda County, CA")
    expect(readout.get_by_role("link", name="Open the profile")).to_have_attribute(
        "href", "/jurisdictions/ca-alameda-county/"
    )
    page.get_by_role("link", name="← Back to all states").click()
    page.wait_for_url(re.compile(r"level=state"))
    assert "state" not in _query(page)
    expect(page.locator('svg.choropleth use[data-fips="06"]')).to_have_count(1)
    page.go_back()
    page.wait_for_url(re.compile(r"state=CA"))
    expect(page.locator("svg.choropleth use[data-fips]")).to_have_count(58)


def test_the_share_link_is_the_view_and_copies(page, visit, site):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
    visit("/map/?dimension=release-notification&level=county&state=TX&as_of=2019-06-01")
    link = page.get_by_label("Link to this view").input_value()
    assert urlsplit(link).path == "/map/" and parse_qs(urlsplit(link).query) == parse_qs(
        urlsplit(page.url).query
    )
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("status").filter(has_text="copied")).to_be_visible()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == link
    # Another reader opening it sees the same map.
    caption = page.locator("figcaption").inner_text()
    other = page.context.new_page()
    other.goto(copied)
    expect(other.locator("figcaption")).to_have_text(caption)
    assert caption == "Release notification, Texas counties, 2019-06-01"


def test_the_svg_download_is_the_map_shown_with_its_legend_and_source(page, visit, tmp_path):
    visit("/map/?level=state&as_of=2019-06-01")
    with page.expect_download() as download:
        page.get_by_role("link", name="SVG").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "policyhub-detainer-holds-state-2019-06-01.svg"
    svg = saved.read_text()
    shown = page.locator("svg.choropleth use[data-fips]").evaluate_all(
        "uses => Object.fromEntries(uses.map(u => [u.dataset.fips, u.dataset.value]))"
    )
    drawn = dict(re.findall(r'<path data-fips="(\d+)" data-value="([a-z0-9-]+)"', svg))
    assert drawn == shown and len(drawn) == 51
    assert "<title>California: Prohibited</title>" in svg
    assert "Detainer holds, states, 2019-06-01" in svg
    assert re.search(r"Source: PolicyHub, .*/map/\?dimension=detainer-holds&amp;level=state", svg)
    for label in page.locator(".map-side .map-legend li").evaluate_all(
        "items => items.map(li => li.dataset.label)"
    ):
        assert f">{label} (" in svg
    assert "href=" not in svg  # nothing to fetch: it stands alone in a paper


def test_the_csv_download_carries_provenance(page, visit):
    visit("/map/?state=IL&as_of=2019-06-01")
    href = page.get_by_role("link", name="CSV with provenance").get_attribute("href")
    assert urlsplit(href).path == "/api/v1/positions/"
    response = page.request.get(href)
    assert response.ok
    header, *rows = csv.reader(io.StringIO(response.text()))
    for column in ("value_label", "provenance", "instrument.title", "pinpoint", "sources"):
        assert any(c.endswith(column) for c in header), (column, header)
    cook = dict(zip(header, next(r for r in rows if r[0] == "il-cook-county"), strict=True))
    assert cook["value_label"] == "Prohibited"
    assert cook["decided_by.provision.pinpoint"]
    assert "cookcountygov.com" in cook["decided_by.sources"]
    assert len(rows) == page.locator("svg.choropleth use[data-fips]").count() == 102


@pytest.fixture
def phone(browser, site):
    context = browser.new_context(
        viewport=PHONE, base_url=site, has_touch=True, is_mobile=True, device_scale_factor=2
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_on_a_phone_a_tap_reads_a_county_and_zoom_brings_it_closer(phone, screenshot):
    response = phone.goto("/map/?as_of=2019-06-01")
    assert response.status == 200
    alameda = phone.locator(f'use[href$="#f{ALAMEDA}"]')
    box = alameda.bounding_box()
    assert box["width"] < 10  # too small to tap on a phone without zooming in
    phone.get_by_role("button", name="Zoom in").tap()
    phone.get_by_role("button", name="Zoom in").tap()
    box = alameda.bounding_box()
    assert box["width"] > 10
    # Alameda County lies near San Francisco Bay: drag it into view if zooming on the
    # middle left it out.
    svg = phone.locator("svg.choropleth").bounding_box()
    if not (svg["x"] < box["x"] + box["width"] / 2 < svg["x"] + svg["width"]):
        phone.locator("svg.choropleth").evaluate(
            """(svg, fips) => {
                const b = svg.querySelector(`use[href$="#f${fips}"]`).getBBox();
                const v = svg.viewBox.baseVal;
                svg.setAttribute("viewBox",
                    `${b.x + b.width / 2 - v.width / 2} ${b.y + b.height / 2 - v.height / 2} `
                    + `${v.width} ${v.height}`);
            }""",
            ALAMEDA,
        )
        box = alameda.bounding_box()
    phone.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    readout = phone.locator("[data-map-readout]")
    expect(readout).to_contain_text("Alameda County, CA")
    expect(readout).to_contain_text("Prohibited")
    expect(readout.get_by_role("link", name="Open the profile")).to_have_attribute(
        "href", "/jurisdictions/ca-alameda-county/"
    )
    expect(readout.get_by_role("link", name="Open California’s counties")).to_be_visible()
    widths = phone.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["inner"] + 1, f"the page scrolls sideways: {widths}"
    screenshot(phone)


MAP_PAGES = {
    "counties": "/map/",
    "states": "/map/?level=state",
    "one-state": "/map/?state=CA",
}


@pytest.mark.parametrize("path", MAP_PAGES.values(), ids=MAP_PAGES.keys())
def test_a_map_page_has_no_serious_accessibility_violation(page, visit, path):
    visit(path)
    expect(page.get_by_role("slider", name="Year")).to_be_visible()
    assert_accessible(page)


def _bytes_of(page, go) -> list[dict]:
    """Each request `go` makes, with its bytes on the wire (gzipped where served so) and
    whether the browser's cache answered it, from Chromium's own network log."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    seen: dict[str, dict] = {}

    def received(event):
        response = event["response"]
        seen[event["requestId"]] = {
            "url": response["url"],
            "status": response["status"],
            "cached": response.get("fromDiskCache", False)
            or seen.get(event["requestId"], {}).get("cached", False),
            "bytes": 0,
        }

    def finished(event):
        if event["requestId"] in seen:
            seen[event["requestId"]]["bytes"] = event["encodedDataLength"]

    def from_cache(event):
        seen.setdefault(event["requestId"], {"url": "", "status": 200, "bytes": 0})
        seen[event["requestId"]]["cached"] = True

    cdp.on("Network.responseReceived", received)
    cdp.on("Network.loadingFinished", finished)
    cdp.on("Network.requestServedFromCache", from_cache)
    go()
    page.wait_for_load_state("networkidle")
    cdp.detach()
    return [r for r in seen.values() if not r["url"].startswith("data:")]


@pytest.fixture
def cached_page(browser, site):
    """A page whose context routes nothing: Playwright turns the HTTP cache off in a context
    with routes (as the `page` fixture's), and this test is about the cache."""
    context = browser.new_context(viewport=DESKTOP, base_url=site)
    yield context.new_page()
    context.close()


def test_a_county_map_is_small_and_its_shapes_come_from_the_cache(cached_page, site):
    page = cached_page

    def report(title, requests):
        print(f"\n{title}:")
        for r in requests:
            where = "cache" if r["cached"] else "network"
            print(f"  {r['bytes']:>8,} B  {where:7}  {r['url'].replace(site, '')}")
        print(f"  {sum(r['bytes'] for r in requests):>8,} B  in all")

    first = _bytes_of(page, lambda: page.goto("/map/?as_of=2019-06-01"))
    report("first visit", first)
    shapes = [r for r in first if "/map/shapes/county/" in r["url"]]
    assert len(shapes) == 1 and not shapes[0]["cached"]
    headers = page.request.get(shapes[0]["url"]).headers
    assert "immutable" in headers["cache-control"] and headers["etag"]
    page_html = next(r for r in first if "/map/?" in r["url"])
    # The dynamic parts (the page and the shapes) are what the server gzips; static files
    # are precompressed by WhiteNoise in production but not by the test server.
    assert page_html["bytes"] + shapes[0]["bytes"] < FIRST_VISIT_BUDGET

    again = _bytes_of(page, lambda: page.goto("/map/?as_of=2016-06-01"))
    report("another year, a new page", again)
    shapes_again = [r for r in again if "/map/shapes/" in r["url"]]
    assert shapes_again and all(r["cached"] or r["bytes"] == 0 for r in shapes_again)
    html = next(r for r in again if "/map/?" in r["url"])
    assert html["bytes"] < ANOTHER_YEAR_BUDGET
