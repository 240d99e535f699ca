"""How much of the country the published data covers, question by question.

One answer serves the public coverage page, `manage.py data_report` and the About page, so
the three never disagree. Counts come from the stored positions (published data only):

- known: the jurisdiction has a position from a law (its own, inherited or preempting);
- no law found: its position comes from a curator's "no law found" finding
  (InstrumentKind.RESEARCH_FINDING), a coded answer that differs from unknown;
- suspended: a court order keeps the only provision that would apply out of force;
- unknown: nobody has coded an answer, for any reason.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from jurisdictions.models import Jurisdiction, Level
from policies.models import (
    Citation,
    Dimension,
    InstrumentKind,
    Position,
    Provision,
    ReviewState,
    Source,
)

LEVELS = tuple(Level)  # state, territory, county, place, county subdivision
# The report's queries, whatever the size of the data: totals per level, the dimensions,
# the grouped positions, and the two data-quality counts.
COVERAGE_QUERIES = 5


@dataclass(frozen=True)
class CoverageRow:
    dimension: Dimension
    level: str
    total: int
    known: int
    no_law_found: int
    suspended: int

    @property
    def unknown(self) -> int:
        return self.total - self.known - self.no_law_found - self.suspended

    @property
    def level_label(self) -> str:
        return str(Level(self.level).label)


@dataclass(frozen=True)
class Coverage:
    on: dt.date
    rows: list[CoverageRow]
    totals: dict[str, int]  # jurisdictions per level
    provisions_without_quotes: int
    published_provisions: int
    sources_without_archive: int
    public_sources: int

    def by_dimension(self) -> list[tuple[Dimension, list[CoverageRow]]]:
        grouped: dict[int, tuple[Dimension, list[CoverageRow]]] = {}
        for row in self.rows:
            grouped.setdefault(row.dimension.pk, (row.dimension, []))[1].append(row)
        return list(grouped.values())


def coverage(*, on: dt.date) -> Coverage:
    totals = dict(
        Jurisdiction.objects.filter(level__in=LEVELS)
        .values_list("level")
        .annotate(count=Count("pk"))
        .order_by()
    )
    dimensions = list(Dimension.objects.order_by("position", "pk"))
    counted = (
        Position.objects.on(on)
        .filter(jurisdiction__level__in=LEVELS)
        .values_list("dimension_id", "jurisdiction__level")
        .annotate(
            known=Count("pk", filter=Q(value__isnull=False) & ~_finding()),
            found=Count("pk", filter=Q(value__isnull=False) & _finding()),
            suspended=Count("pk", filter=Q(value__isnull=True, provenance="suspended")),
        )
        .order_by()
    )
    counts = {(d, level): (k, f, s) for d, level, k, f, s in counted}
    rows = [
        CoverageRow(
            dimension, level, totals.get(level, 0), *counts.get((dimension.pk, level), (0, 0, 0))
        )
        for dimension in dimensions
        for level in LEVELS
        if totals.get(level)
    ]
    laws = Provision.objects.published().exclude(instrument__kind=InstrumentKind.RESEARCH_FINDING)
    quality = laws.aggregate(
        total=Count("pk"),
        unquoted=Count(
            "pk",
            filter=~Q(Exists(Citation.objects.filter(provision=OuterRef("pk")).exclude(quote=""))),
        ),
    )
    sources = Source.objects.public().aggregate(
        total=Count("pk"), unarchived=Count("pk", filter=Q(archived_url=""))
    )
    return Coverage(
        on=on,
        rows=rows,
        totals={level: totals.get(level, 0) for level in LEVELS},
        provisions_without_quotes=quality["unquoted"],
        published_provisions=quality["total"],
        sources_without_archive=sources["unarchived"],
        public_sources=sources["total"],
    )


def _finding() -> Q:
    return Q(provision__instrument__kind=InstrumentKind.RESEARCH_FINDING)


def jurisdictions_with_a_known_position(*, on: dt.date) -> int:
    """How many jurisdictions have at least one question answered from a law on that date."""
    return (
        Position.objects.on(on)
        .filter(value__isnull=False)
        .exclude(_finding())
        .values("jurisdiction_id")
        .distinct()
        .count()
    )


def states_with_published_instruments() -> int:
    return (
        Jurisdiction.objects.filter(level__in=(Level.STATE, Level.TERRITORY))
        .filter(
            Exists(
                Provision.objects.filter(
                    instrument__review_state=ReviewState.PUBLISHED,
                    instrument__jurisdiction__state=OuterRef("pk"),
                )
            )
        )
        .count()
    )
