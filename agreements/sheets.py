"""Reading one of ICE's sheets into plain rows, with openpyxl.

Columns are found by their headers (the first non-blank row), never their positions. Every
cell is kept as text under its header, dates as ISO dates, so that a snapshot can be
replayed from the database alone and its content hashed.
"""

import datetime as dt
import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from agreements import rules


class SheetError(Exception):
    """The file cannot be imported at all: unreadable, or a required column is missing."""


@dataclass
class Sheet:
    path: Path
    list_kind: str
    published_on: dt.date
    half_day: str
    captured_at: dt.datetime | None
    columns: list[str]
    unknown_columns: list[str]
    rows: list[tuple[int, dict, str]]  # (row number, values by header, MOA hyperlink)
    blank_rows: list[int] = field(default_factory=list)
    empty: bool = False

    @property
    def content_hash(self) -> str:
        body = json.dumps(
            [self.list_kind, self.columns, [(v, url) for _, v, url in self.rows]],
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(body.encode()).hexdigest()


def _cell_text(value) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return rules.clean_text(value)


def read_sheet(path: Path) -> Sheet:
    import openpyxl  # imported here: only the importer needs it

    list_kind, published_on, half_day = _name_parts(path)
    try:
        # Not read-only: the MOA column's hyperlinks are only read from a full workbook.
        workbook = openpyxl.load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError) as exc:
        raise SheetError(f"{path}: not a readable .xlsx spreadsheet ({exc})") from None
    sheet = workbook.worksheets[0]
    header_row, headers, blanks_before = None, [], []
    rows: list[tuple[int, dict, str]] = []
    blank_rows: list[int] = []
    for cells in sheet.iter_rows():
        number = cells[0].row if cells else 0
        texts = [_cell_text(c.value) for c in cells]
        if header_row is None:
            if not any(texts):
                blanks_before.append(number)
                continue
            header_row = number
            headers = [rules.header_name(t) for t in texts]
            continue
        if not any(texts):
            blank_rows.append(number)
            continue
        values, moa_url = {}, ""
        for index, text in enumerate(texts):
            if not text:
                continue
            name = headers[index] if index < len(headers) and headers[index] else ""
            name = name or f"column {index + 1}"
            values[name] = text
            if name == rules.MOA and cells[index].hyperlink is not None:
                moa_url = cells[index].hyperlink.target or ""
        rows.append((number, values, moa_url))
    workbook.close()
    columns = [h for h in headers if h]
    extra = sorted({k for _, v, _ in rows for k in v if k.startswith("column ")})
    result = Sheet(
        path=path,
        list_kind=list_kind,
        published_on=published_on,
        half_day=half_day,
        captured_at=rules.parse_capture_folder(path.parent.name),
        columns=columns,
        unknown_columns=rules.unknown_columns(columns) + extra,
        rows=rows,
        blank_rows=blank_rows,
        empty=header_row is None,
    )
    if not result.empty:
        missing = rules.missing_columns(list_kind, columns)
        if missing:
            raise SheetError(
                f"{path}: required column{'s' if len(missing) > 1 else ''} "
                f"{', '.join(missing)} missing (found: {', '.join(columns) or 'none'})"
            )
    return result


def _name_parts(path: Path):
    try:
        return rules.parse_file_name(path.name)
    except ValueError as exc:
        raise SheetError(str(exc)) from None


def find_files(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """The .xlsx files under the given files and folders, and the other files skipped."""
    found, skipped = [], []
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file():
                    (found if child.suffix.lower() == ".xlsx" else skipped).append(child)
        elif path.exists():
            found.append(path)
        else:
            raise SheetError(f"{path}: no such file or folder")
    return found, skipped
