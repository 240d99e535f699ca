"""Seed data: jurisdictions, the codebook and the curated dataset, loaded idempotently.

Three loaders, each safe to run again and again on SQLite and PostgreSQL:

- `load_jurisdictions` reads the Census list of states, territories and counties (a CSV);
- `load_codebook` reads the dimensions and their value scales (fixtures/codebook.yaml);
- `load_seed_policies` reads the dataset, fixtures/policies/*.yaml (checked by
  `policies.loading.dataset`; format in fixtures/policies/README.md): places, agencies, sources,
  instruments with their provisions, citations and quotes, court orders suspending
  provisions, "no law found" findings, and events.

`load_all` runs the three in one transaction. Each returns a `SeedSummary` of what it
created, updated, left unchanged or kept as someone else left it.

Records are matched by a natural key (jurisdictions by FIPS code, sources by URL,
instruments by jurisdiction and title, provisions by instrument and dimension, events by
jurisdiction, date and title, agencies by jurisdiction and name, dimensions by slug, values
by dimension and slug, citations by source, target and pinpoint, suspensions by provision
and start). Then:

- what is missing is created;
- what differs from the seed is updated only while it is still the seed's: its latest
  history entry was written by a seed load (reason starting "Seed load"). A record a
  curator has changed since is left as it is and counted as `kept`;
- a record a curator renamed (changed its key) is still found through the key its
  seed-written history holds, so the seed does not add it a second time;
- nothing is ever deleted: a provision or citation dropped from the seed stays until a
  curator removes it, and a record a curator deleted is created again on the next load;
- an instrument the data marks confidence high or medium is published once, through
  `instrument_publish`, and never re-published; one a curator has unpublished stays a draft
  (one the seed withdrew, below, is published again once the files hold it again).
  A "no law found" finding is stored as an instrument of kind `research-finding`.
- an instrument (a finding too) or event the seed made and published, in a state whose
  file this load read, that the files no longer hold goes back to draft (reason "Seed load:
  no longer in the dataset"), instruments through `instrument_unpublish`; one a curator has
  changed since is theirs (`kept`). A suspension has no draft state: one the files drop
  stays until a curator ends or deletes it.

Every row created or changed gets a history entry with a reason starting "Seed load"; an
unchanged row gets none, so a second run writes no history at all.
"""

import csv
import functools
import gzip
import itertools
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from jurisdictions.models import TOP_LEVELS, Agency, AgencyKind, Jurisdiction, Level
from policies.dates import Precision, parse_partial_date
from policies.loading.dataset import PUBLISHED_CONFIDENCE, Dataset, DatasetError, read_dataset
from policies.models import (
    Citation,
    Confidence,
    Dimension,
    DimensionValue,
    Event,
    EventKind,
    Instrument,
    InstrumentKind,
    InstrumentStatus,
    Position,
    Provision,
    ReviewState,
    Source,
    SourceKind,
    Suspension,
)
from policies.positions import store as position_store
from policies.services import instrument_publish, instrument_unpublish

SEED_REASON = "Seed load"
DROPPED_REASON = f"{SEED_REASON}: no longer in the dataset"
DEFAULT_JURISDICTIONS_CSV = settings.BASE_DIR / "fixtures" / "jurisdictions.csv"
DEFAULT_PLACES_CSV = settings.BASE_DIR / "fixtures" / "places.csv.gz"
DEFAULT_CODEBOOK = settings.BASE_DIR / "fixtures" / "codebook.yaml"
JURISDICTION_COLUMNS = {"level", "fips", "usps", "name", "ocd_id", "parent_fips"}
# Parents before children: a place may sit in a county (an independent city's twin).
LOAD_ORDER = (TOP_LEVELS, (Level.COUNTY,), (Level.PLACE, Level.COUNTY_SUBDIVISION))
# Few enough parameters for SQLite in one `IN (...)` (its limit is 32,766).
IN_BATCH = 10_000
# Far above any real rank, so a value lifted there collides with nothing (`load_codebook`).
PARKED_RANK_OFFSET = 10_000
PLACEHOLDER_SOURCE_NOTE = "Title not recorded in the dataset"

Key = tuple


class SeedDataError(ValueError):
    """The seed data is missing, malformed or fails validation; the message says where."""


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0  # differs from the seed, but someone else changed it since the last load
    withdrawn: int = 0  # published by the seed, no longer in the dataset: back to draft


class SeedSummary(dict[str, Counts]):
    """Counts per kind of record, in the order they were loaded."""

    def of(self, label: str) -> Counts:
        return self.setdefault(label, Counts())

    def total(self, field: str) -> int:
        return sum(getattr(counts, field) for counts in self.values())

    def written(self) -> int:
        return self.total("created") + self.total("updated") + self.total("withdrawn")

    def lines(self) -> list[str]:
        width = max((len(label) for label in self), default=0)
        return [
            f"{label:<{width}}  {c.created:>5} created  {c.updated:>4} updated  "
            f"{c.unchanged:>5} unchanged  {c.kept:>3} kept as edited  {c.withdrawn:>3} withdrawn"
            for label, c in self.items()
        ]


