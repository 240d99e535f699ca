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
    def select_renderer(self, request, renderers, format_suffix=None):
        # Most API requests name no format and accept anything (no Accept header, an empty
        # one, or */*): DRF's answer is then the first renderer with its own media type,
        # found here without parsing and ranking media types, a twentieth of a small
        # answer's time in DRF.
        if not format_suffix and self.settings.URL_FORMAT_OVERRIDE not in request.query_params:
            header = request.META.get("HTTP_ACCEPT", "").strip()
            if header in ("", "*/*") and renderers:
                return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)

    def get_accept_list(self, request):
        # An empty Accept header asks for nothing in particular (some HTTP clients send
        # one), as a missing header does: JSON, not 406.
        header = request.META.get("HTTP_ACCEPT", "")
        if not header.strip():
            return ["*/*"]
        return super().get_accept_list(request)

    def filter_renderers(self, renderers, format):
        chosen = [r for r in renderers if r.format == format]
        if not chosen:
            raise ValidationError({"format": [f"'{format}' is not a format. Allowed: json, csv."]})
        return chosen
