"""Querysets compiled to SQL once per process, then run with other values.

A small answer (one jurisdiction, one profile) spent more time having Django build and
compile its queries than the database took to run them: for the jurisdiction API, four
fifths of the ORM's part of the request (docs/benchmarks.md). A `Prepared` query is written
as an ordinary queryset, built once from stand-in values, compiled by Django for the
database in use, and kept; each call then only puts the call's values where the stand-ins
were and reads the rows through the same converters the ORM applies. The SQL is Django's
own, so PostgreSQL and SQLite answer exactly as the queryset would.

What may vary between calls is what a parameter holds: strings, integers, dates, and lists
of them (the length of a list is part of the compiled shape, since SQLite writes one
placeholder a value). Anything that changes the SQL itself (a filter present or not) is a
different `Prepared`.
"""

import datetime as dt
import itertools
import threading
from collections.abc import Callable

from django.db import connections
from django.db.models import QuerySet

_stand_ins = itertools.count(1)
# Compiled shapes kept per query: on SQLite each length of a list is a shape of its own.
MAX_SHAPES = 64


def _stand_in(value):
    """A value of the same kind as `value` that no real call passes."""
    n = next(_stand_ins)
    if isinstance(value, bool):
        raise TypeError("a flag changes the SQL: prepare one query for each value")
    if isinstance(value, int):
        return -(10**15) - n
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.date(1000 + n % 8000, 1, 1 + n // 8000 % 28)
    if isinstance(value, str):
        return f"\x00stand-in {n}\x00"
    raise TypeError(f"cannot prepare a query on {type(value).__name__} values")


def _shape(values: dict) -> tuple:
    return tuple(
        (name, len(value) if isinstance(value, list | tuple) else None)
        for name, value in sorted(values.items())
    )


class Prepared:
    """`build(**values)` returns a `values_list` queryset; calling the `Prepared` with the
    same keywords returns its rows as tuples, from SQL compiled on the first call."""

    def __init__(self, build: Callable[..., QuerySet], using: str = "default"):
        self.build, self.using = build, using
        self._compiled: dict[tuple, tuple] = {}
        self._lock = threading.Lock()

    def __call__(self, **values) -> list[tuple]:
        connection = connections[self.using]
        key = (connection.vendor, _shape(values))
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(key) or self._compile(values, connection)
                if len(self._compiled) < MAX_SHAPES:
                    self._compiled[key] = compiled
        sql, slots, converters = compiled
        params = [slot(values) for slot in slots]
        with _cursor(connection) as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if converters:
            rows = [_converted(row, converters, connection) for row in rows]
        return rows

    def _compile(self, values: dict, connection) -> tuple:
        stand_ins, found = {}, {}
        for name, value in values.items():
            if isinstance(value, list | tuple):
                items = [_stand_in(v) for v in value]
                stand_ins[name] = items
                found[_key(items)] = name, None
                for i, item in enumerate(items):
                    found[_key(item)] = name, i
            else:
                stand_ins[name] = _stand_in(value)
                found[_key(stand_ins[name])] = name, None
        queryset = self.build(**stand_ins)
        compiler = queryset.query.get_compiler(using=self.using, connection=connection)
        sql, params = compiler.as_sql()
        slots = [_slot(param, found, connection) for param in params]
        fields = [selected[0] for selected in compiler.select[: compiler.col_count]]
        converters = compiler.get_converters(fields)
        return sql, slots, converters


def _cursor(connection):
    """Django's cursor; on PostgreSQL, one that sends the values apart from the SQL
    (server-side binding), so that psycopg prepares the statement on the connection once it
    has run a few times (`prepare_threshold`, which Django leaves off unless the settings
    ask: policyhub/settings.py does) and PostgreSQL stops parsing and planning it on every
    call. Django's own cursors bind on the client (the values written into the
    SQL), which never repeats a statement's text. Wrapped as Django wraps its cursors, so
    query logging, `execute_wrapper`s and error translation see it as any other."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    import psycopg
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID, register_tzloader

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        cursor = psycopg.Cursor(connection.connection)
        # As Django's `create_cursor`: times in the connection's zone.
        loader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, psycopg.pq.Format.TEXT)
        if connection.timezone != loader.timezone:
            register_tzloader(connection.timezone, cursor)
        return connection._prepare_cursor(cursor)


def _key(value):
    """How a stand-in looks once Django has prepared it as a parameter: dates may become
    text (SQLite), lists stay lists (PostgreSQL's `= ANY(%s)`)."""
    if isinstance(value, list):
        return ("list", tuple(_key(v) for v in value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _slot(param, found: dict, connection):
    where = found.get(_key(param))
    if where is None:
        if isinstance(param, str) and "\x00stand-in" in param:
            raise ValueError("a value was changed before it reached the SQL: prepare it apart")
        return lambda values, constant=param: constant
    name, index = where
    as_text = isinstance(param, str) and not _is_text(param)
    if index is None and isinstance(param, list):
        return lambda values: list(values[name])
    if index is None:
        if as_text:
            return lambda values: connection.ops.adapt_datefield_value(values[name])
        return lambda values: values[name]
    if as_text:
        return lambda values: connection.ops.adapt_datefield_value(values[name][index])
    return lambda values: values[name][index]


def _is_text(param: str) -> bool:
    return param.startswith("\x00stand-in")


def _converted(row, converters, connection) -> tuple:
    row = list(row)
    for position, (functions, expression) in converters.items():
        value = row[position]
        for function in functions:
            value = function(value, expression, connection)
        row[position] = value
    return tuple(row)
