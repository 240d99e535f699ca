"""`/api/v1/bulk/`: the tables of `policies/bulk.py` as a zip, or one of them as CSV."""

import tempfile

from django.http import FileResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.views import APIView

from core.api import ParameterError, PublicAPIMixin
from core.csv_text import csv_lines
from core.snapshot import begin_snapshot, snapshot_etag, streamed_from_snapshot
from policies.bulk import TABLES, write_zip


class BulkDownloadView(PublicAPIMixin, APIView):
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
            response = streamed_from_snapshot(
                lambda: csv_lines(TABLES[table](), header=list(TABLES[table].columns)),
                "text/csv; charset=utf-8",
                kind="csv",
            )
            response["Content-Disposition"] = f'attachment; filename="policyhub-{table}.csv"'
            return response
        # Spooled: small archives stay in memory, large ones go to a temporary file.
        # FileResponse closes it once sent, so no context manager here.
        spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115
        # Every table from one snapshot, so the archive never mixes before and after.
        snapshot = begin_snapshot()
        try:
            etag = snapshot_etag("zip")
            write_zip(spool)
        finally:
            snapshot.end()
        spool.seek(0)
        response = FileResponse(
            spool,
            as_attachment=True,
            filename="policyhub-dataset.zip",
            content_type="application/zip",
        )
        response["ETag"] = etag
        return response
