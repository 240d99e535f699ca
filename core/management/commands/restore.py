"""`manage.py restore FILE`: put a backup made by `manage.py backup` in place of the
configured database's contents. Stop the web server first; then run `check_positions`."""

import sqlite3
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from core.management.commands.backup import postgres_environment


class Command(BaseCommand):
    help = "Restore the database from FILE, written by `manage.py backup`."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if not file.exists():
            raise CommandError(f"No backup at {file}.")
        vendor = connection.vendor
        connection.close()
        if vendor == "postgresql":
            env = postgres_environment(connection.settings_dict)
            command = [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                env["PGDATABASE"],
                str(file),
            ]
            result = subprocess.run(command, env=env, capture_output=True, text=True)
            if result.returncode:
                raise CommandError(f"pg_restore failed: {result.stderr.strip()}")
        elif vendor == "sqlite":
            source = sqlite3.connect(file)
            target = sqlite3.connect(connection.settings_dict["NAME"])
            try:
                with target:
                    source.backup(target)
            finally:
                target.close()
                source.close()
        else:
            raise CommandError(f"No restore for the {vendor} database.")
        self.stdout.write(f"Restored the {vendor} database from {file}.")
