"""Output shapes declared once, as TypedDicts, and what follows from a declaration: the CSV
columns of its flattened rows (`columns`) and the OpenAPI description of its JSON
(`schema_of`). The builders that fill a shape live with the data (`jurisdictions/shapes.py`,
`policies/shapes.py`).

How a type is described: `str`, `int`, `bool`, `datetime.date` and `X | None` as such;
`Literal[...]` and a model's choices (`TextChoices`) as a choice; a nested TypedDict as an
object of its own (a component named after its class); a list of TypedDicts as an array of
them. Flattened for CSV, a nested
object becomes `a.b` columns and a list one column (see `core.csv_text.flatten`).

A shape a resource of the API answers with (`@resource_shape(Model)`: an instrument, a
jurisdiction) is described by its docstring, if it has one, and as the model describes it: a
key naming one of the model's fields (or a foreign key given as its id) takes the field's
type, help text and limits; every other key is read-only and described by its type,
`Annotated` with `Help(...)` for a description or `RelatedSlug()` for the slug (or another
unique field, `RelatedSlug("key")`) of the related object a foreign key names.
"""

import datetime as dt
import enum
import functools
import types
import typing
from dataclasses import dataclass
from typing import Annotated, Literal, NewType, get_args, get_origin, get_type_hints, is_typeddict
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

# A URL of the API or the site (`link`).
Link = NewType("Link", str)
# A moment as the API writes it: ISO 8601, UTC as Z (`timestamp`).
Timestamp = NewType("Timestamp", str)


@dataclass(frozen=True)
class Help:
    """A key's description in the OpenAPI schema."""

    text: str


@dataclass(frozen=True)
class RelatedSlug:
    """Marks a key whose value is the slug of the related object the model's field names:
    its `slug`, or the unique field named `field`."""

    field: str = "slug"


_RESOURCES: dict[type, type | None] = {}


def resource_shape(model=None):
    """Declares a shape as a resource's answer, for `model` if given (see the module's
    docstring)."""

    def mark(shape):
        _RESOURCES[shape] = model
        return shape

    return mark


def timestamp(moment: dt.datetime | None) -> Timestamp | None:
    """A moment as DRF's DateTimeField writes it with the API's settings (ISO 8601 in the
    current time zone, Z for UTC), without the field's lookups of its settings: a stored
    moment is always aware (USE_TZ), which is the only case the field has to handle here."""
    if moment is None:
        return None
    text = moment.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


# Stands in for the key while a URL is reversed: digits, so it fits every URL pattern.
_KEY = "987654321987654321"


# Reversed paths with _KEY in them, per view name, script prefix and URLconf: reverse()
# was a sixth of the time of one jurisdiction's answer, twice over (its two links). The
# site has no language-prefixed URLs, so nothing else changes what reverse() returns.
_paths: dict[tuple, str] = {}


class _LinkTemplates(dict):
    """One request's absolute link templates by view name: its scheme and host, script
    prefix and URLconf read once for all of them."""

    def __init__(self, request):
        super().__init__()
        # build_absolute_uri() of a path reverse() wrote (absolute, already quoted) is the
        # scheme and host followed by the path: the parsing and quoting are done once here.
        self.origin = request.build_absolute_uri("/")[:-1]
        self.resolving = (get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)

    def __missing__(self, viewname: str) -> str:
        key = (viewname, *self.resolving)
        path = _paths.get(key)
        if path is None:
            path = _paths[key] = reverse(viewname, args=[_KEY])
        template = self[viewname] = self.origin + path
        return template


def _templates(request) -> _LinkTemplates:
    # Read from the instance itself: on DRF's Request, a missing attribute is looked for
    # on the wrapped Django request and raises twice before getattr's default applies.
    templates = vars(request).get("_link_templates")
    if templates is None:
        templates = request._link_templates = _LinkTemplates(request)
    return templates


def _quoted(key) -> str:
    text = str(key)
    # Letters and digits are never quoted: most keys (FIPS codes, ids) need no parsing.
    return text if text.isascii() and text.isalnum() else quote(text, safe="")


def link(request, viewname: str, key) -> str:
    """The absolute URL of a view for `key`, resolving the URL pattern once per process and
    making it absolute once per request and view name: a list of a thousand rows would
    otherwise resolve it a thousand times, a fifth of the time of the answer
    (docs/benchmarks.md). Always the canonical address: DRF's `reverse` would carry the
    request's `?format=csv` into every link."""
    if request is None:
        return reverse(viewname, args=[key])
    return _templates(request)[viewname].replace(_KEY, _quoted(key))


def links(request, viewname: str):
    """`link` for many keys of one view: a function of the key, for a list's rows."""
    prefix, _, suffix = link(request, viewname, _KEY).partition(_KEY)

    def url(key) -> str:
        # A primary key's digits need no quoting.
        return f"{prefix}{key if type(key) is int else _quoted(key)}{suffix}"

    return url


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


def _unannotated(kind) -> tuple[object, tuple]:
    if get_origin(kind) is Annotated:
        return kind.__origin__, kind.__metadata__
    return kind, ()


def _described_by_model(model, name: str, kind) -> bool:
    """Whether the key is the model's own field (or a foreign key's id), so that the model's
    description of it (type, help text, limits) is the schema's."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    if field.name != name or is_typeddict(kind):
        return False
    if field.is_relation:
        return (field.many_to_one or field.one_to_one) and field.concrete and kind is int
    return True


def _field(kind, name: str, model=None):
    """The serializer field describing one key; None when the model's serializer builds it."""
    kind, extras = _unannotated(kind)
    kind, nullable = _without_none(kind)
    options = {"allow_null": True} if nullable else {}
    if model is not None:
        for extra in extras:
            if isinstance(extra, RelatedSlug):
                return serializers.SlugRelatedField(
                    slug_field=extra.field, read_only=True, **options
                )
        if not extras and _described_by_model(model, name, kind):
            return None
        options["read_only"] = True
    for extra in extras:
        if isinstance(extra, Help):
            options["help_text"] = extra.text
    if is_typeddict(kind):
        return schema_of(kind)(**options)
    if get_origin(kind) is list:
        (item,) = get_args(kind)
        if is_typeddict(item):
            return schema_of(item)(many=True, **options)
        return serializers.ListField(child=_field(item, name), **options)
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
        dt.datetime: serializers.DateTimeField,
        Link: serializers.URLField,
        Timestamp: serializers.DateTimeField,
    }
    if kind in simple:
        return simple[kind](**options)
    raise TypeError(f"{name}: no OpenAPI description for {kind!r}")


@functools.cache
def schema_of(shape):
    """A serializer class describing the shape, for `extend_schema(responses=…)`. Made once
    per shape, so a shape used in several answers is one schema component."""
    hints = get_type_hints(shape, include_extras=True)
    if shape not in _RESOURCES:
        return inline_serializer(
            shape.__name__, {name: _field(kind, name) for name, kind in hints.items()}
        ).__class__
    model = _RESOURCES[shape]
    fields = {name: _field(kind, name, model) for name, kind in hints.items()}
    if model is None:
        return type(
            shape.__name__,
            (serializers.Serializer,),
            {**fields, "__doc__": shape.__doc__, "__module__": shape.__module__},
        )
    meta = type("Meta", (), {"model": model, "fields": list(fields)})
    declared = {name: field for name, field in fields.items() if field is not None}
    return type(
        shape.__name__,
        (serializers.ModelSerializer,),
        {**declared, "Meta": meta, "__doc__": shape.__doc__, "__module__": shape.__module__},
    )
