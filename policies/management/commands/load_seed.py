import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from policies.loading.seed import (
    DEFAULT_JURISDICTIONS_CSV,
    DEFAULT_PLACES_CSV,
    SeedDataError,
    default_seed_path,
    load_all,
)


class Command(BaseCommand):
    help = (
        "Load the jurisdictions, the codebook and the seed policies, in one transaction. "
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
            "--seed",
            type=Path,
            default=None,
            help=f"Seed policies YAML (default: {default_seed_path()}).",
        )

    def handle(self, *args, jurisdictions, places, no_places, seed, **options):
        started = time.perf_counter()
        try:
            summary = load_all(
                jurisdictions_path=jurisdictions,
                places_path=None if no_places else places,
                seed_path=seed,
            )
        except SeedDataError as exc:
            raise CommandError(str(exc)) from exc
        for line in summary.lines():
            self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS(f"Seed loaded in {time.perf_counter() - started:.1f} s.")
        )
