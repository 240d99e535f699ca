"""`field__any_of=[…]`: the rows whose field is one of many values.

On PostgreSQL it is `field = ANY(%s)` with the whole list as one array parameter; elsewhere
it is `IN`, as `__in` is. Django's `__in` writes one placeholder per value, and for a list of
a thousand ids psycopg then spends longer splitting the query text than the database takes
to answer it (docs/benchmarks.md).
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject
from django.db.models.fields.related_lookups import RelatedIn
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
