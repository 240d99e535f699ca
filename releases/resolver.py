"""Positions as a release published them: its frozen provisions through the same pure rules
(`policies/positions/rules.py`), so an answer with `?release=N` never changes after later
edits. The inputs are the `resolver_*` tables of the release's SQLite file; the deciding
provision is described from the release's own `provisions` table."""

import copy
import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from django.http import Http404

from policies.models import Dimension, DimensionValue
from policies.positions.queries import (
    InstrumentRef,
    JurisdictionRef,
    PositionAnswer,
    ProvisionRef,
    SourceRef,
    SuspensionRef,
    merge_sources,
    suspension_refs,
)
from policies.positions.rules import STACKING_DIMENSIONS, Coded, Provenance, position_on, timeline
from policies.positions.store import assemble_scopes, chain_of
from releases import files
from releases.models import Release
from releases.services import release_directory


def release_numbered(raw: str) -> Release:
    """The release a `release` parameter names; a 404 naming it otherwise."""
    try:
        number = int(raw)
    except ValueError:
        number = None
    release = Release.objects.filter(number=number).first() if number is not None else None
    if release is None:
        raise Http404(f"No release {raw!r}: see /api/v1/releases/ for the releases cut so far.")
    return release


def _date(text):
    return dt.date.fromisoformat(text) if text else None


