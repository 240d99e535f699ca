"""Publishing and unpublishing a state law: what a curator waits for on the admin page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/policyhub_bench \\
        .venv/bin/python bench/publish.py [--rounds 5] [--json results.json]

Each round saves the law as a draft, then as published again, through the model (so the
signals refresh the stored positions incrementally, as when an editor clicks "publish"), and
times each save with the checks of deferred constraints its commit would run; beside it,
the full rebuild of the law's state and every dimension that a
publication cost before positions were refreshed incrementally. Prints the median, min and
max over the rounds (wall time, then this process's CPU time: the rest is the database),
then checks that the stored positions of the state equal a fresh
computation (`check_positions` on that subtree). Runs in one transaction rolled back at the
end: the database is left as it was. Default law: Texas SB 4 (2017), in the seed; else the
first binding statute of the state with the most jurisdictions.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "policyhub.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")  # DEBUG off: no query log
    import django

    django.setup()


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="Unpublish/publish pairs.")
    parser.add_argument("--fips", default="48", help="The state's FIPS code (default: Texas).")
    parser.add_argument("--title", default="SB 4 (2017)", help="The start of the law's title.")
    parser.add_argument("--json", type=Path, help="Also write the figures here as JSON.")
    return parser.parse_args(argv)


def spread(times: list[float], cpu: list[float]) -> dict:
    return {
        "p50_ms": statistics.median(times) * 1000,
        "min_ms": min(times) * 1000,
        "max_ms": max(times) * 1000,
        "cpu_p50_ms": statistics.median(cpu) * 1000,
        "cpu_min_ms": min(cpu) * 1000,
        "cpu_max_ms": max(cpu) * 1000,
        "rounds": len(times),
    }


def find_law(fips: str, title: str):
    from bench.positions import _statute
    from jurisdictions.models import Jurisdiction, Level
    from policies.models import Instrument, InstrumentKind

    law = (
        Instrument.objects.published()
        .filter(jurisdiction__fips=fips, title__startswith=title, binding=True)
        .select_related("jurisdiction")
        .first()
    )
    return law or _statute(None, Jurisdiction, Instrument, InstrumentKind, Level)


def _check_deferred_constraints() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def run(args) -> dict:
    from django.db import transaction

    from policies.models import Position, ReviewState
    from policies.positions import store as position_store

    law = find_law(args.fips, args.title)
    if law is None:
        raise SystemExit("No published binding state statute to publish.")
    subtree = position_store.subtree_ids(law.jurisdiction_id)
    dimensions = sorted(law.provisions.values_list("dimension__slug", flat=True))
    figures = {"unpublish": [], "publish": [], "rebuild": []}
    cpu = {"unpublish": [], "publish": [], "rebuild": []}  # this process's CPU time
    rewritten = {}
    with transaction.atomic():
        stored = Position.objects.filter(jurisdiction_id__in=subtree).count()
        for _ in range(args.rounds):
            for state, name in (
                (ReviewState.DRAFT, "unpublish"),
                (ReviewState.PUBLISHED, "publish"),
            ):
                law.review_state = state
                started, used = time.perf_counter(), time.process_time()
                law.save()
                _check_deferred_constraints()  # what the commit would do, timed with it
                figures[name].append(time.perf_counter() - started)
                cpu[name].append(time.process_time() - used)
                before = position_store.refresh(subtree, None)  # nothing left to do
                rewritten[name] = before
            started, used = time.perf_counter(), time.process_time()
            position_store.rebuild(subtree)  # what every publication of it cost before
            _check_deferred_constraints()
            figures["rebuild"].append(time.perf_counter() - started)
            cpu["rebuild"].append(time.process_time() - used)
        stale, missing = position_store.differences(subtree)
        transaction.set_rollback(True)
    return {
        "law": law.title,
        "state": law.jurisdiction.name,
        "jurisdictions": len(subtree),
        "dimensions": dimensions,
        "stored_intervals": stored,
        "unpublish": spread(figures["unpublish"], cpu["unpublish"]),
        "publish": spread(figures["publish"], cpu["publish"]),
        "full_rebuild": spread(figures["rebuild"], cpu["rebuild"]),
        "in_step": not stale and not missing and rewritten["publish"] == (0, 0),
    }


def report(result: dict, out=sys.stdout) -> None:
    out.write(
        f"{result['law']} — {result['state']}: {result['jurisdictions']:,} jurisdictions, "
        f"{result['stored_intervals']:,} stored intervals; "
        f"codes {', '.join(result['dimensions'])}\n"
    )
    out.write(
        f"{'':<44} {'p50':>9} {'min':>9} {'max':>9}   {'CPU p50':>9} {'min':>9} {'max':>9}"
        "  rounds\n"
    )
    for key, label in (
        ("unpublish", "unpublish (save, incremental refresh)"),
        ("publish", "publish (save, incremental refresh)"),
        ("full_rebuild", "full rebuild of the state, every dimension"),
    ):
        f = result[key]
        out.write(
            f"{label:<44} {f['p50_ms']:7.0f}ms {f['min_ms']:7.0f}ms {f['max_ms']:7.0f}ms   "
            f"{f['cpu_p50_ms']:7.0f}ms {f['cpu_min_ms']:7.0f}ms {f['cpu_max_ms']:7.0f}ms  "
            f"{f['rounds']}\n"
        )
    verdict = "equal" if result["in_step"] else "DIFFERENT"
    out.write(f"Stored positions of the state after the rounds: {verdict} to a fresh computation\n")


def main(argv=None) -> int:
    args = parse(argv)
    result = run(args)
    report(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0 if result["in_step"] else 1


if __name__ == "__main__":
    setup_django()
    sys.exit(main())
