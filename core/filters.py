"""Filters every list shares, for django-filter FilterSets of any app."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.dateparse import parse_date, parse_datetime
from django_filters import rest_framework as filters


class DayOrDateTimeField(forms.Field):
    def to_python(self, value):
        if value in (None, ""):
            return None
        try:
            parsed = parse_datetime(value) or parse_date(value)
        except ValueError:
            parsed = None
        if parsed is None:
            raise DjangoValidationError(
                f"'{value}' is not a date (YYYY-MM-DD) or date-time (ISO 8601)."
            )
        if isinstance(parsed, dt.datetime):
            if parsed.tzinfo is None:
                return parsed.replace(tzinfo=dt.UTC)
            try:  # the database takes offsets of at most 15 hours; UTC always fits
                return parsed.astimezone(dt.UTC)
            except OverflowError:
                raise DjangoValidationError(f"'{value}' is out of range.") from None
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
