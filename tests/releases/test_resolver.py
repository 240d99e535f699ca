"""A release resolves what the live engine does on the same provisions: 287(g) models held
at once stack (the most cooperative wins), an end known only to a window is approximate, and
a court order suspends a provision. All of it is frozen with the release, so later edits of
the instruments, the windows or the orders leave `?release=1` as it was."""

import datetime as dt

import pytest
from django.urls import reverse

from policies.models import Instrument, ReviewState, Suspension
from policies.positions import store
from releases.services import release_cut
from tests.factories import (
    make_county,
    make_dimension,
    make_instrument,
    make_provision,
    make_source,
    make_state,
)

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 1, 5, 12, 0, 0, tzinfo=dt.UTC)
DAYS = ("2018-06-01", "2019-06-01", "2020-03-01", "2021-01-01", "2025-01-01")
MODELS = ("prohibited", "none", "warrant-service-officer", "jail-enforcement", "task-force")


@pytest.fixture
def world():
    texas = make_state(name="Texas", fips="48", usps="TX")
    harris = make_county(texas, name="Harris County", fips="48201")
    make_county(texas, name="Loving County", fips="48301")
    agreement = make_dimension(slug="agreement-287g", values=MODELS, neutral="none")
    detainers = make_dimension(slug="detainer-holds")
    published = {"review_state": ReviewState.PUBLISHED}
    # Harris holds two 287(g) agreements from 2019: the task force outranks the later jail
    # model (a dimension that did not stack would take the latest).
    task_force = make_instrument(
        harris, title="Task force agreement", kind="agreement", **published
    )
    make_provision(task_force, agreement, "task-force")
    jail = make_instrument(
        harris,
        title="Jail agreement",
        kind="agreement",
        effective_on=dt.date(2019, 1, 1),
        **published,
    )
    make_provision(jail, agreement, "jail-enforcement")
    # A state law whose end is known only to a window: ended in 2020, certainly by July.
    law = make_instrument(
        texas,
        title="Detainer law",
        binding=True,
        ended_on=dt.date(2020, 1, 1),
        ended_until=dt.date(2020, 7, 1),
        **published,
    )
    make_provision(law, detainers, "mandated")
    # A county ordinance enjoined by a court from 2019.
    ordinance = make_instrument(harris, title="Harris ordinance", **published)
    enjoined = make_provision(ordinance, detainers, "prohibited")
    Suspension.objects.create(
        provision=enjoined,
        order="Preliminary injunction",
        starts_on=dt.date(2019, 3, 1),
        source=make_source(title="Order of the district court"),
    )
    store.rebuild()


def answers(client, **extra):
    found = {}
    for dimension in ("agreement-287g", "detainer-holds"):
        for day in DAYS:
            for fips in ("48", "48201", "48301"):
                response = client.get(
                    reverse("api:positions"),
                    {"dimension": dimension, "as_of": day, "fips": fips, **extra},
                )
                assert response.status_code == 200, response.content[:500]
                found[dimension, day, fips] = response.json()["results"]
    for day in DAYS:
        response = client.get(
            reverse("api:compare"), {"jurisdictions": "48,48201,48301", "as_of": day, **extra}
        )
        assert response.status_code == 200, response.content[:500]
        found["compare", day] = response.json()
    return found


def value(found, dimension, day, fips):
    (answer,) = found[dimension, day, fips]
    return answer["value"]


def test_a_release_stacks_windows_and_suspends_as_the_live_engine(client, world):
    live = answers(client)
    # The live answers are the cases meant: stacked, windowed, suspended.
    assert value(live, "agreement-287g", "2019-06-01", "48201") == "task-force"
    assert "Jail agreement" in str(live["agreement-287g", "2019-06-01", "48201"])
    assert "suspended" in str(live["detainer-holds", "2019-06-01", "48201"]).lower()
    assert live["detainer-holds", "2020-03-01", "48301"][0]["approximate"] is True
    release_cut(now=NOON)
    assert answers(client, release=1) == live


def test_release_1_keeps_its_stacking_windows_and_orders_after_later_edits(client, world, bob):
    release_cut(now=NOON)
    before = answers(client, release=1)
    Instrument.objects.filter(title="Task force agreement").update(review_state=ReviewState.DRAFT)
    Instrument.objects.filter(title="Detainer law").update(ended_until=dt.date(2020, 2, 1))
    order = Suspension.objects.get()
    order.order = "Permanent injunction"
    order.ends_on = dt.date(2019, 12, 31)
    order.end_reason = "Vacated on appeal"
    order.save()
    store.rebuild()
    after = answers(client)
    assert after != before  # the edits did change the live answers
    assert value(after, "agreement-287g", "2019-06-01", "48201") == "jail-enforcement"
    assert answers(client, release=1) == before
