import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from policies.dates import Precision, certain_start, parse_partial_date
from policies.models import Citation, DimensionValue, Provision, ReviewState
from tests.factories import (
    make_dimension,
    make_instrument,
    make_provision,
    make_source,
    make_state,
)

pytestmark = pytest.mark.django_db


def test_one_provision_per_instrument_and_dimension():
    dimension = make_dimension()
    instrument = make_instrument(make_state())
    make_provision(instrument, dimension, "prohibited")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_provision(instrument, dimension, "limited")


def test_a_provision_value_must_belong_to_its_dimensions_scale():
    detainers = make_dimension("detainer-holds")
    courthouses = make_dimension("courthouse-arrests", values=("prohibited", "no-policy"))
    instrument = make_instrument(make_state())
    provision = Provision(
        instrument=instrument, dimension=detainers, value=courthouses.values.get(slug="prohibited")
    )
    with pytest.raises(ValidationError) as caught:
        provision.full_clean()
    message = str(caught.value)
    assert "not on the scale of “detainer-holds”" in message
    assert "prohibited, limited, no-policy, mandated" in message


def test_a_dimension_has_one_neutral_value_and_unique_ranks():
    dimension = make_dimension()
    with pytest.raises(IntegrityError), transaction.atomic():
        DimensionValue.objects.create(
            dimension=dimension, slug="other", label="o", rank=9, is_neutral=True
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        DimensionValue.objects.create(dimension=dimension, slug="dup-rank", label="d", rank=0)


def test_the_database_refuses_an_instrument_that_ends_years_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_instrument(
            make_state(), effective_on=dt.date(2018, 1, 1), ended_on=dt.date(2016, 5, 1)
        )


def test_the_database_refuses_a_year_date_that_is_not_the_first_of_january():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_instrument(
            make_state(), effective_on=dt.date(2019, 6, 1), effective_precision=Precision.YEAR
        )


def test_clean_compares_whole_periods_of_imprecise_dates():
    state = make_state()
    # Effective some day in 2021, ended in March 2021: possible, so accepted.
    ok = make_instrument(
        state,
        effective_on=dt.date(2021, 1, 1),
        effective_precision=Precision.YEAR,
        ended_on=dt.date(2021, 3, 5),
    )
    ok.full_clean()
    bad = make_instrument(state, effective_on=dt.date(2021, 3, 5))
    bad.ended_on = dt.date(2021, 2, 1)
    bad.ended_precision = Precision.MONTH
    with pytest.raises(ValidationError) as caught:
        bad.full_clean()
    assert "Ends (2021-02) before it takes effect (2021-03-05)" in str(caught.value)


def test_an_agency_instrument_must_belong_to_the_agencys_jurisdiction():
    from tests.factories import make_agency, make_county

    state = make_state()
    county, other = make_county(state), make_county(state)
    instrument = make_instrument(county, agency=make_agency(other, name="Other Sheriff"))
    with pytest.raises(ValidationError) as caught:
        instrument.full_clean()
    assert "Other Sheriff belongs to" in str(caught.value)


def test_a_published_instrument_must_record_its_review():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_instrument(make_state(), review_state=ReviewState.PUBLISHED, reviewed_at=None)


def test_source_urls_are_unique_but_many_sources_may_have_none():
    make_source(url="https://example.org/law")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_source(url="https://example.org/law")
    make_source(url="")
    make_source(url="")


def test_a_citation_supports_an_instrument_or_a_provision_not_both():
    dimension = make_dimension()
    instrument = make_instrument(make_state())
    provision = make_provision(instrument, dimension, "limited")
    with pytest.raises(IntegrityError), transaction.atomic():
        Citation.objects.create(source=make_source(), instrument=instrument, provision=provision)
    with pytest.raises(IntegrityError), transaction.atomic():
        Citation.objects.create(source=make_source())


@pytest.mark.parametrize(
    ("text", "stored", "precision", "counts_from"),
    [
        ("2019-05-28", dt.date(2019, 5, 28), Precision.DAY, dt.date(2019, 5, 28)),
        ("2019-05", dt.date(2019, 5, 1), Precision.MONTH, dt.date(2019, 6, 1)),
        ("2019-12", dt.date(2019, 12, 1), Precision.MONTH, dt.date(2020, 1, 1)),
        ("2019", dt.date(2019, 1, 1), Precision.YEAR, dt.date(2020, 1, 1)),
    ],
)
def test_partial_dates_keep_their_precision_and_count_conservatively(
    text, stored, precision, counts_from
):
    assert parse_partial_date(text) == (stored, precision)
    assert certain_start(stored, precision) == counts_from


@pytest.mark.parametrize("text", ["2019-13", "19", "2019-02-30", "May 2019"])
def test_malformed_partial_dates_are_refused_with_the_input_named(text):
    with pytest.raises(ValueError, match=text):
        parse_partial_date(text)
