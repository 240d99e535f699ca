import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from jurisdictions.models import Jurisdiction, Level
from tests.factories import make_agency, make_county, make_instrument, make_place, make_state

pytestmark = pytest.mark.django_db


def test_a_state_is_its_own_state_and_its_counties_and_places_point_to_it():
    illinois = make_state(name="Illinois", fips="17", usps="IL")
    cook = make_county(illinois, fips="17031")
    chicago = make_place(cook, fips="1714000")
    assert illinois.state == illinois
    assert cook.state == illinois
    assert chicago.state == illinois
    assert chicago.ancestors() == [cook, illinois]


def test_fips_codes_are_unique():
    make_state(fips="17")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_state(fips="17")


def test_ocd_ids_are_unique():
    make_state(ocd_id="ocd-division/country:us/state:il")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_state(ocd_id="ocd-division/country:us/state:il")


def test_a_county_without_a_parent_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        Jurisdiction.objects.create(name="Orphan", slug="orphan", level=Level.COUNTY)


def test_only_states_carry_a_usps_code():
    state = make_state()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_county(state, usps="ZZ")


def test_clean_explains_a_fips_code_of_the_wrong_length():
    state = make_state()
    county = Jurisdiction(name="X", slug="x", level=Level.COUNTY, parent=state, fips="1703")
    with pytest.raises(ValidationError) as caught:
        county.full_clean()
    assert "county FIPS code has 5 digits, not 4" in str(caught.value)


def test_clean_refuses_a_county_inside_a_place():
    state = make_state()
    place = make_place(state)
    county = Jurisdiction(name="X", slug="x", level=Level.COUNTY, parent=place)
    with pytest.raises(ValidationError) as caught:
        county.full_clean()
    assert "A county cannot sit inside a place" in str(caught.value)


def test_clean_rejects_a_malformed_ocd_id():
    state = Jurisdiction(name="X", slug="x", level=Level.STATE, ocd_id="division/us/il")
    with pytest.raises(ValidationError) as caught:
        state.full_clean()
    assert "Open Civic Data" in str(caught.value)


def test_deleting_a_jurisdiction_that_has_counties_is_refused():
    state = make_state()
    make_county(state)
    with pytest.raises(ProtectedError):
        state.delete()


def test_deleting_a_jurisdiction_with_instruments_or_agencies_is_refused():
    state = make_state()
    county = make_county(state)
    make_instrument(county)
    with pytest.raises(ProtectedError):
        county.delete()
    other = make_county(state)
    make_agency(other)
    with pytest.raises(ProtectedError):
        other.delete()


def test_a_jurisdiction_nothing_refers_to_can_be_deleted():
    state = make_state()
    county = make_county(state)
    county.delete()
    assert not Jurisdiction.objects.filter(pk=county.pk).exists()


def test_agency_ori_codes_are_unique_and_validated():
    county = make_county(make_state())
    make_agency(county, ori="IL0160000")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_agency(county, ori="IL0160000")
    bad = make_agency(county, ori=None)
    bad.ori = "short"
    with pytest.raises(ValidationError) as caught:
        bad.full_clean()
    assert "ORI" in str(caught.value)


def test_real_ocd_ids_with_accents_and_tildes_are_accepted():
    state = make_state(name="New Mexico", fips="35")
    for ocd_id in (
        "ocd-division/country:us/state:nm/county:doña_ana",
        "ocd-division/country:us/state:md/county:prince_george~s",
        "ocd-division/country:us/state:fl/county:miami-dade",
    ):
        Jurisdiction(
            name="X", slug="x", level=Level.COUNTY, parent=state, ocd_id=ocd_id
        ).full_clean(exclude=["slug"])


def test_a_county_subdivision_sits_in_a_county_with_a_ten_digit_geoid():
    illinois = make_state(name="Illinois", fips="17", usps="IL")
    cook = make_county(illinois, fips="17031")
    lemont = Jurisdiction(
        name="Lemont township",
        slug="il-cook-county-lemont-township",
        level=Level.COUNTY_SUBDIVISION,
        parent=cook,
        fips="1703142808",
    )
    lemont.full_clean()
    lemont.save()
    assert lemont.state == illinois
    assert lemont.ancestors() == [cook, illinois]
    assert str(lemont) == "Lemont township, IL"


def test_clean_refuses_a_county_subdivision_outside_a_county_or_with_a_place_geoid():
    state = make_state()
    township = Jurisdiction(
        name="X", slug="x", level=Level.COUNTY_SUBDIVISION, parent=state, fips="1714000"
    )
    with pytest.raises(ValidationError) as caught:
        township.full_clean()
    assert "A county subdivision cannot sit inside a state" in str(caught.value)
    assert "county subdivision FIPS code has 10 digits, not 7" in str(caught.value)


def test_a_county_subdivision_without_a_parent_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        Jurisdiction.objects.create(name="Orphan", slug="orphan", level=Level.COUNTY_SUBDIVISION)
