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
import gc
import itertools
import json
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import NamedTuple

import orjson
from django.db import connection, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from jurisdictions.models import Jurisdiction
from policies.dates import certain_start
from policies.models import (
    Dimension,
    DimensionValue,
    Instrument,
    Position,
    Provision,
    ReviewState,
    Suspension,
)
from policies.positions import version as data_version
from policies.positions.rules import (
    STACKING_DIMENSIONS,
    Coded,
    Interval,
    Provenance,
    Scope,
    timeline,
)

Key = tuple[int, int]  # (jurisdiction id, dimension id)


def neutral_ranks() -> dict[int, int]:
    return dict(DimensionValue.objects.filter(is_neutral=True).values_list("dimension_id", "rank"))


def _neutral_and_stacking() -> tuple[dict[int, int], set[int]]:
    rows = DimensionValue.objects.filter(is_neutral=True).values_list(
        "dimension_id", "rank", "dimension__slug"
    )
    neutral, stacking = {}, set()
    for dimension_id, rank, slug in rows:
        neutral[dimension_id] = rank
        if slug in STACKING_DIMENSIONS:
            stacking.add(dimension_id)
    return neutral, stacking


def _parents(jurisdiction_ids: Iterable[int] | None) -> dict[int, int | None]:
    """Each jurisdiction's parent id, for the given ones and all their ancestors."""
    if jurisdiction_ids is None:
        return dict(Jurisdiction.objects.values_list("pk", "parent_id"))
    # The tree is at most three deep (state; county or place; county subdivision): each
    # row with its parent's and grandparent's parent is the whole chain. Read by primary
    # key, not through `children` joins (a state's 2,600 jurisdictions: 280 ms to 10).
    parents: dict[int, int | None] = {}
    for batch in itertools.batched(set(jurisdiction_ids), 10_000, strict=False):
        rows = (
            Jurisdiction.objects.filter(pk__any_of=batch)
            .order_by()
            .values_list("pk", "parent_id", "parent__parent_id", "parent__parent__parent_id")
        )
        for pk, parent, grandparent, great_grandparent in rows:
            parents[pk] = parent
            if parent is not None:
                parents[parent] = grandparent
            if grandparent is not None:
                parents[grandparent] = great_grandparent
    return parents


def chain_of(jurisdiction_id: int, parents: dict[int, int | None]) -> list[int]:
    chain, node = [], parents.get(jurisdiction_id)
    while node is not None and len(chain) < 10:
        chain.append(node)
        node = parents.get(node)
    return chain


def coded_provisions(
    jurisdiction_ids: set[int] | None, dimension_ids, include_drafts: bool
) -> list[Coded]:
    return list(iter_coded_provisions(jurisdiction_ids, dimension_ids, include_drafts))


def iter_coded_provisions(
    jurisdiction_ids: set[int] | None, dimension_ids, include_drafts: bool, chunk: int = 2000
) -> Iterator[Coded]:
    """As `coded_provisions`, read in chunks: a release streams every provision through it
    without holding them all."""
    if jurisdiction_ids is not None and connection.vendor == "postgresql":
        yield from _coded_of_adopters(jurisdiction_ids, dimension_ids, include_drafts)
        return
    provisions = Provision.objects.filter(instrument__effective_on__isnull=False)
    instruments = Instrument.objects.all()
    if not include_drafts:
        provisions = provisions.filter(instrument__review_state=ReviewState.PUBLISHED)
        instruments = instruments.filter(review_state=ReviewState.PUBLISHED)
    if jurisdiction_ids is not None:
        # Some jurisdictions' provisions (a state's subtree): read in no particular order,
        # since ordering them joined every jurisdiction to sort by FIPS code.
        provisions = provisions.filter(
            instrument__jurisdiction_id__any_of=list(jurisdiction_ids)
        ).order_by()
    if dimension_ids is not None:
        provisions = provisions.filter(dimension_id__any_of=list(dimension_ids))

    # An instrument drops out once one that supersedes it is certainly in force.
    successors = instruments.filter(supersedes__isnull=False, effective_on__isnull=False)
    if jurisdiction_ids is not None:  # only the successors of what is read
        successors = successors.filter(
            supersedes__jurisdiction_id__any_of=list(jurisdiction_ids)
        ).order_by()
    superseded_from = _superseded_from(
        successors.values_list("supersedes_id", "effective_on", "effective_precision")
    )
    suspensions = _suspensions(
        Suspension.objects.filter(provision__in=provisions.values("pk")).values_list(
            "pk", "provision_id", "starts_on", "ends_on"
        )
    )

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
        "instrument__ended_until",
    )
    for row in rows.iterator(chunk):
        yield Coded(
            *row,
            superseded_from=superseded_from.get(row[1]),
            suspensions=suspensions.get(row[0], ()),
        )


