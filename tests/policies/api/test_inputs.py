"""What the API makes of its query: unknown parameters, dates, digits and Accept."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

POSITIONS = {"dimension": "detainer-holds", "as_of": "2019-06-01"}


def test_a_misspelt_parameter_is_named_with_the_allowed_ones(client, seeded):
    response = client.get(reverse("api:positions"), {**POSITIONS, "jurisdiction": "17031"})
    assert response.status_code == 400
    body = response.json()
    assert "jurisdiction" in body["detail"]
    assert "fips" in body["errors"]["jurisdiction"][0]  # the one that was meant


def test_every_parameter_the_schema_declares_is_accepted(client, seeded):
    response = client.get(
        reverse("api:jurisdiction-list"), {"level": "state", "page_size": "5", "format": "json"}
    )
    assert response.status_code == 200


def test_a_detail_endpoint_takes_only_format(client, seeded):
    url = reverse("api:jurisdiction-detail", args=["17031"])
    assert client.get(url).status_code == 200
    assert client.get(url, {"fields": "name"}).status_code == 400


@pytest.mark.parametrize(
    "day",
    ["20190601", "2019-W23-6", "٢٠١٩-٠٦-٠١", "2019-06-01T00:00", "06/01/2019", "2019-6-1"],
)
def test_a_day_is_yyyy_mm_dd_in_ascii_digits_only(client, seeded, day):
    positions = client.get(reverse("api:positions"), {**POSITIONS, "as_of": day})
    assert positions.status_code == 400, day
    assert positions.json()["errors"]["as_of"]
    instruments = client.get(reverse("api:instrument-list"), {"in_force_on": day})
    assert instruments.status_code == 400, day
    page = client.get(reverse("site:jurisdiction", args=["il-cook-county"]), {"as_of": day})
    assert page.status_code == 400, day


def test_arabic_indic_digits_are_not_a_page_number(client, seeded):
    response = client.get(reverse("api:jurisdiction-list"), {"page": "٢"})
    assert response.status_code == 400


def test_an_empty_accept_header_gets_json(client, seeded):
    response = client.get(reverse("api:jurisdiction-list"), headers={"accept": ""})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("parameter", ["in_force_on", "updated_since"])
def test_a_percent_sign_in_a_date_is_a_400_not_a_500(client, seeded, parameter):
    response = client.get(reverse("api:instrument-list"), {parameter: "%s%d"})
    assert response.status_code == 400
    assert "%s%d" in response.json()["detail"]


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        ("", "Give one or more codes, separated by commas."),
        (" , ,", "Give one or more codes, separated by commas."),
        (",".join(f"{n:02d}" for n in range(1, 60)), "At most 50 jurisdictions at once."),
    ],
)
def test_a_comparison_names_what_is_wrong_with_its_jurisdictions_and_its_day(
    client, seeded, codes, message
):
    response = client.get(reverse("api:compare"), {"jurisdictions": codes, "as_of": "bad"})
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == message  # the jurisdictions first, then the day
    assert body["errors"]["jurisdictions"] == [message] and body["errors"]["as_of"]
