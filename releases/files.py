"""Writing a release's files in one pass over each table, in constant memory.

Each table of `policies/bulk.py` is read once, in chunks, and every row goes at the same
time to its CSV member of the zip, to a table of the SQLite file and to a batch of its Parquet
file (pyarrow writes a row group per batch). Beside the tables the SQLite file keeps what the
position engine needs to resolve this release again (`resolver_*` tables, see resolver.py).
"""

import csv
import datetime as dt
import hashlib
import io
import json
import sqlite3
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from core import licences
from jurisdictions.models import Jurisdiction
from policies.bulk import TABLES, Table, codebook_json
from policies.models import Dimension, DimensionValue
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


def _field_at(model, path: str):
    """The model field a lookup path ends on ("pk", "name", "jurisdiction__slug"); a foreign
    key stands for the field it points to."""
    *hops, last = path.split("__")
    for hop in hops:
        model = model._meta.get_field(hop).related_model
    field = model._meta.pk if last == "pk" else model._meta.get_field(last)
    while field.is_relation:
        field = field.target_field
    return field


INTEGER_FIELDS = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
}


def arrow_type(field) -> pa.DataType:
    """A column's Parquet type, from the model field it reads: the same in every release,
    whether or not the table has rows."""
    kind = field.get_internal_type()
    if kind == "BooleanField":
        return pa.bool_()
    if kind in INTEGER_FIELDS:
        return pa.int64()
    if kind == "DateTimeField":
        return pa.timestamp("us", tz="UTC")
    if kind == "DateField":
        return pa.date32()
    return pa.string()


def schema_of(table: Table) -> pa.Schema:
    model = table.queryset.model
    return pa.schema(
        [(name, arrow_type(_field_at(model, path))) for name, path in table.columns.items()]
    )


def _stored(column: tuple, kind: pa.DataType) -> list:
    """A column of a batch as SQLite and Parquet keep it: no value (None) for an empty
    text, dates as ISO text for SQLite (Parquet takes the dates themselves)."""
    if kind == pa.string():
        return [value or None for value in column]
    return list(column)


def _sql_column(column: list, kind: pa.DataType) -> list:
    if pa.types.is_timestamp(kind) or kind == pa.date32():
        return [None if value is None else value.isoformat() for value in column]
    return column


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _write_table(
    name: str,
    table: Table,
    archive: zipfile.ZipFile,
    database: sqlite3.Connection,
    directory: Path,
) -> int:
    """One table, read once in chunks, into its CSV member of the zip, its SQLite table and
    its Parquet file (a row group per chunk). A table with no rows still gets all three:
    a header, an empty table, an empty file with the schema. Returns the rows written."""
    schema = schema_of(table)
    columns = [_quoted(column) for column in schema.names]
    database.execute(f"CREATE TABLE {_quoted(name)} ({', '.join(columns)})")
    insert = f"INSERT INTO {_quoted(name)} VALUES ({', '.join('?' * len(columns))})"
    rows = 0
    with (
        archive.open(f"{name}.csv", "w") as member,
        pq.ParquetWriter(directory / PARQUET.format(table=name), schema) as parquet,
    ):
        text = io.TextIOWrapper(member, encoding="utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow(schema.names)
        for batch in table.batches(BATCH):
            writer.writerows(batch)
            by_column = zip(*batch, strict=True)
            stored = [_stored(c, kind) for c, kind in zip(by_column, schema.types, strict=True)]
            in_sql = [_sql_column(c, kind) for c, kind in zip(stored, schema.types, strict=True)]
            database.executemany(insert, zip(*in_sql, strict=True))
            arrays = [pa.array(c, type=kind) for c, kind in zip(stored, schema.types, strict=True)]
            parquet.write_table(pa.Table.from_arrays(arrays, schema=schema))
            rows += len(batch)
        text.flush()
        text.detach()
    database.commit()
    return rows


def write_tables(directory: Path, number: int, readme: str) -> dict[str, int]:
    """The zip, the SQLite file and the Parquet files of a release; returns rows per table."""
    counts: dict[str, int] = {}
    database = sqlite3.connect(directory / SQLITE.format(number=number))
    archive_path = directory / ARCHIVE.format(number=number)
    with zipfile.ZipFile(archive_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, table in TABLES.items():
            counts[name] = _write_table(name, table, archive, database, directory)
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
    # Which value each id coded, so `?release=N` labels it from this release's codebook
    # (its `dimension_values` table) even if the value is renamed or relabelled later.
    database.execute("CREATE TABLE resolver_values (value_id PRIMARY KEY, dimension, value)")
    database.executemany(
        "INSERT INTO resolver_values VALUES (?, ?, ?)",
        DimensionValue.objects.order_by("pk").values_list("pk", "dimension__slug", "slug"),
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
