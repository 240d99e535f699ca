import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from policies.positions.coverage import coverage


class Command(BaseCommand):
    help = (
        "Coverage of the published data: for each question and level, how many jurisdictions "
        "are known, reviewed with no law found, suspended by a court order, or unknown; "
        "provisions without quotes; sources without an archived copy."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="The date to report on (YYYY-MM-DD; default today).")

    def handle(self, *args, as_of=None, **options):
        try:
            on = dt.date.fromisoformat(as_of) if as_of else timezone.localdate()
        except ValueError:
            raise CommandError(f"--as-of: {as_of!r} is not a date (YYYY-MM-DD).") from None
        report = coverage(on=on)
        header = ("question", "level", "total", "known", "no law found", "suspended", "unknown")
        rows = [
            (r.dimension.slug, r.level, r.total, r.known, r.no_law_found, r.suspended, r.unknown)
            for r in report.rows
        ]
        widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)]
        self.stdout.write(f"Coverage on {on.isoformat()} (published data)")
        for line in (header, tuple("-" * w for w in widths), *rows):
            cells = [
                str(cell).ljust(width) if index < 2 else str(cell).rjust(width)
                for index, (cell, width) in enumerate(zip(line, widths, strict=True))
            ]
            self.stdout.write("| " + " | ".join(cells) + " |")
        self.stdout.write(
            f"Published provisions without a quote: {report.provisions_without_quotes} of "
            f"{report.published_provisions}"
        )
        self.stdout.write(
            f"Public sources without an archived copy: {report.sources_without_archive} of "
            f"{report.public_sources}"
        )
