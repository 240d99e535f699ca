"""Streamed exports kept per process while the data version stands.

A streamed CSV is a function of its URL and of the data version read in its snapshot (its
ETag already says so). The first request streams it from the database and keeps the text
when it is small enough; later requests for the same URL, while the version stands, send
the kept text without reading the database. Keys carry the version, as the maps' do, so
any change to published data makes every process read afresh.
"""

import hashlib
from collections.abc import Callable, Iterable, Iterator

from django.core.cache import caches

# Larger exports (all places, the bulk tables) are streamed every time, in constant memory.
KEPT_AT_MOST = 4 * 2**20  # bytes


def cache_key(version: str, kind: str, url: str) -> str:
    # Hashed: a URL may be longer, or hold characters, that a cache key may not.
    return f"{version}:{kind}:{hashlib.sha256(url.encode()).hexdigest()}"


def kept_or_streamed(key: str, parts: Callable[[], Iterable[str | bytes]]) -> Iterator[bytes]:
    """The text kept under `key`, or `parts()` encoded as they come (text as UTF-8, bytes
    as they are), kept at the end if the whole stays under KEPT_AT_MOST (a stream abandoned
    half-way keeps nothing)."""
    exports = caches["exports"]
    found = exports.get(key)
    if found is not None:
        yield found
        return
    kept: list[bytes] | None = []
    size = 0
    for part in parts():
        data = part if isinstance(part, bytes) else part.encode()
        if kept is not None:
            size += len(data)
            if size <= KEPT_AT_MOST:
                kept.append(data)
            else:
                kept = None
        yield data
    if kept is not None:
        exports.set(key, b"".join(kept))
