"""The national-scale benchmark: PolicyHub against the floor and Datasette, side by side.

    make bench                     # or: .venv/bin/python bench/national.py

Steps: (1) a PostgreSQL database with the seed and a generated national dataset (reused
when it already holds one); (2) the published tables exported to SQLite for Datasette;
(3) three servers on loopback: PolicyHub under gunicorn with production settings, the
floor (`bench/floor.py`, one hand-written SQL query per case, same gunicorn set-up), and
`datasette serve`; (4) each case of `bench/cases.py` at concurrency 1 and 16 on each
server, in several rounds (BENCH_ROUNDS) that each run every server in turn; (5) a table of
p50 (the median of the rounds' p50s, with their min–max), p95, max and requests/s with the
ratios ours/floor and ours/Datasette (the median of the rounds' ratios, with their min–max,
⚠ where they differ by more than 20%), and the worker's RSS growth during the full CSV
export; (6) the publishing and unpublishing of Texas SB 4 (`bench/publish.py`). Exits
non-zero on any error response.

Environment (all optional):
  BENCH_DB        database name (default policyhub_bench)
  BENCH_PG        server URL without a database (default postgres://postgres@127.0.0.1:5432)
  BENCH_SCALE     fraction of the national dataset and of the request counts (default 1)
  BENCH_FRESH     1: drop and regenerate the database and the SQLite export
  BENCH_ONLY      run only the cases whose name contains this text (or one of several
                  separated by |: "profile API|compare API")
  BENCH_WORK      scratch folder (default /tmp/policyhub-bench)
  BENCH_PORT      first of three loopback ports (default 8601)
  BENCH_JSON      where to write the results as JSON (default $BENCH_WORK/results.json)
  BENCH_ROUNDS    rounds of each case (default 5): each p50 and ratio is the median over
                  rounds, shown with the rounds' min and max; ratios whose rounds differ by
                  more than 20% are flagged
"""

import contextlib
import json
import os
import platform
import re
import signal
import statistics
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
        self.rounds = max(1, int(env("BENCH_ROUNDS", "5")))


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


def _answers(port: int) -> bool:
    """Whether something accepts connections on this loopback port."""
    import socket

    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


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
        # A server left running on one of these ports would answer in place of the one
        # started here, and the cases would measure it without a word.
        taken = [port for port in ports.values() if _answers(port)]
        if taken:
            raise RuntimeError(
                f"something already listens on port(s) {taken}: stop it, or set BENCH_PORT"
            )
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
        results.append(run_case(config, servers, case, cookie))
    return results


