"""The floor: each case's result from one hand-written SQL query through psycopg, encoded
with orjson (JSON) or the csv module (CSV), served as a bare WSGI app.

    gunicorn --chdir bench floor:app        # FLOOR_DSN=postgres://... selects the database

It is what the same answer costs with no framework at all: no ORM, no serializers, no
middleware. Each function takes a psycopg connection and the case parameters and returns
(content type, body), the body as bytes or an iterator of bytes (streamed CSV). The JSON
has the same rows, fields and nesting as PolicyHub's answer, minus the pagination links.
"""

import csv
import io
import os
import threading
from collections.abc import Iterator
from urllib.parse import parse_qsl

import orjson

JSON = "application/json"
CSV = "text/csv; charset=utf-8"
CHUNK = 5000

ON = (
    "(p.valid_from IS NULL OR p.valid_from <= %(as_of)s) "
    "AND (p.valid_to IS NULL OR p.valid_to > %(as_of)s)"
)

# The position of one jurisdiction on one dimension with its provenance: the value, the
# provision and instrument that decide it, and their sources (provision's then
# instrument's, without repeats). Expects `j` (jurisdictions) and `d` (dimensions).
POSITION_COLUMNS = """
    d.slug AS dimension, v.slug AS value, v.label AS value_label, v.rank AS rank,
    coalesce(p.provenance, 'unknown') AS provenance, coalesce(p.approximate, false) AS approximate,
    p.valid_from, p.valid_to,
    i.id AS instrument_id, i.title AS instrument_title, i.kind AS instrument_kind,
    i.citation AS instrument_citation, i.binding AS instrument_binding,
    ij.slug AS instrument_jurisdiction,
    pr.id AS provision_id, pr.pinpoint, pr.exceptions,
    (SELECT json_agg(json_build_object('title', s.title, 'url', s.url) ORDER BY s.o, s.cid)
       FROM (SELECT DISTINCT ON (src.id) src.title, src.url, src.id,
                    CASE WHEN c.provision_id = pr.id THEN 0 ELSE 1 END AS o, c.id AS cid
               FROM policies_citation c JOIN policies_source src ON src.id = c.source_id
              WHERE c.provision_id = pr.id OR c.instrument_id = i.id
              ORDER BY src.id, o, c.id) s) AS sources,
    (SELECT json_agg((SELECT json_build_object('provision', o.id, 'instrument', oi.title,
                                               'jurisdiction', oj.slug, 'value', ov.slug)
                        FROM policies_provision o
                        JOIN policies_instrument oi ON oi.id = o.instrument_id
                        JOIN jurisdictions_jurisdiction oj ON oj.id = oi.jurisdiction_id
                        JOIN policies_dimensionvalue ov ON ov.id = o.value_id
                       WHERE o.id = e.id::bigint) ORDER BY e.n)
       FROM jsonb_array_elements_text(p.overridden) WITH ORDINALITY e(id, n)) AS overridden,
    (SELECT json_agg((SELECT json_build_object('provision', o.id, 'instrument', oi.title,
                                               'value', ov.slug)
                        FROM policies_provision o
                        JOIN policies_instrument oi ON oi.id = o.instrument_id
                        JOIN policies_dimensionvalue ov ON ov.id = o.value_id
                       WHERE o.id = e.id::bigint) ORDER BY e.n)
       FROM jsonb_array_elements_text(p.noted) WITH ORDINALITY e(id, n)) AS mandates_noted
"""
POSITION_JOINS = f"""
    LEFT JOIN policies_position p
      ON p.jurisdiction_id = j.id AND p.dimension_id = d.id AND {ON}
    LEFT JOIN policies_dimensionvalue v ON v.id = p.value_id
    LEFT JOIN policies_provision pr ON pr.id = p.provision_id
    LEFT JOIN policies_instrument i ON i.id = pr.instrument_id
    LEFT JOIN jurisdictions_jurisdiction ij ON ij.id = i.jurisdiction_id
"""


