"""Report an error: a reader's correction reaches the curators, and nothing else."""

import pytest
from django.core.cache import caches
from django.urls import reverse

from policies.models import Correction, CorrectionStatus
from tests.factories import make_county, make_instrument, make_state

pytestmark = pytest.mark.django_db

REPORT_QUERIES = 3  # the jurisdiction, then the correction's insert (in a savepoint)


@pytest.fixture(autouse=True)
def _no_reports_counted_by_another_test():
    caches["default"].clear()


@pytest.fixture
def county():
    texas = make_state(name="Texas", fips="48", usps="TX")
    return make_county(texas, name="Loving County", fips="48301", slug="tx-loving-county")


def report_url(county):
    return reverse("site:report-jurisdiction", args=[county.slug])


def test_a_report_reaches_the_curators_with_the_page_it_came_from(client, county):
    response = client.post(
        report_url(county),
        {"what_is_wrong": "SB 4 took effect in 2017.", "source": "Tex. Gov't Code § 752.053"},
    )
    assert response.status_code == 303
    assert response["Location"].endswith("?sent=1")
    correction = Correction.objects.get()
    assert correction.page == "/jurisdictions/tx-loving-county/"
    assert correction.jurisdiction == county
    assert correction.status == CorrectionStatus.OPEN
    thanks = client.get(response["Location"]).content.decode()
    assert "has gone to the curators" in thanks


def test_a_report_on_an_instrument_names_the_instrument(client, county):
    instrument = make_instrument(county, title="Loving County order", review_state="published")
    url = reverse("site:report-instrument", args=[instrument.pk])
    client.post(url, {"what_is_wrong": "Wrong section.", "source": "§ 2"})
    correction = Correction.objects.get()
    assert (correction.instrument, correction.page) == (
        instrument,
        f"/instruments/{instrument.pk}/",
    )


def test_no_report_on_a_draft_instrument(client, county):
    draft = make_instrument(county, title="Draft order")
    url = reverse("site:report-instrument", args=[draft.pk])
    assert client.get(url).status_code == 404


def test_a_wrong_form_comes_back_400_with_what_was_typed_and_each_problem(client, county):
    response = client.post(
        report_url(county), {"what_is_wrong": "The date is wrong.", "source": "", "email": "nope"}
    )
    text = response.content.decode()
    assert response.status_code == 400
    assert "The date is wrong." in text  # nothing lost
    assert "Give a source: a link or a citation." in text
    assert "Enter a valid email address." in text
    assert not Correction.objects.exists()


def test_a_robot_filling_the_honeypot_is_thanked_and_nothing_is_kept(client, county):
    response = client.post(
        report_url(county), {"what_is_wrong": "Buy now", "source": "x", "website": "http://spam"}
    )
    assert response.status_code == 303
    assert not Correction.objects.exists()


def test_past_the_hourly_limit_it_answers_429_and_keeps_the_text(client, county, settings):
    settings.CORRECTIONS_PER_HOUR = 2
    data = {"what_is_wrong": "Third report", "source": "y"}
    statuses = [client.post(report_url(county), data).status_code for _ in range(3)]
    assert statuses == [303, 303, 429]
    last = client.post(report_url(county), data)
    assert "Third report" in last.content.decode()
    assert Correction.objects.count() == 2


def test_reports_are_never_shown_on_the_public_pages(client, county):
    client.post(report_url(county), {"what_is_wrong": "A secret complaint", "source": "z"})
    profile = client.get(reverse("site:jurisdiction", args=[county.slug])).content.decode()
    assert "A secret complaint" not in profile
    assert reverse("site:report-jurisdiction", args=[county.slug]) in profile


def test_a_report_runs_a_constant_number_of_queries(client, county, django_assert_num_queries):
    with django_assert_num_queries(REPORT_QUERIES):
        client.post(report_url(county), {"what_is_wrong": "x", "source": "y"})


def test_curators_see_open_corrections_on_the_admin_index(client, county, alice):
    client.post(report_url(county), {"what_is_wrong": "Open one", "source": "y"})
    closed = Correction.objects.create(
        page="/", what_is_wrong="Closed one", source="y", status=CorrectionStatus.FIXED
    )
    client.force_login(alice)
    index = client.get(reverse("admin:index")).content.decode()
    assert "Open corrections from readers (1)" in index
    assert "Open one" in index
    assert closed.what_is_wrong not in index
