import time

from django.core.management.base import BaseCommand, CommandError

from policies.models import Instrument, Position, Provision
from policies.positions import store as position_store


class Command(BaseCommand):
    help = (
        "Confirm that the stored position intervals equal a fresh computation from the "
        "published provisions. Exits non-zero, listing the differences, if they do not."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-empty",
            action="store_true",
            help="Pass on a database with nothing published (a fresh installation).",
        )

    def handle(self, *args, allow_empty=False, **options):
        # An empty database agrees with itself. After a restore or a load that failed and
        # rolled back, that agreement is the wrong answer, so it is refused by default.
        if not Provision.objects.filter(instrument__in=Instrument.objects.published()).exists():
            if not allow_empty:
                raise CommandError(
                    "No published provision in the database: nothing to check. Load or "
                    "restore the data first (or pass --allow-empty on a fresh installation)."
                )
        elif not Position.objects.exists():
            raise CommandError(
                "Published provisions but no stored positions: run `manage.py rebuild_positions`."
            )
        started = time.perf_counter()
        stale, missing = position_store.differences()
        elapsed = time.perf_counter() - started
        if stale or missing:
            for row in sorted(stale, key=str)[:20]:
                self.stderr.write(f"stored but not computed: {row}")
            for row in sorted(missing, key=str)[:20]:
                self.stderr.write(f"computed but not stored: {row}")
            raise CommandError(
                f"{len(stale)} stored intervals are stale and {len(missing)} are missing; "
                "run `manage.py rebuild_positions`."
            )
        self.stdout.write(f"Stored positions match a fresh computation ({elapsed:.2f} s).")
