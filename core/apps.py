from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The ground floor: what every app shares (API plumbing, errors, CSV, lookups, the
    site's base templates). It imports no app of the project."""

    name = "core"
    verbose_name = "Core"

    def ready(self):
        import core.lookups  # noqa: F401  (registers the `__any_of` lookup)

        _close_caches_only_if_needed()


def _close_caches_only_if_needed():
    """Django calls close() on every cache in use at the end of every request. The
    database and local-memory caches have nothing to close (their close() is BaseCache's,
    which does nothing), and calling it was a hundredth of a small answer's time; with a
    cache server configured (CACHE_URL), its connections are closed as Django does."""
    from django.conf import settings
    from django.core import signals
    from django.core.cache import close_caches
    from django.core.cache.backends.base import BaseCache
    from django.utils.module_loading import import_string

    backends = [import_string(cache["BACKEND"]) for cache in settings.CACHES.values()]
    if all(backend.close is BaseCache.close for backend in backends):
        signals.request_finished.disconnect(close_caches)
