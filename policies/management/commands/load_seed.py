import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from policies.loading.dataset import DEFAULT_POLICIES_DIR
from policies.loading.seed import (
    DEFAULT_JURISDICTIONS_CSV,
    DEFAULT_PLACES_CSV,
    SeedDataError,
    load_all,
)


class Command(BaseCommand):
    help = (
        "Load the jurisdictions, the codebook and the curated dataset, in one transaction. "
        "Safe to run again: it creates what is missing and leaves curators' edits alone."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--jurisdictions",
            type=Path,
            default=DEFAULT_JURISDICTIONS_CSV,
            help=f"CSV of states, territories and counties (default: {DEFAULT_JURISDICTIONS_CSV}).",
        )
        parser.add_argument(
            "--places",
            type=Path,
            default=DEFAULT_PLACES_CSV,
            help=f"CSV (may be gzipped) of places and county subdivisions "
            f"(default: {DEFAULT_PLACES_CSV}).",
        )
        parser.add_argument(
            "--no-places",
            action="store_true",
            help="Leave out the places and county subdivisions (the seed's own places load).",
        )
        parser.add_argument(
            "--policies",
            type=Path,
            action="append",
            default=None,
            help="A folder of <usps>.yaml dataset files, or one file; repeat to add research "
            "files, read after (and replacing what they share with) the ones before "
            f"(default: {DEFAULT_POLICIES_DIR}).",
        )

    def handle(self, *args, jurisdictions, places, no_places, policies, **options):
        started = time.perf_counter()
        try:
            summary = load_all(
                jurisdictions_path=jurisdictions,
                places_path=None if no_places else places,
                policies_paths=policies,
            )
        except SeedDataError as exc:
            raise CommandError(str(exc)) from exc
        for line in summary.lines():
            self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS(f"Seed loaded in {time.perf_counter() - started:.1f} s.")
        )
