"""Export the published tables Datasette serves in the benchmark, from PostgreSQL to SQLite.

    python bench/export_sqlite.py postgres://postgres@127.0.0.1:5432/policyhub_bench out.db

Flat, denormalised tables (as Datasette serves best), each with the indexes its cases
filter and sort on, and full-text search (FTS5, with Porter stemming as PolicyHub's search
has English stemming) on the instruments' title, citation and summary:

- jurisdictions: every jurisdiction with its parent's slug and its state's USPS code;
- positions: every stored interval with its jurisdiction, dimension, value and deciding
  instrument; open ends are stored as 0001-01-01 and 9999-12-31 so that Datasette's
  `valid_from__lte` / `valid_to__gt` filters express "in force on a date";
- instruments: published instruments;
- provisions: published provisions, the columns of `/api/v1/bulk/?table=provisions`.
"""

import sqlite3
import sys
import time
from pathlib import Path

import psycopg

BATCH = 10_000

TABLES = {
    "jurisdictions": (
        """
        SELECT j.id, j.slug, j.name, j.level, j.fips, j.ocd_id, j.usps,
               pa.slug AS parent_slug, pa.fips AS parent_fips, st.usps AS state_usps,
               j.updated_at::text AS updated_at
          FROM jurisdictions_jurisdiction j
          LEFT JOIN jurisdictions_jurisdiction pa ON pa.id = j.parent_id
          LEFT JOIN jurisdictions_jurisdiction st ON st.id = j.state_id
         ORDER BY j.id
        """,
        ["state_usps, level, fips", "fips", "level, fips"],
    ),
    "positions": (
        """
        SELECT p.id, j.fips AS jurisdiction_fips, j.slug AS jurisdiction_slug,
               j.name AS jurisdiction_name, j.level AS jurisdiction_level,
               d.slug AS dimension, v.slug AS value, v.label AS value_label, p.rank,
               p.provenance, p.approximate::int AS approximate,
               coalesce(p.valid_from, '0001-01-01')::text AS valid_from,
               coalesce(p.valid_to, '9999-12-31')::text AS valid_to,
               p.provision_id, pr.instrument_id, i.title AS instrument_title
          FROM policies_position p
          JOIN jurisdictions_jurisdiction j ON j.id = p.jurisdiction_id
          JOIN policies_dimension d ON d.id = p.dimension_id
          LEFT JOIN policies_dimensionvalue v ON v.id = p.value_id
          LEFT JOIN policies_provision pr ON pr.id = p.provision_id
          LEFT JOIN policies_instrument i ON i.id = pr.instrument_id
         ORDER BY p.id
        """,
        [
            "dimension, jurisdiction_level, valid_from",
            "jurisdiction_fips, valid_from",
            "dimension, jurisdiction_level, jurisdiction_fips",
        ],
    ),
    "instruments": (
        """
        SELECT i.id, i.title, i.kind, i.status, i.citation, j.slug AS jurisdiction_slug,
               j.fips AS jurisdiction_fips, j.level AS jurisdiction_level,
               i.binding::int AS binding, i.enacted_on::text AS enacted_on,
               i.effective_on::text AS effective_on, i.ended_on::text AS ended_on,
               i.summary, i.reviewed_at::text AS published_at
          FROM policies_instrument i
          JOIN jurisdictions_jurisdiction j ON j.id = i.jurisdiction_id
         WHERE i.review_state = 'published'
         ORDER BY i.id
        """,
        ["jurisdiction_fips, effective_on"],
    ),
    "provisions": (
        """
        SELECT pr.id AS provision_id, pr.instrument_id, i.title AS instrument_title,
               i.citation AS instrument_citation, i.kind AS instrument_kind,
               i.binding::int AS binding, j.slug AS jurisdiction_slug,
               j.fips AS jurisdiction_fips, j.level AS jurisdiction_level,
               d.slug AS dimension, v.slug AS value, v.rank,
               i.effective_on::text AS effective_on, i.effective_precision,
               i.ended_on::text AS ended_on, i.ended_precision,
               pr.pinpoint, pr.exceptions, pr.notes
          FROM policies_provision pr
          JOIN policies_instrument i ON i.id = pr.instrument_id
          JOIN jurisdictions_jurisdiction j ON j.id = i.jurisdiction_id
          JOIN policies_dimension d ON d.id = pr.dimension_id
          JOIN policies_dimensionvalue v ON v.id = pr.value_id
         WHERE i.review_state = 'published'
         ORDER BY pr.id
        """,
        [],
    ),
}
PRIMARY_KEYS = {"provisions": "provision_id"}


def export(dsn_or_connection, target: Path, out=sys.stdout) -> dict[str, int]:
    """Write the tables to `target` (replaced whole at the end); `dsn_or_connection` is a
    PostgreSQL URL or an open psycopg connection (inside a transaction, for named cursors)."""
    target = Path(target)
    partial = target.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    counts = {}
    lite = sqlite3.connect(partial)
    lite.execute("PRAGMA journal_mode = OFF")
    lite.execute("PRAGMA synchronous = OFF")
    owned = isinstance(dsn_or_connection, str)
    pg = psycopg.connect(dsn_or_connection) if owned else dsn_or_connection
    try:
        for table, (sql, indexes) in TABLES.items():
            started = time.perf_counter()
            with pg.cursor(name=f"export_{table}") as cursor:
                cursor.itersize = BATCH
                cursor.execute(sql)
                rows = cursor.fetchmany(BATCH)
                columns = [c.name for c in cursor.description]
                key = PRIMARY_KEYS.get(table, "id")
                definition = ", ".join(
                    f'"{c}" INTEGER PRIMARY KEY' if c == key else f'"{c}"' for c in columns
                )
                lite.execute(f'CREATE TABLE "{table}" ({definition})')
                insert = f'INSERT INTO "{table}" VALUES ({", ".join("?" for _ in columns)})'
                n = 0
                while rows:
                    lite.executemany(insert, rows)
                    n += len(rows)
                    rows = cursor.fetchmany(BATCH)
            for i, index in enumerate(indexes):
                lite.execute(f'CREATE INDEX "{table}_{i}" ON "{table}" ({index})')
            counts[table] = n
            out.write(f"  exported {table}: {n:,} rows in {time.perf_counter() - started:.1f} s\n")
    finally:
        if owned:
            pg.close()
    lite.execute(
        'CREATE VIRTUAL TABLE "instruments_fts" USING fts5(title, citation, summary, '
        'content="instruments", content_rowid="id", tokenize=\'porter unicode61\')'
    )
    lite.execute("INSERT INTO instruments_fts(instruments_fts) VALUES ('rebuild')")
    lite.execute("ANALYZE")
    lite.commit()
    lite.close()
    partial.replace(target)
    return counts


if __name__ == "__main__":
    export(sys.argv[1], Path(sys.argv[2]))
