"""The national-scale benchmark: PolicyHub against the floor and Datasette, side by side.

    make bench                     # or: .venv/bin/python bench/national.py

Steps: (1) a PostgreSQL database with the seed and a generated national dataset (reused
when it already holds one); (2) the published tables exported to SQLite for Datasette;
(3) three servers on loopback: PolicyHub under gunicorn with production settings, the
floor (`bench/floor.py`, one hand-written SQL query per case, same gunicorn set-up), and
`datasette serve`; (4) each case of `bench/cases.py` at concurrency 1 and 16 on each
server; (5) a table of p50, p95, max and requests/s with the ratios ours/floor and
ours/Datasette, and the worker's RSS growth during the full CSV export. Exits non-zero on
any error response.

Environment (all optional):
  BENCH_DB        database name (default policyhub_bench)
  BENCH_PG        server URL without a database (default postgres://postgres@127.0.0.1:5432)
  BENCH_SCALE     fraction of the national dataset and of the request counts (default 1)
  BENCH_FRESH     1: drop and regenerate the database and the SQLite export
  BENCH_ONLY      run only the cases whose name contains this text
  BENCH_WORK      scratch folder (default /tmp/policyhub-bench)
  BENCH_PORT      first of three loopback ports (default 8601)
  BENCH_JSON      where to write the results as JSON (default $BENCH_WORK/results.json)
"""

import contextlib
import json
import os
import platform
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load  # noqa: E402
from bench.cases import DB, DEFAULT_PARAMS, cases  # noqa: E402

PYTHON = sys.executable
BIN = Path(PYTHON).parent
CURATOR = ("bench-curator", "bench-only-password-1")
# bench.generate.DEFAULTS (not imported: this script runs outside Django), scaled.
NATIONAL = {"places": 37_000, "agencies": 18_000, "provisions": 400_000, "sources": 100_000}
SECRET = "bench-only-secret-key-not-for-production-0123456789"


def env(name, default):
    value = os.environ.get(name, "")
    return value if value.strip() else default


class Config:
    def __init__(self):
        self.db = env("BENCH_DB", "policyhub_bench")
        self.server = env("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
        self.dsn = f"{self.server}/{self.db}"
        self.scale = float(env("BENCH_SCALE", "1"))
        self.fresh = env("BENCH_FRESH", "0") == "1"
        self.only = env("BENCH_ONLY", "")
        self.work = Path(env("BENCH_WORK", "/tmp/policyhub-bench")) / self.db
        port = int(env("BENCH_PORT", "8601"))
        self.ports = {"ours": port, "floor": port + 1, "datasette": port + 2}
        self.json = Path(env("BENCH_JSON", str(self.work / "results.json")))


def say(text=""):
    print(text, flush=True)


# --- the database ------------------------------------------------------------------------


def app_env(config: Config, **extra) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": config.dsn,
        "DEBUG": "0",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_COOKIES": "0",
        "API_ANON_RATE": "100000000/minute",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def manage(config: Config, *args, quiet=False, script="manage.py"):
    started = time.perf_counter()
    subprocess.run(
        [PYTHON, script, *args],
        cwd=ROOT,
        env=app_env(config),
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )
    say(f"  {script} {args[0]}: {time.perf_counter() - started:.1f} s")


def prepare_database(config: Config) -> None:
    import psycopg

    with psycopg.connect(f"{config.server}/postgres", autocommit=True) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config.db]
        ).fetchone()
        if exists and config.fresh:
            admin.execute(f'DROP DATABASE "{config.db}" WITH (FORCE)')
            exists = None
        if not exists:
            admin.execute(f'CREATE DATABASE "{config.db}"')
            say(f"  created database {config.db}")
    manage(config, "migrate", "--no-input", quiet=True)
    with psycopg.connect(config.dsn, autocommit=True) as conn:
        generated = conn.execute(
            "SELECT count(*) FROM policies_instrument WHERE is_generated"
        ).fetchone()[0]
        seeded = conn.execute("SELECT count(*) FROM policies_dimension").fetchone()[0]
    if not seeded:
        # Without the Census places: the generator makes the national dataset's 37,000
        # places itself, as it did for the figures in docs/benchmarks.md.
        manage(config, "load_seed", "--no-places", quiet=True)
    if not generated:
        counts = [f"--{k}={max(10, round(n * config.scale))}" for k, n in NATIONAL.items()]
        manage(config, *counts, "--verbosity=0", script="bench/generate_national.py")
    else:
        say(f"  reusing {config.db}: {generated:,} generated instruments (BENCH_FRESH=1 redoes)")
    with psycopg.connect(config.dsn, autocommit=True) as conn:
        started = time.perf_counter()
        conn.execute("ANALYZE")  # autovacuum may be off: plans need fresh statistics
        say(f"  ANALYZE: {time.perf_counter() - started:.1f} s")
    script = (
        "from django.contrib.auth.models import Group, User\n"
        f"u, _ = User.objects.get_or_create(username={CURATOR[0]!r})\n"
        f"u.is_staff = True; u.set_password({CURATOR[1]!r}); u.save()\n"
        "u.groups.add(Group.objects.get(name='curators'))\n"
    )
    manage(config, "shell", "-c", script, quiet=True)
    manage(config, "collectstatic", "--no-input", quiet=True)


