import time

from django.core.management.base import BaseCommand

from policies.positions import store as position_store


class Command(BaseCommand):
    help = "Recompute every stored position interval from the published provisions."

    def handle(self, *args, **options):
        started = time.perf_counter()
        count = position_store.rebuild()
        elapsed = time.perf_counter() - started
        self.stdout.write(f"Stored {count} position intervals in {elapsed:.2f} s.")