def _position(row: dict, base: str) -> dict:
    decided_by = None
    if row["provision_id"] is not None:
        decided_by = {
            "instrument": {
                "id": row["instrument_id"],
                "title": row["instrument_title"],
                "kind": row["instrument_kind"],
                "citation": row["instrument_citation"],
                "binding": row["instrument_binding"],
                "jurisdiction": row["instrument_jurisdiction"],
                "url": f"{base}/api/v1/instruments/{row['instrument_id']}/",
            },
            "provision": {
                "id": row["provision_id"],
                "pinpoint": row["pinpoint"],
                "exceptions": row["exceptions"],
            },
            "sources": row["sources"] or [],
        }
    return {
        "dimension": row["dimension"],
        "value": row["value"],
        "value_label": row["value_label"] or "Unknown",
        "rank": row["rank"],
        "provenance": row["provenance"],
        "approximate": row["approximate"],
        "valid_from": row["valid_from"],
        "valid_to": row["valid_to"],
        "decided_by": decided_by,
        "overridden": row["overridden"] or [],
        "mandates_noted": row["mandates_noted"] or [],
    }


def _jurisdiction(row: dict) -> dict:
    return {k: row[k] for k in ("slug", "name", "level", "fips", "ocd_id")}


def _rows(conn, sql: str, params: dict) -> list[dict]:
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _base(params) -> str:
    return params.get("base", "http://127.0.0.1")


# --- the cases --------------------------------------------------------------------------


def jurisdictions_list(conn, params):
    rows = _rows(
        conn,
        """
        SELECT count(*) OVER () AS total, j.slug, j.name, j.level, j.fips, j.ocd_id, j.usps,
               pa.slug AS parent, pa.fips AS parent_fips, st.usps AS state, j.updated_at
          FROM jurisdictions_jurisdiction j
          JOIN jurisdictions_jurisdiction st ON st.id = j.state_id
          LEFT JOIN jurisdictions_jurisdiction pa ON pa.id = j.parent_id
         WHERE st.usps = %(state)s AND j.level = %(level)s
         ORDER BY j.fips, j.id LIMIT 100
        """,
        params,
    )
    base = _base(params)
    count = rows[0]["total"] if rows else 0
    results = []
    for row in rows:
        row.pop("total")
        code = row["fips"] or row["slug"]
        row["url"] = f"{base}/api/v1/jurisdictions/{code}/"
        row["site_url"] = f"{base}/jurisdictions/{row['slug']}/"
        results.append(row)
    body = {"count": count, "page": 1, "page_size": 100, "next": None, "previous": None}
    return JSON, orjson.dumps({**body, "results": results})


def jurisdiction(conn, params):
    rows = _rows(
        conn,
        """
        SELECT j.slug, j.name, j.level, j.fips, j.ocd_id, j.usps, pa.slug AS parent,
               pa.fips AS parent_fips, st.usps AS state, j.updated_at
          FROM jurisdictions_jurisdiction j
          LEFT JOIN jurisdictions_jurisdiction st ON st.id = j.state_id
          LEFT JOIN jurisdictions_jurisdiction pa ON pa.id = j.parent_id
         WHERE j.fips = %(county)s
        """,
        params,
    )
    return JSON, orjson.dumps(rows[0])


def _profiles(conn, params, codes: list[str]) -> bytes:
    rows = _rows(
        conn,
        f"""
        SELECT j.id AS jid, j.slug, j.name, j.level, j.fips, j.ocd_id, {POSITION_COLUMNS},
               d.name AS dimension_name
          FROM jurisdictions_jurisdiction j
          CROSS JOIN policies_dimension d
          {POSITION_JOINS}
         WHERE j.fips = ANY(%(codes)s)
         ORDER BY d.position, array_position(%(codes)s, j.fips::text)
        """,
        {**params, "codes": codes},
    )
    base = _base(params)
    jurisdictions, dimensions = {}, {}
    for row in rows:
        jurisdictions.setdefault(row["slug"], _jurisdiction(row))
        dimension = dimensions.setdefault(
            row["dimension"], {"slug": row["dimension"], "name": row["dimension_name"]}
        )
        dimension.setdefault("cells", {})[row["slug"]] = _position(row, base)
    return orjson.dumps(
        {
            "as_of": params["as_of"],
            "jurisdictions": list(jurisdictions.values()),
            "dimensions": list(dimensions.values()),
        }
    )


def profile(conn, params):
    return JSON, _profiles(conn, params, [params["county"]])


def compare(conn, params):
    return JSON, _profiles(conn, params, params["six"].split(","))


COUNTY_POSITIONS = f"""
    SELECT (SELECT count(*) FROM jurisdictions_jurisdiction WHERE level = 'county') AS total,
           j.slug, j.name, j.level, j.fips, j.ocd_id, {POSITION_COLUMNS}
      FROM jurisdictions_jurisdiction j
      JOIN policies_dimension d ON d.slug = %(dimension)s
      {POSITION_JOINS}
     WHERE j.level = 'county'
     ORDER BY j.fips, j.id
"""


