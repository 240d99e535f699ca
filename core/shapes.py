"""Output shapes declared once, as TypedDicts, and what follows from a declaration: the CSV
columns of its flattened rows (`columns`) and the OpenAPI description of its JSON
(`schema_of`). The builders that fill a shape live with the data (`jurisdictions/shapes.py`,
`policies/shapes.py`).

How a type is described: `str`, `int`, `bool`, `datetime.date` and `X | None` as such;
`Literal[...]` and a model's choices (`TextChoices`) as a choice; a nested TypedDict as an
object of its own (a component named after its class); a list of TypedDicts as an array of
them. Flattened for CSV, a nested
object becomes `a.b` columns and a list one column (see `core.csv_text.flatten`).
"""

import datetime as dt
import enum
import functools
import types
import typing
from typing import Literal, get_args, get_origin, get_type_hints, is_typeddict

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers


def _without_none(kind) -> tuple[object, bool]:
    """(the type, whether None is allowed) for `X | None` and `X`."""
    if get_origin(kind) in (typing.Union, types.UnionType):
        args = [a for a in get_args(kind) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return kind, False


def fields_of(shape) -> dict[str, object]:
    return get_type_hints(shape)


def columns(shape, prefix: str = "") -> list[str]:
    """The CSV header of a shape's flattened rows."""
    found = []
    for name, kind in fields_of(shape).items():
        inner, _ = _without_none(kind)
        if is_typeddict(inner):
            found += columns(inner, f"{prefix}{name}.")
        else:
            found.append(f"{prefix}{name}")
    return found


def _field(kind, name: str):
    kind, nullable = _without_none(kind)
    options = {"allow_null": True} if nullable else {}
    if is_typeddict(kind):
        return schema_of(kind)(**({"allow_null": True} if nullable else {}))
    if get_origin(kind) is list:
        (item,) = get_args(kind)
        if is_typeddict(item):
            return schema_of(item)(many=True)
        return serializers.ListField(child=_field(item, name))
    if get_origin(kind) is dict:
        _, value = get_args(kind)
        return serializers.DictField(child=_field(value, name), **options)
    if get_origin(kind) is Literal:
        return serializers.ChoiceField(list(get_args(kind)), **options)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):  # a model's TextChoices
        return serializers.ChoiceField(kind.choices, **options)
    simple = {
        str: serializers.CharField,
        int: serializers.IntegerField,
        bool: serializers.BooleanField,
        dt.date: serializers.DateField,
    }
    if kind in simple:
        return simple[kind](**options)
    raise TypeError(f"{name}: no OpenAPI description for {kind!r}")


@functools.cache
def schema_of(shape):
    """A serializer class describing the shape, for `extend_schema(responses=…)`. Made once
    per shape, so a shape used in several answers is one schema component."""
    return inline_serializer(
        shape.__name__, {name: _field(kind, name) for name, kind in fields_of(shape).items()}
    ).__class__
