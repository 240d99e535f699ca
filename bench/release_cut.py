"""How long cutting a release takes, and how much memory it holds, on the configured database.

    DATABASE_URL=... uv run --locked python bench/release_cut.py [repeats]

Cuts into a temporary RELEASES_DIR inside a transaction that is rolled back, so the
database keeps no release; prints seconds per cut, the rows written and the peak resident
memory of the process and how much of it the cut added (which should not grow with the data:
the tables are streamed), then each step of the cut with its seconds and the highest resident
memory seen during it (sampled every 0.1 s). When the database holds a release, the cut's
changelog is made against that release's files (RELEASES_DIR must hold them).
"""

import functools
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "policyhub.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import transaction  # noqa: E402

from releases import files, services  # noqa: E402
from releases.models import Release  # noqa: E402
from releases.services import release_cut  # noqa: E402


class Rollback(Exception):
    pass


def resident_mb() -> float:
    """The process's resident memory now (Linux), to tell the cut's own share of the peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Steps:
    """Times each step of a cut and the highest resident memory seen during it, by wrapping
    the functions the cut calls (the bench's own instrument; the product is unchanged)."""

    STEPS = (
        (files, "_write_table"),
        (files, "_write_resolver"),
        (services, "changelog"),
        (files, "manifest_of"),
    )

    def __init__(self):
        self.seen: list[tuple[str, float, float]] = []
        self.high = 0.0
        threading.Thread(target=self._sample, daemon=True).start()
        for module, name in self.STEPS:
            setattr(module, name, self._timed(getattr(module, name), name))

    def _sample(self):
        while True:
            self.high = max(self.high, resident_mb())
            time.sleep(0.1)

    def _timed(self, function, name):
        @functools.wraps(function)
        def timed(*args, **kwargs):
            self.high = resident_mb()
            started = time.perf_counter()
            answer = function(*args, **kwargs)
            label = f"table {args[0]}" if name == "_write_table" else name.strip("_")
            self.high = max(self.high, resident_mb())
            self.seen.append((label, time.perf_counter() - started, self.high))
            return answer

        return timed

    def report(self):
        for label, seconds, high in self.seen:
            print(f"    {label:<26} {seconds:7.1f} s   resident up to {high:.0f} MB")
        self.seen.clear()


def main(repeats: int) -> None:
    real = Path(settings.RELEASES_DIR)
    Release.objects.exists()  # connected, so the baseline holds what every process holds
    baseline = resident_mb()
    print(f"resident before cutting: {baseline:.0f} MB")
    steps = Steps()
    with tempfile.TemporaryDirectory() as directory:
        settings.RELEASES_DIR = Path(directory) / "releases"
        settings.RELEASES_DIR.mkdir()
        previous = Release.objects.order_by("-number").first()
        if previous is not None:  # the changelog is made against it: read it where it is
            (settings.RELEASES_DIR / str(previous.number)).symlink_to(real / str(previous.number))
        for attempt in range(repeats):
            started = time.perf_counter()
            try:
                with transaction.atomic():
                    release = release_cut()
                    elapsed = time.perf_counter() - started
                    rows = sum(release.counts.values())
                    size = sum(entry["bytes"] for entry in release.manifest.values())
                    raise Rollback
            except Rollback:
                pass
            for leftover in Path(settings.RELEASES_DIR).iterdir():
                if leftover.is_symlink():
                    continue
                for path in leftover.iterdir():
                    path.unlink()
                leftover.rmdir()
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"cut {attempt + 1}: {elapsed:.2f} s, {rows:,} rows, "
                f"{size / 1e6:.1f} MB of files, peak RSS {peak:.0f} MB "
                f"({peak - baseline:+.0f} MB over the baseline)"
            )
            steps.report()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
