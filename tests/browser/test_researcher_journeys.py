"""What a researcher does on the public site, in a real Chromium, over the seed data."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import assert_accessible

COOK_SOURCE = "http://cookcountygov.com/ll_lib_pub_cook/cook_ordinance.aspx?WindowArgs=1501"
COOK_POLICY = "Cook County policy for responding to ICE detainers"
COOK_PROFILE = "/jurisdictions/il-cook-county/"
# The detainer-holds scale of fixtures/codebook.yaml, and what the map says where nothing is
# coded.
DETAINER_LABELS = {
    "prohibited": "Prohibited",
    "judicial-warrant-only": "Judicial warrant only",
    "limited-to-serious-offenses": "Limited to serious offenses",
    "no-policy": "No policy",
    "honored": "Honored",
    "mandated": "Mandated",
    "unknown": "Unknown",
}
PHONE = {"width": 390, "height": 844}


def test_a_researcher_finds_cook_countys_detainer_rule_and_its_source(page, visit, screenshot):
    visit("/jurisdictions/")
    search = page.locator('input[name="q"]')
    expect(search).to_have_accessible_name(re.compile(r"\w"))
    search.fill("Cook")
    search.press("Enter")
    page.wait_for_url(re.compile(r"[?&]q=Cook\b"))
    screenshot(page)

    # Georgia and Minnesota have a Cook County too; the researcher wants Illinois's.
    cook = page.locator(f'a[href$="{COOK_PROFILE}"]')
    expect(cook).to_have_text(re.compile(r"Cook County"))
    cook.click()
    page.wait_for_url(f"**{COOK_PROFILE}")
    screenshot(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Cook County")

    detainers = page.locator("#dimension-detainer-holds")
    expect(detainers).to_contain_text("Prohibited")
    expect(detainers).to_contain_text(COOK_POLICY)
    source = detainers.locator(f'a.source-link[href="{COOK_SOURCE}"]')
    expect(source).to_have_count(1)

    # There is no network here: the county's site is answered locally.
    page.route(
        re.compile(r"^http://cookcountygov\.com/"),
        lambda route: route.fulfill(
            content_type="text/html",
            body="<!doctype html><title>Cook County ordinance</title><h1>Sec. 46-37</h1>",
        ),
    )
    source.click()
    page.wait_for_url(COOK_SOURCE)
    expect(page.get_by_role("heading", name="Sec. 46-37")).to_be_visible()


def test_a_researcher_compares_cook_county_with_harris_county_and_illinois(page, visit, screenshot):
    visit("/compare/")
    add = page.locator('input[name="add"]')
    expect(add).to_have_accessible_name(re.compile(r"\w"))
    # "Name, ST" picks one county where several share a name (Harris County is in Georgia too).
    for search in ("Cook County, IL", "Harris County, TX", "Illinois"):
        add.fill(search)
        with page.expect_navigation():
            add.press("Enter")
        screenshot(page)

    chosen = parse_qs(urlsplit(page.url).query)["j"]
    assert chosen == ["il-cook-county", "tx-harris-county", "il"]
    headers = page.locator("thead th")
    expect(headers).to_have_count(4)
    expect(headers.nth(1)).to_contain_text("Cook County")
    expect(headers.nth(2)).to_contain_text("Harris County")
    expect(headers.nth(3)).to_contain_text("Illinois")

    rows = page.locator("tbody tr")
    detainers = rows.filter(has=page.get_by_role("rowheader", name=re.compile(r"^Detainer holds")))
    expect(detainers).to_have_count(1)
    cells = detainers.locator("td")
    expect(cells).to_have_count(3)
    expect(cells.nth(0)).to_contain_text("Prohibited")
    expect(cells.nth(1)).to_contain_text("Mandated")
    expect(cells.nth(1)).to_contain_text("SB 4")
    expect(cells.nth(2)).to_contain_text("Judicial warrant only")
    for n in range(3):
        expect(cells.nth(n)).to_have_class(re.compile(r"\bdiffers\b"))
    expect(detainers.get_by_text(re.compile("differs", re.I))).to_be_visible()

    # The marking tells rows apart: somewhere the three agree, and nothing says it differs.
    alike = rows.filter(has_not=page.locator("td.differs"))
    expect(alike.first).to_be_visible()
    expect(alike.first).not_to_contain_text("differs")


def _alameda(page) -> dict:
    """Alameda County's shape on California's map: its value, its link's label and its
    tooltip."""
    return page.locator('use[data-fips="06001"]').evaluate(
        """shape => ({
            value: shape.dataset.value,
            label: shape.closest("a").getAttribute("aria-label"),
            title: shape.closest("a").querySelector("title").textContent,
        })"""
    )


def _year_of(previous_link_text: str, url: str) -> int:
    """The year a "Previous year" link leads to: from its text, else its as_of date."""
    found = re.search(r"\b(\d{4})\b", previous_link_text) or re.search(r"as_of=(\d{4})", url)
    assert found, f"cannot tell the year of {previous_link_text!r} ({url})"
    return int(found.group(1))


def test_a_researcher_steps_the_map_back_to_2016_and_sees_alameda_county_change(
    page, visit, screenshot
):
    visit("/map/?state=CA")
    page.locator('select[name="dimension"]').select_option("detainer-holds")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    screenshot(page)

    seen = {}
    while True:
        previous = page.locator('a[rel="prev"]', has_text="Previous year")
        expect(previous).to_have_count(1)
        year = _year_of(previous.inner_text(), previous.get_attribute("href"))
        if year < 2016:
            break
        with page.expect_navigation():
            previous.click()
        screenshot(page)
        seen[year] = _alameda(page)
    assert sorted(seen)[0] == 2016, f"the Previous year links never reached 2016: {sorted(seen)}"

    for year, alameda in seen.items():
        label = DETAINER_LABELS[alameda["value"]]
        assert "Alameda County" in alameda["label"], (year, alameda)
        assert label in alameda["label"] and label in alameda["title"], (year, alameda)
        if year >= 2018:
            assert alameda["value"] == "prohibited", (year, alameda)
    # California's 2013 TRUST Act is a draft until its section is confirmed, so in 2016
    # Alameda County has no published answer; SB 54 decides it from 2018.
    assert seen[2016]["value"] == "unknown", seen[2016]
    assert "Unknown" in seen[2016]["label"]

    # A keyboard user tabs into the map and hears which county and what it does.
    for _ in range(150):
        page.keyboard.press("Tab")
        if page.evaluate("() => !!document.activeElement.closest('svg a')"):
            break
    else:
        pytest.fail("150 presses of Tab never reached a county on the map")
    focused = page.locator(":focus")
    value = focused.locator("use").get_attribute("data-value")
    place = r"\b(County|Parish|Borough|Census Area|Municipality|city)\b"
    name = re.compile(rf"{place}.*\b{DETAINER_LABELS[value]}\b")
    expect(focused).to_have_accessible_name(name)
    screenshot(page)


def _open_an_instrument(page, visit, screenshot):
    visit(COOK_PROFILE)
    page.locator("#timeline").locator("xpath=following-sibling::ol[1]").get_by_role(
        "link", name=COOK_POLICY
    ).click()
    page.wait_for_url(re.compile(r"/instruments/\d+/$"))
    screenshot(page)


# Swagger UI (drf-spectacular-sidecar's bundle) draws this markup itself: its stock theme's
# white-on-colour badges and method labels (contrast 2.2–3.75:1) and its operation summary
# buttons that contain other controls. Reported as warnings on every run; anything else on
# the docs page, including the <html> element drf-spectacular's template writes, still fails.
SWAGGER_UI_KNOWN = {
    "color-contrast": ".swagger-ui",
    "nested-interactive": ".swagger-ui .opblock-summary-control",
}

PUBLIC_PAGES = {
    "home": "/",
    "jurisdictions": "/jurisdictions/",
    "profile": COOK_PROFILE,
    "compare": "/compare/?j=il-cook-county&j=tx-harris-county&j=il",
    "map": "/map/",
    "287g": "/287g/",
    "instrument": None,  # reached from Cook County's timeline: its id is the database's
    "codebook": "/codebook/",
    "sources": "/sources/",
    "downloads": "/downloads/",
    "about": "/about/",
    "api-docs": "/api/v1/docs/",
}


@pytest.mark.parametrize("path", PUBLIC_PAGES.values(), ids=PUBLIC_PAGES.keys())
def test_a_public_page_has_no_serious_accessibility_violation(page, visit, screenshot, path):
    known = {}
    if path is None:
        _open_an_instrument(page, visit, screenshot)
    elif path == "/api/v1/docs/":
        response = page.goto(path)
        assert response.status == 200
        # Swagger UI draws itself from the schema after loading.
        expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
        screenshot(page)
        known = SWAGGER_UI_KNOWN
    else:
        visit(path)
    assert_accessible(page, known=known)


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone"])
def test_on_a_phone_a_profile_fits_the_screen(page, visit):
    visit(COOK_PROFILE)
    expect(page.locator("#dimension-detainer-holds")).to_contain_text("Prohibited")
    widths = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["inner"] + 1, f"the page scrolls sideways: {widths}"


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone"])
def test_on_a_phone_the_map_shows_with_its_legend(page, visit):
    visit("/map/")
    expect(page.locator('use[href$="#f06001"]')).to_be_attached()
    expect(page.locator("svg.choropleth")).to_be_visible()
    expect(page.get_by_role("list", name=re.compile(r"^Legend"))).to_be_visible()
