"""Read functions behind the public pages, against what the ORM reads the usual way."""

import pytest
from django.http import Http404

from jurisdictions.models import Jurisdiction
from policies.positions import version as data_version
from public import queries

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


def fields(jurisdiction):
    return {f.attname: getattr(jurisdiction, f.attname) for f in Jurisdiction._meta.concrete_fields}


@pytest.mark.parametrize("slug", ["il-cook-county", "il", "tx-harris-county"])
def test_a_profiles_place_is_the_jurisdiction_select_related_reads(slug, django_assert_num_queries):
    expected = Jurisdiction.objects.select_related("parent", "state").get(slug=slug)
    with django_assert_num_queries(1):
        found = queries.place_by_slug(slug)
        place = found.jurisdiction
        parent, state = place.parent, place.state  # loaded with it
    assert fields(place) == fields(expected)
    assert (parent and fields(parent)) == (expected.parent and fields(expected.parent))
    assert (state and fields(state)) == (expected.state and fields(expected.state))
    assert place.get_level_display() == expected.get_level_display()
    assert found.version == data_version.current()
    assert found.updated is not None
    assert found.updated == queries.dataset_updated_at()


def test_no_place_is_not_found():
    with pytest.raises(Http404):
        queries.place_by_slug("atlantis")