@transaction.atomic
def load_all(
    *,
    jurisdictions_path: Path = DEFAULT_JURISDICTIONS_CSV,
    places_path: Path | None = DEFAULT_PLACES_CSV,
    codebook_path: Path = DEFAULT_CODEBOOK,
    policies_paths: list[Path] | None = None,
) -> SeedSummary:
    """Everything, in one transaction. `places_path=None` leaves out the 36,000 places and
    county subdivisions (the seed's own places still load)."""
    summary = SeedSummary()
    # Each loader rebuilds the positions if it wrote anything; deferred, they are rebuilt
    # once, at the end.
    with position_store.deferred():
        load_jurisdictions(jurisdictions_path, summary=summary)
        if places_path is not None:
            load_places(places_path, summary=summary)
        load_codebook(codebook_path, summary=summary)
        load_seed_policies(policies_paths, summary=summary)
    if summary.written() and connection.vendor == "postgresql":
        # Fresh statistics for the planner: before autovacuum gets to a table that grew
        # from 3,000 rows to 39,000, it planned the places' pages with the old counts
        # (the API's place list took 130 ms instead of 15).
        with connection.cursor() as cursor:
            for model in (Jurisdiction, Position):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return summary


# ---------------------------------------------------------------------------------------
# Jurisdictions


def load_jurisdictions(
    path: Path = DEFAULT_JURISDICTIONS_CSV, *, summary: SeedSummary | None = None
) -> SeedSummary:
    """States, territories and counties from a CSV with the columns
    level, fips, usps, name, ocd_id, parent_fips."""
    summary = SeedSummary() if summary is None else summary
    rows = _read_jurisdictions_csv(Path(path))
    with _positions_kept_in_step(summary):
        _sync_jurisdictions(rows, summary.of("Jurisdiction"))
    return summary


def load_places(
    path: Path = DEFAULT_PLACES_CSV, *, summary: SeedSummary | None = None
) -> SeedSummary:
    """Incorporated places and county subdivisions (fixtures/places.csv.gz, built by
    scripts/build_places.py from the Census list of Open Civic Data ids): the columns of
    the jurisdictions CSV and a `slug`. Their states and counties must be loaded first."""
    summary = SeedSummary() if summary is None else summary
    rows = _read_jurisdictions_csv(Path(path))
    with _positions_kept_in_step(summary):
        _sync_jurisdictions(rows, summary.of("Jurisdiction (Census place)"))
    return summary


def _read_jurisdictions_csv(path: Path) -> list[dict]:
    if not path.exists():
        raise SeedDataError(f"Jurisdictions file not found: {path}")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = JURISDICTION_COLUMNS - set(reader.fieldnames or ())
        if missing:
            raise SeedDataError(f"{path}: missing columns {', '.join(sorted(missing))}")
        return list(reader)


@functools.cache
def _census_places(path: Path) -> dict[str, dict]:
    """The places file's rows by FIPS, read once per process."""
    return {row["fips"]: row for row in _read_jurisdictions_csv(path)}


def _sync_jurisdictions(rows: list[dict], counts: Counts) -> None:
    """Parents must exist before their children, so load one level at a time."""
    by_fips = {j.fips: j for j in _jurisdictions_for(rows)}
    for levels in LOAD_ORDER:
        states = {j.pk: j for j in by_fips.values() if j.level in TOP_LEVELS}
        wanted = [
            _jurisdiction_fields(row, by_fips, states) for row in rows if _level(row) in levels
        ]
        if not wanted:
            continue
        _check_unique_slugs(wanted)
        loaded = _sync(
            Jurisdiction,
            ("fips",),
            wanted,
            counts,
            # Every row with a FIPS code is in `by_fips` already: no second read, and no
            # `IN` list of 36,000 codes.
            queryset=[by_fips[f["fips"]] for f in wanted if f["fips"] in by_fips],
            create=(
                _create_top_level_jurisdictions if levels == TOP_LEVELS else _insert_jurisdictions
            ),
        )
        by_fips.update({fips: jurisdiction for (fips,), jurisdiction in loaded.items()})


def _jurisdictions_for(rows: list[dict]) -> models.QuerySet:
    """The states and counties (the parents a row may name) and the rows already loaded:
    by FIPS for a few, by level for the places file (no `IN` list of 36,000 codes)."""
    fips = {str(row["fips"]).strip() for row in rows}
    loaded = Q(fips__in=fips) if len(fips) <= IN_BATCH else Q(level__in={_level(r) for r in rows})
    return Jurisdiction.objects.filter(
        Q(level__in=[*TOP_LEVELS, Level.COUNTY]) | loaded, fips__isnull=False
    )


def _level(row: dict) -> Level:
    try:
        return Level(row["level"].strip())
    except ValueError:
        raise SeedDataError(
            f"Jurisdiction {row.get('fips')}: unknown level {row['level']!r}"
        ) from None


def _jurisdiction_fields(row: dict, by_fips: dict, states: dict) -> dict:
    """Slugs: a state or territory is its USPS code (`il`); anything below is its state's
    code and its slugified name (`il-cook-county`), unless the row gives its own (the places
    file does: `il-chicago-city`, `il-cook-county-lemont-township`)."""
    level, fips, name = _level(row), str(row["fips"]).strip(), row["name"].strip()
    fields = {
        "fips": fips,
        "name": name,
        "level": level,
        "usps": (row.get("usps") or "").strip() or None,
        "ocd_id": (row.get("ocd_id") or "").strip() or None,
        "parent_id": None,
    }
    if level in TOP_LEVELS:
        if not fields["usps"]:
            raise SeedDataError(f"{name} ({fips}): a {level} needs a USPS code")
        return {**fields, "slug": fields["usps"].lower()}
    parent_fips = str(row.get("parent_fips") or "").strip()
    parent = by_fips.get(parent_fips)
    if parent is None:
        raise SeedDataError(f"{name} ({fips}): parent FIPS {parent_fips!r} is not loaded")
    state = states[parent.state_id]
    if fields["ocd_id"] == parent.ocd_id:
        # One division, two Census rows (DC is a state-equivalent and its own county):
        # the OCD id names the higher one.
        fields["ocd_id"] = None
    return {
        **fields,
        "parent_id": parent.pk,
        # Jurisdiction.save() keeps `state` in step, but bulk loading skips save().
        "state_id": state.pk,
        "slug": (row.get("slug") or "").strip() or f"{state.usps.lower()}-{slugify(name)}",
    }


