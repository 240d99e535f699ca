"""`manage.py table_counts`: every table and its row count, one per line, sorted, so two
databases (a live one and its restored backup) can be compared with `diff`."""

from django.core.management.base import BaseCommand
from django.db import connection


class Command(BaseCommand):
    help = "Print each table of the database with its number of rows."

    def handle(self, *args, **options):
        with connection.cursor() as cursor:
            for table in sorted(connection.introspection.table_names(cursor)):
                cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
                self.stdout.write(f"{table} {cursor.fetchone()[0]}")