def dataset_summary(config: Config) -> dict:
    import psycopg

    with psycopg.connect(config.dsn, autocommit=True) as conn:
        one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "jurisdictions": one("SELECT count(*) FROM jurisdictions_jurisdiction"),
            "counties": one("SELECT count(*) FROM jurisdictions_jurisdiction WHERE level='county'"),
            "instruments": one("SELECT count(*) FROM policies_instrument"),
            "published_provisions": one(
                "SELECT count(*) FROM policies_provision p JOIN policies_instrument i "
                "ON i.id = p.instrument_id WHERE i.review_state = 'published'"
            ),
            "positions": one("SELECT count(*) FROM policies_position"),
            "citations": one("SELECT count(*) FROM policies_citation"),
        }


def prepare_sqlite(config: Config) -> Path:
    from bench.export_sqlite import export

    target = config.work / f"{DB}.db"
    if target.exists() and not config.fresh:
        say(f"  reusing {target} (BENCH_FRESH=1 redoes)")
        return target
    config.work.mkdir(parents=True, exist_ok=True)
    export(config.dsn, target)
    return target


# --- the servers -------------------------------------------------------------------------


class Servers:
    def __init__(self, config: Config, sqlite_path: Path):
        self.config, self.sqlite_path, self.procs = config, sqlite_path, {}

    def gunicorn(self, app: str, port: int, chdir: Path) -> list[str]:
        return [
            str(BIN / "gunicorn"),
            app,
            "--chdir",
            str(chdir),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--worker-class",
            "gthread",
            "--threads",
            "8",
            "--timeout",
            "300",
            "--log-level",
            "warning",
        ]

    def start(self):
        ports = self.config.ports
        logs = self.config.work / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        commands = {
            "ours": (
                self.gunicorn("policyhub.wsgi:application", ports["ours"], ROOT),
                app_env(self.config),
            ),
            "floor": (
                self.gunicorn("floor:app", ports["floor"], ROOT / "bench"),
                {**os.environ, "FLOOR_DSN": self.config.dsn},
            ),
            "datasette": (
                [
                    str(BIN / "datasette"),
                    "serve",
                    "-i",
                    str(self.sqlite_path),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(ports["datasette"]),
                    "--setting",
                    "sql_time_limit_ms",
                    "60000",
                    "--setting",
                    "facet_time_limit_ms",
                    "10000",
                    "--setting",
                    "max_returned_rows",
                    "5000",
                    "--setting",
                    "num_sql_threads",
                    "4",
                ],
                os.environ,
            ),
        }
        for name, (command, environ) in commands.items():
            log = open(logs / f"{name}.log", "w")  # noqa: SIM115
            self.procs[name] = subprocess.Popen(
                command, cwd=ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT
            )
        for name, port in ports.items():
            self.wait(name, port)

    def wait(self, name: str, port: int, timeout: float = 60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.procs[name].poll() is not None:
                log = (self.config.work / "logs" / f"{name}.log").read_text()[-2000:]
                raise RuntimeError(f"{name} exited on start:\n{log}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5):
                    return
            except urllib.error.HTTPError:
                return  # it answers
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"{name} did not answer on port {port} in {timeout:.0f} s")

    def workers(self) -> list:
        import psutil

        master = psutil.Process(self.procs["ours"].pid)
        return master.children()

    def stop(self):
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def curator_cookie(port: int) -> str:
    """Signs the benchmark's curator in through the admin's login form; a Cookie header."""
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    url = f"http://127.0.0.1:{port}/admin/login/"
    form = opener.open(url).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    data = urlencode(
        {
            "csrfmiddlewaretoken": token,
            "username": CURATOR[0],
            "password": CURATOR[1],
            "next": "/admin/",
        }
    ).encode()
    request = urllib.request.Request(url, data=data, headers={"Referer": url})
    opener.open(request).read()
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise RuntimeError("the benchmark curator could not sign in")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


class RSSSampler:
    """Samples the RSS of gunicorn's workers every 20 ms; growth = peak - start, per worker."""

    def __init__(self, processes):
        self.processes = processes
        self.start = {p.pid: p.memory_info().rss for p in processes}
        self.peak = dict(self.start)
        self.running = True
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self):
        while self.running:
            for p in self.processes:
                with contextlib.suppress(Exception):  # a worker may be recycled
                    self.peak[p.pid] = max(self.peak[p.pid], p.memory_info().rss)
            time.sleep(0.02)

    def stop(self) -> dict:
        self.running = False
        self.thread.join()
        growth = max(self.peak[pid] - self.start[pid] for pid in self.start)
        return {
            "rss_growth_mb": growth / 2**20,
            "rss_peak_mb": max(self.peak.values()) / 2**20,
            "rss_start_mb": max(self.start.values()) / 2**20,
        }


