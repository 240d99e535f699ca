"""The API's anonymous rate limit, counted where every worker and machine sees it, in one
statement a request.

DRF's own throttle keeps a list of every request's time under one cache key and writes the
whole list back on each request: through the database cache that was five statements and a
commit a request (the cache also counts its table before every write), and two workers that
read the list together each wrote back their own, losing a request. Here each client has a
counter per fixed window (a minute for "600/minute"), raised atomically:

- with the database cache (the default), one INSERT ... ON CONFLICT DO UPDATE ... RETURNING
  on `core_ratecount`, on PostgreSQL and SQLite alike;
- with any other cache (Redis, memcached, or memory in tests), the cache's own `incr`.

A window lets a client spend its whole allowance at the end of one minute and again at the
start of the next; the Retry-After it answers is exact (the window's end), and refused
requests count too, so hammering does not pay. Forms the public may post (readers'
corrections) count the same way through `allow`.
"""

import math
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
INSERT INTO core_ratecount (key, window_end, hits) VALUES (%s, %s, 1)
ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN excluded.window_end > core_ratecount.window_end THEN 1
                ELSE core_ratecount.hits + 1 END,
    window_end = CASE WHEN excluded.window_end > core_ratecount.window_end
                      THEN excluded.window_end ELSE core_ratecount.window_end END
RETURNING hits
"""


def count_hit(key: str, window_end: int, now: float) -> int:
    """Adds one request to `key`'s window ending at `window_end`; returns the window's count
    so far, this request included."""
    cache = caches["default"]
    if isinstance(cache, DatabaseCache):
        with connection.cursor() as cursor:
            cursor.execute(UPSERT, [key, window_end])
            hits = cursor.fetchone()[0]
            if now - _last_sweep[0] > SWEEP_SECONDS:
                _last_sweep[0] = now
                cursor.execute("DELETE FROM core_ratecount WHERE window_end < %s", [now])
        return hits
    windowed = f"throttle:{key}:{window_end}"
    if cache.add(windowed, 1, timeout=max(1, math.ceil(window_end - now))):
        return 1
    try:
        return cache.incr(windowed)
    except ValueError:  # expired between add and incr: a new window
        cache.set(windowed, 1, timeout=max(1, math.ceil(window_end - now)))
        return 1


class SharedAnonRateThrottle(AnonRateThrottle):
    timer = time.time

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.now = self.timer()
        self.window_end = (int(self.now) // self.duration + 1) * self.duration
        hits = count_hit(f"{self.scope}:{client_ip(request)}", self.window_end, self.now)
        return hits <= self.num_requests

    def wait(self):
        return self.window_end - self.now


def allow(*, scope: str, who: str, limit: int, seconds: int) -> bool:
    """Counts one more attempt by `who`; False once more than `limit` fall in the window."""
    now = time.time()
    window_end = (int(now) // seconds + 1) * seconds
    return count_hit(f"{scope}:{who}", window_end, now) <= limit
