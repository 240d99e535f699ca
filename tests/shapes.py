"""Checks that an answer is what its declared shape (a TypedDict, see core/shapes.py) says:
the same keys in the same order, each value of its declared type."""

import datetime as dt
import enum
import types
import typing
from typing import Annotated, Literal, get_args, get_origin, get_type_hints, is_typeddict

from core.shapes import Link, Timestamp


def problems(value, kind, where: str = "answer") -> list[str]:
    """What in `value` does not fit `kind`, each naming where (empty when all fits)."""
    if get_origin(kind) is Annotated:
        kind = kind.__origin__
    if get_origin(kind) in (typing.Union, types.UnionType):
        if value is None and type(None) in get_args(kind):
            return []
        options = [k for k in get_args(kind) if k is not type(None)]
        found = [problems(value, k, where) for k in options]
        return [] if any(not f for f in found) else found[0]
    if is_typeddict(kind):
        if not isinstance(value, dict):
            return [f"{where}: {value!r} is no object"]
        hints = get_type_hints(kind, include_extras=True)
        if list(value) != list(hints):
            return [f"{where}: keys {list(value)} are not {list(hints)}"]
        return [p for key, k in hints.items() for p in problems(value[key], k, f"{where}.{key}")]
    if get_origin(kind) is list:
        (item,) = get_args(kind)
        if not isinstance(value, list):
            return [f"{where}: {value!r} is no list"]
        return [p for i, v in enumerate(value) for p in problems(v, item, f"{where}[{i}]")]
    if get_origin(kind) is dict:
        _, item = get_args(kind)
        return [p for k, v in value.items() for p in problems(v, item, f"{where}.{k}")]
    if get_origin(kind) is Literal:
        return [] if value in get_args(kind) else [f"{where}: {value!r} not in {get_args(kind)}"]
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return [] if value in kind.values else [f"{where}: {value!r} is no {kind.__name__}"]
    if kind is Timestamp:
        ok = isinstance(value, str) and dt.datetime.fromisoformat(value).tzinfo is not None
        return [] if ok else [f"{where}: {value!r} is no timestamp"]
    if kind is Link:
        ok = isinstance(value, str) and value.startswith(("http://", "https://"))
        return [] if ok else [f"{where}: {value!r} is no link"]
    if kind is dt.date:
        ok = isinstance(value, dt.date) and not isinstance(value, dt.datetime)
        return [] if ok else [f"{where}: {value!r} is no date"]
    if kind in (int, str, bool):
        return [] if type(value) is kind else [f"{where}: {value!r} is no {kind.__name__}"]
    return [f"{where}: no check for {kind!r}"]
