"""Filters every list shares, for django-filter FilterSets of any app."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.dateparse import parse_datetime
from django_filters import rest_framework as filters

from core.params import iso_day


class IsoDayField(forms.Field):
    def to_python(self, value):
        if value in (None, ""):
            return None
        day = iso_day(value)
        if day is None:
            # The value goes in as a parameter: django-filter %-formats the message.
            raise DjangoValidationError(
                "'%(value)s' is not a date of the form YYYY-MM-DD.", params={"value": value}
            )
        return day


class IsoDayFilter(filters.DateFilter):
    """A date filter that takes only YYYY-MM-DD (django-filter's DateFilter also takes
    11/26/2026, Nov 26 2026 and more)."""

    field_class = IsoDayField


class DayOrDateTimeField(forms.Field):
    def to_python(self, value):
        if value in (None, ""):
            return None
        try:
            parsed = iso_day(value) or (parse_datetime(value) if value.isascii() else None)
        except ValueError:
            parsed = None
        if parsed is None:
            raise DjangoValidationError(
                "'%(value)s' is not a date (YYYY-MM-DD) or date-time (ISO 8601).",
                params={"value": value},
            )
        if isinstance(parsed, dt.datetime):
            if parsed.tzinfo is None:
                return parsed.replace(tzinfo=dt.UTC)
            try:  # the database takes offsets of at most 15 hours; UTC always fits
                return parsed.astimezone(dt.UTC)
            except OverflowError:
                raise DjangoValidationError(
                    "'%(value)s' is out of range.", params={"value": value}
                ) from None
        return dt.datetime.combine(parsed, dt.time.min, tzinfo=dt.UTC)


class UpdatedSinceFilter(filters.Filter):
    """`updated_since=2026-01-01` (or an ISO date-time): rows changed since then, so a
    client can sync only what changed."""

    field_class = DayOrDateTimeField

    def __init__(self, field_name="updated_at", **kwargs):
        kwargs.setdefault("lookup_expr", "gte")
        kwargs.setdefault(
            "help_text",
            "Only rows changed at or after this date (YYYY-MM-DD) or date-time (ISO 8601).",
        )
        super().__init__(field_name=field_name, **kwargs)


class StrictOrderingFilter(filters.OrderingFilter):
    """Refuses an unknown `ordering` instead of ignoring it, and always ends on the primary
    key so pages are stable."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        ordering = list(qs.query.order_by or qs.model._meta.ordering or [])
        if "pk" not in ordering and "-pk" not in ordering:
            qs = qs.order_by(*ordering, "pk")
        return qs