def _superseded_from(successors: Iterable[tuple]) -> dict[int, dt.date]:
    """When each superseded instrument stops counting, from its successors' (superseded
    id, effective date, precision): the earliest certain start among them."""
    superseded_from: dict[int, dt.date] = {}
    for old_id, effective_on, precision in successors:
        start = certain_start(effective_on, precision)
        superseded_from[old_id] = min(start, superseded_from.get(old_id, start))
    return superseded_from


def _suspensions(rows: Iterable[tuple]) -> dict[int, tuple]:
    """Each provision's court orders, (id, from, until), in the order they take effect,
    from (suspension id, provision id, from, until) rows."""
    by_provision: dict[int, list[tuple]] = defaultdict(list)
    for pk, provision_id, starts_on, ends_on in rows:
        by_provision[provision_id].append((pk, starts_on, ends_on))
    return {pk: tuple(sorted(found, key=lambda s: s[1])) for pk, found in by_provision.items()}


# The provisions of some adopters' instruments, on PostgreSQL. The provisions are looked up
# instrument by instrument (a lateral subquery the planner cannot flatten, through the
# (instrument, dimension) index): joined to the instruments instead, PostgreSQL scanned
# nearly half the provisions table through the dimension index (a state law's subtree at
# national scale: 178,000 provisions read for 13,000, 150-210 ms against 40-80).
_CODED_OF_ADOPTERS = """
    SELECT p.id, p.instrument_id, i.jurisdiction_id, p.dimension_id, p.value_id, v.rank,
           i.binding, i.effective_on, i.effective_precision, i.ended_on, i.ended_precision,
           i.ended_until
    FROM {instrument} AS i
    CROSS JOIN LATERAL (
        SELECT id, instrument_id, dimension_id, value_id FROM {provision} AS p
        WHERE p.instrument_id = i.id
          AND (%s::integer[] IS NULL OR p.dimension_id = ANY(%s::integer[]))
        OFFSET 0
    ) AS p
    JOIN {value} AS v ON v.id = p.value_id
    WHERE i.jurisdiction_id = ANY(%s::integer[]) AND i.effective_on IS NOT NULL
      AND (%s OR i.review_state = %s)
"""


def _coded_of_adopters(
    adopter_ids: set[int], dimension_ids, include_drafts: bool
) -> Iterator[Coded]:
    """`iter_coded_provisions` for some adopters on PostgreSQL: three plain queries whose
    ids go as array literals written by hand (the ORM prepared each of 12,000 ids one by
    one, a tenth of a state law's refresh)."""
    dimensions = _array(dimension_ids) if dimension_ids is not None else None
    sql = _CODED_OF_ADOPTERS.format(
        instrument=Instrument._meta.db_table,
        provision=Provision._meta.db_table,
        value=DimensionValue._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [dimensions, dimensions, _array(adopter_ids), include_drafts, ReviewState.PUBLISHED],
        )
        rows = cursor.fetchall()
        if not rows:
            return
        # An instrument drops out once one that supersedes it is certainly in force: only
        # the successors of what is read.
        cursor.execute(
            f"SELECT supersedes_id, effective_on, effective_precision "
            f"FROM {Instrument._meta.db_table} WHERE supersedes_id = ANY(%s::integer[]) "
            "AND effective_on IS NOT NULL AND (%s OR review_state = %s)",
            [_array({row[1] for row in rows}), include_drafts, ReviewState.PUBLISHED],
        )
        superseded_from = _superseded_from(cursor.fetchall())
        cursor.execute(
            f"SELECT id, provision_id, starts_on, ends_on FROM {Suspension._meta.db_table} "
            "WHERE provision_id = ANY(%s::integer[])",
            [_array(row[0] for row in rows)],
        )
        suspensions = _suspensions(cursor.fetchall())
    for row in rows:
        yield Coded(
            *row,
            superseded_from=superseded_from.get(row[1]),
            suspensions=suspensions.get(row[0], ()),
        )


