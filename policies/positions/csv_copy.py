"""The positions CSV written by PostgreSQL: `COPY (SELECT …) TO STDOUT (FORMAT csv)`.

The export streamed through Python (`positions_streamed`, `policies.shapes.position_csv_row`)
decodes every row into Python objects, looks up sources, set-aside and noted provisions
and court orders per chunk, and encodes it all again with the csv module: at national
scale (3,142 counties) about as long as the hand-written floor, and twice Datasette's
plain table. Here one statement produces the same bytes: the jurisdictions, their
positions and deciding provisions come from the same queryset as before (its filters and
its order), and every column of `POSITION_CSV_HEADER` is written in SQL, the JSON cells
included, so the rows cross the wire as finished CSV text.

Byte for byte what the csv module writes (tests/policies/api/test_positions_copy.py
compares the two paths on the seed data):

- an empty string is an empty cell: COPY quotes an empty string to tell it from NULL,
  the csv module does not, so every text column is written as NULL when empty;
- fields are quoted when they hold a comma, a double quote, CR or LF, quotes doubled,
  by both; each row ends with CR LF (the csv module's terminator; COPY ends rows with LF,
  and sends one row per message, so the LF is replaced as rows arrive);
- booleans are `True` / `False`, dates ISO, as Python's `str()` writes them;
- JSON cells as `json.dumps(items, ensure_ascii=False)`: `", "` and `": "` between items
  and keys, keys in the shape's order, strings escaped as PostgreSQL's `to_json` does
  (the same escapes: quote, backslash, \\b \\f \\n \\r \\t, other control characters as
  \\u00XX), an empty list as an empty cell.
"""

import csv
import datetime as dt
import io
from collections.abc import Iterator

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

from jurisdictions.models import Jurisdiction
from policies.models import (
    Citation,
    Dimension,
    DimensionValue,
    Instrument,
    Provision,
    Source,
    Suspension,
)
from policies.positions.queries import held_on

# Where the queryset's SQL goes in the statement.
INNER_MARK = "__positions_inner__"
# Bytes gathered before a piece of the response is sent.
PIECE = 64 * 1024

# The columns read from the queryset, as `r.<name>` in the outer statement.
INNER = (
    ("pk", "pk"),
    ("slug", "slug"),
    ("name", "name"),
    ("level", "level"),
    ("fips", "fips"),
    ("ocd_id", "ocd_id"),
    ("value", "held__value__slug"),
    ("label", "held__value__label"),
    ("rank", "held__value__rank"),
    ("provenance", "held__provenance"),
    ("approximate", "held__approximate"),
    ("valid_from", "held__valid_from"),
    ("valid_to", "held__valid_to"),
    ("overridden", "held__overridden"),
    ("noted", "held__noted"),
    ("suspended", "held__suspended"),
    ("provision_id", "held__provision__id"),
    ("pinpoint", "held__provision__pinpoint"),
    ("exceptions", "held__provision__exceptions"),
    ("instrument_id", "held__provision__instrument__id"),
    ("title", "held__provision__instrument__title"),
    ("kind", "held__provision__instrument__kind"),
    ("citation", "held__provision__instrument__citation"),
    ("binding", "held__provision__instrument__binding"),
    ("instrument_jurisdiction", "held__provision__instrument__jurisdiction__slug"),
)


def _text(expression: str) -> str:
    """A text cell: empty when NULL or empty (COPY would quote an empty string)."""
    return f"NULLIF({expression}, '')"


def _json(expression: str) -> str:
    """A JSON string literal, escaped as json.dumps escapes it (ensure_ascii=False)."""
    return f"to_json(({expression})::text)::text"


def _day(expression: str) -> str:
    return f"to_char({expression}, 'YYYY-MM-DD')"


def _flag(expression: str) -> str:
    return f"CASE WHEN {expression} THEN 'True' ELSE 'False' END"


def _object(*pairs: tuple[str, str]) -> str:
    """`{"key": value, …}` as json.dumps writes it; each value already JSON text."""
    parts = []
    for n, (key, value) in enumerate(pairs):
        parts.append(f"'{', ' if n else '{'}\"{key}\": '")
        parts.append(value)
    return " || ".join([*parts, "'}'"])


def _array(item: str, order: str) -> str:
    """`[item, …]` as json.dumps writes it, or NULL (an empty cell) when there is none."""
    return f"'[' || string_agg({item}, ', ' ORDER BY {order}) || ']'"