def _check_unique_slugs(wanted: list[dict]) -> None:
    seen = {}
    for fields in wanted:
        other = seen.setdefault(fields["slug"], fields["fips"])
        if other != fields["fips"]:
            raise SeedDataError(
                f"FIPS {other} and {fields['fips']} would share the slug {fields['slug']!r}"
            )


def _create_top_level_jurisdictions(records: list[Jurisdiction], model) -> None:
    """A state is its own `state`, known only once it has a key: insert, point `state` at
    itself, then write the history so that it records the finished row."""
    Jurisdiction.objects.bulk_create(records)
    for record in records:
        record.state_id = record.pk
    Jurisdiction.objects.bulk_update(records, ["state"])
    Jurisdiction.history.bulk_history_create(records, default_change_reason=SEED_REASON)


def _insert_jurisdictions(records: list[Jurisdiction], model) -> None:
    """What `_create` does (rows, then their history), written as two plain multi-row
    inserts: through model instances, 36,000 places took 15 of a load's 23 seconds."""
    now = timezone.now()
    for record in records:
        record.created_at = record.updated_at = now
    fields = [f for f in Jurisdiction._meta.concrete_fields if not f.primary_key]
    _insert_rows(Jurisdiction, fields, [[getattr(r, f.attname) for f in fields] for r in records])
    ids = {}
    for batch in itertools.batched([r.fips for r in records], IN_BATCH, strict=False):
        ids.update(Jurisdiction.objects.filter(fips__in=batch).values_list("fips", "pk"))
    for record in records:
        record.pk = ids[record.fips]
        record._state.adding = False
    history = Jurisdiction.history.model
    tracked = [f.attname for f in history.tracked_fields]
    extra = {
        "history_date": now,
        "history_change_reason": SEED_REASON,
        "history_type": "+",
        "history_user_id": None,
    }
    columns = [history._meta.get_field(name) for name in tracked]
    columns += [history._meta.get_field(name.removesuffix("_id")) for name in extra]
    rows = [[*(getattr(r, name) for name in tracked), *extra.values()] for r in records]
    _insert_rows(history, columns, rows)