# --- running the cases ------------------------------------------------------------------


def floor_path(case, params) -> str:
    return f"/{case.floor}?{urlencode(params)}"


def run_cases(config: Config, servers: Servers, selected) -> list[dict]:
    ports = config.ports
    cookie = curator_cookie(ports["ours"])
    results = []
    # The memory case first, on workers that have served nothing big yet, and sampled from
    # before its warm-up, so that no earlier request's heap hides what the export grows.
    selected = sorted(selected, key=lambda case: "memory" not in case.tags)
    for case in selected:
        say(f"- {case.name}")
        targets = {"ours": case.ours}
        if case.floor:
            targets["floor"] = floor_path(case, DEFAULT_PARAMS)
        if case.datasette:
            targets["datasette"] = case.datasette
        row = {"case": case.name, "kind": case.kind, "paths": targets, "runs": {}}
        for target, path in targets.items():
            base = f"http://127.0.0.1:{ports[target]}"
            headers = {"Cookie": cookie} if case.kind == "admin" and target == "ours" else {}
            sampler = None
            if "memory" in case.tags and target == "ours":
                sampler = RSSSampler(servers.workers())
            load.run(base, path, 2, 1, headers)  # warm-up, not counted
            runs = {}
            for concurrency, count in zip((1, 16), case.counts, strict=True):
                if not count:
                    continue
                run = load.run(base, path, count, concurrency, headers)
                summary = run.summary()
                if sampler:
                    summary.update(sampler.stop())
                    sampler = None
                runs[f"c{concurrency}"] = summary
                extra = ""
                if "rss_growth_mb" in summary:
                    extra = f", RSS +{summary['rss_growth_mb']:.0f} MB"
                say(
                    f"    {target:9} c{concurrency:<2} n={run.requests:<4} "
                    f"p50 {summary['p50_ms']:8.1f} ms  p95 {summary['p95_ms']:8.1f} ms  "
                    f"{summary['rps']:7.1f} req/s  errors {run.errors}{extra}"
                )
                if run.errors:
                    say(f"      first error: {run.first_error}")
            row["runs"][target] = runs
        results.append(row)
    return results


