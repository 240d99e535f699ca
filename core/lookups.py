"""Query plumbing the apps share.

`field__any_of=[…]`: the rows whose field is one of many values. On PostgreSQL it is
`field = ANY(%s)` with the whole list as one array parameter; elsewhere it is `IN`, as `__in`
is. Django's `__in` writes one placeholder per value, and for a list of a thousand ids
psycopg then spends longer splitting the query text than the database takes to answer it
(docs/benchmarks.md).

`json_list(rows, **fields)`: related rows as a JSON list inside one column of the outer
query (a position's sources, an instrument's court orders), read back by `read_json_list`,
so that a list of rows each with its own short list stays one query.
"""

import orjson
from django.core.exceptions import EmptyResultSet
from django.db.models import (
    Count,
    Field,
    ForeignObject,
    QuerySet,
    StringAgg,
    Subquery,
    TextField,
    Value,
)
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.functions import Cast, JSONObject
from django.db.models.lookups import In


def _as_any(lookup, compiler, connection):
    if not lookup.rhs_is_direct_value():
        return lookup.as_sql(compiler, connection)
    if not lookup.rhs:
        raise EmptyResultSet
    lhs, lhs_params = lookup.process_lhs(compiler, connection)
    field = lookup.lhs.output_field
    values = [field.get_db_prep_value(v, connection, prepared=True) for v in lookup.rhs]
    return f"{lhs} = ANY(%s)", (*lhs_params, values)


@Field.register_lookup
class AnyOf(In):
    lookup_name = "any_of"
    as_postgresql = _as_any


# Foreign keys take their lookups from ForeignObject, not Field: `jurisdiction_id__any_of`.
@ForeignObject.register_lookup
class RelatedAnyOf(RelatedIn):
    lookup_name = "any_of"
    as_postgresql = _as_any


def json_list(rows: QuerySet, **fields) -> Subquery:
    """A subquery giving `rows` as the items of a JSON list, each an object of `fields`
    (name=field or expression, as `JSONObject` takes them): the text between the brackets,
    or NULL for no rows. The items come in no particular order (SQLite before 3.44 cannot
    order inside an aggregate), so the reader sorts them. `rows` filters by `OuterRef`."""
    listed = (
        rows.order_by()
        .annotate(one=Value(1))  # one group, whatever the rows: one aggregate
        .values("one")
        .annotate(listed=StringAgg(Cast(JSONObject(**fields), TextField()), delimiter=Value(",")))
        .values("listed")
    )
    return Subquery(listed, output_field=TextField())


def count_of(rows: QuerySet) -> Subquery:
    """A subquery counting `rows` (its filters, not its order): annotated on a page of the
    same rows, it gives the page and the count in one query."""
    counted = (
        rows.order_by()
        .annotate(one=Value(1))  # one group, whatever the rows: one aggregate
        .values("one")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(counted)


def read_json_list(text: str | None) -> list[dict]:
    """The items a `json_list` column holds."""
    return orjson.loads(f"[{text}]") if text else []