def _insert_rows(model, fields: list, rows: list[list]) -> None:
    """Write the rows (values in the order of `fields`): COPY on PostgreSQL (executemany
    took 12 s for the places and their history, COPY one), executemany elsewhere."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            statement = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
            with cursor.cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        return
    statement = (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    # Only datetimes need converting (SQLite stores them as text), and a load stamps every
    # row with the same few: convert each once.
    datetimes = [i for i, f in enumerate(fields) if isinstance(f, models.DateTimeField)]
    adapt = functools.cache(connection.ops.adapt_datetimefield_value)
    with connection.cursor() as cursor:
        for batch in itertools.batched(rows, 2000, strict=False):
            for row in batch:
                for i in datetimes:
                    row[i] = adapt(row[i])
            cursor.executemany(statement, batch)


# ---------------------------------------------------------------------------------------
# Codebook


def load_codebook(
    path: Path = DEFAULT_CODEBOOK, *, summary: SeedSummary | None = None
) -> SeedSummary:
    """The dimensions in codebook order, each with its values ranked from 0, the value that
    most limits cooperation."""
    summary = SeedSummary() if summary is None else summary
    specs = _read_yaml(Path(path), "Codebook")["dimensions"]
    with _positions_kept_in_step(summary):
        dimensions = _sync(
            Dimension,
            ("slug",),
            [_dimension_fields(spec, position) for position, spec in enumerate(specs)],
            summary.of("Dimension"),
            queryset=Dimension.objects.all(),
        )
        values = [
            _value_fields(dimensions[(spec["slug"],)], value, rank)
            for spec in specs
            for rank, value in enumerate(spec["values"])
        ]
        _park_values_that_move(values)
        _sync(
            DimensionValue,
            ("dimension_id", "slug"),
            values,
            summary.of("Dimension value"),
            queryset=DimensionValue.objects.all(),
        )
    return summary


def _park_values_that_move(values: list[dict]) -> None:
    """A value inserted into a scale moves the values after it down one rank. Ranks are
    unique per dimension and checked row by row, so first lift the seed's values whose rank
    changes out of the way (the sync then writes their new rank, with history)."""
    wanted = {(v["dimension_id"], v["slug"]): v["rank"] for v in values}
    moving = [
        value.pk
        for value in DimensionValue.objects.all()
        if wanted.get((value.dimension_id, value.slug), value.rank) != value.rank
    ]
    parked = _last_changed_by_seed(DimensionValue, moving)
    DimensionValue.objects.filter(pk__in=parked).update(rank=F("rank") + PARKED_RANK_OFFSET)


def _dimension_fields(spec: dict, position: int) -> dict:
    if sum(bool(value.get("neutral")) for value in spec["values"]) != 1:
        raise SeedDataError(f"Dimension {spec['slug']}: needs exactly one neutral value")
    labels = [value["label"] for value in spec["values"]]
    shared = sorted({label for label in labels if labels.count(label) > 1})
    if shared:
        # Two values under one label read as one on every page, legend and drop-down.
        raise SeedDataError(
            f"Dimension {spec['slug']}: values share a label: {', '.join(map(str, shared))}"
        )
    return {
        "slug": spec["slug"],
        "name": spec["name"],
        "group": spec["group"],
        "question": spec["question"],
        "description": spec.get("description", ""),
        "position": position,
    }


def _value_fields(dimension: Dimension, spec: dict, rank: int) -> dict:
    return {
        "dimension_id": dimension.pk,
        "slug": spec["slug"],
        "label": spec["label"],
        "rank": rank,
        "is_neutral": bool(spec.get("neutral", False)),
        "description": spec.get("description", ""),
        "definition": " ".join(spec.get("definition", "").split()),
        "decision_rule": " ".join(spec.get("decision_rule", "").split()),
        "example": " ".join(spec.get("example", "").split()),
    }


# ---------------------------------------------------------------------------------------
# Seed policies: the curated dataset (fixtures/policies/, read by policies.loading.dataset)


def load_seed_policies(
    paths: Path | list[Path] | None = None, *, summary: SeedSummary | None = None
) -> SeedSummary:
    """Places, agencies, sources, instruments (with provisions, citations and quotes),
    suspensions, "no law found" findings and events from the dataset files (a folder, a
    file, or several; default fixtures/policies/). The jurisdictions and the codebook must
    be loaded first."""
    summary = SeedSummary() if summary is None else summary
    if isinstance(paths, (str, Path)):
        paths = [Path(paths)]
    try:
        data = read_dataset(paths)
    except DatasetError as exc:
        raise SeedDataError(str(exc)) from None
    with _positions_kept_in_step(summary):
        _load_policies(data, summary)
    return summary


def _load_policies(data: Dataset, summary: SeedSummary) -> None:
    states = _states_of(data)
    places = [
        {
            "level": Level.PLACE.value,
            "fips": spec["fips"],
            "name": spec["name"],
            "ocd_id": spec.get("ocd_id") or "",
            "usps": "",
            # Every place hangs from its state (the Census places gazetteer does the same).
            "parent_fips": states[spec["state"]].fips,
        }
        for spec in data.places
    ]
    places = _as_in_places_file(places)
    _sync_jurisdictions(places, summary.of("Jurisdiction (place)"))
    jurisdictions = _jurisdictions_by_fips(data)
    agencies = _load_agencies(data.agencies, jurisdictions, summary.of("Agency"))
    sources = _load_sources(data, summary.of("Source"))
    instruments = _load_instruments(
        data.instruments, jurisdictions, agencies, summary.of("Instrument")
    )
    _link_superseded(instruments, summary.of("Instrument (supersedes)"))
    provisions = _load_provisions(instruments, summary.of("Provision"))
    _load_citations(instruments, provisions, sources, summary.of("Citation"))
    _load_suspensions(data.suspensions, instruments, provisions, sources, summary.of("Suspension"))
    _publish_confident(instruments, summary.of("Instrument publication"))
    described_urls = {fields["url"] for fields in _described_sources(data)}
    events = _load_events(data.events, jurisdictions, described_urls, summary.of("Event"))
    _link_event_sources(events, sources, summary.of("Event source"))
    # What the files no longer hold, in the states whose files were read.
    _withdraw_dropped(
        Instrument,
        {record.pk for _, record in instruments},
        data.states,
        summary.of("Instrument publication"),
        withdraw=_unpublish_dropped_instrument,
    )
    _withdraw_dropped(
        Event,
        {record.pk for _, record in events},
        data.states,
        summary.of("Event"),
        withdraw=_unpublish_dropped_event,
    )


def _states_of(data: Dataset) -> dict[str, Jurisdiction]:
    wanted = {entry["state"] for entry in (*data.places, *data.instruments, *data.events)}
    found = {j.usps: j for j in Jurisdiction.objects.filter(level__in=TOP_LEVELS, usps__in=wanted)}
    for entry in (*data.places, *data.instruments, *data.events):
        if entry["state"] not in found:
            raise SeedDataError(
                f"{entry['where']}: state {entry['state']} is not loaded: load the "
                "jurisdictions first."
            )
    return found


def _jurisdictions_by_fips(data: Dataset) -> dict[str, Jurisdiction]:
    """Every jurisdiction an entry names, each checked to lie in its file's state."""
    entries = [*data.agencies, *data.instruments, *data.events]
    wanted = {entry["jurisdiction"] for entry in entries}
    found = {
        j.fips: j for j in Jurisdiction.objects.filter(fips__in=wanted).select_related("state")
    }
    for entry in entries:
        jurisdiction = found.get(entry["jurisdiction"])
        if jurisdiction is None:
            raise SeedDataError(
                f"{entry['where']}: `jurisdiction` {entry['jurisdiction']} is not a loaded "
                "jurisdiction (a state, county, or a place listed under `places`)."
            )
        if jurisdiction.state is None or jurisdiction.state.usps != entry["state"]:
            raise SeedDataError(
                f"{entry['where']}: `jurisdiction` {entry['jurisdiction']} ({jurisdiction.name}) "
                f"is not in {entry['state']}."
            )
    return found


