from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The ground floor: what every app shares (API plumbing, errors, CSV, lookups, the
    site's base templates). It imports no app of the project."""

    name = "core"
    verbose_name = "Core"

    def ready(self):
        import core.lookups  # noqa: F401  (registers the `__any_of` lookup)
