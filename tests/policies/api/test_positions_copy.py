"""The positions CSV written by PostgreSQL (`policies.positions.csv_copy`) is, byte for byte,
the one written in Python (`policies.api.positions.written_csv`), which SQLite still uses."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.request import Request

from jurisdictions.models import Jurisdiction
from policies.api.positions import copied_csv, written_csv
from policies.filters import dimension_by_slug
from policies.models import Instrument, Position, Provision, Source, Suspension
from policies.positions.queries import with_position

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("seeded"),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="COPY writes the CSV on PostgreSQL only"
    ),
]


def both(rf, jurisdictions, slug: str, on: dt.date, path="/api/v1/positions/"):
    request = Request(rf.get(path))
    dimension = dimension_by_slug(slug)
    written = "".join(written_csv(jurisdictions, dimension, on, request)).encode()
    copied = b"".join(
        part if isinstance(part, bytes) else part.encode()
        for part in copied_csv(jurisdictions, dimension, on, request)
    )
    return written, copied


def assert_same(written: bytes, copied: bytes):
    if written != copied:
        for n, (w, c) in enumerate(
            zip(written.split(b"\r\n"), copied.split(b"\r\n"), strict=False)
        ):
            assert w == c, f"line {n}"
    assert written == copied


# Dates with every kind of row: own, inherited, unknown, set aside, noted, approximate
# (Florida's SB 1808 in 2022), suspended by a court order (Texas's SB 4 in September 2017,
# Arizona's SB 1070 § 2(B) in 2011).
CASES = [
    ("detainer-holds", dt.date(2019, 6, 1)),
    ("detainer-holds", dt.date(2017, 9, 1)),
    ("release-notification", dt.date(2017, 9, 1)),
    ("status-inquiry", dt.date(2011, 6, 1)),
    ("agreement-287g", dt.date(2022, 6, 1)),
    ("agreement-287g", dt.date(2008, 6, 1)),
    ("sanctuary-preemption", dt.date(2026, 11, 26)),
]


@pytest.mark.parametrize(("slug", "on"), CASES)
def test_every_jurisdiction_in_fips_order(rf, slug, on):
    written, copied = both(rf, Jurisdiction.objects.order_by("fips", "pk"), slug, on)
    assert written.count(b"\r\n") > 3000
    assert_same(written, copied)


def test_the_rows_cover_every_kind_of_cell(rf):
    """The cases above meet own, inherited, suspended and unknown rows, set-aside and
    approximate ones, and sources (the seed notes no mandate: see the next test)."""
    provenances, filled = set(), set()
    for slug, on in CASES:
        written, _ = both(rf, Jurisdiction.objects.order_by("fips", "pk"), slug, on)
        for row in csv.DictReader(io.StringIO(written.decode())):
            provenances.add(row["provenance"])
            filled.update(k for k, v in row.items() if v and v != "False")
    assert provenances >= {"own", "inherited", "suspended", "unknown"}
    assert filled >= {
        "approximate",
        "decided_by.sources",
        "overridden",
        "suspended_by",
    }


def test_noted_and_set_aside_lists_in_their_stored_order(rf):
    """Noted mandates (none in the seed), repeated ids and ids of provisions that are gone
    (dropped by both)."""
    on = dt.date(2019, 6, 1)
    dimension = dimension_by_slug("detainer-holds")
    provisions = list(
        Provision.objects.filter(dimension=dimension).order_by("-pk").values_list("pk", flat=True)
    )[:3]
    held = Position.objects.on(on).filter(dimension=dimension, jurisdiction__state__usps="IL")
    assert held.exists()
    held.update(noted=[provisions[1], provisions[0], 10**12, provisions[1]])
    held.filter(jurisdiction__fips="17031").update(overridden=[10**12, provisions[2]])
    written, copied = both(rf, Jurisdiction.objects.order_by("fips", "pk"), dimension.slug, on)
    assert written.count(b'""provision""') > 100
    assert_same(written, copied)


def test_filtered_and_ordered_otherwise(rf):
    on = dt.date(2019, 6, 1)
    dimension = dimension_by_slug("detainer-holds")
    prohibited = dimension.values.get(slug="prohibited")
    querysets = [
        Jurisdiction.objects.filter(level="county").order_by("fips", "pk"),
        Jurisdiction.objects.filter(state__usps="CA").order_by("-name", "pk"),
        with_position(
            Jurisdiction.objects.order_by("fips", "pk"), dimension, on, at_least=prohibited
        ),
        with_position(Jurisdiction.objects.order_by("fips", "pk"), dimension, on, unknown=True),
        Jurisdiction.objects.filter(fips="no such code").order_by("fips", "pk"),
    ]
    for jurisdictions in querysets:
        assert_same(*both(rf, jurisdictions, "detainer-holds", on))


def test_text_that_needs_quoting_or_escaping(rf):
    """Commas, quotes, line breaks, backslashes, control characters, non-ASCII letters and
    empty strings, in plain cells and inside the JSON ones."""
    awkward = 'Ley "SB 54", \\ año\r\n2017\ttab \x01 — ünïcode "'
    cook = Jurisdiction.objects.get(fips="17031")
    cook.name = awkward
    cook.ocd_id = ""
    cook.save()
    Instrument.objects.filter(title__in=["Illinois TRUST Act", "California Values Act"]).update(
        title=awkward, citation=""
    )
    Provision.objects.filter(instrument__title=awkward).update(pinpoint=awkward, exceptions="a,\nb")
    Source.objects.filter(citations__instrument__title=awkward).update(title=awkward, url="")
    Suspension.objects.update(ends_on=None, source=None, end_reason=awkward)
    for slug, on in CASES[:3]:
        written, copied = both(rf, Jurisdiction.objects.order_by("fips", "pk"), slug, on)
        assert '"SB 54"'.replace('"', '""').encode() in written
        assert_same(written, copied)


def test_links_keep_the_requests_host_and_path(rf):
    request_path = "/api/v1/positions/?dimension=detainer-holds&format=csv"
    written, copied = both(
        rf,
        Jurisdiction.objects.filter(state__usps="IL").order_by("fips", "pk"),
        "detainer-holds",
        dt.date(2019, 6, 1),
        path=request_path,
    )
    assert b"http://testserver/api/v1/instruments/" in copied
    assert_same(written, copied)


def test_the_endpoint_answers_what_python_writes(client, rf):
    params = {"dimension": "detainer-holds", "as_of": "2019-06-01", "level": "county"}
    response = client.get(reverse("api:positions"), {**params, "format": "csv"})
    body = b"".join(response.streaming_content)
    written, _ = both(
        rf,
        Jurisdiction.objects.filter(level="county").order_by("fips", "pk"),
        "detainer-holds",
        dt.date(2019, 6, 1),
    )
    assert body == written


def test_no_rows_is_the_header_alone_from_both_writers(rf):
    written, copied = both(rf, Jurisdiction.objects.none(), "detainer-holds", dt.date(2019, 6, 1))
    assert written.count(b"\r\n") == 1 and written.startswith(b"jurisdiction.")
    assert_same(written, copied)
