"""schemathesis against the live schema: PolicyHub under gunicorn (as bench/load_mix.py
starts it, loopback only), every API operation fed generated requests, checked for server
errors. Not part of the test run (it takes minutes); prints schemathesis's summary.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/policyhub \\
        uv run --locked python bench/schemathesis_live.py --max-examples 300
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_mix import free_port, start_server  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=300, help="per operation")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2, help="schemathesis's concurrency")
    args = parser.parse_args()
    port = free_port()
    server = start_server(port)
    try:
        command = [
            str(Path(sys.executable).with_name("schemathesis")),
            "run",
            f"http://127.0.0.1:{port}/api/v1/schema/?format=json",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            str(args.max_examples),
            "--seed",
            str(args.seed),
            "--workers",
            str(args.workers),
            # Every operation explores its full budget even after a failure, so a run's
            # summary counts every case.
            "--continue-on-failure",
            # The bulk export (the whole dataset) can take more than schemathesis's 10 s
            # on a busy 2-core machine: a slow answer, not a server error.
            "--request-timeout",
            "120",
        ]
        result = subprocess.run(command, env=os.environ)
    finally:
        server.terminate()
        server.wait(timeout=30)
    raise SystemExit(result.returncode)


if __name__ == "__main__":
    main()
