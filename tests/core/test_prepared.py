"""Querysets compiled once and run with other values answer as the querysets do."""

import datetime as dt

import pytest
from django.db.models import Q

from core.prepared import Prepared
from jurisdictions.models import Jurisdiction
from policies.models import Position

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

COLUMNS = ("pk", "slug", "fips", "updated_at", "parent__slug")


def by_codes(codes):
    return (
        Jurisdiction.objects.filter(Q(fips__any_of=codes) | Q(slug__any_of=codes))
        .order_by("pk")
        .values_list(*COLUMNS)
    )


def test_the_same_rows_as_the_queryset_for_each_value_and_length():
    prepared = Prepared(by_codes)
    for codes in (["17031"], ["06", "48", "il-cook-county"], ["17031"], ["nope"], ["48", "48"]):
        assert prepared(codes=codes) == list(by_codes(codes)), codes
    # Timestamps come through the ORM's converters (text on SQLite).
    assert isinstance(prepared(codes=["17031"])[0][3], dt.datetime)


def test_dates_and_ids_take_the_place_of_the_stand_ins(django_assert_num_queries):
    def held(jurisdictions, on):
        return (
            Position.objects.on(on)
            .filter(jurisdiction_id__any_of=jurisdictions)
            .order_by("pk")
            .values_list("pk", "valid_from", "valid_to")
        )

    prepared = Prepared(held)
    ids = list(
        Jurisdiction.objects.filter(fips__in=["06", "48", "17031"]).values_list("pk", flat=True)
    )
    for on in (dt.date(2016, 6, 1), dt.date(2019, 6, 1), dt.date(2030, 1, 1)):
        expected = list(held(ids, on))
        with django_assert_num_queries(1):
            assert prepared(jurisdictions=ids, on=on) == expected
        assert expected


def test_a_value_the_sql_changes_is_refused():
    prepared = Prepared(
        lambda name: Jurisdiction.objects.filter(name__icontains=name).values_list("pk")
    )
    with pytest.raises(ValueError, match="prepare it apart"):
        prepared(name="Cook")


def test_postgresql_prepares_a_compiled_query_after_a_few_runs():
    """Django leaves psycopg's preparing off unless the settings ask; they do, so that a
    query run on every request is no longer planned on every request."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("statements are prepared on PostgreSQL connections only")

    def prepared_here():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                ["%jurisdictions_jurisdiction%ANY%"],
            )
            return cursor.fetchone()[0]

    prepared = Prepared(by_codes)
    before = prepared_here()
    for _ in range(6):
        prepared(codes=["17031", "06"])
    assert prepared_here() == before + 1
