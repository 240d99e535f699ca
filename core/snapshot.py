"""Exports read from one database snapshot.

A streamed CSV reads its rows in chunks, one query each, while the response is being sent;
a bulk zip reads a dozen tables. Between two of those queries an editor may publish, and
the file would mix rows from before and after. Here the whole response is read inside one
transaction: REPEATABLE READ on PostgreSQL (every query sees the data as of the first one),
a read transaction on SQLite (which always reads one snapshot inside a transaction). The
response's ETag comes from the data version read in that same snapshot, so it names exactly
the data the file holds.

The transaction begins when the view calls `begin_snapshot()`, and ends when the response
has been sent (or abandoned): the streamed content's own `finally`, and the response's
close, both end it. If neither ran, Django's end-of-request clean-up closes a connection
that was left outside autocommit, so a snapshot cannot outlive its request.
"""

from collections.abc import Callable, Iterable, Iterator

from django.conf import settings
from django.db import connection
from django.http import StreamingHttpResponse
from django.utils.module_loading import import_string


class Snapshot:
    def __init__(self):
        self.owned = False

    def begin(self) -> "Snapshot":
        # Already inside a transaction (an outer atomic block, as in most tests): every
        # read already shares it.
        if connection.in_atomic_block or not connection.get_autocommit():
            return self
        connection.set_autocommit(False)
        self.owned = True
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            elif connection.vendor == "sqlite":
                cursor.execute("BEGIN")
        return self

    def end(self) -> None:
        if not self.owned:
            return
        self.owned = False
        try:
            connection.rollback()  # nothing was written
        finally:
            connection.set_autocommit(True)

    def stream(self, content: Iterable) -> Iterator:
        try:
            yield from in_chunks(content)
        finally:
            self.end()


# What a streamed response hands the server at a time. Exports produce a line per row; a
# server writes each piece it is given to the socket, so 400,000 rows would be 400,000
# writes. Joined into pieces of this size, a response is a few hundred writes.
CHUNK_BYTES = 64 * 1024


def in_chunks(pieces: Iterable, size: int = CHUNK_BYTES) -> Iterator:
    """The pieces (all text or all bytes) joined into chunks of at least `size` characters,
    the last one shorter; nothing is held longer than it takes to fill a chunk."""
    held, length = [], 0
    for piece in pieces:
        held.append(piece)
        length += len(piece)
        if length >= size:
            yield held[0][:0].join(held)
            held, length = [], 0
    if held:
        yield held[0][:0].join(held)


def data_version() -> str:
    """The published data's version, read by the function settings.DATA_VERSION names
    (the ground floor imports no app)."""
    return import_string(settings.DATA_VERSION_FUNCTION)()


def begin_snapshot() -> Snapshot:
    return Snapshot().begin()


def snapshot_etag(kind: str, version: str | None = None) -> str:
    return f'"{version or data_version()}-{kind}"'


def streamed_from_snapshot(
    make_content: Callable[..., Iterable], content_type: str, *, kind: str, versioned=False
) -> StreamingHttpResponse:
    """A streamed response whose every row comes from one snapshot, with the ETag of the
    data version in it. `make_content` is called inside the snapshot (with that version
    when `versioned`, for a cache keyed on it); `kind` tells apart the shapes one URL can
    take (a CSV, a zip), so their ETags differ."""
    snapshot = begin_snapshot()
    try:
        version = data_version()
        etag = snapshot_etag(kind, version)
        content = make_content(version) if versioned else make_content()
    except BaseException:
        snapshot.end()
        raise
    response = StreamingHttpResponse(snapshot.stream(content), content_type=content_type)
    response["ETag"] = etag
    response._resource_closers.append(snapshot.end)
    return response