class Frozen:
    """One release's resolver inputs, read from its SQLite file."""

    def __init__(self, release: Release):
        path: Path = release_directory(release.number) / files.SQLITE.format(number=release.number)
        if not path.is_file():
            raise Http404(f"The files of release {release.number} are missing.")
        self.database = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        # Older releases lack some tables: those added since, and tables with no rows.
        self.tables = {name for (name,) in self.database.execute("SELECT name FROM sqlite_master")}

    def close(self):
        self.database.close()

    def parents(self) -> dict[int, int | None]:
        return dict(self.database.execute("SELECT id, parent_id FROM resolver_jurisdictions"))

    def columns(self, table: str) -> set[str]:
        return {row[1] for row in self.database.execute(f"PRAGMA table_info({table})")}

    def coded(self, dimension_ids: list[int]) -> list[Coded]:
        marks = ", ".join("?" * len(dimension_ids))
        # Releases cut before windowed ends were recorded have no `ended_until`: NULL.
        present = self.columns("resolver_provisions")
        selected = [c if c in present else "NULL" for c in files.RESOLVER_PROVISIONS]
        rows = self.database.execute(
            f"SELECT {', '.join(selected)} FROM resolver_provisions "
            f"WHERE dimension_id IN ({marks})",
            dimension_ids,
        )
        suspensions: dict[int, list] = {}
        for provision_id, pk, since, until in self.database.execute(
            "SELECT provision_id, suspension_id, since, until FROM resolver_suspensions "
            "ORDER BY suspension_id"
        ):
            suspensions.setdefault(provision_id, []).append((pk, _date(since), _date(until)))
        return [
            Coded(
                *row[:6],
                bool(row[6]),
                _date(row[7]),
                row[8],
                _date(row[9]),
                row[10],
                _date(row[11]),
                superseded_from=_date(row[12]),
                suspensions=tuple(suspensions.get(row[0], ())),
            )
            for row in rows
        ]

    def codebook(self, dimensions: list[Dimension]) -> "FrozenCodebook":
        """These dimensions as the release's codebook had them: names, value labels, ranks
        and neutral points from its `dimension_values` table, so an answer under
        `?release=N` never takes a label edited later."""
        names, scales = {}, {}
        for dimension, name, slug, label, rank, neutral in self.database.execute(
            "SELECT dimension, dimension_name, value, label, rank, is_neutral "
            "FROM dimension_values ORDER BY dimension, rank"
        ):
            names[dimension] = name
            scales.setdefault(dimension, []).append((slug, label, rank, bool(neutral)))
        # Which value each id coded, as the release recorded it (older releases did not:
        # the ids' slugs now).
        if "resolver_values" in self.tables:
            slugs = {
                pk: (dimension, value)
                for pk, dimension, value in self.database.execute(
                    "SELECT value_id, dimension, value FROM resolver_values"
                )
            }
        else:
            slugs = {v.pk: (d.slug, v.slug) for d in dimensions for v in d.values.all()}
        frozen_dimensions, legends, values = [], {}, {}
        for live in dimensions:
            dimension = copy.copy(live)  # the live codebook's instances are shared
            dimension.name = names.get(live.slug, live.name)
            frozen_dimensions.append(dimension)
            legends[live.pk] = [
                DimensionValue(dimension_id=live.pk, slug=s, label=label, rank=r, is_neutral=n)
                for s, label, r, n in scales.get(live.slug, ())
            ]
            by_slug = {v.slug: v for v in legends[live.pk]}
            for value in live.values.all():
                frozen = by_slug.get(slugs.get(value.pk, ("", ""))[1])
                values[value.pk] = (
                    value
                    if frozen is None
                    else DimensionValue(
                        pk=value.pk,
                        dimension_id=live.pk,
                        slug=frozen.slug,
                        label=frozen.label,
                        rank=frozen.rank,
                        is_neutral=frozen.is_neutral,
                    )
                )
        return FrozenCodebook(frozen_dimensions, values, legends)

    def neutral(self) -> dict[int, int]:
        return dict(self.database.execute("SELECT dimension_id, rank FROM resolver_neutral"))

    def stacking(self, dimensions: list[Dimension]) -> set[int]:
        """The dimensions whose provisions stack, as the release recorded them (older
        releases did not: the engine's rule then)."""
        if "stacking" not in self.columns("resolver_neutral"):
            return {d.pk for d in dimensions if d.slug in STACKING_DIMENSIONS}
        return {
            pk
            for (pk,) in self.database.execute(
                "SELECT dimension_id FROM resolver_neutral WHERE stacking = 1"
            )
        }

    def orders(self, suspension_ids: set[int]) -> dict[int, SuspensionRef]:
        """The court orders as the release described them (older releases did not: as
        they stand now)."""
        if not suspension_ids or "resolver_orders" not in self.tables:
            return suspension_refs(suspension_ids)
        marks = ", ".join("?" * len(suspension_ids))
        rows = self.database.execute(
            f"SELECT {', '.join(files.RESOLVER_ORDERS)} FROM resolver_orders "
            f"WHERE suspension_id IN ({marks})",
            sorted(suspension_ids),
        )
        refs = {}
        for pk, order, since, until, reason, slug, pinpoint, *rest in rows:
            instrument = InstrumentRef(
                rest[0],
                rest[1] or "",
                rest[2] or "",
                rest[3] or "",
                bool(rest[4]),
                rest[5],
                JurisdictionRef(rest[6], rest[7], rest[8]),
            )
            source = (
                SourceRef(rest[9], rest[10] or "", rest[11] or "", rest[12] or "")
                if rest[9] is not None
                else None
            )
            refs[pk] = SuspensionRef(
                pk,
                order,
                _date(since),
                _date(until),
                reason or "",
                slug,
                pinpoint or "",
                instrument,
                source,
            )
        return refs

    def sources(self, provision_ids, instrument_ids) -> tuple[dict, dict]:
        """As `policies.positions.queries._sources_of`, from the release's tables."""
        by_provision: dict[int, list] = {}
        by_instrument: dict[int, list] = {}
        if not {"citations", "sources"} <= self.tables:
            return by_provision, by_instrument
        p_marks = ", ".join("?" * len(provision_ids))
        i_marks = ", ".join("?" * len(instrument_ids))
        rows = self.database.execute(
            "SELECT c.provision_id, c.instrument_id, s.source_id, s.title, s.url, s.publisher "
            "FROM citations AS c JOIN sources AS s ON s.source_id = c.source_id "
            f"WHERE c.provision_id IN ({p_marks}) OR c.instrument_id IN ({i_marks}) "
            "ORDER BY c.citation_id",
            [*provision_ids, *instrument_ids],
        )
        for provision_id, instrument_id, *source in rows:
            ref = SourceRef(source[0], source[1] or "", source[2] or "", source[3] or "")
            if provision_id is not None:
                by_provision.setdefault(provision_id, []).append(ref)
            else:
                by_instrument.setdefault(instrument_id, []).append(ref)
        return by_provision, by_instrument

    def provision_refs(self, ids, values_by_slug, with_sources=()) -> dict[int, ProvisionRef]:
        ids = sorted(set(ids))
        if not ids:
            return {}
        marks = ", ".join("?" * len(ids))
        rows = self.database.execute(
            "SELECT p.provision_id, p.pinpoint, p.exceptions, p.dimension, p.value, "
            "p.instrument_id, p.instrument_title, p.instrument_kind, p.instrument_citation, "
            "p.binding, j.id, j.slug, j.name FROM provisions AS p "
            "JOIN resolver_jurisdictions AS j ON j.slug = p.jurisdiction_slug "
            f"WHERE p.provision_id IN ({marks})",
            ids,
        )
        rows = list(rows)
        with_sources = set(with_sources)
        instrument_ids = sorted({row[5] for row in rows if row[0] in with_sources})
        sources = self.sources(sorted(with_sources), instrument_ids)
        refs = {}
        for pk, pinpoint, exceptions, dimension, value, iid, title, kind, cite, binding, *j in rows:
            refs[pk] = ProvisionRef(
                pk,
                pinpoint or "",
                exceptions or "",
                InstrumentRef(
                    iid,
                    title or "",
                    kind or "",
                    cite or "",
                    bool(binding),
                    "published",
                    JurisdictionRef(*j),
                ),
                values_by_slug.get((dimension, value)),
                merge_sources(sources[0].get(pk, ()), sources[1].get(iid, ()))
                if pk in with_sources
                else (),
            )
        return refs


