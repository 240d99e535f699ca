"""The query about positions, one form for the pages and the API."""

import pytest

from core.params import today
from policies.forms import MapQuery, PositionQuery

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


def test_it_reads_the_dimension_the_date_and_the_position_filters():
    query = PositionQuery(
        {"dimension": "detainer-holds", "as_of": "2019-06-01", "at_least": "honored"}
    )
    assert query.is_valid(), query.errors
    assert query.cleaned_data["dimension"].slug == "detainer-holds"
    assert query.conditions()["at_least"].slug == "honored"
    assert query.conditions()["value"] is None and not query.conditions()["unknown"]


def test_unknown_is_a_value_and_says_so_when_a_value_is_wrong():
    assert PositionQuery({"dimension": "detainer-holds", "value": "unknown"}).is_valid()
    query = PositionQuery({"dimension": "detainer-holds", "value": "maybe"})
    assert not query.is_valid()
    assert query.by_parameter()["value"][0].endswith("mandated, unknown.")


def test_every_wrong_parameter_is_named_at_once():
    query = PositionQuery({"dimension": "nope", "as_of": "soon"})
    assert not query.is_valid()
    assert list(query.by_parameter()) == ["dimension", "as_of"]
    assert query.by_parameter()["dimension"][0].startswith("No dimension 'nope'. Allowed: ")


def test_the_pages_may_leave_the_dimension_out_and_the_date_defaults_to_today():
    query = PositionQuery({}, dimension_required=False)
    assert query.is_valid()
    assert query.cleaned_data["dimension"] is None and query.cleaned_data["as_of"] == today()
    assert not PositionQuery({}).is_valid()  # the API needs one


def test_a_map_is_of_states_or_counties():
    assert MapQuery({"dimension": "detainer-holds"}).is_valid()
    query = MapQuery({"dimension": "detainer-holds", "level": "place"})
    assert not query.is_valid()
    assert query.by_parameter() == {"level": ["'place' cannot be mapped. Allowed: state, county."]}


@pytest.mark.parametrize(
    "url",
    [
        "/jurisdictions/?page=%C2%B2",
        "/sources/?page=%C2%B2",
        "/api/v1/jurisdictions/?page=%C2%B2",
        "/api/v1/jurisdictions/?page_size=%C2%B2",
        "/api/v1/positions/?dimension=detainer-holds&page=%C2%B2",
    ],
)
def test_a_superscript_page_number_is_a_400_on_pages_and_api(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "page" in response.content.decode()
