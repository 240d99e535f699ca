from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    """287(g) agreements as ICE lists them: snapshots of ICE's sheets, the agencies and
    agreements derived from them, their history, and what waits for a curator's review."""

    name = "agreements"
    verbose_name = "287(g) agreements"
