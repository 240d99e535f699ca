"""Reads of releases shared by the pages and the admin."""

from django.db.models import QuerySet

from releases.models import Release


def releases_listed() -> QuerySet[Release]:
    return Release.objects.order_by("-number")
