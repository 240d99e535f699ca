"""The stored position intervals: built from provisions, kept in step, checked.

Why a table: the map (one dimension, every county, one date) and filters such as "counties at
least as limiting as `judicial-warrant-only` on 2019-06-01" must run in the database at
national scale. Resolving inheritance and preemption on every read would load every
provision of every ancestor; with the intervals stored, each is one indexed range query.
The cost moves to writes, which are rare (a curator publishes an instrument) and touch one
subtree: the adopter and, for a binding instrument, everything below it.

Only published instruments count. Previews that include drafts are computed on read by
`scopes_for(..., include_drafts=True)` and never stored.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.db import connection, transaction
from django.db.models import Q

from jurisdictions.models import Jurisdiction
from policies.dates import certain_start
from policies.models import DimensionValue, Instrument, Position, Provision, ReviewState
from policies.positions import version as data_version
from policies.positions.rules import Coded, Interval, Provenance, Scope, timeline

Key = tuple[int, int]  # (jurisdiction id, dimension id)


def neutral_ranks() -> dict[int, int]:
    return dict(DimensionValue.objects.filter(is_neutral=True).values_list("dimension_id", "rank"))


def _parents(jurisdiction_ids: Iterable[int] | None) -> dict[int, int | None]:
    """Each jurisdiction's parent id, for the given ones and all their ancestors."""
    rows = Jurisdiction.objects.all()
    if jurisdiction_ids is not None:
        ids = set(jurisdiction_ids)
        # The tree is at most three deep (state, county, place): two hops reach the top.
        rows = rows.filter(
            Q(pk__in=ids) | Q(children__in=ids) | Q(children__children__in=ids)
        ).distinct()
    return dict(rows.values_list("pk", "parent_id"))


def chain_of(jurisdiction_id: int, parents: dict[int, int | None]) -> list[int]:
    chain, node = [], parents.get(jurisdiction_id)
    while node is not None and len(chain) < 10:
        chain.append(node)
        node = parents.get(node)
    return chain


def coded_provisions(
    jurisdiction_ids: set[int] | None, dimension_ids, include_drafts: bool
) -> list[Coded]:
    provisions = Provision.objects.filter(instrument__effective_on__isnull=False)
    instruments = Instrument.objects.all()
    if not include_drafts:
        provisions = provisions.filter(instrument__review_state=ReviewState.PUBLISHED)
        instruments = instruments.filter(review_state=ReviewState.PUBLISHED)
    if jurisdiction_ids is not None:
        provisions = provisions.filter(instrument__jurisdiction_id__in=jurisdiction_ids)
    if dimension_ids is not None:
        provisions = provisions.filter(dimension_id__in=dimension_ids)

    # An instrument drops out once one that supersedes it is certainly in force.
    superseded_from: dict[int, dt.date] = {}
    successors = instruments.filter(supersedes__isnull=False, effective_on__isnull=False)
    for old_id, effective_on, precision in successors.values_list(
        "supersedes_id", "effective_on", "effective_precision"
    ):
        start = certain_start(effective_on, precision)
        superseded_from[old_id] = min(start, superseded_from.get(old_id, start))

    rows = provisions.values_list(
        "pk",
        "instrument_id",
        "instrument__jurisdiction_id",
        "dimension_id",
        "value_id",
        "value__rank",
        "instrument__binding",
        "instrument__effective_on",
        "instrument__effective_precision",
        "instrument__ended_on",
        "instrument__ended_precision",
    )
    return [Coded(*row, superseded_from=superseded_from.get(row[1])) for row in rows]


def scopes_for(
    jurisdiction_ids: Iterable[int] | None = None,
    dimension_ids: Iterable[int] | None = None,
    *,
    include_drafts: bool = False,
) -> dict[Key, Scope]:
    """A Scope for every (jurisdiction, dimension) that some provision reaches, among the
    given jurisdictions (None: all) and dimensions (None: all). Five queries, however many."""
    wanted = set(jurisdiction_ids) if jurisdiction_ids is not None else None
    dimension_ids = list(dimension_ids) if dimension_ids is not None else None
    parents = _parents(wanted)
    targets = wanted if wanted is not None else set(parents)
    chains = {j: chain_of(j, parents) for j in targets}
    adopters = targets | {a for chain in chains.values() for a in chain}
    neutral = neutral_ranks()

    coded = coded_provisions(
        adopters if wanted is not None else None, dimension_ids, include_drafts
    )
    return assemble_scopes(targets=targets, chains=chains, coded=coded, neutral=neutral)


def assemble_scopes(
    *, targets: Iterable[int], chains: dict[int, list[int]], coded, neutral: dict[int, int]
) -> dict[Key, Scope]:
    """The Scopes of these jurisdictions from coded provisions, without the database: a
    release (`releases/resolver.py`) resolves its frozen provisions through it too."""
    by_adopter: dict[Key, list[Coded]] = defaultdict(list)
    for c in coded:
        by_adopter[(c.adopter_id, c.dimension_id)].append(c)
    dimensions_of: dict[int, set[int]] = defaultdict(set)
    binding_dimensions_of: dict[int, set[int]] = defaultdict(set)
    for (adopter, dimension), reaching_adopter in by_adopter.items():
        dimensions_of[adopter].add(dimension)
        if any(c.binding for c in reaching_adopter):
            binding_dimensions_of[adopter].add(dimension)

    scopes: dict[Key, Scope] = {}
    for j in targets:
        reaching = set(dimensions_of[j])
        for ancestor in chains[j]:
            reaching |= binding_dimensions_of[ancestor]
        for d in reaching:
            scopes[(j, d)] = Scope(
                neutral_rank=neutral[d],
                own=list(by_adopter.get((j, d), [])),
                ancestors=[[c for c in by_adopter.get((a, d), []) if c.binding] for a in chains[j]],
            )
    return scopes