def scopes_for(
    jurisdiction_ids: Iterable[int] | None = None,
    dimension_ids: Iterable[int] | None = None,
    *,
    include_drafts: bool = False,
) -> dict[Key, Scope]:
    """A Scope for every (jurisdiction, dimension) that some provision reaches, among the
    given jurisdictions (None: all) and dimensions (None: all). Six queries, however many."""
    wanted = set(jurisdiction_ids) if jurisdiction_ids is not None else None
    dimension_ids = list(dimension_ids) if dimension_ids is not None else None
    parents = _parents(wanted)
    targets = wanted if wanted is not None else set(parents)
    chains = {j: chain_of(j, parents) for j in targets}
    adopters = targets | {a for chain in chains.values() for a in chain}
    neutral, stacking = _neutral_and_stacking()

    coded = coded_provisions(
        adopters if wanted is not None else None, dimension_ids, include_drafts
    )
    return assemble_scopes(
        targets=targets, chains=chains, coded=coded, neutral=neutral, stacking=stacking
    )


def _reaches(
    targets: Iterable[int], chains: dict[int, list[int]], coded
) -> Iterator[tuple[int, int, tuple, list[Coded], list[list[Coded]]]]:
    """What reaches each (jurisdiction, dimension) that some provision reaches, in the
    order of `targets`: (jurisdiction, dimension, its parent chain, its own provisions
    (none: it only inherits), the binding provisions of each ancestor, nearest first). The
    ancestors' levels are built once per parent chain and dimension and shared: read them,
    never change them."""
    by_adopter: dict[Key, list[Coded]] = defaultdict(list)
    for c in coded:
        by_adopter[(c.adopter_id, c.dimension_id)].append(c)
    dimensions_of: dict[int, set[int]] = defaultdict(set)
    binding_of: dict[int, dict[int, list[Coded]]] = defaultdict(dict)
    for (adopter, dimension), reaching_adopter in by_adopter.items():
        dimensions_of[adopter].add(dimension)
        binding = [c for c in reaching_adopter if c.binding]
        if binding:
            binding_of[adopter][dimension] = binding

    levels_of: dict[tuple, list[list[Coded]]] = {}  # (chain, dimension)
    for j in targets:
        chain = tuple(chains[j])
        own_dimensions = dimensions_of.get(j, ())
        reaching = set(own_dimensions)
        for ancestor in chain:
            reaching.update(binding_of.get(ancestor, ()))
        for d in reaching:
            levels = levels_of.get((chain, d))
            if levels is None:
                levels = levels_of[(chain, d)] = [binding_of[a].get(d, []) for a in chain]
            own = by_adopter[(j, d)] if d in own_dimensions else []
            yield j, d, chain, own, levels


def assemble_scopes(
    *,
    targets: Iterable[int],
    chains: dict[int, list[int]],
    coded,
    neutral: dict[int, int],
    stacking: set[int] = frozenset(),
) -> dict[Key, Scope]:
    """The Scopes of these jurisdictions from coded provisions, without the database: a
    release (`releases/resolver.py`) resolves its frozen provisions through it too."""
    return {
        (j, d): Scope(neutral[d], list(own), d in stacking, levels)
        for j, d, _, own, levels in _reaches(targets, chains, coded)
    }


class Grouped(NamedTuple):
    """The scopes of some jurisdictions, split by how they are resolved."""

    # Scopes with provisions of their own: one timeline each.
    own: dict[Key, Scope]
    # Scopes that only inherit, by what they inherit (`_inherited_signature`): a state law
    # reaches thousands of places that code nothing themselves, and all those below the
    # same binding provisions have the same timeline, worked out once for all of them.
    inherited: dict[tuple, tuple[Scope, list[Key]]]


