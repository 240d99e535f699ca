"""The load mix: pages, API and one positions CSV in twenty, at concurrency 50, against
PolicyHub under gunicorn as production runs it (gunicorn.conf.py: threaded workers, keep-alive),
with an editor publishing and unpublishing meanwhile and, optionally, every database
connection killed half-way. Prints errors, p50/p95/max, requests a second, and how many
CSVs mixed two states of the data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/policyhub make seed
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/policyhub \\
        uv run --locked python bench/load_mix.py --toggles 60 --kill-connections

Bounded: at most --requests requests and --max-seconds seconds, loopback only. The server
it starts is told a high API rate limit: one address sends everything here, and the run
measures the service, not the limiter.
"""

import argparse
import http.client
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CSV_PATH = "/api/v1/positions/?dimension=detainer-holds&as_of=2019-06-01&level=county&format=csv"
PAGES = [
    "/",
    "/jurisdictions/",
    "/jurisdictions/?state=TX&level=county",
    "/jurisdictions/tx/",
    "/jurisdictions/il-cook-county/?as_of=2019-06-01",
    "/compare/?j=06&j=48&j=17031&as_of=2019-06-01",
    "/map/?dimension=detainer-holds&level=state&as_of=2019-06-01",
    "/codebook/",
    "/sources/",
]
API = [
    "/api/v1/positions/?dimension=detainer-holds&as_of=2019-06-01&level=state",
    "/api/v1/positions/?dimension=detainer-holds&fips=48201&as_of=2019-06-01",
    "/api/v1/jurisdictions/?level=county&page=2",
    "/api/v1/instruments/",
    "/api/v1/dimensions/",
    "/api/v1/positions/timeline/?jurisdiction=48201&dimension=detainer-holds",
    "/api/v1/sources/",
    "/api/v1/map/?dimension=detainer-holds&level=county&as_of=2019-06-01",
    "/api/v1/jurisdictions/48/",
    "/api/v1/compare/?jurisdictions=06,48,17031&as_of=2019-06-01",
]
TOGGLED = "SB 4 (2017)"  # Texas's law: toggling it changes every Texas county's position


def the_mix() -> list[str]:
    """Twenty requests: ten pages and nine API answers alternating, then one CSV."""
    mix = []
    for n in range(19):
        mix.append(PAGES[n // 2 % len(PAGES)] if n % 2 == 0 else API[n // 2 % len(API)])
    mix.append(CSV_PATH)
    return mix


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",
        "API_ANON_RATE": "10000000/minute",
        "LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "policyhub.wsgi:application",
        "--config",
        str(ROOT / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--access-logfile",
        os.devnull,
        "--log-level",
        "warning",
    ]
    # Production serves hashed static files from a manifest that collectstatic writes.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    for _ in range(120):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.5)
    server.terminate()
    raise SystemExit("the server did not start")


def fetch(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, response.read()


def usable_connection():
    """This thread's database connection, replaced if the server ended it (the kill below
    ends this process's connections too)."""
    from django.db import connection

    if connection.connection is not None and not connection.is_usable():
        connection.close()
    return connection


class Toggler:
    """Publishes and unpublishes one instrument, as an editor would, in this process."""

    def __init__(self):
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "policyhub.settings")
        os.environ.setdefault("SECRET_KEY", "load-mix-only")
        django.setup()
        from policies.models import Instrument

        self.instrument = Instrument.objects.get(title__startswith=TOGGLED)
        self.done = self.failed = 0

    def flip(self) -> None:
        from django.db import close_old_connections

        from policies.models import ReviewState
        from policies.services import instrument_publish, instrument_unpublish

        close_old_connections()
        usable_connection()
        self.instrument.refresh_from_db()
        if self.instrument.review_state == ReviewState.PUBLISHED:
            instrument_unpublish(instrument=self.instrument, user=None)
        else:
            instrument_publish(instrument=self.instrument, user=None)

    def safe_flip(self) -> None:
        from django.db import connection

        try:
            self.flip()
            self.done += 1
        except Exception as exc:  # a killed connection: count it and go on
            print(f"toggle failed: {exc!r}", file=sys.stderr)
            self.failed += 1
            connection.close()

    def ensure_published(self) -> None:
        from policies.models import ReviewState

        usable_connection()
        self.instrument.refresh_from_db()
        if self.instrument.review_state != ReviewState.PUBLISHED:
            self.flip()


def kill_connections() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'"
        )
        return cursor.fetchone()[0]


TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) that a process on this machine has used, 0 if gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(child) for child in task.read_text().split()]
    return found


def database_backends() -> list[int]:
    """The server processes of this database's client connections (PostgreSQL on this
    machine), so their CPU counts with the requests they served."""
    connection = usable_connection()
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend'"
        )
        return [pid for (pid,) in cursor.fetchall() if Path(f"/proc/{pid}").exists()]


