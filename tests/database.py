"""Putting the test database back as it was, for tests whose data must be committed (the
browser tests' seed, which the live server reads from its own connection).

pytest-django empties a database after a transactional test with `flush`, which deletes
every row, those the data migrations wrote as well (the curation roles and their
permissions); `post_migrate` then makes the content types and permissions again, but no
migration runs. Django puts the rest back only for `serialized_rollback` tests, from a copy
it takes when it creates the database. `kept` takes such a copy when it is needed and
`put_back` restores it, so nothing has to know which migrations wrote what.
"""

from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection


def kept() -> str:
    """Every row of the database (the models of migrated apps), as Django serializes it."""
    return connection.creation.serialize_db_to_string()


def put_back(saved: str) -> None:
    """Empties the database and loads `saved` in its place: the same rows, the same keys."""
    # Without post_migrate: the content types and permissions it would make afresh could
    # take the keys of those about to be loaded.
    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
    connection.creation.deserialize_db_from_string(saved)
    # The rows came with their keys: the next new row must not be given one of them.
    from django.apps import apps

    statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models())
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
