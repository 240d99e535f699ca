"""Search as people type it, words a non-lawyer reads correctly, and a reader's correction
reaching the curators, in a real Chromium over the seed data."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from tests.browser.accessibility import assert_accessible

COOK_PROFILE = "/jurisdictions/il-cook-county/"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
SIZES = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
CURATOR = ("carol", "a-curator-password-for-tests")


@pytest.fixture
def curator(committed_seed, django_db_blocker):
    """A curator who can sign in to the admin. Written from a thread of its own: while
    Playwright's sync API runs, Django refuses database calls in this one (see conftest)."""

    def create():
        with django_db_blocker.unblock():
            user, _ = User.objects.get_or_create(username=CURATOR[0], defaults={"is_staff": True})
            user.set_password(CURATOR[1])
            user.save()
            user.groups.add(Group.objects.get(name="curators"))

    with ThreadPoolExecutor(1) as pool:
        pool.submit(create).result()
    return CURATOR


@SIZES
def test_a_search_for_cook_county_il_finds_the_county_first(page, visit, screenshot):
    visit("/jurisdictions/")
    search = page.get_by_role("searchbox", name="Search jurisdictions")
    search.fill("Cook County, IL")
    search.press("Enter")
    page.wait_for_url(re.compile(r"[?&]q=Cook\+County%2C\+IL"))
    screenshot(page)
    first = page.locator("tbody tr").first.get_by_role("link")
    expect(first).to_have_attribute("href", COOK_PROFILE)
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.get_by_role("heading", name="Instruments")).to_be_visible()
    assert_accessible(page)


def test_an_empty_search_says_why_and_offers_a_way_out(page, visit, screenshot):
    visit("/jurisdictions/?q=Atlantis&level=county")
    empty = page.locator(".empty-state")
    expect(empty).to_contain_text("No jurisdiction is named “Atlantis”")
    expect(empty).to_contain_text("a state after a comma (Cook County, IL)")
    expect(page.locator("table")).to_have_count(0)
    assert_accessible(page)
    empty.get_by_role("link", name="Any level").click()
    page.wait_for_url(re.compile(r"\?q=Atlantis$"))
    screenshot(page)
    expect(page.locator(".empty-state")).to_contain_text("No jurisdiction is named")


def test_the_words_of_a_profile_read_correctly_to_a_non_lawyer(page, visit):
    visit(f"{COOK_PROFILE}?as_of=2019-06-01")
    detainers = page.locator("#dimension-detainer-holds")
    expect(detainers).to_contain_text("Its own rule:")
    expect(detainers).to_contain_text(
        re.compile(r"Stricter than Illinois TRUST Act \(Illinois, Judicial warrant only\), which")
    )
    expect(page.locator("main")).not_to_contain_text("Set aside")
    expect(page.locator("main")).to_contain_text("Unknown means nobody has coded a rule")
    expect(page.locator("#dimension-courthouse-arrests")).to_contain_text("Not coded yet")
    harris = page.goto("/jurisdictions/tx-harris-county/?as_of=2019-06-01")
    assert harris.status == 200
    expect(page.locator("#dimension-detainer-holds")).to_contain_text(
        re.compile(r"Set by SB 4 .*\(Texas\).*which binds it")
    )


def test_the_codebook_gives_distinct_labels_and_one_meaning_of_unknown(page, visit):
    visit("/codebook/")
    preemption = page.locator("#sanctuary-preemption")
    expect(
        preemption.get_by_role("rowheader", name="Local limits banned", exact=True)
    ).to_have_count(1)
    expect(
        preemption.get_by_role("rowheader", name="Local limits banned, with penalties")
    ).to_have_count(1)
    expect(page.locator("#unknown")).to_contain_text(
        "Unknown means nobody has coded a rule for that place and question yet."
    )


@SIZES
def test_a_profile_offers_downloads_and_both_citations(page, visit, screenshot):
    visit(COOK_PROFILE)
    downloads = page.locator("#download + p")
    expect(downloads.get_by_role("link", name="CSV")).to_have_attribute(
        "href", re.compile(r"/jurisdictions/il-cook-county/positions\.csv\?as_of=")
    )
    expect(page.get_by_role("heading", name="Cite the dataset")).to_be_visible()
    expect(page.get_by_role("link", name="Report an error on this page")).to_be_visible()
    assert_accessible(page)


@SIZES
def test_a_correction_goes_from_the_form_to_the_curators_admin(page, visit, screenshot, curator):
    visit(COOK_PROFILE)
    page.get_by_role("link", name="Report an error on this page").click()
    page.wait_for_url("**/jurisdictions/il-cook-county/report/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Report an error")
    screenshot(page)
    assert_accessible(page)

    # Sent empty: the form comes back with what is missing, nothing typed is lost.
    what = page.get_by_label("What is wrong")
    what.fill(f"Section 46-37 is now 46-38 ({page.viewport_size['width']} px).")
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_role("alert")).to_contain_text("Give a source")
    expect(what).to_have_value(re.compile(r"46-38"))
    screenshot(page)
    assert_accessible(page)

    page.get_by_label("A source that shows it").fill("Cook County Code § 46-38")
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_role("status")).to_contain_text("has gone to the curators")
    screenshot(page)

    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(curator[0])
    page.get_by_label("Password").fill(curator[1])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
    open_corrections = page.locator("#open-corrections")
    expect(open_corrections).to_contain_text("Open corrections from readers")
    row = open_corrections.locator("tr", has_text=f"({page.viewport_size['width']} px)")
    expect(row).to_contain_text("Cook County")
    row.get_by_role("link").click()
    expect(page.locator("#content")).to_contain_text("/jurisdictions/il-cook-county/")
    expect(page.locator("#content")).to_contain_text("Cook County Code § 46-38")
    screenshot(page)