def ratio(row, other, level) -> float | None:
    ours = row["runs"].get("ours", {}).get(level)
    theirs = row["runs"].get(other, {}).get(level)
    if not ours or not theirs or not theirs["p50_ms"]:
        return None
    return ours["p50_ms"] / theirs["p50_ms"]


def fmt(value, spec=".1f", none="—"):
    return none if value is None else format(value, spec)


def table(results) -> str:
    """A Markdown table: one line per case and server, ratios on PolicyHub's line."""
    head = (
        "| case | server | c1 p50 ms | c1 p95 ms | c1 max ms | c1 req/s | c16 p50 ms "
        "| c16 p95 ms | c16 max ms | c16 req/s | ours/floor c1 · c16 | ours/Datasette c1 · c16 |"
    )
    lines = [head, "|" + "---|" * 12]
    for row in results:
        for target, runs in row["runs"].items():
            c1, c16 = runs.get("c1"), runs.get("c16")
            cells = [row["case"] if target == "ours" else "", target]
            for run in (c1, c16):
                if run:
                    cells += [
                        fmt(run["p50_ms"]),
                        fmt(run["p95_ms"]),
                        fmt(run["max_ms"]),
                        fmt(run["rps"]),
                    ]
                else:
                    cells += ["—"] * 4
            if target == "ours":
                for other in ("floor", "datasette"):
                    pair = [ratio(row, other, level) for level in ("c1", "c16")]
                    cells.append(
                        "—" if pair == [None, None] else " · ".join(fmt(r, ".2f") for r in pair)
                    )
            else:
                cells += ["", ""]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine() -> str:
    import psutil

    cpu = platform.processor() or platform.machine()
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        cpu = model
    except (OSError, StopIteration):
        pass
    memory = psutil.virtual_memory().total / 2**30
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GB RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}"
    )


def errors_in(results) -> int:
    return sum(
        run["errors"] for row in results for runs in row["runs"].values() for run in runs.values()
    )


def main() -> int:
    config = Config()
    say(f"PolicyHub national benchmark — database {config.db}, scale {config.scale}")
    say("Preparing the database…")
    prepare_database(config)
    summary = dataset_summary(config)
    say("  " + ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in summary.items()))
    say("Exporting to SQLite for Datasette…")
    sqlite_path = prepare_sqlite(config)
    selected = [c for c in cases(scale=config.scale) if config.only.lower() in c.name.lower()]
    servers = Servers(config, sqlite_path)
    say("Starting gunicorn (PolicyHub, floor) and Datasette on loopback…")
    try:
        servers.start()
        results = run_cases(config, servers, selected)
    finally:
        servers.stop()
    report = {
        "machine": machine(),
        "dataset": summary,
        "scale": config.scale,
        "when": time.strftime("%Y-%m-%d %H:%M"),
        "results": results,
    }
    config.json.parent.mkdir(parents=True, exist_ok=True)
    config.json.write_text(json.dumps(report, indent=2))
    say()
    say(f"Machine: {report['machine']}")
    say(table(results))
    memory = [
        run
        for row in results
        for run in row["runs"].get("ours", {}).values()
        if "rss_growth_mb" in run
    ]
    for run in memory:
        say(
            f"\nCSV export: worker RSS {run['rss_start_mb']:.0f} MB → peak "
            f"{run['rss_peak_mb']:.0f} MB (growth {run['rss_growth_mb']:.0f} MB), "
            f"{run['bytes_per_response'] / 2**20:.0f} MB per response"
        )
    say(f"\nResults as JSON: {config.json}")
    failures = errors_in(results)
    if failures:
        say(f"FAILED: {failures} error responses")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