def _as_in_places_file(entries: list[dict]) -> list[dict]:
    """A place the places file holds is loaded as that file has it (its Census name, its
    state as parent, its slug), whether or not the whole file is loaded, so the two never
    undo each other's writes."""
    census = _census_places(DEFAULT_PLACES_CSV) if DEFAULT_PLACES_CSV.exists() else {}
    return [census.get(str(entry.get("fips")), entry) for entry in entries]


def _load_agencies(specs: list[dict], jurisdictions: dict, counts: Counts) -> dict[Key, Agency]:
    wanted = [
        {
            "jurisdiction_id": jurisdictions[spec["jurisdiction"]].pk,
            "name": spec["name"],
            "slug": slugify(spec["name"]),
            "kind": AgencyKind(spec["kind"]),
        }
        for spec in specs
    ]
    return _sync(Agency, ("jurisdiction_id", "name"), wanted, counts, queryset=Agency.objects.all())


def _load_sources(data: Dataset, counts: Counts) -> dict[str, Source]:
    """Sources by URL: those the dataset describes (a later description replaces an
    earlier one), and for each event URL it does not, a placeholder titled with the URL."""
    wanted = {fields["url"]: fields for fields in _described_sources(data)}
    for event in data.events:
        wanted.setdefault(event["source"], _placeholder_source(event["source"]))
    loaded = _sync(
        Source,
        ("url",),
        list(wanted.values()),
        counts,
        queryset=Source.objects.filter(url__in=wanted.keys()),
    )
    return {url: source for (url,), source in loaded.items()}


def _described_sources(data: Dataset) -> Iterable[dict]:
    def fields(spec: dict, notes: str = "") -> dict:
        return {
            "url": spec["url"],
            "title": spec["title"],
            "publisher": spec.get("publisher", ""),
            "kind": SourceKind(spec["kind"]),
            "notes": notes,
        }

    for spec in data.background:
        yield fields(spec, spec.get("note", ""))
    for instrument in data.instruments:
        for spec in instrument["sources"]:
            yield fields(spec)
    for suspension in data.suspensions:
        if suspension.get("source"):
            yield fields(suspension["source"])


def _placeholder_source(url: str) -> dict:
    return {
        "url": url,
        "title": url,
        "publisher": "",
        "kind": SourceKind.OTHER,
        "notes": PLACEHOLDER_SOURCE_NOTE,
    }


def _load_instruments(
    specs: list[dict], jurisdictions: dict, agencies: dict, counts: Counts
) -> list[tuple[dict, Instrument]]:
    """Each instrument's spec beside its record."""
    wanted = [_instrument_fields(spec, jurisdictions, agencies) for spec in specs]
    records = _sync(
        Instrument,
        ("jurisdiction_id", "title"),
        wanted,
        counts,
        queryset=Instrument.objects.filter(jurisdiction__in=[f["jurisdiction_id"] for f in wanted]),
    )
    return [
        (spec, records[(fields["jurisdiction_id"], fields["title"])])
        for spec, fields in zip(specs, wanted, strict=True)
    ]


def _instrument_fields(spec: dict, jurisdictions: dict, agencies: dict) -> dict:
    where = spec["where"]
    jurisdiction = jurisdictions[spec["jurisdiction"]]
    agency = None
    if spec.get("agency"):
        agency = agencies.get((jurisdiction.pk, spec["agency"]))
        if agency is None:
            raise SeedDataError(
                f"{where}: `agency` {spec['agency']!r} is not an agency of {jurisdiction} "
                "listed under `agencies`."
            )
    fields = {
        "jurisdiction_id": jurisdiction.pk,
        "title": spec["title"],
        "agency_id": agency.pk if agency else None,
        "kind": InstrumentKind(spec["kind"]),
        "citation": spec.get("citation") or "",
        "status": InstrumentStatus(spec["status"]),
        "binding": spec["binding"],
        "summary": " ".join(str(spec.get("summary") or "").split()),
        "confidence": Confidence(spec["confidence"]),
        "draft_reason": " ".join(str(spec.get("draft_reason") or "").split()),
        "last_verified_on": spec.get("last_verified_on"),
        **_partial_date("enacted", spec.get("enacted"), where),
        **_partial_date("effective", spec.get("effective"), where),
        **_partial_date("ended", spec.get("ended"), where),
    }
    # Drafts too: dates out of order or an agency from elsewhere are errors in the data.
    try:
        Instrument(**fields).clean()
    except ValidationError as exc:
        problems = "; ".join(
            f"`{name.removesuffix('_on')}`: {' '.join(messages)}"
            for name, messages in exc.message_dict.items()
        )
        raise SeedDataError(f"{where}: {problems}") from None
    return fields


def _link_superseded(instruments: list[tuple[dict, Instrument]], counts: Counts) -> None:
    """`supersedes` names an instrument of the same file, so it is set once both exist."""
    by_key = {(spec["jurisdiction"], spec["title"]): record for spec, record in instruments}
    wanted = []
    for spec, record in instruments:
        earlier = by_key.get(spec.get("supersedes_key"))
        wanted.append(
            {
                "jurisdiction_id": record.jurisdiction_id,
                "title": record.title,
                "supersedes_id": earlier.pk if earlier else None,
            }
        )
    _sync(
        Instrument,
        ("jurisdiction_id", "title"),
        wanted,
        counts,
        queryset=Instrument.objects.filter(pk__in=[record.pk for _, record in instruments]),
    )


