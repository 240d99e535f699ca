"""A bounded HTTP load driver: N GET requests to one path at a given concurrency.

Threads, each with its own keep-alive connection (http.client), share a count of requests
still to make; every response is read to the end. Only loopback addresses are accepted.
"""

import http.client
import statistics
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class Run:
    requests: int = 0
    errors: int = 0
    statuses: dict = field(default_factory=dict)
    latencies: list = field(default_factory=list)  # seconds
    elapsed: float = 0.0
    bytes: int = 0
    first_error: str = ""

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) if self.latencies else float("nan")

    @property
    def p95(self) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]

    @property
    def max(self) -> float:
        return max(self.latencies) if self.latencies else float("nan")

    @property
    def rps(self) -> float:
        return self.requests / self.elapsed if self.elapsed else float("nan")

    def summary(self) -> dict:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "statuses": self.statuses,
            "p50_ms": self.p50 * 1000,
            "p95_ms": self.p95 * 1000,
            "max_ms": self.max * 1000,
            "rps": self.rps,
            "bytes_per_response": self.bytes / self.requests if self.requests else 0,
            "first_error": self.first_error,
        }


def run(base: str, path: str, requests: int, concurrency: int, headers: dict | None = None) -> Run:
    parts = urlsplit(base)
    if parts.hostname not in LOOPBACK:
        raise ValueError(f"load tests target loopback only, not {parts.hostname}")
    result = Run()
    lock = threading.Lock()
    remaining = [requests]
    headers = {"Accept-Encoding": "identity", **(headers or {})}

    def worker():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=300)
        while True:
            with lock:
                if remaining[0] <= 0:
                    break
                remaining[0] -= 1
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                status, body = 0, str(exc).encode()
            took = time.perf_counter() - started
            with lock:
                result.requests += 1
                result.latencies.append(took)
                result.bytes += len(body)
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if status != 200:
                    result.errors += 1
                    if not result.first_error:
                        result.first_error = f"{status}: {body[:300]!r}"
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(min(concurrency, requests))]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.elapsed = time.perf_counter() - started
    return result
