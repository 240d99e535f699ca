"""The whole published dataset as flat tables, for bulk download (`policies/api/bulk.py`
serves them).

`/api/v1/bulk/` is a zip of flat CSV tables plus the codebook as JSON and a README;
`/api/v1/bulk/<table>.csv` is one table on its own, streamed, so that one call
(`pandas.read_csv(url)` or R's `read.csv(url)`) loads it. Tables are flat (one value per
cell) and join on the ids and slugs they share. Only published data is included.
"""

import io
import itertools
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from core import licences
from core.csv_text import csv_lines
from jurisdictions.models import Agency, Jurisdiction
from policies.models import (
    Citation,
    Dimension,
    DimensionValue,
    Event,
    Instrument,
    Position,
    Provision,
    ReviewState,
    Source,
)
from policies.shapes import codebook_value

PUBLISHED = ReviewState.PUBLISHED
CHUNK = 5000


@dataclass(frozen=True)
class Table:
    """A flat table: the rows of a queryset, each column named for the field it reads."""

    queryset: QuerySet
    columns: dict[str, str]  # column name -> field (a lookup path)

    def __call__(self) -> Iterator[dict]:
        """The rows, from `values()`: no model instances, no N+1."""
        # Neutral aliases: a column may share its name with another field of the model.
        aliases = {f"column_{i}": F(field) for i, field in enumerate(self.columns.values())}
        names = list(self.columns)
        for record in self.queryset.values(**aliases).iterator(CHUNK):
            yield {
                name: ("" if value is None else value)
                for name, value in zip(names, record.values(), strict=True)
            }

    def batches(self, size: int = CHUNK) -> Iterator[list[tuple]]:
        """The rows as tuples in the order of `columns`, a list of `size` at a time, read
        with one cursor (server-side on PostgreSQL): for writers that take a batch at once."""
        rows = self.queryset.values_list(*self.columns.values()).iterator(size)
        while batch := list(itertools.islice(rows, size)):
            yield batch


PUBLISHED_CITATION = Q(instrument__review_state=PUBLISHED) | Q(
    provision__instrument__review_state=PUBLISHED
)

