"""A smoke run of the national benchmark's harness (bench/), on the seed data, so it cannot
rot: every case answers through Django's test client, the floor's SQL runs on PostgreSQL,
the SQLite export loads into Datasette and Datasette answers every case it expresses, and
the report renders. Timings are not checked: `make bench` measures, this only runs."""

import asyncio
import json

import pytest
from django.db import connection

from bench import floor, load
from bench.cases import DEFAULT_PARAMS, cases
from bench.national import combined, table, unstable_ratios

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

CASES = cases(scale=0.01)
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the floor and the SQLite export read PostgreSQL (run with DATABASE_URL=postgres://…)",
)


def body_of(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_case_answers(client, alice, case):
    if case.kind == "admin":
        client.force_login(alice)
    response = client.get(case.ours)
    assert response.status_code == 200, body_of(response)[:500]
    assert body_of(response)


def raw_connection():
    connection.ensure_connection()
    return connection.connection


@postgres_only
@pytest.mark.parametrize("name", sorted(floor.FLOORS))
def test_floor_queries_run(name):
    content_type, body = floor.FLOORS[name](raw_connection(), dict(DEFAULT_PARAMS))
    if not isinstance(body, bytes):
        body = b"".join(body)
    assert body
    if content_type == floor.JSON:
        json.loads(body)


@postgres_only
def test_datasette_answers_every_case_it_expresses(tmp_path):
    datasette_app = pytest.importorskip(
        "datasette.app", reason="datasette is not installed (uv sync installs the dev group)"
    )
    from bench.cases import DB
    from bench.export_sqlite import export

    target = tmp_path / f"{DB}.db"
    counts = export(raw_connection(), target, out=open("/dev/null", "w"))  # noqa: SIM115
    assert counts["positions"] > 0 and counts["provisions"] > 0
    ds = datasette_app.Datasette([str(target)], settings={"max_returned_rows": 5000})

    async def fetch_all():
        statuses = {}
        for case in CASES:
            if case.datasette:
                response = await ds.client.get(case.datasette)
                statuses[case.name] = response.status_code
        return statuses

    statuses = asyncio.run(fetch_all())
    assert statuses and all(status == 200 for status in statuses.values()), statuses


def test_load_driver_refuses_anything_but_loopback():
    with pytest.raises(ValueError, match="loopback"):
        load.run("http://example.org", "/", 1, 1)


def test_report_renders_ratios():
    run = {"p50_ms": 10.0, "p95_ms": 12.0, "max_ms": 15.0, "rps": 90.0, "errors": 0}
    slow = {**run, "p50_ms": 20.0}
    results = [
        {
            "case": "a case",
            "runs": {"ours": {"c1": run, "c16": run}, "floor": {"c1": slow}, "datasette": {}},
        }
    ]
    text = table(results)
    assert "| a case | ours |" in text
    assert "0.50 · —" in text


def test_report_gives_the_spread_of_rounds_and_flags_ratios_that_disagree():
    def rounds(*p50s):
        return combined(
            [
                {
                    "requests": 10,
                    "errors": 0,
                    "p50_ms": p50,
                    "p95_ms": p50 * 2,
                    "max_ms": p50 * 3,
                    "rps": 100.0,
                    "bytes_per_response": 100,
                    "first_error": "",
                }
                for p50 in p50s
            ]
        )

    results = [
        {
            "case": "steady",
            "runs": {"ours": {"c1": rounds(10, 11, 12)}, "floor": {"c1": rounds(10, 11, 12)}},
        },
        {
            "case": "shaky",
            "runs": {"ours": {"c1": rounds(10, 20, 10)}, "floor": {"c1": rounds(10, 10, 10)}},
        },
    ]
    assert results[0]["runs"]["ours"]["c1"]["p50_ms"] == 11
    assert results[0]["runs"]["ours"]["c1"]["requests"] == 30
    text = table(results)
    assert "| steady | ours | 11.0 (10.0–12.0) |" in text
    assert "1.00 · —" in text
    assert "1.00 (1.00–2.00) ⚠" in text
    assert [line.split(":")[0] for line in unstable_ratios(results)] == ["shaky"]


def test_the_servers_do_not_start_on_a_port_something_else_answers_on():
    """A server left from an earlier run would answer in place of the one started, and be
    measured without a word."""
    import socket

    from bench.national import Servers

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        servers = Servers.__new__(Servers)
        servers.config = type("Config", (), {"ports": {"ours": port}})()
        with pytest.raises(RuntimeError, match=f"already listens on port.*{port}"):
            servers.start()