def _load_provisions(
    instruments: list[tuple[dict, Instrument]], counts: Counts
) -> dict[tuple[int, str], Provision]:
    """Provisions by (instrument id, dimension slug)."""
    dimensions = {dimension.slug: dimension for dimension in Dimension.objects.all()}
    values = {(value.dimension_id, value.slug): value for value in DimensionValue.objects.all()}
    wanted = []
    for spec, instrument in instruments:
        for provision in spec["provisions"]:
            where = f"{spec['where']}: provision “{provision['dimension']}”"
            dimension = dimensions.get(provision["dimension"])
            if dimension is None:
                raise SeedDataError(
                    f"{where}: `dimension` {provision['dimension']!r} is not in the codebook."
                )
            value = values.get((dimension.pk, provision["value"]))
            if value is None:
                allowed = ", ".join(slug for (d, slug) in values if d == dimension.pk)
                raise SeedDataError(
                    f"{where}: `value` {provision['value']!r} is not a value of the dimension "
                    f"{provision['dimension']!r} in the codebook (use one of {allowed})."
                )
            if spec.get("is_finding") and not value.is_neutral:
                raise SeedDataError(
                    f"{where}: `value` of a finding must be the dimension's neutral value."
                )
            wanted.append(
                {
                    "instrument_id": instrument.pk,
                    "dimension_id": dimension.pk,
                    "value_id": value.pk,
                    "exceptions": " ".join(str(provision.get("exceptions") or "").split()),
                    "pinpoint": str(provision.get("pinpoint") or "").strip(),
                    "notes": " ".join(str(provision.get("notes") or "").split()),
                }
            )
    records = _sync(
        Provision,
        ("instrument_id", "dimension_id"),
        wanted,
        counts,
        queryset=Provision.objects.filter(instrument__in=[i.pk for _, i in instruments]),
    )
    slugs = {dimension.pk: slug for slug, dimension in dimensions.items()}
    return {
        (instrument_id, slugs[dimension_id]): provision
        for (instrument_id, dimension_id), provision in records.items()
    }


def _load_citations(
    instruments: list[tuple[dict, Instrument]],
    provisions: dict[tuple[int, str], Provision],
    sources: dict[str, Source],
    counts: Counts,
) -> None:
    """Each source cites its instrument as a whole, and each provision on its own with the
    provision's pinpoint, so every provision has a source of its own; the provision's
    quote goes on its citation of the source it was copied from."""
    wanted = []
    for spec, instrument in instruments:
        urls = [source["url"] for source in spec["sources"]]
        wanted += [_citation(sources[url], instrument=instrument) for url in urls]
        for provision in spec["provisions"]:
            record = provisions[(instrument.pk, provision["dimension"])]
            pinpoint = str(provision.get("pinpoint") or "").strip()
            quote = " ".join(str(provision.get("quote") or "").split())
            wanted += [
                _citation(
                    sources[url],
                    provision=record,
                    pinpoint=pinpoint,
                    quote=quote if url == provision.get("quote_source") else "",
                )
                for url in urls
            ]
    _sync(
        Citation,
        ("source_id", "instrument_id", "provision_id", "pinpoint"),
        wanted,
        counts,
        queryset=Citation.objects.filter(
            Q(instrument__in=[i.pk for _, i in instruments])
            | Q(provision__in=[p.pk for p in provisions.values()])
        ),
    )


def _citation(
    source: Source, *, instrument=None, provision=None, pinpoint: str = "", quote: str = ""
) -> dict:
    return {
        "source_id": source.pk,
        "instrument_id": instrument.pk if instrument else None,
        "provision_id": provision.pk if provision else None,
        "pinpoint": pinpoint,
        "quote": quote,
    }


def _load_suspensions(
    specs: list[dict],
    instruments: list[tuple[dict, Instrument]],
    provisions: dict[tuple[int, str], Provision],
    sources: dict[str, Source],
    counts: Counts,
) -> None:
    """One row per suspended provision: a court order enjoining several sections of an
    instrument suspends each of their provisions."""
    # By natural key: a later file may have replaced the instrument the order names.
    by_key = {(spec["jurisdiction"], spec["title"]): record for spec, record in instruments}
    wanted = []
    for spec in specs:
        instrument = by_key[(spec["jurisdiction"], spec["instrument"])]
        source = sources[spec["source"]["url"]] if spec.get("source") else None
        for dimension in spec["dimensions"]:
            provision = provisions.get((instrument.pk, dimension))
            if provision is None:
                raise SeedDataError(
                    f"{spec['where']}: `dimensions` names {dimension!r}, which “"
                    f"{spec['instrument']}” as finally loaded does not code."
                )
            wanted.append(
                {
                    "provision_id": provision.pk,
                    "order": spec["order"],
                    "starts_on": spec["from"],
                    "ends_on": spec["until"],
                    "end_reason": spec.get("until_reason") or "",
                    "source_id": source.pk if source else None,
                }
            )
    _sync(
        Suspension,
        ("provision_id", "starts_on"),
        wanted,
        counts,
        queryset=Suspension.objects.filter(provision__in=[p.pk for p in provisions.values()]),
    )


