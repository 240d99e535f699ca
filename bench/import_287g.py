"""287(g) import benchmark: prints figures, asserts nothing.

    .venv/bin/python bench/import_287g.py [--snapshots fixtures/ice-287g/snapshots]

On a new SQLite database in a temporary folder (jurisdictions and codebook loaded first,
not timed): (a) importing every sheet into the empty database; (b) importing each sheet
again, which must change nothing; (c) replaying the whole history from the stored
snapshots. Set DATABASE_URL to measure another database instead (it must be empty).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--snapshots", type=Path, default=ROOT / "fixtures" / "ice-287g" / "snapshots"
    )
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-287g-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{folder}/bench.sqlite3")
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "policyhub.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from agreements.importer import import_sheets, replay_all
    from agreements.models import Agreement, Change, ReviewItem, Snapshot
    from policies.loading.seed import load_all

    call_command("migrate", verbosity=0)
    load_all()
    files = sorted(args.snapshots.rglob("*.xlsx"))
    print(f"database: {os.environ['DATABASE_URL']}")
    print(f"sheets:   {len(files)} in {args.snapshots}")

    started = time.perf_counter()
    report = import_sheets([args.snapshots])
    first = time.perf_counter() - started
    imported = sum(1 for s in report.sheets if s.status == "imported")
    print(f"(a) import all into an empty database: {first:6.2f} s ({imported} imported)")
    print(
        f"    {Agreement.objects.count()} agreements, {Change.objects.count()} changes, "
        f"{ReviewItem.objects.count()} review items, {Snapshot.objects.count()} snapshots"
    )

    before = Change.objects.count(), Agreement.objects.count()
    again = []
    for path in files:
        started = time.perf_counter()
        result = import_sheets([path])
        again.append(time.perf_counter() - started)
        assert result.sheets[0].status == "unchanged", path
    after = Change.objects.count(), Agreement.objects.count()
    print(
        f"(b) import each again: median {statistics.median(again) * 1000:5.0f} ms, "
        f"max {max(again) * 1000:5.0f} ms; changed nothing: {before == after}"
    )

    started = time.perf_counter()
    replay_all()
    print(f"(c) replay the history from stored snapshots: {time.perf_counter() - started:6.2f} s")


if __name__ == "__main__":
    main()
