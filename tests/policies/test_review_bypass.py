"""Every way around review that a curator's account once had, each shut: what the public
sees changes only through an editor, and an editor publishes only what someone else
submitted."""

import pytest
from django.test import override_settings
from django.urls import reverse

from jurisdictions.models import Jurisdiction
from policies import services
from policies.models import Citation, Event, Instrument, Provision, ReviewState, Source
from tests.admin_forms import form_data
from tests.factories import (
    cite,
    make_county,
    make_dimension,
    make_instrument,
    make_provision,
    make_source,
    make_state,
)

pytestmark = pytest.mark.django_db


def submit_and_publish(instrument, *, curator, editor):
    services.instrument_submit_for_review(instrument=instrument, user=curator)
    services.instrument_publish(instrument=instrument, user=editor)
    instrument.refresh_from_db()
    return instrument


@pytest.fixture
def texas():
    return make_state(name="Texas", fips="48")


@pytest.fixture
def detainers():
    return make_dimension("detainer-holds")


@pytest.fixture
def sb4(alice, bob, texas, detainers):
    """A published state law with a coded provision and a cited source."""
    instrument = make_instrument(texas, title="SB 4", binding=True)
    cite(instrument)
    make_provision(instrument, detainers, "mandated", pinpoint="§ 752.053")
    return submit_and_publish(instrument, curator=alice, editor=bob)


def latest_version(obj):
    return obj.history.order_by("-history_id").first()


def revert_url(obj, version):
    opts = obj._meta
    return reverse(
        f"admin:{opts.app_label}_{opts.model_name}_simple_history",
        args=[obj.pk, version.history_id],
    )


# The history revert form


def test_a_curator_cannot_revert_a_published_instrument_through_its_history(client, alice, sb4):
    client.force_login(alice)
    url = revert_url(sb4, latest_version(sb4))
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["revert_disabled"] is True
    response = client.post(url, form_data(page, binding=None, title="SB 4 (reverted)"))
    assert response.status_code == 403
    sb4.refresh_from_db()
    assert sb4.binding is True
    assert sb4.title == "SB 4"


def test_a_curator_cannot_revert_a_codebook_dimension_through_its_history(client, alice):
    dimension = make_dimension("detainer-holds")
    dimension.name = "Detainer holds"
    dimension.save()
    client.force_login(alice)
    url = revert_url(dimension, latest_version(dimension))
    response = client.post(url, form_data(client.get(url), name="Renamed by a curator"))
    assert response.status_code == 403
    dimension.refresh_from_db()
    assert dimension.name == "Detainer holds"


def test_a_curator_cannot_revert_a_provision_of_a_published_instrument(
    client, alice, sb4, detainers
):
    provision = sb4.provisions.get()
    client.force_login(alice)
    url = revert_url(provision, latest_version(provision))
    limited = detainers.values.get(slug="limited").pk
    response = client.post(url, form_data(client.get(url), value=limited))
    assert response.status_code == 403
    assert sb4.provisions.get().value.slug == "mandated"


def test_an_editors_revert_keeps_the_review_state_the_instrument_has_now(client, bob, sb4):
    """The oldest version of SB 4 is a draft; reverting to it changes its text, but taking
    it out of public view is the unpublish workflow's job, not a side effect of a revert."""
    first = sb4.history.order_by("history_id").first()
    assert first.review_state == ReviewState.DRAFT
    client.force_login(bob)
    url = revert_url(sb4, first)
    response = client.post(url, form_data(client.get(url), title="SB 4 as first entered"))
    assert response.status_code == 302
    sb4.refresh_from_db()
    assert sb4.title == "SB 4 as first entered"
    assert sb4.review_state == ReviewState.PUBLISHED
    assert sb4.reviewed_at is not None


def test_an_editors_revert_does_not_republish_an_unpublished_instrument(client, bob, sb4):
    published = latest_version(sb4)
    services.instrument_unpublish(instrument=sb4, user=bob)
    client.force_login(bob)
    url = revert_url(sb4, published)
    assert client.post(url, form_data(client.get(url))).status_code == 302
    sb4.refresh_from_db()
    assert sb4.review_state == ReviewState.DRAFT


# Provisions


