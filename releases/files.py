"""Writing a release's files in one pass over each table, in constant memory.

Each table of `policies/bulk.py` is read once, in chunks, and every row goes at the same
time to its CSV member of the zip, to a table of the SQLite file and to a batch of its Parquet
file (pyarrow writes a row group per batch). Beside the tables the SQLite file keeps what the
position engine needs to resolve this release again (`resolver_*` tables, see resolver.py).
"""

import datetime as dt
import hashlib
import io
import itertools
import json
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from core import licences
from core.csv_text import csv_lines
from jurisdictions.models import Jurisdiction
from policies.bulk import TABLES, codebook_json
from policies.models import Dimension
from policies.positions.queries import suspension_refs
from policies.positions.rules import STACKING_DIMENSIONS
from policies.positions.store import iter_coded_provisions, neutral_ranks

BATCH = 5000
ARCHIVE = "policyhub-release-{number}.zip"
SQLITE = "policyhub-release-{number}.sqlite"
PARQUET = "{table}.parquet"

# The resolver's inputs: Coded (policies/positions/rules.py) field by field, the tree, and
# the neutral rank of each dimension.
RESOLVER_PROVISIONS = (
    "provision_id",
    "instrument_id",
    "adopter_id",
    "dimension_id",
    "value_id",
    "rank",
    "binding",
    "effective_on",
    "effective_precision",
    "ended_on",
    "ended_precision",
    "ended_until",
    "superseded_from",
)
# A court order as the position's provenance shows it (`SuspensionRef`), frozen with the
# provisions so a later edit of the order does not rewrite the release's answers.
RESOLVER_ORDERS = (
    "suspension_id",
    "order_text",
    "starts_on",
    "ends_on",
    "end_reason",
    "dimension_slug",
    "pinpoint",
    "instrument_id",
    "instrument_title",
    "instrument_kind",
    "instrument_citation",
    "instrument_binding",
    "instrument_review_state",
    "jurisdiction_id",
    "jurisdiction_slug",
    "jurisdiction_name",
    "source_id",
    "source_title",
    "source_url",
    "source_publisher",
)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sql_value(value):
    if value == "" or value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _arrow_type(values) -> pa.DataType:
    """A column's type from the first batch: the database's columns are typed, so one
    non-empty value tells it; a column empty throughout the batch is text."""
    for value in values:
        if value == "" or value is None:
            continue
        if isinstance(value, bool):
            return pa.bool_()
        if isinstance(value, int):
            return pa.int64()
        if isinstance(value, dt.datetime):
            return pa.timestamp("us", tz="UTC")
        if isinstance(value, dt.date):
            return pa.date32()
        return pa.string()
    return pa.string()


def _arrow_value(value, kind: pa.DataType):
    if value == "" or value is None:
        return None
    if kind == pa.string() and not isinstance(value, str):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    return value


