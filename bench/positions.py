"""Position benchmarks on the current database: prints figures, asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/policyhub_national \\
        .venv/bin/python bench/positions.py [--repeat 5]

Cases: (a) rebuild every stored position; (b) `differences()`, the check; (c) one dimension
for every county on a date, through `map_values` and through `positions_on` (with
provenance); (d) one jurisdiction's profile; (e) a filter by position counted in the
database; (f) the refresh after unpublishing, then publishing again, one binding state
statute. They run in the order (c)–(e), (b), (f), (a), so that only the last one sees the
table rewritten; read cases run once to count queries, then `--repeat` times timed.
Everything runs in one transaction that is rolled back at the end, so the database is left
as it was.
"""

import argparse
import datetime as dt
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "policyhub.settings")
    # The benchmark serves no request, so a throwaway key lets it run with DEBUG off (as
    # production does) instead of logging every query, which would skew the timings.
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    import django

    django.setup()


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="Timed runs of each read case.")
    parser.add_argument(
        "--write-repeat", type=int, default=1, help="Runs of the rebuild and of the check."
    )
    parser.add_argument("--refresh-repeat", type=int, default=3, help="Unpublish/publish pairs.")
    parser.add_argument("--date", type=dt.date.fromisoformat, default=dt.date(2019, 6, 1))
    parser.add_argument("--dimension", default="detainer-holds")
    parser.add_argument("--at-least", default="judicial-warrant-only")
    parser.add_argument("--profile-fips", default="17031", help="Default: Cook County, IL.")
    parser.add_argument(
        "--state",
        default=None,
        help="USPS code of the statute's state (default: the state "
        "with the most jurisdictions that has a published binding statute).",
    )
    return parser.parse_args(argv)


