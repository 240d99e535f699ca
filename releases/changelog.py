"""What changed between two releases, computed by SQLite from their files (ATTACH), so that
neither is loaded into memory.

- instruments and provisions: added (in this release only), unpublished (in the previous
  only: withdrawn or deleted) and changed (in both, some column differs), as id lists;
- positions: the (jurisdiction, dimension) pairs whose intervals differ, counted by question
  (dimension) and jurisdiction level.
"""

import sqlite3
from pathlib import Path

RECORDS = {"instruments": "instrument_id", "provisions": "provision_id"}


def _ids(database: sqlite3.Connection, sql: str) -> list[int]:
    return [row[0] for row in database.execute(sql)]


def changelog(current: Path, previous: Path | None, previous_number: int | None) -> dict:
    database = sqlite3.connect(f"file:{current}?mode=ro", uri=True)
    try:
        if previous is None:
            return {
                "previous_release": None,
                **{
                    table: {
                        "added": _ids(database, f"SELECT {key} FROM {table} ORDER BY 1"),
                        "changed": [],
                        "unpublished": [],
                    }
                    for table, key in RECORDS.items()
                },
                "positions_changed": _positions_changed(database, None),
            }
        database.execute("ATTACH DATABASE ? AS old", (f"file:{previous}?mode=ro",))
        answer: dict = {"previous_release": previous_number}
        for table, key in RECORDS.items():
            answer[table] = {
                "added": _ids(
                    database,
                    f"SELECT {key} FROM main.{table} EXCEPT SELECT {key} FROM old.{table} "
                    "ORDER BY 1",
                ),
                "unpublished": _ids(
                    database,
                    f"SELECT {key} FROM old.{table} EXCEPT SELECT {key} FROM main.{table} "
                    "ORDER BY 1",
                ),
                "changed": _ids(
                    database,
                    f"SELECT {key} FROM (SELECT * FROM main.{table} EXCEPT "
                    f"SELECT * FROM old.{table}) WHERE {key} IN (SELECT {key} FROM old.{table}) "
                    "ORDER BY 1",
                ),
            }
        answer["positions_changed"] = _positions_changed(database, "old")
        return answer
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
