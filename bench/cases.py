"""The national benchmark's cases: what each asks of PolicyHub, of the floor, of Datasette.

A case names three requests for the same result:

- `ours`: a path on PolicyHub (gunicorn, production settings);
- `floor`: the name of a function in `bench.floor`, one hand-written SQL query through
  psycopg encoded with orjson (or the csv module), served by the same gunicorn set-up;
- `datasette`: a path on Datasette serving the same tables exported to SQLite, or None
  where Datasette cannot express the case.

Paths are templates filled from `params()` (a date, a dimension, a county and so on) so
that the same definitions run at national scale and on the seed data in the smoke test.
"""

from dataclasses import dataclass, field

DB = "national"  # the name Datasette gives the exported SQLite file (national.db)


@dataclass(frozen=True)
class Case:
    name: str
    ours: str
    floor: str | None = None
    datasette: str | None = None
    kind: str = "api"  # api | page | csv | admin
    counts: tuple[int, int] = (60, 160)  # requests at concurrency 1 and 16 (0: skipped)
    note: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)

    def fill(self, values: dict) -> "Case":
        return Case(
            self.name,
            self.ours.format(**values),
            self.floor,
            self.datasette.format(db=DB, **values) if self.datasette else None,
            self.kind,
            self.counts,
            self.note,
            self.tags,
        )


DEFAULT_PARAMS = {
    "as_of": "2019-06-01",
    "dimension": "detainer-holds",
    "state": "TX",
    "level": "place",
    "county": "17031",  # Cook County, IL: real, coded by the seed
    "county_slug": "il-cook-county",
    "six": "06,48,17,17031,06075,48201",
    "six_j": "j=06&j=48&j=17&j=17031&j=06075&j=48201",
    "q": "sheriff",
}

ON = "valid_from__lte={as_of}&valid_to__gt={as_of}"

CASES = [
    Case(
        "jurisdictions list API (TX places)",
        "/api/v1/jurisdictions/?state={state}&level={level}",
        "jurisdictions_list",
        "/{db}/jurisdictions.json?state_usps={state}&level={level}&_sort=fips&_size=100"
        "&_shape=objects",
    ),
    Case(
        "jurisdictions list page (TX places, facets)",
        "/jurisdictions/?state={state}&level={level}",
        None,
        "/{db}/jurisdictions?state_usps={state}&level={level}&_sort=fips&_size=50"
        "&_facet=level&_facet=state_usps",
        kind="page",
    ),
    Case(
        "jurisdiction API (Cook County)",
        "/api/v1/jurisdictions/{county}/",
        "jurisdiction",
        "/{db}/jurisdictions.json?fips={county}&_shape=objects",
    ),
    Case(
        "profile API (Cook County, 14 dimensions)",
        "/api/v1/compare/?jurisdictions={county}&as_of={as_of}",
        "profile",
        "/{db}/positions.json?jurisdiction_fips={county}&" + ON + "&_shape=objects",
    ),
    Case(
        "profile page (Cook County)",
        "/jurisdictions/{county_slug}/?as_of={as_of}",
        None,
        "/{db}/positions?jurisdiction_fips={county}&" + ON,
        kind="page",
    ),
    Case(
        "positions API, 1,000 counties (JSON)",
        "/api/v1/positions/?dimension={dimension}&as_of={as_of}&level=county&page_size=1000",
        "positions_page",
        "/{db}/positions.json?dimension={dimension}&jurisdiction_level=county&"
        + ON
        + "&_sort=jurisdiction_fips&_size=1000&_shape=objects",
        counts=(30, 64),
    ),
    Case(
        "positions API, all counties (CSV)",
        "/api/v1/positions/?dimension={dimension}&as_of={as_of}&level=county&format=csv",
        "positions_csv",
        "/{db}/positions.csv?dimension={dimension}&jurisdiction_level=county&"
        + ON
        + "&_sort=jurisdiction_fips&_stream=1",
        kind="csv",
        counts=(15, 32),
    ),
    Case(
        "map API, all counties",
        "/api/v1/map/?dimension={dimension}&as_of={as_of}&level=county",
        "map_values",
        "/{db}/positions.json?dimension={dimension}&jurisdiction_level=county&"
        + ON
        + "&_col=jurisdiction_fips&_col=value&_size=max&_shape=objects",
        counts=(40, 96),
    ),
    Case(
        "county map page (SVG)",
        "/map/?dimension={dimension}&level=county&as_of={as_of}",
        None,
        None,
        kind="page",
        counts=(40, 96),
    ),
    Case(
        "compare API, 6 jurisdictions",
        "/api/v1/compare/?jurisdictions={six}&as_of={as_of}",
        "compare",
        "/{db}/positions.json?jurisdiction_fips__in={six}&" + ON + "&_size=max&_shape=objects",
    ),
    Case(
        "compare page, 6 jurisdictions",
        "/compare/?{six_j}&as_of={as_of}",
        None,
        "/{db}/positions?jurisdiction_fips__in={six}&" + ON,
        kind="page",
    ),
    Case(
        "instrument search API (q=sheriff)",
        "/api/v1/instruments/?q={q}",
        "search",
        "/{db}/instruments.json?_search={q}&_sort=id&_size=100&_shape=objects",
    ),
    Case(
        "CSV export, every published provision",
        "/api/v1/bulk/?table=provisions",
        "provisions_csv",
        "/{db}/provisions.csv?_stream=1&_sort=provision_id",
        kind="csv",
        counts=(3, 0),
        tags=("memory",),
    ),
    Case(
        "admin instrument list (curator)",
        "/admin/policies/instrument/",
        None,
        None,
        kind="admin",
        counts=(30, 64),
    ),
]


def cases(values: dict | None = None, scale: float = 1.0) -> list[Case]:
    """The cases with their paths filled in; request counts shrink with `scale`."""
    filled = []
    for case in CASES:
        case = case.fill({**DEFAULT_PARAMS, **(values or {})})
        if scale < 1:
            c1, c16 = case.counts
            case = Case(
                case.name,
                case.ours,
                case.floor,
                case.datasette,
                case.kind,
                (max(1, round(c1 * scale)), max(1, round(c16 * scale)) if c16 else 0),
                case.note,
                case.tags,
            )
        filled.append(case)
    return filled