def positions_page(conn, params):
    rows = _rows(conn, COUNTY_POSITIONS + " LIMIT 1000", params)
    base = _base(params)
    results = [
        {"jurisdiction": _jurisdiction(r), "as_of": params["as_of"], **_position(r, base)}
        for r in rows
    ]
    count = rows[0]["total"] if rows else 0
    body = {"count": count, "page": 1, "page_size": 1000, "next": None, "previous": None}
    return JSON, orjson.dumps({**body, "results": results})


def _csv(records: Iterator[dict]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = None
    for n, record in enumerate(records, 1):
        if writer is None:
            writer = csv.DictWriter(buffer, fieldnames=list(record))
            writer.writeheader()
        writer.writerow(record)
        if n % 500 == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def _streamed(conn, sql: str, params: dict) -> Iterator[dict]:
    with conn.transaction(), conn.cursor(name="floor_stream") as cursor:
        cursor.itersize = CHUNK
        cursor.execute(sql, params)
        names = None
        for row in cursor:
            if names is None:
                names = [c.name for c in cursor.description]
            yield dict(zip(names, row, strict=True))


INSTRUMENT_KEYS = ("id", "title", "kind", "citation", "binding", "jurisdiction", "url")
PROVISION_KEYS = ("id", "pinpoint", "exceptions")


def positions_csv(conn, params):
    base = _base(params)

    def records():
        for r in _streamed(conn, COUNTY_POSITIONS, params):
            position = _position(r, base)
            decided = position.pop("decided_by") or {}
            overridden, noted = position.pop("overridden"), position.pop("mandates_noted")
            instrument = decided.get("instrument") or dict.fromkeys(INSTRUMENT_KEYS)
            provision = decided.get("provision") or dict.fromkeys(PROVISION_KEYS)
            yield {
                **{f"jurisdiction.{k}": v for k, v in _jurisdiction(r).items()},
                "as_of": params["as_of"],
                **position,
                **{f"decided_by.instrument.{k}": v for k, v in instrument.items()},
                **{f"decided_by.provision.{k}": v for k, v in provision.items()},
                "decided_by.sources": orjson.dumps(decided.get("sources", [])).decode(),
                "overridden": orjson.dumps(overridden).decode(),
                "mandates_noted": orjson.dumps(noted).decode(),
            }

    return CSV, _csv(records())


def map_values(conn, params):
    rows = _rows(
        conn,
        f"""
        SELECT j.fips, v.slug
          FROM jurisdictions_jurisdiction j
          LEFT JOIN policies_position p
            ON p.jurisdiction_id = j.id AND p.value_id IS NOT NULL
           AND p.dimension_id = (SELECT id FROM policies_dimension WHERE slug = %(dimension)s)
           AND {ON}
          LEFT JOIN policies_dimensionvalue v ON v.id = p.value_id
         WHERE j.level = 'county' AND j.fips IS NOT NULL
        """,
        params,
    )
    legend = _rows(
        conn,
        "SELECT v.slug, v.label, v.rank, v.is_neutral FROM policies_dimensionvalue v "
        "JOIN policies_dimension d ON d.id = v.dimension_id WHERE d.slug = %(dimension)s "
        "ORDER BY v.rank",
        params,
    )
    return JSON, orjson.dumps(
        {
            "dimension": params["dimension"],
            "level": "county",
            "as_of": params["as_of"],
            "legend": legend,
            "values": {r["fips"]: r["slug"] for r in rows},
        }
    )


CITED = """
    (SELECT json_agg(json_build_object('source_id', c.source_id, 'title', s.title,
            'publisher', s.publisher, 'url', s.url, 'archived_url', s.archived_url,
            'pinpoint', c.pinpoint, 'quote', c.quote) ORDER BY c.id)
       FROM policies_citation c JOIN policies_source s ON s.id = c.source_id
      WHERE c.{owner}_id = {alias}.id)
"""


def search(conn, params):
    rows = _rows(
        conn,
        f"""
        SELECT count(*) OVER () AS total, i.id, i.title, i.kind, i.status, i.citation,
               json_build_object('slug', j.slug, 'name', j.name, 'level', j.level,
                                 'fips', j.fips, 'ocd_id', j.ocd_id) AS jurisdiction,
               a.slug AS agency, i.binding, i.enacted_on, i.enacted_precision,
               i.effective_on, i.effective_precision, i.ended_on, i.ended_precision,
               i.supersedes_id AS supersedes, i.summary, i.last_verified_on,
               i.reviewed_at AS published_at, i.updated_at,
               (SELECT json_agg(json_build_object('id', pr.id, 'dimension', d.slug,
                       'value', v.slug, 'value_label', v.label, 'rank', v.rank,
                       'pinpoint', pr.pinpoint, 'exceptions', pr.exceptions,
                       'notes', pr.notes,
                       'citations', coalesce({CITED.format(owner="provision", alias="pr")},
                                             '[]'))
                       ORDER BY d.position)
                  FROM policies_provision pr
                  JOIN policies_dimension d ON d.id = pr.dimension_id
                  JOIN policies_dimensionvalue v ON v.id = pr.value_id
                 WHERE pr.instrument_id = i.id) AS provisions,
               {CITED.format(owner="instrument", alias="i")} AS citations
          FROM policies_instrument i
          JOIN jurisdictions_jurisdiction j ON j.id = i.jurisdiction_id
          LEFT JOIN jurisdictions_agency a ON a.id = i.agency_id
         WHERE i.review_state = 'published'
           AND i.search_document @@ websearch_to_tsquery('english', %(q)s)
         ORDER BY ts_rank(i.search_document, websearch_to_tsquery('english', %(q)s)) DESC, i.id
         LIMIT 100
        """,
        params,
    )
    base = _base(params)
    count = rows[0]["total"] if rows else 0
    for row in rows:
        row.pop("total")
        row["provisions"] = row["provisions"] or []
        row["citations"] = row["citations"] or []
        row["url"] = f"{base}/api/v1/instruments/{row['id']}/"
        row["site_url"] = f"{base}/instruments/{row['id']}/"
    body = {"count": count, "page": 1, "page_size": 100, "next": None, "previous": None}
    return JSON, orjson.dumps({**body, "results": rows})


def provisions_csv(conn, params):
    sql = """
        SELECT pr.id AS provision_id, pr.instrument_id, i.title AS instrument_title,
               i.citation AS instrument_citation, i.kind AS instrument_kind, i.binding,
               j.slug AS jurisdiction_slug, j.fips AS jurisdiction_fips,
               j.level AS jurisdiction_level, d.slug AS dimension, v.slug AS value,
               v.rank, i.effective_on, i.effective_precision, i.ended_on, i.ended_precision,
               pr.pinpoint, pr.exceptions, pr.notes
          FROM policies_provision pr
          JOIN policies_instrument i ON i.id = pr.instrument_id
          JOIN jurisdictions_jurisdiction j ON j.id = i.jurisdiction_id
          JOIN policies_dimension d ON d.id = pr.dimension_id
          JOIN policies_dimensionvalue v ON v.id = pr.value_id
         WHERE i.review_state = 'published'
         ORDER BY pr.id
    """

    def records():
        for r in _streamed(conn, sql, params):
            yield {k: ("" if v is None else v) for k, v in r.items()}

    return CSV, _csv(records())


FLOORS = {
    f.__name__: f
    for f in (
        jurisdictions_list,
        jurisdiction,
        profile,
        compare,
        positions_page,
        positions_csv,
        map_values,
        search,
        provisions_csv,
    )
}


# --- the WSGI app -----------------------------------------------------------------------

_local = threading.local()


def _connection():
    import psycopg

    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        # The same planner setting as PolicyHub's own connections (policyhub/settings.py).
        conn = psycopg.connect(
            os.environ["FLOOR_DSN"], autocommit=True, options="-c random_page_cost=1.1 -c jit=off"
        )
        _local.conn = conn
    return conn


def app(environ, start_response):
    name = environ.get("PATH_INFO", "/").strip("/")
    floor = FLOORS.get(name)
    if floor is None:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"no such floor case"]
    params = dict(parse_qsl(environ.get("QUERY_STRING", "")))
    params.setdefault("base", f"http://{environ.get('HTTP_HOST', '127.0.0.1')}")
    content_type, body = floor(_connection(), params)
    if isinstance(body, bytes):
        headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
        start_response("200 OK", headers)
        return [body]
    start_response("200 OK", [("Content-Type", content_type)])
    return body
