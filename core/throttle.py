"""A fixed-window count per client in the shared cache (settings.CACHES["default"]), so a
limit holds across workers, as the API's does. For forms the public may post."""

import time

from django.core.cache import caches


def allow(*, scope: str, who: str, limit: int, seconds: int) -> bool:
    """Counts one more attempt by `who`; False once more than `limit` fall in the window."""
    cache = caches["default"]
    key = f"throttle:{scope}:{who}:{int(time.time() // seconds)}"
    if cache.add(key, 1, timeout=seconds):
        return limit >= 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=seconds)
        count = 1
    return count <= limit