def group_scopes(
    *,
    targets: Iterable[int],
    chains: dict[int, list[int]],
    coded,
    neutral: dict[int, int],
    stacking: set[int] = frozenset(),
) -> Grouped:
    """The scopes `assemble_scopes` would give, grouped: one Scope for every class of those
    that only inherit."""
    own: dict[Key, Scope] = {}
    members: dict[tuple, list[Key]] = defaultdict(list)
    levels_of: dict[tuple, list[list[Coded]]] = {}
    for j, d, chain, provisions, levels in _reaches(targets, chains, coded):
        if provisions:
            own[(j, d)] = Scope(neutral[d], list(provisions), d in stacking, levels)
        else:
            members[(chain, d)].append((j, d))
            levels_of[(chain, d)] = levels

    inherited: dict[tuple, tuple[Scope, list[Key]]] = {}
    for (chain, d), keys in members.items():
        levels = levels_of[(chain, d)]
        signature = _inherited_signature(neutral[d], levels)
        if signature in inherited:
            inherited[signature][1].extend(keys)
        else:
            inherited[signature] = (Scope(neutral[d], [], d in stacking, levels), keys)
    return Grouped(own, inherited)


def _inherited_signature(neutral_rank: int, levels: list[list[Coded]]) -> tuple:
    """What the timeline of a scope with no provisions of its own depends on: the binding
    provisions above it, level by level, nearest first. A level with none changes nothing
    (a county that binds no one on the dimension), so it is left out: its places resolve
    as the state's other places do."""
    return (neutral_rank, tuple(tuple(level) for level in levels if level))


def grouped_scopes(jurisdiction_ids: Iterable[int] | None, dimension_ids) -> Grouped:
    """`scopes_for` (published instruments only), grouped as `group_scopes` does."""
    wanted = set(jurisdiction_ids) if jurisdiction_ids is not None else None
    parents = _parents(wanted)
    targets = wanted if wanted is not None else set(parents)
    chains = {j: chain_of(j, parents) for j in targets}
    adopters = targets | {a for chain in chains.values() for a in chain}
    neutral, stacking = _neutral_and_stacking()
    coded = iter_coded_provisions(
        adopters if wanted is not None else None,
        list(dimension_ids) if dimension_ids is not None else None,
        include_drafts=False,
    )
    return group_scopes(
        targets=targets, chains=chains, coded=coded, neutral=neutral, stacking=stacking
    )


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
    "suspended",
)
JSON_COLUMNS = 3  # the last three are lists of ids


def _rows(key: Key, intervals: list[Interval]) -> Iterator[tuple]:
    jurisdiction_id, dimension_id = key
    for interval in intervals:
        resolution = interval.resolution
        if not (resolution.is_known or interval.approximate or resolution.suspended):
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
            list(resolution.suspended),
        )


def computed_rows(jurisdiction_ids=None, dimension_ids=None) -> Iterator[tuple]:
    # Not a generator function: the queries run now, before the caller may start a COPY
    # on the same connection (no other statement can run during one).
    return _expanded_rows(grouped_scopes(jurisdiction_ids, dimension_ids))


def _expanded_rows(grouped: Grouped, since: dt.date | None = None) -> Iterator[tuple]:
    """Every interval row of the grouped scopes, in (jurisdiction, dimension) order: the
    order a full rebuild writes them in, so that one jurisdiction's rows share pages."""
    intervals_of: dict[Key, list[Interval]] = {}
    for key, scope in grouped.own.items():
        intervals_of[key] = timeline(scope, since)
    for scope, keys in grouped.inherited.values():
        shared = timeline(scope, since)
        intervals_of.update(dict.fromkeys(keys, shared))
    return (row for key in sorted(intervals_of) for row in _rows(key, intervals_of[key]))


