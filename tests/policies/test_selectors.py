"""Reads that several surfaces share, each written once."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from jurisdictions.models import Jurisdiction
from jurisdictions.selectors import jurisdictions_by_codes, state_by_code
from policies.forms import dimension_by_slug, value_by_slug
from policies.models import Instrument
from policies.selectors import (
    jurisdictions_with_position,
    positions_decided_by,
    published_instruments,
)
from tests.factories import publish_with_pinpoints

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


def test_published_instruments_are_only_the_published_ones():
    assert set(published_instruments()) == set(Instrument.objects.published())
    assert Instrument.objects.exclude(pk__in=published_instruments()).exists()  # drafts


def test_the_positions_an_instrument_decides_are_the_pages_and_the_admins():
    act = Instrument.objects.published().get(title="California Values Act")
    decided = positions_decided_by(instrument=act, on=dt.date(2019, 6, 1))
    assert decided.count() > 50
    assert {p.provision.instrument_id for p in decided} == {act.pk}


def test_no_condition_keeps_every_jurisdiction_and_unknown_keeps_the_rest(bob):
    # AB 4 is a draft until its section is confirmed; publish it as an editor would.
    publish_with_pinpoints(Instrument.objects.get(title="California TRUST Act"), bob)
    counties = Jurisdiction.objects.filter(state__usps="CA", level="county")
    holds = dimension_by_slug("detainer-holds")
    day = dt.date(2016, 6, 1)
    assert jurisdictions_with_position(jurisdictions=counties, dimension=holds, on=day) is counties
    limited = jurisdictions_with_position(
        jurisdictions=counties,
        dimension=holds,
        on=day,
        value=value_by_slug(holds, "limited-to-serious-offenses"),
    )
    unknown = jurisdictions_with_position(
        jurisdictions=counties, dimension=holds, on=day, unknown=True
    )
    assert limited.count() == 57
    assert not set(limited) & set(unknown)


def test_a_code_that_matches_nothing_is_a_django_validation_error_naming_the_parameter():
    with pytest.raises(ValidationError) as error:
        jurisdictions_by_codes(codes=["06", "nowhere"], parameter="j")
    assert error.value.message_dict == {
        "j": ["No jurisdiction 'nowhere': use a FIPS code, slug or OCD id."]
    }
    with pytest.raises(ValidationError):
        state_by_code(code="ZZ")
    assert [j.slug for j in jurisdictions_by_codes(codes=["tx", "06"], parameter="j")] == [
        "tx",
        "ca",
    ]