def machine_busy() -> float:
    """CPU seconds every core of the machine has spent busy since boot, whoever used them."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / TICKS


class CPUMeter:
    """CPU seconds used during the run by the server (gunicorn's processes), the database's
    backends and this load generator, and by the whole machine: a busy machine slows every
    request, but the CPU a request takes changes far less."""

    def __init__(self, server_pid: int):
        self.server_pid = server_pid

    def sample(self) -> dict:
        server = [self.server_pid, *children(self.server_pid)]
        return {
            "server": {pid: process_cpu(pid) for pid in server},
            "database": {pid: process_cpu(pid) for pid in database_backends()},
            "client": time.process_time(),
            "machine": machine_busy(),
        }

    @staticmethod
    def spent(before: dict, after: dict) -> dict:
        def used(kind):  # processes that started during the run count from zero
            return sum(cpu - before[kind].get(pid, 0.0) for pid, cpu in after[kind].items())

        return {
            "server": used("server"),
            "database": used("database"),
            "client": after["client"] - before["client"],
            "machine": after["machine"] - before["machine"],
        }


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--max-seconds", type=float, default=180)
    parser.add_argument("--toggles", type=int, default=0, help="publish/unpublish flips")
    parser.add_argument("--kill-connections", action="store_true")
    parser.add_argument("--by-path", action="store_true", help="p50 of each path")
    args = parser.parse_args()
    if not 0 < args.requests <= 20000 or not 0 < args.concurrency <= 200:
        raise SystemExit("keep it bounded: --requests up to 20000, --concurrency up to 200")

    toggler = Toggler()
    toggler.ensure_published()
    port = free_port()
    server = start_server(port)
    try:
        # The two states a CSV may show: with the toggled law published, and without.
        states = {}
        for _ in range(2):
            status, body = fetch(port, CSV_PATH)
            assert status == 200, status
            states[toggler.instrument.review_state] = body
            toggler.flip()
        assert len(set(states.values())) == 2, "the toggled law changes nothing in the CSV"

        mix = the_mix()
        lock = threading.Lock()
        next_index = [0]
        results = []  # (started_at, seconds, status, path)
        csv_checked = [0, 0]  # checked, mixed
        deadline = time.monotonic() + args.max_seconds

        def worker():
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            while time.monotonic() < deadline and not toggled_all.is_set():
                with lock:
                    index = next_index[0]
                    if index >= args.requests:
                        break
                    next_index[0] += 1
                path = mix[index % len(mix)]
                started = time.perf_counter()
                try:
                    connection.request("GET", path)
                    response = connection.getresponse()
                    body = response.read()
                    status = response.status
                    if response.getheader("Connection", "").lower() == "close":
                        connection.close()
                except (OSError, http.client.HTTPException):
                    connection.close()
                    status, body = 0, b""
                took = time.perf_counter() - started
                mixed = path == CSV_PATH and status == 200 and body not in states.values()
                with lock:
                    results.append((started, took, status, path))
                    if path == CSV_PATH and status == 200:
                        csv_checked[0] += 1
                        csv_checked[1] += mixed
            connection.close()

        # With --toggles, the mix runs until every toggle is done (within the bounds).
        toggled_all = threading.Event()

        def toggling():
            gap = 0.1
            for _ in range(args.toggles):
                if next_index[0] >= args.requests or time.monotonic() >= deadline:
                    break
                toggler.safe_flip()
                time.sleep(gap)
            toggled_all.set()

        killed_at = [None]

        def killing():
            while next_index[0] < args.requests // 2:
                time.sleep(0.05)
            killed_at[0] = time.perf_counter()
            print(f"killed {kill_connections()} database connections", file=sys.stderr)

        threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
        if args.toggles:
            threads.append(threading.Thread(target=toggling))
        if args.kill_connections:
            threads.append(threading.Thread(target=killing))
        meter = CPUMeter(server.pid)
        load_before = os.getloadavg()[0]
        cpu_before = meter.sample()
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
        cpu = meter.spent(cpu_before, meter.sample())

        latencies = [took for _, took, _, _ in results]
        statuses = {}
        for _, _, status, _ in results:
            statuses[status] = statuses.get(status, 0) + 1
        errors = sum(1 for _, _, status, _ in results if status != 200)
        print(f"requests      {len(results)} at concurrency {args.concurrency}")
        print(f"errors        {errors}  statuses {dict(sorted(statuses.items()))}")
        print(
            f"p50 / p95     {statistics.median(latencies) * 1000:.0f} / "
            f"{percentile(latencies, 0.95) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
        )
        print(f"requests/s    {len(results) / elapsed:.1f}  ({elapsed:.1f} s)")
        print(f"CSVs          {csv_checked[0]} checked, {csv_checked[1]} mixed")
        per = 1000 / len(results)
        print(
            f"CPU/request   {cpu['server'] * per:.1f} ms server, "
            f"{cpu['database'] * per:.1f} ms database, {cpu['client'] * per:.1f} ms load generator"
        )
        others = cpu["machine"] - cpu["server"] - cpu["database"] - cpu["client"]
        print(
            f"machine       load {load_before:.1f} before, {os.getloadavg()[0]:.1f} after; "
            f"{cpu['machine'] / elapsed:.2f} of {os.cpu_count()} cores busy, "
            f"{max(others, 0) / elapsed:.2f} of them by other processes"
        )
        if args.by_path:
            by_path = {}
            for _, took, _, path in results:
                by_path.setdefault(path, []).append(took)
            for path, times in sorted(
                by_path.items(), key=lambda item: -statistics.median(item[1])
            ):
                print(f"  {statistics.median(times) * 1000:6.0f} ms p50  {path}")
        if args.toggles:
            print(f"toggles       {toggler.done} done, {toggler.failed} failed")
        if killed_at[0] is not None:
            # A request in flight when its connection was killed may fail; any request that
            # began a second later must not.
            after = [r for r in results if r[0] > killed_at[0] + 1.0]
            late = sum(1 for r in after if r[2] >= 500 or r[2] == 0)
            during = sum(
                1
                for r in results
                if killed_at[0] - 60 < r[0] <= killed_at[0] + 1.0 and (r[2] >= 500 or r[2] == 0)
            )
            print(f"kill          {during} failed in flight, {late} of {len(after)} failed after")
    finally:
        server.terminate()
        server.wait(timeout=30)
        toggler.ensure_published()


if __name__ == "__main__":
    main()
