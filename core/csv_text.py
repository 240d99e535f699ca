"""CSV text from JSON-like records, a line at a time."""

import csv
import io
import json
from collections.abc import Iterable, Iterator


def flatten(record: dict, prefix: str = "") -> dict:
    """One CSV row from a nested JSON record: nested objects become `a.b` columns; lists of
    plain values are joined with '; '; lists of objects are kept as JSON text."""
    row = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            row.update(flatten(value, f"{name}."))
        elif isinstance(value, list):
            if all(not isinstance(item, dict | list) for item in value):
                row[name] = "; ".join("" if item is None else str(item) for item in value)
            else:
                row[name] = json.dumps(value, ensure_ascii=False, default=str)
        else:
            row[name] = "" if value is None else value
    return row


def csv_lines(rows: Iterable[dict], header: list[str] | None = None) -> Iterator[str]:
    """CSV text, a line at a time. The header is `header` when the columns are known, so a
    file with no rows still names them (a reader of an empty file learns its columns rather
    than failing on it); otherwise it comes from the first row."""
    buffer = io.StringIO()
    writer = None
    if header is not None:
        writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    for row in rows:
        if writer is None:
            writer = csv.DictWriter(buffer, fieldnames=list(row), extrasaction="ignore")
            writer.writeheader()
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
