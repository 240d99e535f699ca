import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from policies import services
from policies.models import Instrument, ReviewState
from tests.factories import (
    cite,
    make_dimension,
    make_instrument,
    make_provision,
    make_source,
    make_state,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_draft():
    instrument = make_instrument(make_state(name="Illinois"), title="TRUST Act")
    cite(instrument)
    make_provision(instrument, make_dimension("detainer-holds"), "limited", pinpoint="§ 15(a)")
    return instrument


def test_a_curator_submits_a_draft_for_review(alice, ready_draft):
    services.instrument_submit_for_review(instrument=ready_draft, user=alice)
    ready_draft.refresh_from_db()
    assert ready_draft.review_state == ReviewState.IN_REVIEW
    assert ready_draft.submitted_by == alice


def test_a_curator_cannot_publish(alice, ready_draft):
    with pytest.raises(PermissionDenied):
        services.instrument_publish(instrument=ready_draft, user=alice)
    ready_draft.refresh_from_db()
    assert ready_draft.review_state == ReviewState.DRAFT


def test_an_editor_publishes_and_the_review_is_recorded(bob, ready_draft):
    services.instrument_publish(instrument=ready_draft, user=bob)
    ready_draft.refresh_from_db()
    assert ready_draft.review_state == ReviewState.PUBLISHED
    assert ready_draft.reviewed_by == bob
    assert ready_draft.reviewed_at is not None
    assert list(Instrument.objects.published()) == [ready_draft]


def test_an_editor_unpublishes_back_to_draft(bob, ready_draft):
    services.instrument_publish(instrument=ready_draft, user=bob)
    services.instrument_unpublish(instrument=ready_draft, user=bob)
    ready_draft.refresh_from_db()
    assert ready_draft.review_state == ReviewState.DRAFT
    assert not Instrument.objects.published().exists()


def test_publishing_refuses_an_instrument_without_a_source(bob):
    instrument = make_instrument(make_state())
    make_provision(instrument, make_dimension(), "limited", pinpoint="§ 2")
    with pytest.raises(services.PublishRefused) as caught:
        services.instrument_publish(instrument=instrument, user=bob)
    assert caught.value.messages == [
        "It cites no source: add a citation to the instrument or a provision."
    ]


def test_publishing_refuses_an_instrument_without_an_effective_date(bob):
    instrument = make_instrument(make_state(), effective_on=None)
    cite(instrument)
    with pytest.raises(services.PublishRefused) as caught:
        services.instrument_publish(instrument=instrument, user=bob)
    assert caught.value.messages == [
        "Its effective date is unknown: give at least the year it took effect."
    ]


def test_publishing_refuses_a_provision_without_a_pinpoint_even_with_a_source(bob):
    instrument = make_instrument(make_state())
    cite(instrument)
    make_provision(instrument, make_dimension("ruse-safeguards"), "limited", pinpoint="")
    make_provision(
        instrument, make_dimension("status-inquiry"), "limited", pinpoint="", source=make_source()
    )
    make_provision(instrument, make_dimension("resource-use"), "limited", pinpoint="§ 3")
    with pytest.raises(services.PublishRefused) as caught:
        services.instrument_publish(instrument=instrument, user=bob)
    assert caught.value.messages == [
        "Provision “ruse-safeguards” has no pinpoint: give the section of the text it relies on.",
        "Provision “status-inquiry” has no pinpoint: give the section of the text it relies on.",
    ]
    instrument.refresh_from_db()
    assert instrument.review_state == ReviewState.DRAFT


def test_publishing_lists_every_problem_at_once(bob):
    instrument = make_instrument(make_state(), effective_on=None)
    make_provision(instrument, make_dimension("resource-use"), "limited", pinpoint="")
    with pytest.raises(services.PublishRefused) as caught:
        services.instrument_publish(instrument=instrument, user=bob)
    assert len(caught.value.messages) == 3


def test_only_a_draft_can_be_submitted(alice, bob, ready_draft):
    services.instrument_publish(instrument=ready_draft, user=bob)
    with pytest.raises(ValidationError, match="Only a draft can be submitted"):
        services.instrument_submit_for_review(instrument=ready_draft, user=alice)


def test_every_change_leaves_a_history_record_with_who_and_why(alice, bob, ready_draft):
    services.instrument_submit_for_review(instrument=ready_draft, user=alice)
    services.instrument_publish(instrument=ready_draft, user=bob)
    ready_draft.last_verified_on = dt.date(2026, 11, 1)
    ready_draft._history_user = bob
    ready_draft.save()
    records = list(ready_draft.history.order_by("history_date"))
    assert [(r.history_type, r.review_state) for r in records] == [
        ("+", "draft"),
        ("~", "in_review"),
        ("~", "published"),
        ("~", "published"),
    ]
    assert records[1].history_user == alice
    assert records[1].history_change_reason == "Submitted for review"
    assert records[2].history_user == bob
    delta = records[3].diff_against(records[2])
    assert "last_verified_on" in delta.changed_fields
    assert "review_state" not in delta.changed_fields
