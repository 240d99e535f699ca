"""Small builders for test data. Each returns a saved object with sensible defaults;
pass keyword arguments to change what a test cares about."""

import datetime as dt
import itertools

from jurisdictions.models import Agency, Jurisdiction, Level
from policies.models import (
    Citation,
    Dimension,
    DimensionValue,
    Instrument,
    InstrumentKind,
    Provision,
    ReviewState,
    Source,
)

_counter = itertools.count(1)


def _n():
    return next(_counter)


def make_state(**kwargs):
    n = _n()
    fields = {
        "name": f"State {n}",
        "slug": f"state-{n}",
        "level": Level.STATE,
    }
    fields.update(kwargs)
    return Jurisdiction.objects.create(**fields)


def make_county(parent, **kwargs):
    n = _n()
    fields = {"name": f"County {n}", "slug": f"county-{n}", "level": Level.COUNTY}
    fields.update(kwargs)
    return Jurisdiction.objects.create(parent=parent, **fields)


def make_place(parent, **kwargs):
    n = _n()
    fields = {"name": f"Place {n}", "slug": f"place-{n}", "level": Level.PLACE}
    fields.update(kwargs)
    return Jurisdiction.objects.create(parent=parent, **fields)


def make_agency(jurisdiction, **kwargs):
    n = _n()
    fields = {"name": f"Agency {n}", "slug": f"agency-{n}", "kind": "sheriff"}
    fields.update(kwargs)
    return Agency.objects.create(jurisdiction=jurisdiction, **fields)


def make_dimension(
    slug=None, values=("prohibited", "limited", "no-policy", "mandated"), neutral="no-policy"
):
    n = _n()
    dimension = Dimension.objects.create(
        slug=slug or f"dimension-{n}", name=f"Dimension {n}", group="Test", question="?"
    )
    for rank, value in enumerate(values):
        DimensionValue.objects.create(
            dimension=dimension, slug=value, label=value, rank=rank, is_neutral=value == neutral
        )
    return dimension


def make_source(**kwargs):
    n = _n()
    fields = {"title": f"Source {n}", "url": f"https://example.org/source/{n}", "kind": "news"}
    fields.update(kwargs)
    return Source.objects.create(**fields)


def make_instrument(jurisdiction, *, review_state=ReviewState.DRAFT, **kwargs):
    n = _n()
    fields = {
        "title": f"Instrument {n}",
        "kind": InstrumentKind.ORDINANCE,
        "citation": f"Ord. {n}",
        "effective_on": dt.date(2018, 1, 1),
        "review_state": review_state,
    }
    if review_state == ReviewState.PUBLISHED:
        fields["reviewed_at"] = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    fields.update(kwargs)
    return Instrument.objects.create(jurisdiction=jurisdiction, **fields)


def make_provision(instrument, dimension, value_slug, *, pinpoint="§ 1", source=None, **kwargs):
    provision = Provision.objects.create(
        instrument=instrument,
        dimension=dimension,
        value=dimension.values.get(slug=value_slug),
        pinpoint=pinpoint,
        **kwargs,
    )
    if source is not None:
        Citation.objects.create(source=source, provision=provision, pinpoint=pinpoint)
    return provision


def cite(instrument, source=None, pinpoint=""):
    return Citation.objects.create(
        source=source or make_source(), instrument=instrument, pinpoint=pinpoint
    )


def publish_with_pinpoints(instrument, user, pinpoint="§ 1 (test)"):
    """Publish a real seed draft in a test, as an editor would once a curator had found the
    sections its provisions rest on."""
    from policies.services import instrument_publish

    instrument.provisions.filter(pinpoint="").update(pinpoint=pinpoint)
    return instrument_publish(instrument=instrument, user=user)
