"""The curator admin, through the test client: who may reach what, and the review buttons."""

import pytest
from django.urls import reverse

from policies.models import Instrument, ReviewState
from tests.factories import (
    cite,
    make_dimension,
    make_instrument,
    make_provision,
    make_state,
    submit_for_review,
)

pytestmark = pytest.mark.django_db

ADMIN_LIST_QUERIES = 12


@pytest.fixture
def draft():
    instrument = make_instrument(make_state(name="Illinois", fips="17"), title="TRUST Act")
    cite(instrument)
    make_provision(instrument, make_dimension("detainer-holds"), "limited", pinpoint="§ 15(a)")
    return instrument


def change_url(instrument):
    return reverse("admin:policies_instrument_change", args=[instrument.pk])


def post_change(client, instrument, button):
    """Submit the instrument's change form unchanged, pressing `button`."""
    page = client.get(change_url(instrument))
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        data[name] = value.pk if hasattr(value, "pk") else value
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management.initial.get(name, 0)
        for index, inline_form in enumerate(formset.formset.forms):
            data[f"{formset.formset.prefix}-{index}-id"] = inline_form.instance.pk
            for name in inline_form.fields:
                value = inline_form.initial.get(name)
                if value is not None:
                    data[f"{formset.formset.prefix}-{index}-{name}"] = (
                        value.pk if hasattr(value, "pk") else value
                    )
    data = {key: value for key, value in data.items() if value != ""}
    data[button] = "1"
    return client.post(change_url(instrument), data, follow=True)


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:index",
        "admin:policies_instrument_changelist",
        "admin:jurisdictions_jurisdiction_changelist",
        "admin:policies_source_changelist",
    ],
)
def test_anonymous_visitors_reach_nothing_of_the_admin(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_an_anonymous_visitor_cannot_open_an_instrument(client, draft):
    response = client.get(change_url(draft))
    assert response.status_code == 302
    assert draft.title not in response.content.decode()


def test_a_user_without_a_role_cannot_use_the_admin(client, charlie, draft):
    client.force_login(charlie)
    response = client.get(reverse("admin:policies_instrument_changelist"))
    assert response.status_code == 302


def test_a_curator_sees_no_publish_action_or_button(client, alice, draft):
    client.force_login(alice)
    listing = client.get(reverse("admin:policies_instrument_changelist"))
    actions = [name for name, _ in listing.context["action_form"].fields["action"].choices]
    assert "submit_for_review" in actions
    assert "publish" not in actions
    page = client.get(change_url(draft)).content.decode()
    assert "Save and submit for review" in page
    assert "Save and publish" not in page


def test_a_curator_submits_from_the_change_form(client, alice, draft):
    client.force_login(alice)
    response = post_change(client, draft, "_submit_for_review")
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.review_state == ReviewState.IN_REVIEW
    assert draft.history.latest().history_user == alice


def test_a_curator_cannot_publish_even_by_posting_the_action(client, alice, draft):
    client.force_login(alice)
    client.post(
        reverse("admin:policies_instrument_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    draft.refresh_from_db()
    assert draft.review_state == ReviewState.DRAFT


def test_a_curator_cannot_edit_a_published_instrument(client, alice, bob, draft):
    from policies.services import instrument_publish

    submit_for_review(draft)
    instrument_publish(instrument=draft, user=bob)
    client.force_login(alice)
    page = client.get(change_url(draft))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    response = client.post(change_url(draft), {"title": "Changed by a curator"})
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.title == "TRUST Act"


def test_an_editor_publishes_from_the_change_form(client, bob, draft):
    submit_for_review(draft)
    client.force_login(bob)
    response = post_change(client, draft, "_publish")
    assert "is now published" in response.content.decode()
    draft.refresh_from_db()
    assert draft.review_state == ReviewState.PUBLISHED
    assert draft.reviewed_by == bob


def test_an_editor_is_told_exactly_what_stops_publication(client, bob):
    instrument = make_instrument(make_state(), effective_on=None, title="Incomplete")
    client.force_login(bob)
    response = client.post(
        reverse("admin:policies_instrument_changelist"),
        {"action": "publish", "_selected_action": [instrument.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "“Incomplete” was not changed" in text
    assert "It cites no source" in text
    assert "Its effective date is unknown" in text
    instrument.refresh_from_db()
    assert instrument.review_state == ReviewState.DRAFT


def test_an_editor_unpublishes_with_the_action(client, bob, draft):
    from policies.services import instrument_publish

    submit_for_review(draft)
    instrument_publish(instrument=draft, user=bob)
    client.force_login(bob)
    client.post(
        reverse("admin:policies_instrument_changelist"),
        {"action": "unpublish", "_selected_action": [draft.pk]},
    )
    draft.refresh_from_db()
    assert draft.review_state == ReviewState.DRAFT


def test_curators_read_the_codebook_but_only_editors_change_it(client, alice, bob):
    dimension = make_dimension("detainer-holds")
    url = reverse("admin:policies_dimension_change", args=[dimension.pk])
    client.force_login(alice)
    assert client.get(url).context["has_change_permission"] is False
    assert client.post(url, {"name": "Renamed"}).status_code == 403
    client.force_login(bob)
    assert client.get(url).context["has_change_permission"] is True


def test_the_history_page_shows_who_changed_what(client, alice, bob, draft):
    from policies.services import instrument_submit_for_review

    instrument_submit_for_review(instrument=draft, user=alice)
    client.force_login(bob)
    url = reverse("admin:policies_instrument_history", args=[draft.pk])
    text = client.get(url).content.decode()
    assert "alice" in text
    assert "Submitted for review" in text


def test_admin_search_finds_instruments_by_citation_and_jurisdiction_fips(client, bob, draft):
    make_instrument(make_state(name="Texas", fips="48"), title="SB 4", citation="Gov't Code 752")
    client.force_login(bob)
    url = reverse("admin:policies_instrument_changelist")
    by_citation = client.get(url, {"q": "752"}).context["cl"].result_list
    assert [i.title for i in by_citation] == ["SB 4"]
    by_fips = client.get(url, {"q": "17"}).context["cl"].result_list
    assert [i.title for i in by_fips] == ["TRUST Act"]


def test_admin_filters_instruments_by_dimension_without_duplicates(client, bob, draft):
    make_provision(draft, make_dimension("release-notification"), "limited")
    client.force_login(bob)
    dimension = draft.provisions.first().dimension
    response = client.get(
        reverse("admin:policies_instrument_changelist"),
        {"dimension": dimension.slug},
    )
    assert list(response.context["cl"].result_list) == [draft]


def test_the_instrument_list_does_not_query_per_row(client, bob, django_assert_max_num_queries):
    state = make_state()
    for _ in range(30):
        make_instrument(state)
    client.force_login(bob)
    with django_assert_max_num_queries(ADMIN_LIST_QUERIES):
        response = client.get(reverse("admin:policies_instrument_changelist"))
    assert response.status_code == 200
    assert Instrument.objects.count() == 30


def test_the_instrument_list_shows_what_changed_last_first(client, bob):
    state = make_state()
    first, second = make_instrument(state), make_instrument(state)
    first.summary = "Edited after the second was made."
    first.save()
    client.force_login(bob)
    listed = client.get(reverse("admin:policies_instrument_changelist")).context["cl"].result_list
    assert list(listed) == [first, second]
