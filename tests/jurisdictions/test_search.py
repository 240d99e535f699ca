"""Reading a search box's text: a trailing state, codes, names."""

import pytest

from jurisdictions.models import Jurisdiction
from jurisdictions.search import BY_CODE, EXACT, PREFIX, agencies_matching, matching, parse
from tests.factories import make_agency, make_county, make_place, make_state


@pytest.mark.parametrize(
    ("text", "name", "state"),
    [
        ("Cook County, IL", "Cook County", "IL"),
        ("cook il", "cook", "IL"),
        ("Cook County, Illinois", "Cook County", "IL"),
        ("cook county new mexico", "cook county", "NM"),
        ("  Texas ", "Texas", None),  # a lone word is a name
        ("IL", "IL", None),
        ("17031", "17031", None),
        ("Lake of the Woods", "Lake of the Woods", None),
    ],
)
def test_it_splits_a_trailing_state_from_the_name(text, name, state):
    found = parse(text)
    assert (found.name, found.state) == (name, state)


@pytest.fixture
def illinois(db):
    il = make_state(name="Illinois", fips="17", usps="IL")
    cook = make_county(il, name="Cook County", fips="17031")
    make_county(il, name="Cookson County", fips="17999")
    make_place(il, name="Chicago city", fips="1714000")
    make_agency(cook, name="Cook County Sheriff's Office")
    tx = make_state(name="Texas", fips="48", usps="TX")
    make_county(tx, name="Cook County", fips="48999")
    return il


def names(text):
    found = matching(Jurisdiction.objects.all(), parse(text))
    return [(j.name, j.fips, j.relevance) for j in found]


def test_a_name_and_state_finds_that_states_county_first(illinois):
    assert names("Cook County, IL") == [("Cook County", "17031", EXACT)]
    assert names("cook il") == [
        ("Cook County", "17031", PREFIX),
        ("Cookson County", "17999", PREFIX),
    ]


def test_exact_names_come_before_prefixes_and_codes_before_all(illinois):
    assert names("Cook County")[:2] == [
        ("Cook County", "17031", EXACT),
        ("Cook County", "48999", EXACT),
    ]
    assert names("17031") == [("Cook County", "17031", BY_CODE)]
    assert names("chicago") == [("Chicago city", "1714000", EXACT)]
    assert names("IL")[0] == ("Illinois", "17", BY_CODE)


def test_an_agency_name_finds_its_jurisdiction(illinois):
    assert ("Cook County", "17031") in [(n, f) for n, f, _ in names("sheriff's office")]


@pytest.fixture
def spelt_by_ice(illinois):
    """The Cook County sheriff as ICE's lists spell it."""
    from agreements.models import AgencyName
    from jurisdictions.models import Agency

    sheriff = Agency.objects.get(name="Cook County Sheriff's Office")
    AgencyName.objects.create(
        agency=sheriff,
        state=illinois,
        key="cook county sheriff",
        spelling="Cook County Sheriff’s Department",
    )
    return sheriff


def test_another_spelling_of_an_agency_finds_the_agency(spelt_by_ice):
    assert agencies_matching(parse("sheriff’s department")) == [spelt_by_ice]
    assert agencies_matching(parse("Sheriff’s Department, IL")) == [spelt_by_ice]
    assert agencies_matching(parse("Sheriff’s Department, TX")) == []


def test_another_spelling_of_an_agency_finds_its_jurisdiction(spelt_by_ice):
    assert [(n, f) for n, f, _ in names("sheriff’s department")] == [("Cook County", "17031")]


def test_the_api_finds_an_agency_by_another_spelling(client, spelt_by_ice):
    response = client.get("/api/v1/agencies/", {"q": "Sheriff’s Department"})
    assert response.status_code == 200, response.content
    assert [a["slug"] for a in response.json()["results"]] == [spelt_by_ice.slug]