def provision_add_url():
    return reverse("admin:policies_provision_add")


@pytest.mark.parametrize("state", [ReviewState.PUBLISHED, ReviewState.IN_REVIEW])
def test_a_curator_cannot_add_a_provision_to_an_instrument_beyond_draft(
    client, alice, bob, texas, detainers, state
):
    instrument = make_instrument(texas, title="Reviewed")
    cite(instrument)
    services.instrument_submit_for_review(instrument=instrument, user=alice)
    if state == ReviewState.PUBLISHED:
        services.instrument_publish(instrument=instrument, user=bob)
    client.force_login(alice)
    data = {
        "instrument": instrument.pk,
        "dimension": detainers.pk,
        "value": detainers.values.get(slug="prohibited").pk,
        "pinpoint": "§ 9",
        "citations-TOTAL_FORMS": 0,
        "citations-INITIAL_FORMS": 0,
    }
    response = client.post(provision_add_url(), data)
    assert response.status_code in (200, 403)  # the form refuses the choice, or the save does
    assert not instrument.provisions.exists()


def test_a_curator_cannot_move_a_draft_provision_onto_a_published_instrument(
    client, alice, sb4, texas
):
    other = make_dimension("notification")
    draft = make_instrument(texas, title="Draft")
    provision = make_provision(draft, other, "prohibited", pinpoint="§ 1")
    client.force_login(alice)
    url = reverse("admin:policies_provision_change", args=[provision.pk])
    response = client.post(url, form_data(client.get(url), instrument=sb4.pk))
    assert response.status_code in (200, 403)
    provision.refresh_from_db()
    assert provision.instrument == draft
    assert set(sb4.provisions.values_list("dimension__slug", flat=True)) == {"detainer-holds"}


def test_a_curator_cannot_bulk_delete_the_provisions_of_a_published_instrument(client, alice, sb4):
    client.force_login(alice)
    response = client.post(
        reverse("admin:policies_provision_changelist"),
        {"action": "delete_selected", "_selected_action": [sb4.provisions.get().pk], "post": "yes"},
    )
    assert response.status_code == 403
    assert sb4.provisions.count() == 1


def test_a_curator_still_adds_a_provision_to_a_draft(client, alice, texas, detainers):
    draft = make_instrument(texas, title="Draft")
    client.force_login(alice)
    data = {
        "instrument": draft.pk,
        "dimension": detainers.pk,
        "value": detainers.values.get(slug="prohibited").pk,
        "pinpoint": "§ 9",
        "citations-TOTAL_FORMS": 0,
        "citations-INITIAL_FORMS": 0,
    }
    assert client.post(provision_add_url(), data).status_code == 302
    assert draft.provisions.count() == 1


# Events


def test_a_curator_cannot_publish_an_event(client, alice, texas):
    client.force_login(alice)
    response = client.post(
        reverse("admin:policies_event_add"),
        {
            "jurisdiction": texas.pk,
            "occurred_on": "2024-03-01",
            "occurred_precision": "day",
            "kind": "litigation",
            "title": "Ruling",
            "review_state": ReviewState.PUBLISHED,
        },
    )
    assert response.status_code == 302  # saved, as a draft: the curator cannot set the state
    assert Event.objects.get().review_state == ReviewState.DRAFT


def test_a_curator_cannot_change_a_published_event(client, alice, texas):
    event = Event.objects.create(
        jurisdiction=texas,
        occurred_on="2024-03-01",
        kind="litigation",
        title="Ruling",
        review_state=ReviewState.PUBLISHED,
    )
    client.force_login(alice)
    url = reverse("admin:policies_event_change", args=[event.pk])
    response = client.post(url, form_data(client.get(url), title="Changed"))
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.title == "Ruling"


# Citations and sources