def _statement() -> str:
    provision = Provision._meta.db_table
    instrument = Instrument._meta.db_table
    jurisdiction = Jurisdiction._meta.db_table
    value = DimensionValue._meta.db_table
    dimension = Dimension._meta.db_table
    citation = Citation._meta.db_table
    source = Source._meta.db_table
    suspension = Suspension._meta.db_table

    # The deciding provision's sources: its own citations, then its instrument's, each in
    # citation order, a source once (`queries.merge_sources`).
    sources = f"""(
        SELECT {_array(_object(("title", _json("s.title")), ("url", _json("s.url"))), "s.o, s.cid")}
          FROM (SELECT DISTINCT ON (c.source_id) src.title, src.url,
                       CASE WHEN c.provision_id IS NULL THEN 1 ELSE 0 END AS o, c.id AS cid
                  FROM {citation} c JOIN {source} src ON src.id = c.source_id
                 WHERE c.provision_id = r.provision_id OR c.instrument_id = r.instrument_id
                 ORDER BY c.source_id, o, c.id) s)"""
    # Set-aside and noted provisions in the order stored, those that exist (`set_aside_of`,
    # `noted_of`).
    mentioned = f"""
          FROM jsonb_array_elements_text(r.{{list}}) WITH ORDINALITY e(id, n)
          JOIN {provision} o ON o.id = e.id::bigint
          JOIN {instrument} oi ON oi.id = o.instrument_id
          JOIN {jurisdiction} oj ON oj.id = oi.jurisdiction_id
          JOIN {value} ov ON ov.id = o.value_id"""
    overridden = (
        "(SELECT "
        + _array(
            _object(
                ("provision", "o.id::text"),
                ("instrument", _json("oi.title")),
                ("jurisdiction", _json("oj.slug")),
                ("value", _json("ov.slug")),
            ),
            "e.n",
        )
        + mentioned.format(list="overridden")
        + ")"
    )
    noted = (
        "(SELECT "
        + _array(
            _object(
                ("provision", "o.id::text"),
                ("instrument", _json("oi.title")),
                ("value", _json("ov.slug")),
            ),
            "e.n",
        )
        + mentioned.format(list="noted")
        + ")"
    )
    # Court orders that keep a provision out (`suspended_by_of`).
    suspended = (
        "(SELECT "
        + _array(
            _object(
                ("order", _json('su."order"')),
                ("from", _json(_day("su.starts_on"))),
                ("until", f"coalesce({_json(_day('su.ends_on'))}, 'null')"),
                ("until_reason", _json("su.end_reason")),
                ("instrument", _json("si.title")),
                ("jurisdiction", _json("sj.slug")),
                ("dimension", _json("sd.slug")),
                ("pinpoint", _json("sp.pinpoint")),
                ("source", f"coalesce({_json('ss.url')}, 'null')"),
            ),
            "e.n",
        )
        + f"""
          FROM jsonb_array_elements_text(r.suspended) WITH ORDINALITY e(id, n)
          JOIN {suspension} su ON su.id = e.id::bigint
          JOIN {provision} sp ON sp.id = su.provision_id
          JOIN {dimension} sd ON sd.id = sp.dimension_id
          JOIN {instrument} si ON si.id = sp.instrument_id
          JOIN {jurisdiction} sj ON sj.id = si.jurisdiction_id
          LEFT JOIN {source} ss ON ss.id = su.source_id)"""
    )
    decided = "r.instrument_id IS NOT NULL"
    columns = [
        _text("r.slug"),
        _text("r.name"),
        _text("r.level"),
        _text("r.fips"),
        _text("r.ocd_id"),
        "%(as_of)s::text",
        "%(dimension)s::text",
        _text("r.value"),
        _text("coalesce(r.label, 'Unknown')"),
        "r.rank",
        _text("coalesce(r.provenance, 'unknown')"),
        _flag("coalesce(r.approximate, false)"),
        _day("r.valid_from"),
        _day("r.valid_to"),
        "r.instrument_id",
        _text("r.title"),
        _text("r.kind"),
        _text("r.citation"),
        f"CASE WHEN {decided} THEN {_flag('r.binding')} END",
        _text("r.instrument_jurisdiction"),
        "%(url_before)s::text || r.instrument_id || %(url_after)s::text",
        f"CASE WHEN {decided} THEN r.provision_id END",
        f"CASE WHEN {decided} THEN {_text('r.pinpoint')} END",
        f"CASE WHEN {decided} THEN {_text('r.exceptions')} END",
        f"CASE WHEN {decided} THEN {sources} END",
        f"CASE WHEN r.overridden <> '[]' THEN {overridden} END",
        f"CASE WHEN r.noted <> '[]' THEN {noted} END",
        f"CASE WHEN r.suspended <> '[]' THEN {suspended} END",
    ]
    names = ", ".join(name for name, _ in INNER)
    # The outer query joins nothing, so it reads the inner one's rows in their order.
    return (
        "COPY (SELECT "
        + ",\n       ".join(columns)
        + f"\n  FROM ({INNER_MARK}) AS r({names})) TO STDOUT (FORMAT csv)"
    )


def _inner(jurisdictions: QuerySet, dimension: Dimension, on: dt.date) -> QuerySet:
    return jurisdictions.annotate(held=held_on(dimension, on)).values_list(
        *(path for _, path in INNER)
    )


def positions_csv_rows(
    jurisdictions: QuerySet, dimension: Dimension, on: dt.date, url_template: tuple[str, str]
) -> Iterator[bytes]:
    """The rows of the positions CSV (no header) for every jurisdiction of the queryset in
    its order, as PostgreSQL writes them, in pieces of about PIECE bytes. `url_template`
    is what comes before and after an instrument's id in its absolute API address."""
    try:
        inner_sql, inner_params = (
            _inner(jurisdictions, dimension, on).query.get_compiler(connection=connection).as_sql()
        )
    except EmptyResultSet:  # a queryset that matches nothing (`.none()`) has no SQL
        return
    with connection.cursor() as cursor:
        # One statement with its values written in: COPY takes no bound parameters. The
        # outer values first, then the queryset's SQL in its place (its text may hold a %).
        outer = cursor.cursor.mogrify(
            _statement(),
            {
                "as_of": on.isoformat(),
                "dimension": dimension.slug,
                "url_before": url_template[0],
                "url_after": url_template[1],
            },
        )
        statement = outer.replace(INNER_MARK, cursor.cursor.mogrify(inner_sql, inner_params))
        with cursor.copy(statement) as copy:
            piece = bytearray()
            for row in copy:
                # One row a message, ending in LF (libpq returns whole rows): written with
                # the csv module's CR LF.
                if row[-1:] != b"\n":
                    raise RuntimeError("COPY returned part of a row")
                piece += row[:-1]
                piece += b"\r\n"
                if len(piece) >= PIECE:
                    yield bytes(piece)
                    piece.clear()
            if piece:
                yield bytes(piece)


def header_line(header: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(header)
    return buffer.getvalue()
