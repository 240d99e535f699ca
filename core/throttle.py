"""The API's anonymous rate limit, counted where every worker and machine sees it, in one
statement for many requests.

DRF's own throttle keeps a list of every request's time under one cache key and writes the
whole list back on each request: through the database cache that was five statements and a
commit a request (the cache also counts its table before every write), and two workers that
read the list together each wrote back their own, losing a request. Here each client has a
counter per fixed window (a minute for "600/minute"), raised atomically:

- with the database cache (the default), one INSERT ... ON CONFLICT DO UPDATE ... RETURNING
  on `core_ratecount`, on PostgreSQL and SQLite alike;
- with any other cache (Redis, memcached, or memory in tests), the cache's own `incr`.

A window lets a client spend its whole allowance at the end of one minute and again at the
start of the next; the Retry-After it answers is exact (the window's end). Forms the public
may post (readers' corrections) count the same way through `allow`, one statement a post.

The API does not pay that statement on every request: a write and its commit were a third
of a small answer's time (docs/benchmarks.md). A worker instead reserves several of a
client's requests at once, a twentieth of what the window has left (`LEASE_SHARE`), and
serves them from memory; the shared count already holds them, so all workers together never
let a client past its limit. Close to the limit the reservations shrink to one request, so
the last requests allowed are counted one by one, and once a worker has seen the count pass
the limit it refuses the rest of that window without asking again. The price: requests one
worker reserved and the client never sent there are lost to the client until the window
ends, at most a twentieth of what was left each time a worker reserved.
"""

import math
import threading
import time

from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection
from rest_framework.throttling import AnonRateThrottle

from core.client import client_ip

# Rows of clients that stopped coming are deleted by each process at most this often.
SWEEP_SECONDS = 300
_last_sweep = [0.0]

UPSERT = """
INSERT INTO core_ratecount (key, window_end, hits) VALUES (%s, %s, %s)
ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN excluded.window_end > core_ratecount.window_end THEN excluded.hits
                ELSE core_ratecount.hits + excluded.hits END,
    window_end = CASE WHEN excluded.window_end > core_ratecount.window_end
                      THEN excluded.window_end ELSE core_ratecount.window_end END
RETURNING hits
"""


def count_hit(key: str, window_end: int, now: float, hits: int = 1) -> int:
    """Adds `hits` requests to `key`'s window ending at `window_end`; returns the window's
    count so far, these requests included."""
    cache = caches["default"]
    if isinstance(cache, DatabaseCache):
        with connection.cursor() as cursor:
            cursor.execute(UPSERT, [key, window_end, hits])
            hits = cursor.fetchone()[0]
            if now - _last_sweep[0] > SWEEP_SECONDS:
                _last_sweep[0] = now
                cursor.execute("DELETE FROM core_ratecount WHERE window_end < %s", [now])
        return hits
    windowed = f"throttle:{key}:{window_end}"
    if cache.add(windowed, hits, timeout=max(1, math.ceil(window_end - now))):
        return hits
    try:
        return cache.incr(windowed, hits)
    except ValueError:  # expired between add and incr: a new window
        cache.set(windowed, hits, timeout=max(1, math.ceil(window_end - now)))
        return hits


# A worker reserves this share of what a client's window has left (see the module's notes).
LEASE_SHARE = 20


class Lease:
    """What this process holds of one client's window: requests reserved and not yet
    served, and the shared count as last seen."""

    __slots__ = ("window_end", "left", "seen")

    def __init__(self, window_end: int, left: int, seen: int):
        self.window_end, self.left, self.seen = window_end, left, seen


_leases: dict[str, Lease] = {}
_leases_lock = threading.Lock()  # gunicorn's threads share a process's leases
_last_lease_sweep = [0.0]


def leased_hit(key: str, window_end: int, now: float, limit: int) -> bool:
    """Counts one request of `key` against `limit` for the window ending at `window_end`:
    from a reservation this process holds when it can, else by reserving more in the shared
    count. False once the client has spent its limit in this window."""
    seen = 0  # as far as this process knows, at the start of a window
    with _leases_lock:
        lease = _leases.get(key)
        if lease is not None and lease.window_end == window_end:
            if lease.left > 0:
                lease.left -= 1
                return True
            if lease.seen >= limit:
                return False  # the window is spent; asking again would change nothing
            seen = lease.seen
    wanted = max(1, (limit - seen) // LEASE_SHARE)
    total = count_hit(key, window_end, now, wanted)
    granted = max(0, min(wanted, limit - (total - wanted)))
    with _leases_lock:
        held = _leases.get(key)
        if held is not None and held.window_end == window_end:  # another thread reserved too
            held.left += max(0, granted - 1)
            held.seen = max(held.seen, total)
        else:
            _leases[key] = Lease(window_end, max(0, granted - 1), total)
        if now - _last_lease_sweep[0] > SWEEP_SECONDS:
            _last_lease_sweep[0] = now
            for stale in [k for k, held in _leases.items() if held.window_end <= now]:
                del _leases[stale]
    return granted > 0


def forget_leases() -> None:
    """For tests, whose clocks and limits change between them."""
    with _leases_lock:
        _leases.clear()


class SharedAnonRateThrottle(AnonRateThrottle):
    timer = time.time

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.now = self.timer()
        self.window_end = (int(self.now) // self.duration + 1) * self.duration
        key = f"{self.scope}:{client_ip(request)}"
        return leased_hit(key, self.window_end, self.now, self.num_requests)

    def wait(self):
        return self.window_end - self.now


def allow(*, scope: str, who: str, limit: int, seconds: int) -> bool:
    """Counts one more attempt by `who`; False once more than `limit` fall in the window."""
    now = time.time()
    window_end = (int(now) // seconds + 1) * seconds
    return count_hit(f"{scope}:{who}", window_end, now) <= limit
