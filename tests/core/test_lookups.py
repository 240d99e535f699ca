"""Query plumbing: related rows as a JSON list in one column of the outer query."""

import pytest
from django.db.models import OuterRef

from core.lookups import json_list, read_json_list
from jurisdictions.models import Jurisdiction, Level

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


def test_each_row_carries_its_related_rows_as_a_json_list_in_one_query(
    django_assert_num_queries,
):
    counties = json_list(
        Jurisdiction.objects.filter(parent_id=OuterRef("pk"), level=Level.COUNTY),
        fips="fips",
        name="name",
    )
    places = Jurisdiction.objects.filter(fips__in=["06", "17031"]).order_by("fips")
    places = places.annotate(counties=counties).values_list("fips", "counties")
    list(places)  # Django asks SQLite once a connection whether it has JSON functions
    with django_assert_num_queries(1):
        rows = list(places.all())
    (_, listed), (_, none) = rows  # California's counties; Cook County has none
    counties = read_json_list(listed)
    assert len(counties) == 58
    assert {"fips": "06037", "name": "Los Angeles County"} in counties
    assert none is None and read_json_list(none) == []
