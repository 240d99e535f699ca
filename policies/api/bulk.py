"""`/api/v1/bulk/`: the tables of `policies/bulk.py` as a zip, or one of them as CSV."""

import tempfile

from django.http import FileResponse, StreamingHttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.views import APIView

from core.api import JSONErrorsMixin, ParameterError
from core.csv_text import csv_lines
from policies.bulk import TABLES, write_zip


class BulkDownloadView(JSONErrorsMixin, APIView):
    """The whole published dataset: a zip of every table, or one table with `?table=`."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "table",
                str,
                enum=list(TABLES),
                description="One table as a streamed CSV instead of the whole zip.",
            )
        ],
        responses={(200, "application/zip"): bytes, (200, "text/csv"): str},
    )
    def get(self, request):
        table = request.query_params.get("table")
        if table:
            if table not in TABLES:
                raise ParameterError("table", f"No table '{table}'.", TABLES)
            response = StreamingHttpResponse(
                csv_lines(TABLES[table]()), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="policyhub-{table}.csv"'
            return response
        # Spooled: small archives stay in memory, large ones go to a temporary file.
        # FileResponse closes it once sent, so no context manager here.
        spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115
        write_zip(spool)
        spool.seek(0)
        return FileResponse(
            spool,
            as_attachment=True,
            filename="policyhub-dataset.zip",
            content_type="application/zip",
        )
