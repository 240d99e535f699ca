"""Grow the benchmark database (see bench/generate.py): a management command kept beside the
benchmark rather than in the product, run as a script.

    python bench/generate_national.py --places=1850 --provisions=20000

The database comes from the environment (`DATABASE_URL`), as for `manage.py`. Tests call
it as `call_command(Command(), …)`.
"""

import os
import sys
import time
from pathlib import Path

if __name__ == "__main__":  # run as a script: the project root on the path, Django set up
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "policyhub.settings")
    import django

    django.setup()

from django.core.management.base import BaseCommand, CommandError

from bench.generate import DEFAULTS, GenerationRefused, generate


class Command(BaseCommand):
    help = (
        "Grow a database holding the real seed data (manage.py load_seed) into a "
        "national-scale one for benchmarks: generated places, agencies, instruments, "
        "provisions and sources, all flagged is_generated. Runs once per database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=0, help="Random seed (default: 0).")
        for name, what in (
            ("places", "generated places under the real counties"),
            ("agencies", "generated agencies (sheriffs first, then police)"),
            ("provisions", "generated provisions"),
            ("sources", "generated sources"),
        ):
            parser.add_argument(
                f"--{name}",
                type=int,
                default=DEFAULTS[name],
                help=f"How many {what} (default: {DEFAULTS[name]:,}).",
            )

    def handle(self, *args, seed, places, agencies, provisions, sources, **options):
        started = time.perf_counter()
        progress = _Unstyled(self.stderr) if options["verbosity"] > 0 else None
        try:
            summary = generate(
                seed=seed,
                places=places,
                agencies=agencies,
                provisions=provisions,
                sources=sources,
                progress=progress,
            )
        except GenerationRefused as exc:
            raise CommandError(str(exc)) from exc
        for line in summary.lines():
            self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS(f"Generated in {time.perf_counter() - started:.1f} s.")
        )


class _Unstyled:
    """The command's stderr for a progress bar: no added newline, no error colour."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, style_func=lambda text: text, ending="")

    def flush(self) -> None:
        self.wrapper.flush()


if __name__ == "__main__":
    Command().run_from_argv(["generate_national", "generate_national", *sys.argv[1:]])