def _publish_confident(instruments: list[tuple[dict, Instrument]], counts: Counts) -> None:
    """Publish what the data marks confidence high or medium, once. A draft someone else
    has touched since the seed load (a curator who unpublished it) is theirs to publish."""
    confident = [(s, i) for s, i in instruments if s["confidence"] in PUBLISHED_CONFIDENCE]
    drafts = [(s, i) for s, i in confident if i.review_state != ReviewState.PUBLISHED]
    counts.unchanged += len(confident) - len(drafts)
    seed_owned = _last_changed_by_seed(Instrument, [i.pk for _, i in drafts])
    for spec, instrument in drafts:
        if instrument.pk not in seed_owned:
            counts.kept += 1
            continue
        reason = f"{SEED_REASON}: confidence {spec['confidence']}"
        instrument.refresh_from_db()  # `supersedes` was set in bulk
        try:
            instrument_publish(instrument=instrument, user=None, reason=reason)
        except ValidationError as exc:
            raise SeedDataError(
                f"{spec['where']}: cannot publish: {' '.join(exc.messages)}"
            ) from None
        counts.created += 1
    _withdraw_unverified(instruments, counts)


def _withdraw_unverified(instruments: list[tuple[dict, Instrument]], counts: Counts) -> None:
    """An instrument the data now marks unverified (a section it relies on could not be
    confirmed) goes back to draft, if the seed published it and nobody has touched it since;
    one a curator published stays theirs."""
    withdrawn = [
        i
        for s, i in instruments
        if s["confidence"] not in PUBLISHED_CONFIDENCE and i.review_state == ReviewState.PUBLISHED
    ]
    seed_owned = _last_changed_by_seed(Instrument, [i.pk for i in withdrawn])
    for instrument in withdrawn:
        if instrument.pk not in seed_owned:
            counts.kept += 1
            continue
        instrument.refresh_from_db()
        reason = f"{SEED_REASON}: confidence unverified (see its draft reason)"
        instrument_unpublish(instrument=instrument, user=None, reason=reason)
        counts.updated += 1


def _withdraw_dropped(
    model: type[models.Model],
    loaded: set[int],
    states: list[str],
    counts: Counts,
    *,
    withdraw: Callable[[models.Model], None],
) -> None:
    """A record the seed made and published whose key the files of its state no longer hold
    (an instrument removed or retitled, a finding removed because a law was found, an event
    dropped) goes back to draft, never deleted: its history and the releases keep it. One a
    curator has changed since is theirs (`kept`). `loaded` holds every record this load
    matched, through a curator's rename too, so only the states whose files were read count:
    a load of one state's file leaves the others alone."""
    if not states:
        return
    made_by_seed = model.history.filter(
        history_type="+", history_change_reason__startswith=SEED_REASON
    ).values("id")
    candidates = (
        model.objects.filter(jurisdiction__state__usps__in=states, pk__in=made_by_seed)
        .exclude(review_state=ReviewState.DRAFT)
        .order_by("pk")
    )
    dropped = [record for record in candidates if record.pk not in loaded]
    seed_owned = _last_changed_by_seed(model, [record.pk for record in dropped])
    for record in dropped:
        if record.pk not in seed_owned:
            counts.kept += 1
            continue
        withdraw(record)
        counts.withdrawn += 1


def _unpublish_dropped_instrument(instrument: Instrument) -> None:
    # Through the service, as a curator's unpublishing: the signals move the positions.
    instrument_unpublish(instrument=instrument, user=None, reason=DROPPED_REASON)


def _unpublish_dropped_event(event: Event) -> None:
    event.review_state = ReviewState.DRAFT
    event._change_reason = DROPPED_REASON
    event.save()


def _load_events(
    specs: list[dict], jurisdictions: dict, described_urls: set[str], counts: Counts
) -> list[tuple[str, Event]]:
    """Each event's source URL beside its record. An event is published when the dataset
    describes its source, and left a draft when it gives only the URL."""
    wanted = []
    for spec in specs:
        occurred = _partial_date("occurred", spec["date"], spec["where"])
        wanted.append(
            {
                "jurisdiction_id": jurisdictions[spec["jurisdiction"]].pk,
                "occurred_on": occurred["occurred_on"],
                "occurred_precision": occurred["occurred_precision"],
                "title": spec["title"],
                "kind": EventKind(spec["kind"]),
                "review_state": (
                    ReviewState.PUBLISHED if spec["source"] in described_urls else ReviewState.DRAFT
                ),
            }
        )
    records = _sync(
        Event,
        ("jurisdiction_id", "occurred_on", "title"),
        wanted,
        counts,
        queryset=Event.objects.filter(jurisdiction__in=[f["jurisdiction_id"] for f in wanted]),
    )
    return [
        (spec["source"], records[(f["jurisdiction_id"], f["occurred_on"], f["title"])])
        for spec, f in zip(specs, wanted, strict=True)
    ]


def _link_event_sources(
    events: list[tuple[str, Event]], sources: dict[str, Source], counts: Counts
) -> None:
    linked = set(
        Event.sources.through.objects.filter(event__in=[e.pk for _, e in events]).values_list(
            "event_id", "source_id"
        )
    )
    missing = [(url, e) for url, e in events if (e.pk, sources[url].pk) not in linked]
    counts.unchanged += len(events) - len(missing)
    seed_owned = _last_changed_by_seed(Event, [e.pk for _, e in missing])
    for url, event in missing:
        if event.pk not in seed_owned:
            counts.kept += 1
            continue
        # Adding through the relation (not in bulk) records the link in the event's history.
        event._change_reason = SEED_REASON
        event.sources.add(sources[url])
        counts.created += 1


