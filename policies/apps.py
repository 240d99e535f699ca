from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = "Policies"

    def ready(self):
        import policyhub.lookups  # noqa: F401  (registers the `__any_of` lookup)
        from policies import signals  # noqa: F401  (connects the position upkeep)