def _write(rows: Iterable[tuple]) -> int:
    """Insert interval rows: COPY on PostgreSQL (three times faster than INSERT at national
    scale), bulk_create elsewhere."""
    count = 0
    if connection.vendor == "postgresql":
        table = Position._meta.db_table
        with connection.cursor() as cursor:
            return _copy(cursor, table, rows)
    if connection.vendor == "sqlite":
        # executemany with the values as SQLite stores them: building a model instance per
        # row was four fifths of rebuilding 60,000 rows.
        table = Position._meta.db_table
        statement = (
            f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
        )
        with connection.cursor() as cursor:
            for batch in itertools.batched(map(_sqlite_row, rows), 5000, strict=False):
                cursor.executemany(statement, batch)
                count += len(batch)
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


def _copy(cursor, table: str, rows: Iterable[tuple]) -> int:
    """COPY rows into a PostgreSQL table, written as COPY's text format by hand: psycopg's
    per-value adaptation (a Jsonb dump for each of three lists a row) was half the cost."""
    return _copy_lines(cursor, table, map(_copy_line, rows))


def _copy_lines(cursor, table: str, lines: Iterable[str]) -> int:
    count = 0
    with cursor.cursor.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
        for batch in itertools.batched(lines, 2000, strict=False):
            copy.write("".join(batch))
            count += len(batch)
    return count


NULL = "\\N"  # in COPY's text format


def _copy_line(row: tuple) -> str:
    # Every value is a number, a date, a bool, a list of ids or a provenance word: none
    # holds a tab, a newline or a backslash, so nothing needs escaping. One f-string: a
    # state law's refresh writes tens of thousands of these lines.
    j, d, since, until, value, rank, provenance, provision, approximate, *lists = row
    overridden, noted, suspended = map(_json_ids, lists)
    return (
        f"{j}\t{d}\t{since.isoformat() if since else NULL}\t"
        f"{until.isoformat() if until else NULL}\t{NULL if value is None else value}\t"
        f"{NULL if rank is None else rank}\t{provenance}\t"
        f"{NULL if provision is None else provision}\t{'t' if approximate else 'f'}\t"
        f"{overridden}\t{noted}\t{suspended}\n"
    )


def _json_ids(ids) -> str:
    """A list of ids as json.dumps writes it ("[1, 2]"), and PostgreSQL prints a jsonb."""
    return "[" + ", ".join(map(str, ids)) + "]" if ids else "[]"


def _sqlite_row(row: tuple) -> tuple:
    """Dates as ISO text and lists as JSON text, as Django's SQLite backend writes them."""
    since, until = row[2], row[3]
    return (
        *row[:2],
        since.isoformat() if since else None,
        until.isoformat() if until else None,
        *row[4:8],
        bool(row[8]),
        *(json.dumps(ids) if ids else "[]" for ids in row[-JSON_COLUMNS:]),
    )


# A bulk load (the seed) publishes many instruments and rebuilds every position once at
# its end: inside `deferred()`, rebuilds only note that they are owed.
_deferral = threading.local()


@contextmanager
def deferred():
    """Hold back every rebuild until the outermost block ends, then rebuild everything
    once if any was asked for. For bulk loads, which would otherwise rebuild a state's
    thousands of places once per instrument they publish."""
    depth = getattr(_deferral, "depth", 0)
    if depth == 0:
        _deferral.owed = False
    _deferral.depth = depth + 1
    try:
        yield
    finally:
        _deferral.depth = depth
    if depth == 0 and _deferral.owed:
        _deferral.owed = False
        rebuild()


@transaction.atomic
def rebuild(jurisdiction_ids: Iterable[int] | None = None, dimension_ids=None) -> int:
    """Recompute the stored intervals of these jurisdictions and dimensions (None: all)."""
    if getattr(_deferral, "depth", 0):
        _deferral.owed = True
        return 0
    jurisdiction_ids = set(jurisdiction_ids) if jurisdiction_ids is not None else None
    dimension_ids = set(dimension_ids) if dimension_ids is not None else None
    # First, before any position row: every transaction that rewrites positions then locks
    # the version row before their rows, in the same order, so two never deadlock.
    data_version.bump()
    _stored(jurisdiction_ids, dimension_ids).delete()
    return _write(computed_rows(jurisdiction_ids, dimension_ids))


class Rewritten(NamedTuple):
    """How many stored intervals a refresh deleted and inserted."""

    deleted: int
    inserted: int


