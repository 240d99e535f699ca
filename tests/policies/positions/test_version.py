"""The data version: every change that maps, lists, exports and the codebook show changes it,
so the per-process caches keyed on it (maps, kept CSVs, the codebook) are never served
stale."""

import pytest

from jurisdictions.models import Jurisdiction
from policies.models import Citation, Dimension, DimensionValue
from policies.positions import version as data_version
from policies.positions.queries import codebook
from policies.positions.store import rebuild

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


def changes(action) -> bool:
    before = data_version.current()
    action()
    return data_version.current() != before


def test_a_rebuild_of_positions_changes_the_version():
    cook = Jurisdiction.objects.get(fips="17031")
    assert changes(lambda: rebuild([cook.pk]))


def test_renaming_a_jurisdiction_changes_the_version():
    cook = Jurisdiction.objects.get(fips="17031")
    cook.name = "Cook County (renamed)"
    assert changes(cook.save)


def test_editing_a_source_or_a_citation_changes_the_version():
    # Positions cite them, and exports kept under the version carry them.
    citation = Citation.objects.select_related("source").first()
    citation.source.title = "Renamed source"
    assert changes(citation.source.save)
    assert changes(citation.save)
    assert changes(citation.delete)


def test_reading_changes_nothing():
    assert not changes(lambda: (codebook(), data_version.current()))


def test_the_codebook_shows_an_edited_dimension_and_value_at_once():
    first = codebook()[0]
    dimension = Dimension.objects.get(pk=first.pk)
    dimension.name = "Renamed dimension"
    dimension.save()
    assert codebook()[0].name == "Renamed dimension"
    value = DimensionValue.objects.filter(dimension=dimension).order_by("rank").first()
    value.label = "Relabelled value"
    value.save()
    assert list(codebook()[0].values.all())[0].label == "Relabelled value"


def test_the_codebook_is_read_once_while_the_version_stands(django_assert_num_queries):
    first = codebook()
    with django_assert_num_queries(1):  # the version only
        assert codebook() is first
