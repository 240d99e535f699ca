"""Latency of the API's position endpoints against a running server.

    python bench/api_latency.py http://127.0.0.1:8000 [requests-per-case]

Prints p50, p95 and max per case. Only talks to the address it is given.
"""

import statistics
import sys
import time
import urllib.request

DETAINERS = "dimension=detainer-holds&as_of=2019-06-01"
CASES = {
    "positions, one county": f"/api/v1/positions/?{DETAINERS}&fips=17031",
    "positions, 100 counties": f"/api/v1/positions/?{DETAINERS}&level=county&page_size=100",
    "positions, 1000 counties": f"/api/v1/positions/?{DETAINERS}&level=county&page_size=1000",
    "positions, at least judicial-warrant-only": (
        f"/api/v1/positions/?{DETAINERS}&level=county&at_least=judicial-warrant-only"
    ),
    "positions, all counties as CSV": f"/api/v1/positions/?{DETAINERS}&level=county&format=csv",
    "map, 3,142 counties": f"/api/v1/map/?{DETAINERS}&level=county",
    "map, states": f"/api/v1/map/?{DETAINERS}&level=state",
    "timeline": "/api/v1/positions/timeline/?jurisdiction=06001&dimension=detainer-holds",
    "compare, 6 jurisdictions": (
        "/api/v1/compare/?jurisdictions=06,48,17,17031,06075,48201&as_of=2019-06-01"
    ),
}


def measure(base: str, path: str, count: int) -> list[float]:
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        with urllib.request.urlopen(base + path, timeout=60) as response:
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{path} answered {response.status}")
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def main(base: str, count: int = 30) -> None:
    print(f"{'case':45} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, path in CASES.items():
        measure(base, path, 2)  # warm up
        timings = sorted(measure(base, path, count))
        p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
        print(f"{name:45} {statistics.median(timings):8.1f} {p95:8.1f} {timings[-1]:8.1f}")


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"), int(sys.argv[2]) if len(sys.argv) > 2 else 30)
