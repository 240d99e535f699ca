from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = "Policies"

    def ready(self):
        from policies.positions import signals  # noqa: F401  (connects the position upkeep)
