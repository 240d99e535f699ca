"""Reading a search box's text: a trailing state, codes, names."""

import pytest

from jurisdictions.models import Jurisdiction
from jurisdictions.search import BY_CODE, EXACT, PREFIX, matching, parse
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