# A stored interval as a plain tuple, in this column order: building a million model
# instances costs more than resolving them.
COLUMNS = (
    "jurisdiction_id",
    "dimension_id",
    "valid_from",
    "valid_to",
    "value_id",
    "rank",
    "provenance",
    "provision_id",
    "approximate",
    "overridden",
    "noted",
)


def _rows(key: Key, intervals: list[Interval]) -> Iterator[tuple]:
    jurisdiction_id, dimension_id = key
    for interval in intervals:
        resolution = interval.resolution
        if not resolution.is_known and not interval.approximate:
            continue  # absence of a row already means unknown
        yield (
            jurisdiction_id,
            dimension_id,
            interval.since,
            interval.until,
            resolution.value_id,
            resolution.rank,
            resolution.provenance.value,
            resolution.decided_by.provision_id if resolution.decided_by else None,
            interval.approximate,
            list(resolution.overridden),
            list(resolution.noted),
        )


def computed_rows(jurisdiction_ids=None, dimension_ids=None) -> Iterator[tuple]:
    # Not a generator function: the queries run now, before the caller may start a COPY
    # on the same connection (no other statement can run during one).
    scopes = scopes_for(jurisdiction_ids, dimension_ids)
    return (row for key, scope in scopes.items() for row in _rows(key, timeline(scope)))


def _write(rows: Iterable[tuple]) -> int:
    """Insert interval rows: COPY on PostgreSQL (three times faster than INSERT at national
    scale), bulk_create elsewhere."""
    count = 0
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        table = Position._meta.db_table
        with connection.cursor() as cursor:
            statement = f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN"
            with cursor.cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row((*row[:-2], Jsonb(row[-2]), Jsonb(row[-1])))
                    count += 1
        return count
    batch = []
    for row in rows:
        batch.append(Position(**dict(zip(COLUMNS, row, strict=True))))
        if len(batch) == 2000:
            Position.objects.bulk_create(batch)
            count += len(batch)
            batch = []
    Position.objects.bulk_create(batch)
    return count + len(batch)


@transaction.atomic
def rebuild(jurisdiction_ids: Iterable[int] | None = None, dimension_ids=None) -> int:
    """Recompute the stored intervals of these jurisdictions and dimensions (None: all)."""
    jurisdiction_ids = set(jurisdiction_ids) if jurisdiction_ids is not None else None
    dimension_ids = set(dimension_ids) if dimension_ids is not None else None
    # First, before any position row: every transaction that rewrites positions then locks
    # the version row before their rows, in the same order, so two never deadlock.
    data_version.bump()
    _stored(jurisdiction_ids, dimension_ids).delete()
    return _write(computed_rows(jurisdiction_ids, dimension_ids))


def _stored(jurisdiction_ids, dimension_ids):
    stored = Position.objects.all()
    if jurisdiction_ids is not None:
        stored = stored.filter(jurisdiction_id__in=jurisdiction_ids)
    if dimension_ids is not None:
        stored = stored.filter(dimension_id__in=dimension_ids)
    return stored


def subtree_ids(jurisdiction_id: int) -> set[int]:
    """The jurisdiction and everything below it (the tree is at most three deep)."""
    return set(
        Jurisdiction.objects.filter(
            Q(pk=jurisdiction_id)
            | Q(parent_id=jurisdiction_id)
            | Q(parent__parent_id=jurisdiction_id)
        ).values_list("pk", flat=True)
    )


def refresh_for_adopter(jurisdiction_id: int, dimension_ids: Iterable[int] | None) -> int:
    """After an instrument of this jurisdiction changed: its subtree may have changed."""
    return rebuild(subtree_ids(jurisdiction_id), dimension_ids)


def _signature(row: tuple) -> tuple:
    return (*row[:-2], tuple(row[-2]), tuple(row[-1]))


def differences(jurisdiction_ids=None, dimension_ids=None) -> tuple[set, set]:
    """Stored rows missing from a fresh computation, and computed rows not stored."""
    stored = _stored(jurisdiction_ids, dimension_ids).values_list(*COLUMNS)
    stored_set = {_signature(row) for row in stored.iterator(chunk_size=5000)}
    fresh_set = {_signature(row) for row in computed_rows(jurisdiction_ids, dimension_ids)}
    return stored_set - fresh_set, fresh_set - stored_set


__all__ = [
    "Provenance",
    "assemble_scopes",
    "chain_of",
    "computed_rows",
    "differences",
    "rebuild",
    "refresh_for_adopter",
    "scopes_for",
    "subtree_ids",
]