# ---------------------------------------------------------------------------------------
# Making rows match the seed, with history


def _sync(
    model: type[models.Model],
    key_fields: tuple[str, ...],
    wanted: list[dict],
    counts: Counts,
    *,
    queryset: models.QuerySet,
    create: Callable[[list, type[models.Model]], None] | None = None,
) -> dict[Key, models.Model]:
    """Make each row in `wanted` (field values by attname) exist, creating what is missing
    and updating what the seed still owns; return every row's record by its key.
    `queryset` holds the records that may already exist."""
    keys = [tuple(fields[name] for name in key_fields) for fields in wanted]
    if len(set(keys)) != len(keys):
        duplicate = next(key for key in keys if keys.count(key) > 1)
        raise SeedDataError(f"{model.__name__} {duplicate} appears twice in the seed data")
    existing = _existing_by_key(model, key_fields, queryset, set(keys))
    records, new, differing = {}, [], []
    for key, fields in zip(keys, wanted, strict=True):
        record = existing.get(key)
        if record is None:
            record = model(**fields)
            new.append(record)
        else:
            changes = {name for name, value in fields.items() if getattr(record, name) != value}
            if changes:
                differing.append((record, fields, changes))
            else:
                counts.unchanged += 1
        records[key] = record

    seed_owned = _last_changed_by_seed(model, [record.pk for record, _, _ in differing])
    updated, updated_fields = [], set()
    for record, fields, changes in differing:
        if record.pk not in seed_owned:
            counts.kept += 1
            continue
        for name in changes:
            setattr(record, name, fields[name])
        updated.append(record)
        updated_fields |= changes

    if new:
        (create or _create)(new, model)
    _update(updated, model, updated_fields)
    counts.created += len(new)
    counts.updated += len(updated)
    return records


@contextmanager
def _positions_kept_in_step(summary: SeedSummary):
    """Bulk writes skip the signals that keep stored positions in step
    (policies.positions.signals): rebuild them once if this load wrote anything, and leave
    them alone if it did not. What the signals would rebuild meanwhile (an instrument
    published) waits for that."""
    written = summary.written()
    with position_store.deferred():
        yield
        if summary.written() != written:
            position_store.rebuild()


def _existing_by_key(model, key_fields, queryset, wanted_keys: set[Key]) -> dict[Key, models.Model]:
    existing = {tuple(getattr(r, name) for name in key_fields): r for r in queryset}
    missing = wanted_keys - existing.keys()
    if not missing:
        return existing
    # A curator may have renamed a record the seed made; the seed's history of it still
    # holds the seed's key, so follow that rather than add the record a second time.
    seeded = {}
    seed_history = model.history.filter(history_change_reason__startswith=SEED_REASON)
    for *key, pk in seed_history.values_list(*key_fields, "id"):
        if tuple(key) in missing:
            seeded[tuple(key)] = pk
    taken = {existing[key].pk for key in wanted_keys & existing.keys()}
    renamed = model.objects.in_bulk({pk for pk in seeded.values() if pk not in taken})
    existing.update({key: renamed[pk] for key, pk in seeded.items() if pk in renamed})
    return existing


def _last_changed_by_seed(model, pks: list) -> set:
    """The records among `pks` whose latest history entry a seed load wrote."""
    latest = {}
    for batch in itertools.batched(pks, IN_BATCH, strict=False):
        history = model.history.filter(id__in=batch).order_by("history_date", "history_id")
        for pk, reason in history.values_list("id", "history_change_reason"):
            latest[pk] = reason or ""
    return {pk for pk, reason in latest.items() if reason.startswith(SEED_REASON)}


def _create(records: list, model) -> None:
    bulk_create_with_history(records, model, default_change_reason=SEED_REASON)


def _update(records: list, model, fields: set[str]) -> None:
    if not records:
        return
    # bulk_update skips auto_now, so stamp `updated_at` here: API clients sync on it.
    stamped = {f.attname for f in model._meta.concrete_fields if getattr(f, "auto_now", False)}
    now = timezone.now()
    for record in records:
        for name in stamped:
            setattr(record, name, now)
    bulk_update_with_history(
        records, model, sorted(fields | stamped), default_change_reason=SEED_REASON
    )


# ---------------------------------------------------------------------------------------
# Reading the files


def _read_yaml(path: Path, what: str, hint: str = "pass its path") -> dict:
    if not path.exists():
        raise SeedDataError(f"{what} file not found: {path} ({hint}).")
    with path.open(encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


def _choice(choices, value: str, context: str):
    try:
        return choices(value)
    except ValueError:
        allowed = ", ".join(choices.values)
        raise SeedDataError(
            f"{context}: {value!r} is not a {choices.__name__}; use one of {allowed}"
        ) from None


def _partial_date(name: str, text, context: str) -> dict:
    """`enacted`, "2019-05" → enacted_on 2019-05-01, enacted_precision month."""
    if text in (None, ""):
        return {f"{name}_on": None, f"{name}_precision": Precision.DAY}
    try:
        value, precision = parse_partial_date(str(text))
    except ValueError as exc:
        raise SeedDataError(f"{context}: {name} {exc}") from None
    return {f"{name}_on": value, f"{name}_precision": precision}
