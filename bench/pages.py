"""Time the pages and endpoints that list or profile jurisdictions, in process.

    DEBUG=0 .venv/bin/python bench/pages.py [requests-per-case]

Uses Django's test client against the database in DATABASE_URL (load the seed first, with or
without the places), so it measures the view, its queries and its template, not a server.
Prints, per case, the first answer (cold caches), the median and the worst of the rest, and
the number of queries of the last answer.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "policyhub.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

# Run as production does (DEBUG off), without `collectstatic` and on the test client's host.
settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from jurisdictions.models import Jurisdiction, Level  # noqa: E402

DETAINERS = "dimension=detainer-holds&as_of=2019-06-01"
CASES = {
    "jurisdictions list page": "/jurisdictions/",
    "jurisdictions list, search 'spring'": "/jurisdictions/?q=spring",
    "jurisdictions list, level=place, state=IL": "/jurisdictions/?level=place&state=IL",
    "profile: Illinois": "/jurisdictions/il/",
    "profile: Cook County": "/jurisdictions/il-cook-county/",
    "profile: Chicago": "/jurisdictions/il-chicago/",
    "map page (counties)": f"/map/?{DETAINERS}",
    "API jurisdictions": "/api/v1/jurisdictions/",
    "API jurisdictions, level=place": "/api/v1/jurisdictions/?level=place",
    "API jurisdiction by FIPS": "/api/v1/jurisdictions/1714000/",
    "API positions, level=place": f"/api/v1/positions/?{DETAINERS}&level=place",
    "API positions, level=county": f"/api/v1/positions/?{DETAINERS}&level=county",
}


def measure(client: Client, path: str, count: int) -> tuple[float, list[float], int]:
    timings, queries = [], 0
    for _ in range(count + 1):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
        queries = len(captured)
    return timings[0], timings[1:], queries


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    client = Client()
    levels = dict(Jurisdiction.objects.counts_by_level())
    print(f"database: {connection.vendor}; jurisdictions by level: {levels}")
    if not Jurisdiction.objects.filter(level=Level.PLACE).exists():
        print("(no places loaded)")
    print(f"{'case':<44} {'first':>8} {'median':>8} {'worst':>8} {'queries':>8}")
    for name, path in CASES.items():
        if "il-chicago" in path and not Jurisdiction.objects.filter(slug="il-chicago").exists():
            continue
        first, rest, queries = measure(client, path, count)
        print(
            f"{name:<44} {first:>6.1f}ms {statistics.median(rest):>6.1f}ms "
            f"{max(rest):>6.1f}ms {queries:>8}"
        )


if __name__ == "__main__":
    main()