def run_case(config: Config, servers: Servers, case, cookie: str) -> dict:
    """The case on each server, `config.rounds` times: each round runs every server in turn
    at each concurrency, so that the ratio of one round compares servers under the same
    load on the machine. A round makes its share of the case's request count."""
    targets = {"ours": case.ours}
    if case.floor:
        targets["floor"] = floor_path(case, DEFAULT_PARAMS)
    if case.datasette:
        targets["datasette"] = case.datasette
    row = {"case": case.name, "kind": case.kind, "paths": targets, "runs": {}}
    rounds: dict[str, dict[str, list[dict]]] = {t: {} for t in targets}
    samplers = {}
    for target, path in targets.items():
        if "memory" in case.tags and target == "ours":
            samplers[target] = RSSSampler(servers.workers())
        load.run(url(config, target), path, 2, 1, headers_for(case, target, cookie))  # warm-up
    for number in range(config.rounds):
        for concurrency, count in zip((1, 16), case.counts, strict=True):
            if not count:
                continue
            share = max(1, -(-count // config.rounds))
            for target, path in targets.items():
                headers = headers_for(case, target, cookie)
                run = load.run(url(config, target), path, share, concurrency, headers)
                rounds[target].setdefault(f"c{concurrency}", []).append(run.summary())
                if run.errors:
                    say(
                        f"    {target} c{concurrency} round {number + 1}: {run.errors} errors, "
                        f"first: {run.first_error}"
                    )
    for target in targets:
        runs = {level: combined(summaries) for level, summaries in rounds[target].items()}
        sampler = samplers.get(target)
        if sampler and "c1" in runs:
            runs["c1"].update(sampler.stop())
        row["runs"][target] = runs
        for level, summary in runs.items():
            extra = ""
            if "rss_growth_mb" in summary:
                extra = f", RSS +{summary['rss_growth_mb']:.0f} MB"
            say(
                f"    {target:9} {level:<3} n={summary['requests']:<4} "
                f"p50 {summary['p50_ms']:8.1f} ms ({summary['round_min_ms']:.1f}–"
                f"{summary['round_max_ms']:.1f} over {summary['rounds']} rounds)  "
                f"p95 {summary['p95_ms']:8.1f} ms  {summary['rps']:7.1f} req/s  "
                f"errors {summary['errors']}{extra}"
            )
    return row


def url(config: Config, target: str) -> str:
    return f"http://127.0.0.1:{config.ports[target]}"


def headers_for(case, target: str, cookie: str) -> dict:
    return {"Cookie": cookie} if case.kind == "admin" and target == "ours" else {}


def combined(summaries: list[dict]) -> dict:
    """Rounds of one server at one concurrency: the median of the rounds' p50s as the p50,
    with their min and max (the spread), and the other figures over all requests."""
    p50s = [s["p50_ms"] for s in summaries]
    requests = sum(s["requests"] for s in summaries)
    elapsed = sum(s["requests"] / s["rps"] for s in summaries if s["rps"])
    return {
        "requests": requests,
        "errors": sum(s["errors"] for s in summaries),
        "p50_ms": statistics.median(p50s),
        "round_p50_ms": p50s,
        "round_min_ms": min(p50s),
        "round_max_ms": max(p50s),
        "rounds": len(summaries),
        "p95_ms": statistics.median(s["p95_ms"] for s in summaries),
        "max_ms": max(s["max_ms"] for s in summaries),
        "rps": requests / elapsed if elapsed else float("nan"),
        "bytes_per_response": max(s["bytes_per_response"] for s in summaries),
        "first_error": next((s["first_error"] for s in summaries if s["first_error"]), ""),
    }


# Rounds whose ratios differ by more than this (max - min over the median) are flagged.
UNSTABLE = 0.20


def ratio(row, other, level) -> float | None:
    return ratio_spread(row, other, level)[0]


def ratio_spread(row, other, level) -> tuple[float | None, float | None, float | None]:
    """The median over rounds of ours/other (each round's p50 against the same round's),
    with the min and max; a single figure when the runs carry no rounds."""
    ours = row["runs"].get("ours", {}).get(level)
    theirs = row["runs"].get(other, {}).get(level)
    if not ours or not theirs or not theirs["p50_ms"]:
        return None, None, None
    pairs = zip(
        ours.get("round_p50_ms", [ours["p50_ms"]]),
        theirs.get("round_p50_ms", [theirs["p50_ms"]]),
        strict=False,
    )
    ratios = [a / b for a, b in pairs if b]
    if not ratios:
        return None, None, None
    return statistics.median(ratios), min(ratios), max(ratios)


def unstable(spread) -> bool:
    middle, low, high = spread
    return middle is not None and middle > 0 and (high - low) / middle > UNSTABLE


def fmt(value, spec=".1f", none="—"):
    return none if value is None else format(value, spec)


def fmt_ratio(spread) -> str:
    middle, low, high = spread
    if middle is None:
        return "—"
    text = fmt(middle, ".2f")
    if low != high:
        text += f" ({low:.2f}–{high:.2f})"
    return text + (" ⚠" if unstable(spread) else "")


def fmt_p50(run) -> str:
    text = fmt(run["p50_ms"])
    if run.get("rounds", 1) > 1:
        text += f" ({run['round_min_ms']:.1f}–{run['round_max_ms']:.1f})"
    return text


def table(results) -> str:
    """A Markdown table: one line per case and server, ratios on PolicyHub's line. A p50 is
    the median of the rounds' p50s, with their min–max; a ratio is the median of the rounds'
    ratios, with their min–max, flagged ⚠ when they differ by more than 20%."""
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
                    cells += [fmt_p50(run), fmt(run["p95_ms"]), fmt(run["max_ms"]), fmt(run["rps"])]
                else:
                    cells += ["—"] * 4
            if target == "ours":
                for other in ("floor", "datasette"):
                    pair = [ratio_spread(row, other, level) for level in ("c1", "c16")]
                    cells.append(
                        "—"
                        if all(p[0] is None for p in pair)
                        else " · ".join(fmt_ratio(p) for p in pair)
                    )
            else:
                cells += ["", ""]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def unstable_ratios(results) -> list[str]:
    """The ratios whose rounds disagree by more than 20%, named."""
    named = []
    for row in results:
        for other in ("floor", "datasette"):
            for level in ("c1", "c16"):
                spread = ratio_spread(row, other, level)
                if unstable(spread):
                    named.append(
                        f"{row['case']}: ours/{other} {level} {spread[0]:.2f} "
                        f"(rounds {spread[1]:.2f}–{spread[2]:.2f})"
                    )
    return named


def publish_law(config: Config) -> dict:
    """bench/publish.py on the benchmark's database (in a transaction it rolls back)."""
    target = config.work / "publish.json"
    started = time.perf_counter()
    done = subprocess.run(
        [PYTHON, "bench/publish.py", f"--rounds={config.rounds}", f"--json={target}"],
        cwd=ROOT,
        env=app_env(config),
        check=False,
        capture_output=True,
        text=True,
    )
    say(f"  bench/publish.py: {time.perf_counter() - started:.1f} s")
    if done.returncode != 0 or not target.exists():
        say(done.stdout + done.stderr)
        raise RuntimeError("bench/publish.py failed")
    return {**json.loads(target.read_text()), "text": done.stdout}


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
    wanted = [part.strip().lower() for part in config.only.split("|")]
    selected = [c for c in cases(scale=config.scale) if any(w in c.name.lower() for w in wanted)]
    servers = Servers(config, sqlite_path)
    say("Starting gunicorn (PolicyHub, floor) and Datasette on loopback…")
    try:
        servers.start()
        results = run_cases(config, servers, selected)
    finally:
        servers.stop()
    publishing = None
    if config.only.lower() in "publish texas sb 4":
        say("Publishing and unpublishing a state law (bench/publish.py)…")
        publishing = publish_law(config)
    report = {
        "machine": machine(),
        "dataset": summary,
        "scale": config.scale,
        "rounds": config.rounds,
        "when": time.strftime("%Y-%m-%d %H:%M"),
        "results": results,
        "publishing": publishing,
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
    shaky = unstable_ratios(results)
    if shaky:
        say(f"\nRatios whose {config.rounds} rounds differ by more than 20% (⚠):")
        for line in shaky:
            say(f"  {line}")
    if publishing:
        say()
        say(publishing["text"].rstrip())
    say(f"\nResults as JSON: {config.json}")
    failures = errors_in(results)
    if failures:
        say(f"FAILED: {failures} error responses")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
