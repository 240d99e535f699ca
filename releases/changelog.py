"""What changed between two releases, computed by SQLite from their files (ATTACH), so that
neither is loaded into memory.

- instruments and provisions: added (in this release only), unpublished (in the previous
  only: withdrawn or deleted) and changed (in both, some column differs);
- positions: the (jurisdiction, dimension) pairs whose intervals differ, counted by question
  (dimension) and jurisdiction level.

The ids go to `changelog.json` as SQLite returns them, a chunk at a time (the first release
adds every record, which at national scale is hundreds of thousands of ids); the release's
row keeps only their counts (`summary`).
"""

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

RECORDS = {"instruments": "instrument_id", "provisions": "provision_id"}
ACTIONS = ("added", "changed", "unpublished")
CHUNK = 5000
# SQLite's page cache while it sorts the two releases' tables against each other: bounded,
# so the cut's memory does not grow with the data (larger sorts spill to temporary files).
CACHE_KIB = 16 * 1024


def _queries(table: str, key: str, old: str | None) -> dict[str, str | None]:
    """Per action, the query of its ids in order (None: no ids, as for a first release)."""
    if old is None:
        return {
            "added": f"SELECT {key} FROM main.{table} ORDER BY 1",
            "changed": None,
            "unpublished": None,
        }
    return {
        "added": f"SELECT {key} FROM main.{table} EXCEPT SELECT {key} FROM {old}.{table} "
        "ORDER BY 1",
        "unpublished": f"SELECT {key} FROM {old}.{table} EXCEPT SELECT {key} FROM main.{table} "
        "ORDER BY 1",
        "changed": f"SELECT {key} FROM (SELECT * FROM main.{table} EXCEPT "
        f"SELECT * FROM {old}.{table}) WHERE {key} IN (SELECT {key} FROM {old}.{table}) "
        "ORDER BY 1",
    }


def _ids(database: sqlite3.Connection, sql: str | None) -> Iterator[list[int]]:
    if sql is None:
        return
    cursor = database.execute(sql)
    while chunk := cursor.fetchmany(CHUNK):
        yield [row[0] for row in chunk]


def _write_ids(out: TextIO, chunks: Iterator[list[int]]) -> int:
    """A JSON array of ids, written a chunk at a time; returns how many."""
    count = 0
    out.write("[")
    for chunk in chunks:
        out.write(", " if count else "")
        out.write(", ".join(map(str, chunk)))
        count += len(chunk)
    out.write("]")
    return count


def changelog(
    current: Path, previous: Path | None, previous_number: int | None, target: Path
) -> dict:
    """Write the changelog of `current` against `previous` (None: the first release) to
    `target`, and return its summary: the counts of ids, and the positions changed."""
    database = sqlite3.connect(f"file:{current}?mode=ro", uri=True)
    try:
        database.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        old = None
        if previous is not None:
            database.execute("ATTACH DATABASE ? AS old", (f"file:{previous}?mode=ro",))
            old = "old"
        summary: dict = {"previous_release": previous_number}
        with target.open("w", encoding="utf-8") as out:
            out.write("{\n" + f'  "previous_release": {json.dumps(previous_number)},\n')
            for table, key in RECORDS.items():
                summary[table] = {}
                out.write(f'  "{table}": {{')
                for i, (action, sql) in enumerate(_queries(table, key, old).items()):
                    out.write(f'{", " if i else ""}"{action}": ')
                    summary[table][action] = _write_ids(out, _ids(database, sql))
                out.write("},\n")
            summary["positions_changed"] = _positions_changed(database, old)
            changed = json.dumps(summary["positions_changed"], ensure_ascii=False)
            out.write(f'  "positions_changed": {changed}\n}}\n')
        return summary
    finally:
        database.close()


def _positions_changed(database: sqlite3.Connection, old: str | None) -> list[dict]:
    """Pairs whose intervals differ, by dimension and level: [{dimension, level, count}]."""
    if old is None:
        differing = "SELECT DISTINCT jurisdiction_slug, dimension FROM main.positions"
    else:
        differing = (
            "SELECT jurisdiction_slug, dimension FROM ("
            f"SELECT * FROM (SELECT * FROM main.positions EXCEPT SELECT * FROM {old}.positions) "
            f"UNION ALL SELECT * FROM (SELECT * FROM {old}.positions "
            "EXCEPT SELECT * FROM main.positions)"
            ") GROUP BY 1, 2"
        )
    rows = database.execute(
        f"SELECT d.dimension, j.level, count(*) FROM ({differing}) AS d "
        "LEFT JOIN main.jurisdictions AS j ON j.jurisdiction_slug = d.jurisdiction_slug "
        "GROUP BY 1, 2 ORDER BY 1, 2"
    )
    return [{"dimension": d, "level": level or "", "count": n} for d, level, n in rows]