@transaction.atomic
def refresh(
    jurisdiction_ids: Iterable[int] | None = None,
    dimension_ids=None,
    *,
    since: dt.date | None = None,
) -> Rewritten:
    """Bring the stored intervals of these jurisdictions and dimensions (None: all) in step
    with a fresh computation, rewriting only the intervals that differ: the result is the
    table `rebuild()` would leave, at the cost of what changed.

    Publishing a state law changes each place's intervals from the law's date on; the ones
    before stay, and so do those of every dimension the law does not code. `since`: the
    change moves nothing before that date, so the intervals that end before it are neither
    resolved, read nor compared (the signals pass an instrument's earliest date)."""
    if getattr(_deferral, "depth", 0):
        _deferral.owed = True
        return Rewritten(0, 0)
    jurisdiction_ids = set(jurisdiction_ids) if jurisdiction_ids is not None else None
    dimension_ids = set(dimension_ids) if dimension_ids is not None else None
    data_version.bump()  # first, as in rebuild(): the same lock order
    with _no_cycle_collection():
        return _refresh(jurisdiction_ids, dimension_ids, since)


@contextmanager
def _no_cycle_collection():
    """Hold back Python's cycle collector: a refresh makes tens of thousands of short-lived
    tuples and no cycles, and each collection they set off walks every object the process
    holds (a tenth of a state law's refresh went to it)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _refresh(
    jurisdiction_ids: set[int] | None, dimension_ids: set[int] | None, since: dt.date | None
) -> Rewritten:
    grouped = grouped_scopes(jurisdiction_ids, dimension_ids)
    if connection.vendor != "postgresql":
        stored = _stored(jurisdiction_ids, dimension_ids)
        if since is not None:
            stored = stored.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=since))
        return _refresh_rows(_expanded_rows(grouped, since), stored)
    # The places that only inherit are brought in step in the database, by what they
    # inherit (a state law: a few dozen timelines for thousands of places), without their
    # rows crossing the wire; those with provisions of their own, one by one in Python.
    inherited = _refresh_inherited(grouped, jurisdiction_ids, dimension_ids, since)
    own = _refresh_lines(_expanded_rows(Grouped(grouped.own, {}), since), grouped.own, since)
    return Rewritten(inherited.deleted + own.deleted, inherited.inserted + own.inserted)


def _refresh_rows(rows: Iterable[tuple], stored) -> Rewritten:
    """Bring the stored rows of a queryset in step with these fresh ones, rewriting only the
    rows that differ.

    The difference is worked out in Python, where the fresh rows already are: one read of
    the stored rows, one DELETE of the stale ones by id, one COPY of the new ones."""
    wanted = {_signature(row): row for row in rows}
    stale = []
    # The id lists read as text and parsed with orjson: JSONField's decoding of each was
    # most of the time spent reading.
    lists = {f"{name}_text": Cast(name, TextField()) for name in COLUMNS[-JSON_COLUMNS:]}
    stored = stored.order_by().annotate(**lists).values_list("pk", *COLUMNS[:-JSON_COLUMNS], *lists)
    for pk, *row in stored.iterator(chunk_size=5000):
        ids = (tuple(orjson.loads(text)) for text in row[-JSON_COLUMNS:])
        if wanted.pop((*row[:-JSON_COLUMNS], *ids), None) is None:
            stale.append(pk)
    for batch in itertools.batched(stale, 10_000, strict=False):
        Position.objects.filter(pk__any_of=batch).delete()
    return Rewritten(len(stale), _write(wanted.values()))


# A stored row as `_copy_line` writes it, formatted by PostgreSQL (jsonb prints a list of
# ids as json.dumps does: "[1, 2]").
_STORED_LINE = (
    "concat_ws(E'\\t', jurisdiction_id, dimension_id, coalesce(valid_from::text, '\\N'), "
    "coalesce(valid_to::text, '\\N'), coalesce(value_id::text, '\\N'), "
    "coalesce(rank::text, '\\N'), provenance, coalesce(provision_id::text, '\\N'), "
    "CASE WHEN approximate THEN 't' ELSE 'f' END, overridden::text, noted::text, "
    "suspended::text) || E'\\n'"
)


def _refresh_lines(rows: Iterable[tuple], keys: Iterable[Key], since=None) -> Rewritten:
    """`_refresh_rows` on PostgreSQL, for the stored rows of these (jurisdiction, dimension)
    pairs: fresh and stored rows are compared as the lines COPY reads, the stored ones
    formatted by the database, so that no stored value is decoded in Python; the new lines
    are then COPYed as they are. The ids go as array literals written by hand (Django and
    psycopg prepare a list's every element one by one)."""
    wanted = dict.fromkeys(map(_copy_line, rows))
    by_dimension: dict[int, list[int]] = defaultdict(list)
    for j, d in keys:
        by_dimension[d].append(j)
    stale: list[int] = []
    table = Position._meta.db_table
    with connection.cursor() as cursor:
        for d, js in by_dimension.items():
            cursor.execute(
                f"SELECT id, {_STORED_LINE} FROM {table} "
                "WHERE dimension_id = %s AND jurisdiction_id = ANY(%s::integer[])"
                " AND (%s::date IS NULL OR valid_to IS NULL OR valid_to >= %s::date)",
                [d, _array(js), since, since],
            )
            for pk, line in cursor.fetchall():
                if line in wanted:
                    del wanted[line]
                else:
                    stale.append(pk)
        if stale:
            cursor.execute(f"DELETE FROM {table} WHERE id = ANY(%s::bigint[])", [_array(stale)])
        return Rewritten(len(stale), _copy_lines(cursor, table, wanted))


def _array(ids: Iterable[int | None]) -> str:
    """A PostgreSQL array literal of ids (None: NULL)."""
    return "{" + ",".join("NULL" if i is None else str(i) for i in ids) + "}"


# The inherited intervals of every class, and which (jurisdiction, dimension) has which
# class (none: no provision reaches it, so it has no rows), as arrays.
_FRESH_AND_MEMBERS = """
    WITH fresh AS MATERIALIZED (
        SELECT class, valid_from, valid_to, value_id, rank, provenance, provision_id,
               approximate, overridden::jsonb AS overridden, noted::jsonb AS noted,
               suspended::jsonb AS suspended
        FROM unnest(%s::integer[], %s::date[], %s::date[], %s::integer[], %s::integer[],
                    %s::text[], %s::integer[], %s::boolean[], %s::text[], %s::text[],
                    %s::text[])
          AS fresh(class, valid_from, valid_to, value_id, rank, provenance, provision_id,
                   approximate, overridden, noted, suspended)
    ), member AS MATERIALIZED (
        SELECT * FROM unnest(%s::integer[], %s::integer[], %s::integer[])
          AS member(jurisdiction_id, dimension_id, class)
    )
"""
_VALUES = (
    "valid_from, valid_to, value_id, rank, provenance, provision_id, approximate, "
    "overridden, noted, suspended"
)


def _refresh_inherited(grouped: Grouped, jurisdiction_ids, dimension_ids, since) -> Rewritten:
    """On PostgreSQL: bring in step the stored rows of every (jurisdiction, dimension) in
    scope without provisions of its own, in two statements. Each class's timeline is worked
    out once here and sent once; the database pairs it with the class's members, deletes
    the stored rows that differ from it and inserts the ones missing."""
    fresh: list[list] = [[] for _ in range(len(COLUMNS) - 1)]  # class, then the values
    class_of: dict[Key, int] = {}
    for number, (scope, keys) in enumerate(grouped.inherited.values()):
        class_of.update(dict.fromkeys(keys, number))
        for row in _rows((0, 0), timeline(scope, since)):
            for column, cell in zip(
                fresh[:-JSON_COLUMNS], (number, *row[2:-JSON_COLUMNS]), strict=True
            ):
                column.append(cell)
            for column, ids in zip(fresh[-JSON_COLUMNS:], row[-JSON_COLUMNS:], strict=True):
                column.append(json.dumps(ids) if ids else "[]")
    if jurisdiction_ids is None:
        jurisdiction_ids = Jurisdiction.objects.values_list("pk", flat=True)
    if dimension_ids is None:
        dimension_ids = Dimension.objects.values_list("pk", flat=True)
    dimension_ids = list(dimension_ids)
    members: list[list[int | None]] = [[], [], []]
    for j in jurisdiction_ids:
        for d in dimension_ids:
            if (j, d) not in grouped.own:
                members[0].append(j)
                members[1].append(d)
                members[2].append(class_of.get((j, d)))
    # Written as array literals by hand: psycopg adapting tens of thousands of ints one by
    # one cost more than the statements.
    params = [*fresh, *map(_array, members)]
    table = Position._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""{_FRESH_AND_MEMBERS}
            DELETE FROM {table} AS stored USING member
            WHERE stored.jurisdiction_id = member.jurisdiction_id
              AND stored.dimension_id = member.dimension_id
              AND (%s::date IS NULL OR stored.valid_to IS NULL OR stored.valid_to >= %s::date)
              AND NOT EXISTS (
                SELECT FROM fresh WHERE fresh.class = member.class
                  AND ({", ".join(f"fresh.{c}" for c in _VALUES.split(", "))})
                      IS NOT DISTINCT FROM
                      ({", ".join(f"stored.{c}" for c in _VALUES.split(", "))}))""",
            [*params, since, since],
        )
        deleted = cursor.rowcount
        # What is left of a member's rows all equal its class's: a fresh row is missing
        # exactly when no row of the member starts on its date.
        cursor.execute(
            f"""{_FRESH_AND_MEMBERS}
            INSERT INTO {table} (jurisdiction_id, dimension_id, {_VALUES})
            SELECT member.jurisdiction_id, member.dimension_id,
                   {", ".join(f"fresh.{c}" for c in _VALUES.split(", "))}
            FROM member JOIN fresh ON fresh.class = member.class
            WHERE NOT EXISTS (
                SELECT FROM {table} AS stored
                WHERE stored.jurisdiction_id = member.jurisdiction_id
                  AND stored.dimension_id = member.dimension_id
                  AND stored.valid_from IS NOT DISTINCT FROM fresh.valid_from)""",
            params,
        )
        return Rewritten(deleted, cursor.rowcount)


def _stored(jurisdiction_ids, dimension_ids):
    stored = Position.objects.all()
    if jurisdiction_ids is not None:
        stored = stored.filter(jurisdiction_id__any_of=list(jurisdiction_ids))
    if dimension_ids is not None:
        stored = stored.filter(dimension_id__any_of=list(dimension_ids))
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


def refresh_for_adopter(
    jurisdiction_id: int,
    dimension_ids: Iterable[int] | None,
    *,
    binding: bool = True,
    since: dt.date | None = None,
) -> Rewritten:
    """After an instrument of this jurisdiction changed: its subtree may have changed, or
    only the jurisdiction itself when the instrument binds no one below it. `since`: as for
    `refresh`."""
    if getattr(_deferral, "depth", 0):
        _deferral.owed = True
        return Rewritten(0, 0)
    targets = subtree_ids(jurisdiction_id) if binding else {jurisdiction_id}
    return refresh(targets, dimension_ids, since=since)


def _signature(row: tuple) -> tuple:
    return (*row[:-JSON_COLUMNS], *(tuple(ids) for ids in row[-JSON_COLUMNS:]))


def differences(jurisdiction_ids=None, dimension_ids=None) -> tuple[set, set]:
    """Stored rows missing from a fresh computation, and computed rows not stored."""
    stored = _stored(jurisdiction_ids, dimension_ids).values_list(*COLUMNS)
    stored_set = {_signature(row) for row in stored.iterator(chunk_size=5000)}
    fresh_set = {_signature(row) for row in computed_rows(jurisdiction_ids, dimension_ids)}
    return stored_set - fresh_set, fresh_set - stored_set


__all__ = [
    "Provenance",
    "Rewritten",
    "assemble_scopes",
    "chain_of",
    "computed_rows",
    "deferred",
    "differences",
    "rebuild",
    "refresh",
    "refresh_for_adopter",
    "scopes_for",
    "subtree_ids",
]
