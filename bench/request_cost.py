"""What one request costs inside the server: each path of the load mix sent through the WSGI
application in this process, one at a time, with the production settings (DEBUG off, the
database DATABASE_URL names). Prints, per path, the CPU milliseconds this process spent
(less sensitive to a busy machine than wall time), wall milliseconds and database queries.
`--profile PATH` prints pyinstrument's call tree for that path instead.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/policyhub \\
        uv run --locked python bench/request_cost.py --repeat 30
    ... bench/request_cost.py --profile /api/v1/dimensions/ --repeat 200
"""

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load_mix import API, CSV_PATH, PAGES  # noqa: E402


def environ_for(path: str, gzip: bool = False) -> dict:
    """What gunicorn hands the application for a GET from bench/load_mix.py (no
    Accept-Encoding), or from a browser (gzip)."""
    path_info, _, query = path.partition("?")
    return {
        **({"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"} if gzip else {}),
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def time_middleware() -> dict:
    """Wraps each middleware as Django loads it so that the CPU it spends itself (its time
    minus the time of the layers inside it) is added up by name."""
    from django.core.handlers import base

    spent = {}
    load = base.import_string

    class Timed:
        def __init__(self, name, factory, get_response):
            self.name, self.inner = name, 0.0

            def deeper(request):
                began = time.process_time()
                try:
                    return get_response(request)
                finally:
                    self.inner += time.process_time() - began

            self.middleware = factory(deeper)

        def __call__(self, request):
            self.inner, began = 0.0, time.process_time()
            response = self.middleware(request)
            spent[self.name] = spent.get(self.name, 0.0) + (
                time.process_time() - began - self.inner
            )
            return response

        def __getattr__(self, name):  # process_view and the other hooks stay visible
            return getattr(self.middleware, name)

    def import_string(dotted):
        factory = load(dotted)
        if "Middleware" not in dotted and not dotted.startswith("core."):
            return factory
        return lambda get_response: Timed(dotted.rsplit(".", 1)[1], factory, get_response)

    base.import_string = import_string
    return spent


def print_middleware(paths, send, spent, repeat):
    from django.conf import settings

    names = [dotted.rsplit(".", 1)[1] for dotted in settings.MIDDLEWARE]
    table = {}
    for path in paths:
        for _ in range(2):
            send(path)
        spent.clear()
        for _ in range(repeat):
            send(path)
        table[path] = {name: spent.get(name, 0.0) / repeat * 1e6 for name in names}
    print(f"microseconds of CPU per request ({repeat} each); columns: {len(paths)} paths")
    for n, path in enumerate(paths):
        print(f"  [{n}] {path}")
    print(f"{'middleware':36}" + "".join(f"{f'[{n}]':>8}" for n in range(len(paths))))
    for name in names:
        print(f"{name:36}" + "".join(f"{table[path][name]:8.0f}" for path in paths))
    print(f"{'all':36}" + "".join(f"{sum(table[path].values()):8.0f}" for path in paths))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="requests per path")
    parser.add_argument("--profile", metavar="PATH", help="profile this path instead")
    parser.add_argument("--path", action="append", help="only these paths")
    parser.add_argument("--gzip", action="store_true", help="ask for gzip, as browsers do")
    parser.add_argument(
        "--middleware", action="store_true", help="CPU each middleware adds, per path"
    )
    args = parser.parse_args()

    os.environ.update(
        DEBUG="0",
        SECRET_KEY=os.environ.get("SECRET_KEY") or "request-cost-only",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_COOKIES="0",
        API_ANON_RATE="10000000/minute",
        LOG_LEVEL="WARNING",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "policyhub.settings")
    from django.core.wsgi import get_wsgi_application
    from django.db import connection

    spent = time_middleware() if args.middleware else None
    application = get_wsgi_application()
    queries = [0]

    def count(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    def send(path: str) -> int:
        status = []
        body = application(environ_for(path, args.gzip), lambda s, h, e=None: status.append(s))
        for _ in body:  # a streamed CSV is produced while it is read
            pass
        if hasattr(body, "close"):
            body.close()
        return int(status[0][:3])

    if args.profile:
        from pyinstrument import Profiler

        for _ in range(3):
            send(args.profile)
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(args.repeat):
            send(args.profile)
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
        return

    paths = args.path or [*PAGES, *API, CSV_PATH]
    if spent is not None:
        print_middleware(paths, send, spent, args.repeat)
        return
    print(f"{'cpu ms':>7} {'wall ms':>8} {'queries':>7}  path ({args.repeat} each)")
    total_cpu = total_wall = 0.0
    for path in paths:
        for _ in range(2):  # warm: per-process caches, the parameter table
            assert send(path) == 200, path
        cpu, wall = [], []
        with connection.execute_wrapper(count):
            queries[0] = 0
            for _ in range(args.repeat):
                c, w = time.process_time(), time.perf_counter()
                send(path)
                cpu.append(time.process_time() - c)
                wall.append(time.perf_counter() - w)
        per = queries[0] / args.repeat
        total_cpu += statistics.mean(cpu)
        total_wall += statistics.mean(wall)
        print(
            f"{statistics.median(cpu) * 1000:7.1f} {statistics.median(wall) * 1000:8.1f} "
            f"{per:7.1f}  {path}"
        )
    print(
        f"mean over paths: {total_cpu / len(paths) * 1000:.1f} ms CPU, "
        f"{total_wall / len(paths) * 1000:.1f} ms wall"
    )


if __name__ == "__main__":
    main()
