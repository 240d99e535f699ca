"""Renderers and content negotiation for the API, apart from core/api.py because
DRF imports them while it is itself being imported."""

from rest_framework import renderers
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation

from core.csv_text import csv_lines, flatten


class CSVRenderer(renderers.BaseRenderer):
    """`?format=csv`. Lists are streamed by `CSVListMixin`; this renders the rest."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if isinstance(data, dict) and "results" in data:
            data = data["results"]
        records = data if isinstance(data, list) else [data]
        return "".join(csv_lines(flatten(r) for r in records)).encode()


class ContentNegotiation(DefaultContentNegotiation):
    def filter_renderers(self, renderers, format):
        chosen = [r for r in renderers if r.format == format]
        if not chosen:
            raise ValidationError({"format": [f"'{format}' is not a format. Allowed: json, csv."]})
        return chosen
