"""`manage.py backup FILE`: a consistent copy of the whole database, taken while it serves.

PostgreSQL: `pg_dump --format=custom` (one snapshot; restore with `manage.py restore`, which
runs pg_restore). SQLite: the online backup API, page by page, while readers and writers go
on. Why not `dumpdata`/`loaddata`: see README, "Backups".
"""

import os
import sqlite3
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection


def postgres_environment(settings_dict) -> dict:
    """libpq's variables for the configured database, so no password is on a command line."""
    env = dict(os.environ)
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    return env


class Command(BaseCommand):
    help = "Write a backup of the database to FILE (pg_dump custom format, or a SQLite file)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        file.parent.mkdir(parents=True, exist_ok=True)
        vendor = connection.vendor
        if vendor == "postgresql":
            env = postgres_environment(connection.settings_dict)
            command = ["pg_dump", "--format=custom", "--no-owner", "--file", str(file)]
            result = subprocess.run(command, env=env, capture_output=True, text=True)
            if result.returncode:
                raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        elif vendor == "sqlite":
            source = sqlite3.connect(connection.settings_dict["NAME"])
            target = sqlite3.connect(file)
            try:
                with target:
                    source.backup(target)
            finally:
                target.close()
                source.close()
        else:
            raise CommandError(f"No backup for the {vendor} database.")
        self.stdout.write(f"Backed up the {vendor} database to {file}.")