def _batches(rows: Iterator[dict]) -> Iterator[list[dict]]:
    while batch := list(itertools.islice(rows, BATCH)):
        yield batch


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _Table:
    """One table's SQLite and Parquet sinks, created at its first batch."""

    def __init__(self, name: str, database: sqlite3.Connection, directory: Path):
        self.name, self.database, self.directory = name, database, directory
        self.columns: list[str] | None = None
        self.writer: pq.ParquetWriter | None = None
        self.schema: pa.Schema | None = None
        self.rows = 0

    def write(self, batch: list[dict]) -> None:
        if self.columns is None:
            self.columns = list(batch[0])
            self.schema = pa.schema(
                [(c, _arrow_type(row[c] for row in batch)) for c in self.columns]
            )
            self.writer = pq.ParquetWriter(
                self.directory / PARQUET.format(table=self.name), self.schema
            )
            self.database.execute(
                f"CREATE TABLE {_quoted(self.name)} ({', '.join(map(_quoted, self.columns))})"
            )
        self.database.executemany(
            f"INSERT INTO {_quoted(self.name)} VALUES ({', '.join('?' * len(self.columns))})",
            ([_sql_value(row[c]) for c in self.columns] for row in batch),
        )
        arrays = [
            pa.array([_arrow_value(row[f.name], f.type) for row in batch], type=f.type)
            for f in self.schema
        ]
        self.writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema))
        self.rows += len(batch)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def write_tables(directory: Path, number: int, readme: str) -> dict[str, int]:
    """The zip, the SQLite file and the Parquet files of a release; returns rows per table."""
    counts: dict[str, int] = {}
    database = sqlite3.connect(directory / SQLITE.format(number=number))
    archive_path = directory / ARCHIVE.format(number=number)
    with zipfile.ZipFile(archive_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, source in TABLES.items():
            table = _Table(name, database, directory)

            def teed(rows, table=table):
                for batch in _batches(rows):
                    table.write(batch)
                    yield from batch

            with archive.open(f"{name}.csv", "w") as member:
                text = io.TextIOWrapper(member, encoding="utf-8", newline="")
                for line in csv_lines(teed(source())):
                    text.write(line)
                text.flush()
                text.detach()
            table.close()
            database.commit()
            counts[name] = table.rows
        codebook = codebook_json()
        archive.writestr("codebook.json", codebook)
        archive.writestr("README.txt", readme)
        archive.writestr("LICENSE.txt", licences.STATEMENT + "\n")
    (directory / "codebook.json").write_text(codebook, encoding="utf-8")
    _write_resolver(database)
    database.execute("CREATE TABLE codebook (json TEXT)")
    database.execute("INSERT INTO codebook VALUES (?)", (codebook,))
    database.commit()
    database.close()
    return counts


def _write_resolver(database: sqlite3.Connection) -> None:
    database.execute(
        f"CREATE TABLE resolver_provisions ({', '.join(RESOLVER_PROVISIONS)}, "
        "PRIMARY KEY (provision_id))"
    )
    suspended: list[tuple] = []  # few: court orders, kept to write after the provisions

    def rows():
        for c in iter_coded_provisions(None, None, include_drafts=False, chunk=BATCH):
            suspended.extend((c.provision_id, *s) for s in c.suspensions)
            yield [_sql_value(getattr(c, field)) for field in RESOLVER_PROVISIONS]

    database.executemany(
        f"INSERT INTO resolver_provisions VALUES ({', '.join('?' * len(RESOLVER_PROVISIONS))})",
        rows(),
    )
    database.execute(
        "CREATE TABLE resolver_jurisdictions (id PRIMARY KEY, parent_id, slug, name, level, fips)"
    )
    database.executemany(
        "INSERT INTO resolver_jurisdictions VALUES (?, ?, ?, ?, ?, ?)",
        Jurisdiction.objects.order_by("pk")
        .values_list("pk", "parent_id", "slug", "name", "level", "fips")
        .iterator(BATCH),
    )
    database.execute(
        "CREATE TABLE resolver_suspensions (provision_id, suspension_id, since, until)"
    )
    database.executemany(
        "INSERT INTO resolver_suspensions VALUES (?, ?, ?, ?)",
        (
            (provision_id, pk, _sql_value(since), _sql_value(until))
            for provision_id, pk, since, until in suspended
        ),
    )
    _write_orders(database, {pk for _, pk, _, _ in suspended})
    # Which dimensions stack (several 287(g) models held at once: the most cooperative
    # wins), as the engine said when the release was cut.
    stacking = set(
        Dimension.objects.filter(slug__in=STACKING_DIMENSIONS).values_list("pk", flat=True)
    )
    database.execute("CREATE TABLE resolver_neutral (dimension_id PRIMARY KEY, rank, stacking)")
    database.executemany(
        "INSERT INTO resolver_neutral VALUES (?, ?, ?)",
        ((pk, rank, int(pk in stacking)) for pk, rank in neutral_ranks().items()),
    )
    database.execute("CREATE INDEX resolver_by_dimension ON resolver_provisions (dimension_id)")


def _write_orders(database: sqlite3.Connection, suspension_ids: set[int]) -> None:
    database.execute(
        f"CREATE TABLE resolver_orders ({', '.join(RESOLVER_ORDERS)}, PRIMARY KEY (suspension_id))"
    )
    rows = []
    for ref in suspension_refs(suspension_ids).values():
        instrument, source = ref.instrument, ref.source
        cited = (source.pk, source.title, source.url, source.publisher) if source else [None] * 4
        rows.append(
            [
                ref.pk,
                ref.order,
                ref.starts_on,
                ref.ends_on,
                ref.end_reason,
                ref.dimension_slug,
                ref.pinpoint,
                instrument.pk,
                instrument.title,
                instrument.kind,
                instrument.citation,
                instrument.binding,
                instrument.review_state,
                instrument.jurisdiction.pk,
                instrument.jurisdiction.slug,
                instrument.jurisdiction.name,
                *cited,
            ]
        )
    database.executemany(
        f"INSERT INTO resolver_orders VALUES ({', '.join('?' * len(RESOLVER_ORDERS))})",
        ([_sql_value(v) if not isinstance(v, str) else v for v in row] for row in rows),
    )


def manifest_of(directory: Path) -> dict[str, dict]:
    return {
        path.name: {"sha256": sha256_of(path), "bytes": path.stat().st_size}
        for path in sorted(directory.iterdir())
        if path.is_file() and path.name != "manifest.json"
    }


def write_manifest(directory: Path, release: dict) -> None:
    (directory / "manifest.json").write_text(
        json.dumps(release, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
    )
