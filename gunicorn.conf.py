"""gunicorn's settings for PolicyHub, read from the working directory by every start-up (the
image, docker compose, `make serve`), so production runs the set-up the benchmark measures:
a few processes of threads, each keeping client connections open between requests.
Sync workers close every connection and hold a process per request: at concurrency 50 they
served 17 requests a second where threads serve several times that (README, "Production").
"""

import gc
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
# Three threads a process: on 2 cores the load mix at concurrency 50 served 97-102 requests
# a second with p95 0.76-0.86 s, against 85 and 1.23-1.29 s with eight, whose threads spent
# their time waiting for each other's turn at the interpreter (docs/load_mix.md).
threads = int(os.environ.get("GUNICORN_THREADS", "3"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))  # seconds an idle connection stays
timeout = 120  # a national CSV streams for a few seconds; a stuck worker is restarted
graceful_timeout = 30
accesslog = "-"


def post_worker_init(worker):
    """Once a worker has loaded the application, what it loaded (some 120,000 objects:
    modules, URL patterns, settings, the codebook) lives as long as the process, yet every
    full run of Python's cycle collector scanned it again: about 50 ms, once every few
    thousand requests, which averaged 16 µs a small API answer (docs/benchmarks.md).
    `gc.freeze` moves it out of the collector's sight; the collector's thresholds stay
    Python's (raising them made each collection slower by as much as it made them rarer)."""
    gc.freeze()
