import time

from django.core.management.base import BaseCommand, CommandError

from policies.positions import store as position_store


class Command(BaseCommand):
    help = (
        "Confirm that the stored position intervals equal a fresh computation from the "
        "published provisions. Exits non-zero, listing the differences, if they do not."
    )

    def handle(self, *args, **options):
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
