"""A persistent PostgreSQL connection is checked before reuse without a round trip, and one
that the server ended is found unusable, so the next request reconnects instead of failing."""

import time

import pytest
from django.db import close_old_connections, connection, connections

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the check is PostgreSQL's (SQLite connections are not kept)")
    connection.ensure_connection()
    yield connection
    connections.close_all()


def test_a_healthy_connection_is_usable_without_a_query(postgresql, monkeypatch):
    from django.db.backends.postgresql.base import DatabaseWrapper

    def round_trip(self):
        raise AssertionError("SELECT 1 sent to a connection that received nothing")

    monkeypatch.setattr(DatabaseWrapper, "is_usable", round_trip)
    assert postgresql.is_usable()


def test_a_killed_connection_is_unusable_and_replaced(postgresql):
    pid = postgresql.connection.info.backend_pid
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()
    for _ in range(50):  # the notice reaches the socket within milliseconds
        if not postgresql.is_usable():
            break
        time.sleep(0.01)
    assert not postgresql.is_usable()
    close_old_connections()  # as a request starts and ends: the next cursor checks first
    with postgresql.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