class Report:
    def __init__(self, out):
        self.out = out

    def line(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def figure(self, label: str, times: list[float], queries: int | None = None, note=""):
        low, median = min(times), statistics.median(times)
        counted = f"{queries:>4}" if queries is not None else "   —"
        cells = f"{label:<62} {len(times):>3}  {_ms(low):>10}  {_ms(median):>10}  {counted}"
        self.line(f"{cells}  {note}".rstrip())


def _ms(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1000:.1f} ms"


def _peak_rss_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # KiB on Linux


def measure(fn, repeat: int, *, count_queries: bool):
    """One untimed run that counts queries (also a warm-up), then `repeat` timed runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    queries = None
    if count_queries:
        with CaptureQueriesContext(connection) as captured:
            fn()
        queries = len(captured)
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return times, queries, result


def main(argv=None, out=None) -> int:
    from django.db import connection, transaction

    args = parse(argv)
    report = Report(out or sys.stdout)
    with transaction.atomic():
        run(args, report, connection)
        transaction.set_rollback(True)
    report.line("Rolled back: the database is as it was.")
    return 0


def run(args, report: Report, connection) -> None:
    from django.conf import settings
    from django.db.models import Count

    from jurisdictions.models import Jurisdiction, Level
    from policies.models import (
        Citation,
        Dimension,
        DimensionValue,
        Instrument,
        InstrumentKind,
        Position,
        Provision,
        Source,
    )
    from policies.positions import queries as position_queries
    from policies.positions import store as position_store

    database = connection.settings_dict["NAME"]
    report.line(
        f"PolicyHub position benchmarks — {connection.vendor} ({database}), "
        f"DEBUG {'on' if settings.DEBUG else 'off'}, {dt.datetime.now():%Y-%m-%d %H:%M}"
    )
    levels = ", ".join(
        f"{n:,} {label.lower()}" for label, n in Jurisdiction.objects.counts_by_level()
    )
    report.line(f"Jurisdictions  {Jurisdiction.objects.count():>10,}  ({levels})")
    instruments = Instrument.objects.count()
    published = Instrument.objects.published().count()
    report.line(f"Instruments    {instruments:>10,}  ({published:,} published)")
    report.line(f"Provisions     {Provision.objects.count():>10,}")
    report.line(f"Positions      {Position.objects.count():>10,}  (stored intervals)")
    report.line(f"Sources        {Source.objects.count():>10,}")
    report.line(f"Citations      {Citation.objects.count():>10,}")
    stale = _tables_without_statistics(connection)
    if stale:
        report.line(f"Note: not analyzed since loaded: {', '.join(stale)} (plans may be poor).")
    report.line()
    report.line(f"{'case':<62} {'runs':>3}  {'min':>10}  {'median':>10}  {'queries':>4}")

    dimension = Dimension.objects.get(slug=args.dimension)
    on = args.date
    counties = Jurisdiction.objects.counties()
    n_counties = counties.count()

    # (c) one dimension for every county on a date.
    def map_values():
        return position_queries.map_values(dimension, on, Level.COUNTY)

    times, queries, values = measure(map_values, args.repeat, count_queries=True)
    known = sum(1 for v in values.values() if v is not None)
    report.figure(
        f"(c) map_values {dimension.slug}, {n_counties:,} counties, {on}",
        times,
        queries,
        f"{known:,} known",
    )

    def positions_on():
        return position_queries.positions_on(dimension, on, counties)

    times, queries, answers = measure(positions_on, args.repeat, count_queries=True)
    with_provenance = sum(1 for a in answers if a.provision is not None)
    report.figure(
        f"(c) positions_on {dimension.slug}, {n_counties:,} counties, {on}",
        times,
        queries,
        f"{with_provenance:,} with provenance",
    )

    # (d) a profile: every dimension for one jurisdiction, a real one and the busiest one.
    n_dimensions = Dimension.objects.count()
    busiest = (
        Position.objects.values("jurisdiction_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "jurisdiction_id")
        .first()
    )
    profiled = [Jurisdiction.objects.select_related("state").get(fips=args.profile_fips)]
    if busiest is not None:
        profiled.append(
            Jurisdiction.objects.select_related("state").get(pk=busiest["jurisdiction_id"])
        )
    for jurisdiction in profiled:
        stored = Position.objects.filter(jurisdiction=jurisdiction).count()

        def profile(jurisdiction=jurisdiction):
            return position_queries.profile(jurisdiction, on)

        times, queries, answers = measure(profile, args.repeat, count_queries=True)
        report.figure(
            f"(d) profile of {jurisdiction}, {n_dimensions} dimensions",
            times,
            queries,
            f"{sum(a.is_known for a in answers)} known, {stored:,} stored intervals",
        )

    # (e) a filter by position, counted in the database.
    at_least = DimensionValue.objects.get(dimension=dimension, slug=args.at_least)

    def filtered():
        return position_queries.with_position(counties, dimension, on, at_least=at_least).count()

    times, queries, count = measure(filtered, args.repeat, count_queries=True)
    report.figure(
        f"(e) counties at least {at_least.slug}, {on}", times, queries, f"{count:,} counties"
    )

    # (b) the check: the whole stored table against a fresh computation.
    times, _, (stale, missing) = measure(
        position_store.differences, args.write_repeat, count_queries=False
    )
    report.figure(
        "(b) differences() (the check)",
        times,
        note=f"{len(stale)} stale, {len(missing)} missing, peak RSS {_peak_rss_mb():,} MB",
    )

    # (f) the refresh after unpublishing and publishing again a binding state statute.
    statute = _statute(args.state, Jurisdiction, Instrument, InstrumentKind, Level)
    if statute is None:
        report.line("(f) skipped: no published binding state statute.")
    else:
        _refresh_case(args, report, statute)

    # (a) last, so that everything before it reads the table as committed rather than one
    # holding a million deleted rows beside a million new ones.
    times, _, rows = measure(position_store.rebuild, args.write_repeat, count_queries=False)
    report.figure(
        "(a) rebuild all positions",
        times,
        note=f"{rows:,} intervals, peak RSS {_peak_rss_mb():,} MB",
    )
    report.line(f"Peak RSS {_peak_rss_mb():,} MB")


def _refresh_case(args, report: Report, statute) -> None:
    from policies.models import Instrument, ReviewState
    from policies.positions import store as position_store

    state_id = statute.jurisdiction_id
    subtree = len(position_store.subtree_ids(state_id))
    instrument = Instrument.objects.filter(pk=statute.pk)
    unpublished, published_again, rows = [], [], position_store.Rewritten(0, 0)
    for _ in range(args.refresh_repeat):
        # A queryset update skips the signals, so the refresh alone is timed.
        instrument.update(review_state=ReviewState.DRAFT)
        started = time.perf_counter()
        rows = position_store.refresh_for_adopter(state_id, None)
        unpublished.append(time.perf_counter() - started)
        instrument.update(review_state=ReviewState.PUBLISHED)
        started = time.perf_counter()
        rows = position_store.refresh_for_adopter(state_id, None)
        published_again.append(time.perf_counter() - started)
    where = (
        f"{statute.jurisdiction.name}, {subtree:,} jurisdictions, every dimension; "
        f"{rows.deleted:,} intervals deleted and {rows.inserted:,} inserted"
    )
    title = statute.title if len(statute.title) <= 40 else statute.title[:39] + "…"
    report.line(f"    statute: {title} ({where})")
    report.figure("(f) refresh_for_adopter after unpublishing it", unpublished)
    report.figure("(f) refresh_for_adopter after publishing it again", published_again)


def _tables_without_statistics(connection) -> list[str]:
    """The app's PostgreSQL tables whose planner statistics (from ANALYZE) miss more than
    half of their rows: never analyzed, or analyzed before a bulk load."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
            "WHERE (s.relname LIKE 'policies%%' OR s.relname LIKE 'jurisdictions%%') "
            "AND s.relname NOT LIKE '%%historical%%' AND s.n_live_tup > 1000 "
            "AND c.reltuples < s.n_live_tup / 2 ORDER BY s.relname"
        )
        return [row[0] for row in cursor.fetchall()]


def _statute(usps, Jurisdiction, Instrument, InstrumentKind, Level):
    from django.db.models import Count

    statutes = Instrument.objects.published().filter(
        binding=True,
        kind=InstrumentKind.STATUTE,
        jurisdiction__level__in=[Level.STATE, Level.TERRITORY],
        effective_on__isnull=False,
    )
    if usps:
        statutes = statutes.filter(jurisdiction__usps=usps.upper())
    with_statute = set(statutes.values_list("jurisdiction_id", flat=True))
    sizes = (
        Jurisdiction.objects.filter(state_id__in=with_statute)
        .values("state_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "state_id")
    )
    largest = sizes.first()
    if largest is None:
        return None
    return (
        statutes.filter(jurisdiction_id=largest["state_id"])
        .select_related("jurisdiction")
        .order_by("effective_on", "pk")
        .first()
    )


if __name__ == "__main__":
    setup_django()
    sys.exit(main())
