"""Double coding in the admin, end to end: an editor assigns a second coder, who codes blind
and submits; the editor compares the two codings side by side and resolves the difference
with a note, which the history keeps."""

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from playwright.sync_api import Page, expect

from jurisdictions.models import Jurisdiction
from policies.models import Dimension, DimensionValue, Instrument
from policies.services import instrument_submit_for_review
from tests.factories import make_instrument, make_provision

TITLE = "Ordinance coded twice in the browser"
PASSWORD = "pw-for-tests-only"


def committed(work):
    """Runs `work` on a thread of its own: while Playwright is open, Django refuses database
    calls on this one (see conftest.py), and what the thread writes is committed at once,
    where the live server sees it."""

    def run():
        try:
            return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def _cast_and_draft():
    users = {}
    for username, group in (("alice", "curators"), ("dave", "curators"), ("bob", "editors")):
        user = User.objects.create_user(username, f"{username}@example.org", PASSWORD)
        user.is_staff = True
        user.save()
        user.groups.add(Group.objects.get(name=group))
        users[username] = user
    harris = Jurisdiction.objects.get(fips="48201")
    instrument = make_instrument(harris, title=TITLE, effective_on=dt.date(2024, 1, 1))
    make_provision(instrument, Dimension.objects.get(slug="detainer-holds"), "honored")
    make_provision(
        instrument, Dimension.objects.get(slug="release-notification"), "prohibited", pinpoint="§ 2"
    )
    instrument_submit_for_review(instrument=instrument, user=users["alice"])
    return instrument.pk


def _cleanup():
    Instrument.objects.filter(title=TITLE).delete()
    User.objects.filter(username__in=["alice", "dave", "bob"]).delete()


@pytest.fixture
def draft():
    """Alice's draft, in review, with two provisions: the first coding."""
    pk = committed(_cast_and_draft)
    yield pk
    committed(_cleanup)


def log_in(page: Page, username: str) -> None:
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_contain_text(username)


def test_an_instrument_is_coded_twice_blind_compared_and_resolved(browser, site, draft, screenshot):
    editor = browser.new_context(base_url=site).new_page()
    coder = browser.new_context(base_url=site).new_page()
    for page in (editor, coder):
        page.set_default_timeout(10_000)

    # Bob assigns Dave to code the instrument a second time.
    log_in(editor, "bob")
    editor.goto("/admin/coding/codingassignment/add/")
    editor.locator("#id_instrument + .select2").click()
    editor.locator(".select2-search__field").fill("coded twice")
    editor.locator(".select2-results__option", has_text=TITLE).click()
    editor.select_option("#id_coder", label="dave")
    editor.fill("#id_batch", "Browser batch")
    editor.click("input[name=_save]")
    expect(editor.locator(".messagelist")).to_contain_text("was added successfully")
    screenshot(editor)

    # Dave codes blind: the instrument, its provisions and Alice's coding are hidden.
    log_in(coder, "dave")
    coder.goto("/admin/policies/instrument/?q=coded+twice")
    expect(coder.locator("#result_list")).to_have_count(0)
    coder.goto("/admin/policies/provision/?q=coded+twice")
    expect(coder.locator("#result_list")).to_have_count(0)
    response = coder.goto(f"/admin/policies/instrument/{draft}/change/")
    assert response.status != 200 or TITLE not in coder.content()
    coder.goto("/admin/coding/codingassignment/")
    rows = coder.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)  # his own coding only, not Alice's
    rows.first.locator("th a").click()
    assert "honored" not in coder.locator("#content").inner_text()
    names = committed(lambda: dict(Dimension.objects.values_list("slug", "name")))
    # The admin's drop-downs name each value in words ("Detainer holds: Honored").
    labels = committed(
        lambda: {
            f"{v.dimension.slug}: {v.slug}": str(v)
            for v in DimensionValue.objects.select_related("dimension")
        }
    )
    for n, (dimension, value, pinpoint) in enumerate(
        (
            ("detainer-holds", "detainer-holds: honored", "§ 1"),
            ("release-notification", "release-notification: judicial-warrant-only", "§ 2"),
        )
    ):
        coder.get_by_text("Add another Coded answer").click()
        coder.select_option(f"#id_answers-{n}-dimension", label=names[dimension])
        coder.select_option(f"#id_answers-{n}-value", label=labels[value])
        coder.fill(f"#id_answers-{n}-pinpoint", pinpoint)
        coder.fill(f"#id_answers-{n}-effective_on", "2024-01-01")
    coder.click("input[name=_continue]")
    expect(coder.locator(".messagelist")).to_contain_text("was changed successfully")
    coder.goto("/admin/coding/codingassignment/")
    coder.locator("#result_list tbody input.action-select").first.check()
    coder.select_option("select[name=action]", "submit")
    coder.click("button[name=index]")
    expect(coder.locator(".messagelist")).to_contain_text("Submitted.")
    screenshot(coder)

    # Bob compares the two codings side by side: they differ on release notification only.
    editor.goto("/admin/coding/codingassignment/")
    editor.get_by_text("Compare the two codings").click()
    expect(editor.locator("tr.coding-agrees")).to_have_count(1)
    differs = editor.locator("tr.coding-differs")
    expect(differs).to_have_count(1)
    expect(differs).to_have_attribute("data-dimension", "release-notification")
    expect(differs).to_contain_text("Differs: value")
    expect(differs).to_contain_text("judicial-warrant-only")
    screenshot(editor)

    # And resolves it with a note, which the history keeps.
    differs.locator("select[name=chosen_round]").select_option("1")
    differs.locator("input[name=note]").fill("Section 2 forbids notification outright.")
    differs.locator("button[type=submit]").click()
    expect(editor.locator(".messagelist")).to_contain_text("Difference resolved.")
    expect(editor.locator("tr.coding-differs")).to_contain_text(
        "Resolved by bob: First coding. “Section 2 forbids notification outright.”"
    )
    editor.goto("/admin/coding/differenceresolution/")
    expect(editor.locator("#result_list tbody tr")).to_have_count(1)
    editor.goto("/admin/coding/codingassignment/report/")
    expect(editor.locator("tr[data-batch='Browser batch']")).to_contain_text("50%")
    screenshot(editor)
    for page in (editor, coder):
        page.context.close()