@dataclass(frozen=True)
class FrozenCodebook:
    """Dimensions and values as a release had them: copies of today's instances (same ids
    and slugs) carrying the release's names, labels and ranks."""

    dimensions: list[Dimension]
    values: dict[int, DimensionValue]  # by id
    legends: dict[int, list[DimensionValue]]  # by dimension id, in rank order

    def value(self, value: DimensionValue | None) -> DimensionValue | None:
        return None if value is None else self.values.get(value.pk, value)


def released_codebook(release: Release, dimensions: list[Dimension]) -> FrozenCodebook:
    frozen = Frozen(release)
    try:
        return frozen.codebook(dimensions)
    finally:
        frozen.close()


def released_answers(
    release: Release, jurisdictions: list, dimensions: list[Dimension], on: dt.date
) -> dict[int, list[PositionAnswer]]:
    """Each jurisdiction's answers on these dimensions on a date, as the release has them:
    {jurisdiction id: [answer per dimension, in the order given]}."""
    frozen = Frozen(release)
    try:
        parents = frozen.parents()
        targets = [j.pk for j in jurisdictions if j.pk in parents]
        chains = {j: chain_of(j, parents) for j in targets}
        scopes = assemble_scopes(
            targets=targets,
            chains=chains,
            coded=frozen.coded([d.pk for d in dimensions]),
            neutral=frozen.neutral(),
            stacking=frozen.stacking(dimensions),
        )
        resolved = {key: position_on(timeline(scope), on) for key, scope in scopes.items()}
        wanted, deciding = set(), set()
        for interval in resolved.values():
            r = interval.resolution
            if r.decided_by:
                deciding.add(r.decided_by.provision_id)
            wanted.update(r.overridden + r.noted)
        codebook = frozen.codebook(dimensions)
        values = codebook.values
        slug_of = {d.pk: d.slug for d in dimensions}
        by_slug = {(slug_of[v.dimension_id], v.slug): v for v in values.values()}
        refs = frozen.provision_refs(wanted | deciding, by_slug, with_sources=deciding)
        orders = frozen.orders(
            {pk for interval in resolved.values() for pk in interval.resolution.suspended}
        )
    finally:
        frozen.close()
    answers: dict[int, list[PositionAnswer]] = {}
    for j in jurisdictions:
        row = []
        for d in codebook.dimensions:
            interval = resolved.get((j.pk, d.pk))
            r = interval.resolution if interval is not None else None
            if r is None or not (r.is_known or interval.approximate or r.suspended):
                row.append(PositionAnswer(j, d, None, Provenance.UNKNOWN.value))
                continue
            r = interval.resolution
            row.append(
                PositionAnswer(
                    j,
                    d,
                    values.get(r.value_id),
                    r.provenance.value,
                    refs.get(r.decided_by.provision_id) if r.decided_by else None,
                    interval.approximate,
                    interval.since,
                    interval.until,
                    [refs[i] for i in r.overridden if i in refs],
                    [refs[i] for i in r.noted if i in refs],
                    [orders[i] for i in r.suspended if i in orders],
                )
            )
        answers[j.pk] = row
    return answers
