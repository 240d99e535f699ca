import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from agreements.importer import import_sheets, replay_all
from agreements.sheets import SheetError

SUMMARY_COLUMNS = (
    "added",
    "renewed",
    "switched",
    "corrected",
    "ended",
    "reappeared",
    "pending",
    "review",
)


class Command(BaseCommand):
    help = (
        "Import ICE's 287(g) sheets (participating agencies, pending requests) from files "
        "or folders. New snapshots are applied in publication order, one transaction each; "
        "a sheet already imported changes nothing. --replay rebuilds the whole history from "
        "every stored snapshot (needed to slot in a sheet older than the latest)."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", type=Path, help=".xlsx files or folders")
        parser.add_argument(
            "--replay",
            action="store_true",
            help="Store the given sheets, then replay the history from all stored snapshots.",
        )
        parser.add_argument(
            "--problems", action="store_true", help="List every problem found, by row."
        )

    def handle(self, *args, paths, replay, problems, **options):
        if not paths and not replay:
            raise CommandError("Give at least one file or folder (or --replay).")
        if not paths:
            count = replay_all()
            self.stdout.write(self.style.SUCCESS(f"Replayed {count} stored snapshots."))
            return
        bar = ProgressBar(self.stderr)
        try:
            report = import_sheets(paths, replay=replay, progress=bar.step)
        except SheetError as exc:
            raise CommandError(f"{exc}. Nothing was imported.") from exc
        bar.done()
        self._summary(report, problems)
        refused = [s for s in report.sheets if s.status == "refused"]
        if refused:
            raise CommandError(
                f"{len(refused)} sheet{'s' if len(refused) > 1 else ''} refused (older than "
                "the latest of their list); the others were imported. Use --replay."
            )

    def _summary(self, report, show_problems):
        write = self.stdout.write
        header = f"{'snapshot':<48} {'status':<9} {'rows':>5} " + " ".join(
            f"{c[:8]:>8}" for c in SUMMARY_COLUMNS
        )
        write(header)
        for sheet in report.sheets:
            summary = sheet.summary or {}
            write(
                f"{sheet.path.parent.name + '/' + sheet.path.name:<48.48} {sheet.status:<9} "
                f"{summary.get('rows', ''):>5} "
                + " ".join(f"{summary.get(c, '') if summary else '':>8}" for c in SUMMARY_COLUMNS)
            )
            if sheet.message:
                style = self.style.WARNING if sheet.status == "refused" else str
                write(style(f"    {sheet.message}"))
            if show_problems:
                for problem in sheet.problems:
                    write(f"    row {problem['row']}: {problem['message']}")
            elif sheet.problems:
                write(f"    {len(sheet.problems)} problems (--problems lists them by row)")
        for path in report.skipped:
            write(f"skipped (not a spreadsheet): {path}")
        counts = {}
        for sheet in report.sheets:
            counts[sheet.status] = counts.get(sheet.status, 0) + 1
        done = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        replayed = " and replayed the history" if report.replayed else ""
        self.stdout.write(
            self.style.SUCCESS(f"{done or 'nothing'}{replayed} in {report.seconds:.1f} s.")
        )


class ProgressBar:
    """A one-line progress bar on stderr (only where stderr is a terminal)."""

    def __init__(self, stream, width=30):
        self.stream, self.width, self.count = stream, width, 0
        self.active = hasattr(sys.stderr, "isatty") and sys.stderr.isatty()

    def step(self, sheet, total):
        self.count += 1
        if self.active:
            done = self.width * self.count // max(total, 1)
            bar = "#" * done + "-" * (self.width - done)
            self.stream.write(
                f"\r[{bar}] {self.count}/{total} {sheet.path.name[:40]:<40}", ending=""
            )
            self.stream.flush()

    def done(self):
        if self.active and self.count:
            self.stream.write("")
