import re

import pytest
from django.urls import reverse

from policies.models import Instrument

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


def test_the_home_page_shows_what_the_database_holds(client):
    text = client.get(reverse("home")).content.decode()
    assert '<tr><th scope="row">County</th><td>3142</td></tr>' in text
    assert '<tr><th scope="row">Dimensions coded</th><td>14</td></tr>' in text
    published = Instrument.objects.published().count()
    assert published > 20
    assert f'<tr><th scope="row">Published instruments</th><td>{published}</td></tr>' in text


def test_the_home_page_never_shows_a_draft(client):
    text = client.get(reverse("home")).content.decode()
    assert "Harris County 287(g) jail agreement" not in text
    assert "HB 1105 (2024): detainers, 287(g) applications and penalties" not in text


def test_the_health_check_answers_ok(client):
    response = client.get(reverse("healthz"))
    assert (response.status_code, response.content) == (200, b"ok")


# The national map's court orders in force on the day (position_queries.suspensions_on) and
# the years in which anything changed (public.queries.change_years) add one query each when
# the map is first drawn.
HOME_QUERIES = 14


def test_the_home_page_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(HOME_QUERIES):
        text = client.get(reverse("home")).content.decode()
    assert len(re.findall(r'<use href="/map/shapes/county/\w+\.svg#f\d{5}"/>', text)) == 3142


def test_the_health_check_says_only_not_ok_when_the_database_fails(client, monkeypatch):
    from django.db import connection

    def broken(*args, **kwargs):
        raise RuntimeError('connection to server at "db-host" failed: password for "admin"')

    monkeypatch.setattr(connection, "cursor", broken)
    response = client.get(reverse("healthz"))
    assert (response.status_code, response.content) == (503, b"not ok")