def test_a_curator_cannot_delete_a_citation_of_a_published_instrument(client, alice, sb4):
    citation = sb4.citations.get()
    client.force_login(alice)
    url = reverse("admin:policies_citation_delete", args=[citation.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    response = client.post(
        reverse("admin:policies_citation_changelist"),
        {"action": "delete_selected", "_selected_action": [citation.pk], "post": "yes"},
    )
    assert response.status_code == 403
    assert Citation.objects.filter(pk=citation.pk).exists()


def test_a_curator_cannot_cite_a_source_for_a_published_instrument(client, alice, sb4):
    client.force_login(alice)
    response = client.post(
        reverse("admin:policies_citation_add"),
        {"source": make_source().pk, "instrument": sb4.pk, "pinpoint": "p. 2"},
    )
    assert response.status_code in (200, 403)
    assert sb4.citations.count() == 1


def test_a_curator_cannot_repoint_a_source_cited_by_a_published_instrument(client, alice, sb4):
    source = sb4.citations.get().source
    client.force_login(alice)
    url = reverse("admin:policies_source_change", args=[source.pk])
    page = client.get(url)
    assert page.context["has_change_permission"] is False
    response = client.post(url, form_data(page, url="https://example.org/elsewhere"))
    assert response.status_code == 403
    assert Source.objects.get(pk=source.pk).url == source.url


def test_a_curator_still_corrects_a_source_no_published_instrument_cites(client, alice):
    source = make_source(title="Draft notes")
    client.force_login(alice)
    url = reverse("admin:policies_source_change", args=[source.pk])
    response = client.post(url, form_data(client.get(url), title="Corrected"))
    assert response.status_code == 302
    assert Source.objects.get(pk=source.pk).title == "Corrected"


# Jurisdictions


def test_a_curator_cannot_rename_or_move_a_jurisdiction(client, alice, texas):
    california = make_state(name="California", fips="06")
    loving = make_county(texas, name="Loving County", fips="48301")
    client.force_login(alice)
    url = reverse("admin:jurisdictions_jurisdiction_change", args=[loving.pk])
    page = client.get(url)
    assert page.status_code == 200
    client.post(url, form_data(page, name="Renamed", parent=california.pk))
    loving = Jurisdiction.objects.get(pk=loving.pk)
    assert loving.name == "Loving County"
    assert loving.parent == texas


def test_a_curator_cannot_add_a_jurisdiction(client, alice, texas):
    client.force_login(alice)
    response = client.post(
        reverse("admin:jurisdictions_jurisdiction_add"),
        {"name": "New County", "slug": "new-county", "level": "county", "parent": texas.pk},
    )
    assert response.status_code == 403
    assert not Jurisdiction.objects.filter(name="New County").exists()


# The four-eyes rule


def test_an_editor_cannot_publish_what_they_submitted_themselves(bob, texas):
    instrument = make_instrument(texas)
    cite(instrument)
    services.instrument_submit_for_review(instrument=instrument, user=bob)
    with pytest.raises(services.PublishRefused) as caught:
        services.instrument_publish(instrument=instrument, user=bob)
    assert "another editor must publish it" in caught.value.messages[0]
    instrument.refresh_from_db()
    assert instrument.review_state == ReviewState.IN_REVIEW


def test_an_editor_cannot_publish_a_draft_nobody_submitted(bob, texas):
    instrument = make_instrument(texas)
    cite(instrument)
    with pytest.raises(services.PublishRefused):
        services.instrument_publish(instrument=instrument, user=bob)
    assert not Instrument.objects.published().exists()


@override_settings(REVIEW_ALLOW_SELF_PUBLISH=True)
def test_a_one_person_installation_may_publish_its_own_work(bob, texas):
    instrument = make_instrument(texas)
    cite(instrument)
    services.instrument_submit_for_review(instrument=instrument, user=bob)
    services.instrument_publish(instrument=instrument, user=bob)
    instrument.refresh_from_db()
    assert instrument.review_state == ReviewState.PUBLISHED


def test_the_publish_button_tells_an_editor_to_find_a_second_pair_of_eyes(client, bob, texas):
    instrument = make_instrument(texas, title="Own work")
    cite(instrument)
    services.instrument_submit_for_review(instrument=instrument, user=bob)
    client.force_login(bob)
    response = client.post(
        reverse("admin:policies_instrument_changelist"),
        {"action": "publish", "_selected_action": [instrument.pk]},
        follow=True,
    )
    assert "another editor must publish it" in response.content.decode()
    assert Provision.objects.count() == 0
    instrument.refresh_from_db()
    assert instrument.review_state == ReviewState.IN_REVIEW