TABLES: dict[str, Table] = {
    "jurisdictions": Table(
        Jurisdiction.objects.order_by("fips", "pk"),
        {
            "jurisdiction_slug": "slug",
            "name": "name",
            "level": "level",
            "fips": "fips",
            "ocd_id": "ocd_id",
            "usps": "usps",
            "parent_slug": "parent__slug",
            "state_usps": "state__usps",
        },
    ),
    "agencies": Table(
        Agency.objects.order_by("pk"),
        {
            "agency_slug": "slug",
            "name": "name",
            "kind": "kind",
            "ori": "ori",
            "jurisdiction_slug": "jurisdiction__slug",
        },
    ),
    "dimension_values": Table(
        DimensionValue.objects.order_by("dimension__position", "rank"),
        {
            "dimension": "dimension__slug",
            "dimension_name": "dimension__name",
            "group": "dimension__group",
            "question": "dimension__question",
            "value": "slug",
            "label": "label",
            "rank": "rank",
            "is_neutral": "is_neutral",
        },
    ),
    "instruments": Table(
        Instrument.objects.published().order_by("pk"),
        {
            "instrument_id": "pk",
            "title": "title",
            "kind": "kind",
            "status": "status",
            "citation": "citation",
            "jurisdiction_slug": "jurisdiction__slug",
            "jurisdiction_fips": "jurisdiction__fips",
            "agency_slug": "agency__slug",
            "binding": "binding",
            "enacted_on": "enacted_on",
            "enacted_precision": "enacted_precision",
            "effective_on": "effective_on",
            "effective_precision": "effective_precision",
            "ended_on": "ended_on",
            "ended_precision": "ended_precision",
            "supersedes_id": "supersedes_id",
            "summary": "summary",
            "last_verified_on": "last_verified_on",
            "published_at": "reviewed_at",
        },
    ),
    # One row per published provision, with what a researcher needs to read it alone.
    "provisions": Table(
        Provision.objects.published().order_by("pk"),
        {
            "provision_id": "pk",
            "instrument_id": "instrument_id",
            "instrument_title": "instrument__title",
            "instrument_citation": "instrument__citation",
            "instrument_kind": "instrument__kind",
            "binding": "instrument__binding",
            "jurisdiction_slug": "instrument__jurisdiction__slug",
            "jurisdiction_fips": "instrument__jurisdiction__fips",
            "jurisdiction_level": "instrument__jurisdiction__level",
            "dimension": "dimension__slug",
            "value": "value__slug",
            "rank": "value__rank",
            "effective_on": "instrument__effective_on",
            "effective_precision": "instrument__effective_precision",
            "ended_on": "instrument__ended_on",
            "ended_precision": "instrument__ended_precision",
            "pinpoint": "pinpoint",
            "exceptions": "exceptions",
            "notes": "notes",
        },
    ),
    "sources": Table(
        Source.objects.public().order_by("pk"),
        {
            "source_id": "pk",
            "title": "title",
            "publisher": "publisher",
            "kind": "kind",
            "url": "url",
            "archived_url": "archived_url",
            "published_on": "published_on",
            "accessed_on": "accessed_on",
        },
    ),
    "citations": Table(
        Citation.objects.filter(PUBLISHED_CITATION).order_by("pk"),
        {
            "citation_id": "pk",
            "source_id": "source_id",
            "instrument_id": "instrument_id",
            "provision_id": "provision_id",
            "pinpoint": "pinpoint",
            "quote": "quote",
        },
    ),
    "events": Table(
        Event.objects.published().order_by("pk"),
        {
            "event_id": "pk",
            "occurred_on": "occurred_on",
            "precision": "occurred_precision",
            "kind": "kind",
            "title": "title",
            "description": "description",
            "jurisdiction_slug": "jurisdiction__slug",
        },
    ),
    # The stored position intervals: valid_from inclusive, valid_to exclusive.
    "positions": Table(
        Position.objects.order_by("jurisdiction_id", "dimension_id", "valid_from"),
        {
            "jurisdiction_slug": "jurisdiction__slug",
            "jurisdiction_fips": "jurisdiction__fips",
            "dimension": "dimension__slug",
            "valid_from": "valid_from",
            "valid_to": "valid_to",
            "value": "value__slug",
            "rank": "rank",
            "provenance": "provenance",
            "approximate": "approximate",
            "provision_id": "provision_id",
            "instrument_id": "provision__instrument_id",
        },
    ),
}

README = """PolicyHub bulk download ({when})

Tables (CSV, UTF-8, one value per cell), joined by their ids and slugs:
{tables}
codebook.json holds the dimensions with their ordered values (rank 0 limits cooperation
the most; the neutral value separates limiting from requiring). Only published data is
included. Dates of month or year precision are stored as the first day of the period,
with the precision beside them. In positions.csv, valid_from is inclusive and valid_to
exclusive; a jurisdiction with no row for a date is unknown there.

Licence (LICENSE.txt): the data is {licence}; cite it as
{cite}
"""


def readme_text(now) -> str:
    """The README inside every zip of the tables (the bulk download and each release)."""
    return README.format(
        when=now.isoformat(timespec="seconds"),
        tables="\n".join(f"- {name}.csv" for name in TABLES),
        licence=f"{licences.DATA.name} ({licences.DATA.short}, {licences.DATA.url})",
        cite=licences.dataset_citation(
            updated=now.date().isoformat(),
            url="the PolicyHub downloads page",
            accessed=now.date().isoformat(),
        ),
    )


def codebook_json() -> str:
    dimensions = Dimension.objects.prefetch_related("values").order_by("position")
    return json.dumps(
        [
            {
                "slug": d.slug,
                "name": d.name,
                "group": d.group,
                "question": d.question,
                "values": [codebook_value(v) for v in sorted(d.values.all(), key=lambda v: v.rank)],
            }
            for d in dimensions
        ],
        indent=2,
        ensure_ascii=False,
    )


def write_zip(target) -> None:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, rows in TABLES.items():
            with archive.open(f"{name}.csv", "w") as member:
                text = io.TextIOWrapper(member, encoding="utf-8", newline="")
                for line in csv_lines(rows(), header=list(rows.columns)):
                    text.write(line)
                text.flush()
                text.detach()
        archive.writestr("codebook.json", codebook_json())
        archive.writestr("LICENSE.txt", licences.STATEMENT + "\n")
        archive.writestr("README.txt", readme_text(timezone.now()))
