from django.apps import AppConfig


class JurisdictionsConfig(AppConfig):
    name = "jurisdictions"
    verbose_name = "Jurisdictions and agencies"
