"""Grow a database holding the real seed data into a national-scale one, for benchmarks.

What it adds (defaults in `DEFAULTS`), every row flagged `is_generated=True` and named so
that nobody can mistake it for real data ("Generated place 123", "[generated] Ordinance
2011-7", URLs under https://example.org/generated/):

- places under the real counties, so that with the 3,142 real counties and the real states
  the database holds over 40,000 jurisdictions (the US has about 19,500 incorporated places
  and 16,000 towns and townships; all are places here). Their FIPS-like codes are
  `9` + the state's 2-digit code + a 4-digit serial (e.g. 9480001 in Texas). Real codes
  begin with a state code from 01 to 78 and INCITS 38 assigns no state code from 90 to 99,
  so no generated code can collide with a real place; the cost is at most
  `PLACES_PER_STATE` generated places per state;
- agencies: a sheriff's office for each county that has none, then police departments for
  some generated places;
- instruments with coded provisions: a handful of binding laws per state (statutes,
  Attorney General directives, court decisions; some limit cooperation and some require
  it, leaning the way the state's real laws lean where the seed has any), and local
  ordinances, executive orders, ballot measures, agency policies, 287(g) agreements and
  detention contracts. Dates span decades at day, month or year precision; some
  instruments ended (repealed, terminated, expired, enjoined) and some were amended by a
  later instrument that `supersedes` them. All are published except a few percent drafts;
- sources, each cited, so that every provision and every instrument has a citation.

Jurisdictions the seed already codes (any real instrument) get no generated instruments of
their own, so their real coding is still what they say themselves; generated state laws do
bind the counties and places of uncoded states.

Everything is written with `bulk_create` in batches, which skips signals: no history is
recorded for generated rows (the history of benchmark data is not needed) and the stored
positions are rebuilt once at the end. On PostgreSQL the tables are then ANALYZEd, so that
queries are planned from statistics that know the new rows. The same `seed` gives the same
data. The whole run is one transaction, and it refuses to run on a database that already
holds generated rows.
"""

import datetime as dt
import time
from dataclasses import dataclass, field
from random import Random
from typing import TextIO

from django.db import connection, transaction

from jurisdictions.models import Agency, AgencyKind, Jurisdiction, Level
from policies.dates import Precision, period_end
from policies.models import (
    Citation,
    Dimension,
    DimensionValue,
    Instrument,
    InstrumentKind,
    InstrumentStatus,
    Position,
    Provision,
    ReviewState,
    Source,
    SourceKind,
)
from policies.positions import store as position_store

DEFAULTS = {"places": 37_000, "agencies": 18_000, "provisions": 400_000, "sources": 100_000}
URL_ROOT = "https://example.org/generated"
PLACE_FIPS_PREFIX = "9"
PLACES_PER_STATE = 10_000  # a 4-digit serial after "9" and the state code
EARLIEST_YEAR, LATEST = 1990, dt.date(2025, 12, 31)
REVIEWED_FROM = dt.datetime(2025, 1, 1, 12, tzinfo=dt.UTC)
BATCH = 2000
GENERATED_NOTE = "Generated for benchmarks: not a real instrument."

LIMIT, REQUIRE, NEUTRAL, MIXED = "limit", "require", "neutral", "mixed"

# Which dimensions each kind of instrument speaks to. For agreements and detention
# contracts the first dimension is what they are about and is always coded.
LOCAL_DIMENSIONS = [
    "detainer-holds",
    "release-notification",
    "ice-custody-access",
    "information-sharing",
    "status-inquiry",
    "resource-use",
    "operational-support",
    "courthouse-arrests",
    "ruse-safeguards",
    "agent-identification",
    "reporting-and-remedies",
    "agreement-287g",
    "detention-contracts",
]
AGENCY_DIMENSIONS = [
    "detainer-holds",
    "release-notification",
    "ice-custody-access",
    "information-sharing",
    "status-inquiry",
    "operational-support",
    "ruse-safeguards",
    "agent-identification",
]
DIMENSIONS_BY_KIND = {
    InstrumentKind.ORDINANCE: LOCAL_DIMENSIONS,
    InstrumentKind.EXECUTIVE_ORDER: LOCAL_DIMENSIONS,
    InstrumentKind.BALLOT_MEASURE: LOCAL_DIMENSIONS,
    InstrumentKind.AGENCY_POLICY: AGENCY_DIMENSIONS,
    InstrumentKind.AGREEMENT: [
        "agreement-287g",
        "detainer-holds",
        "ice-custody-access",
        "information-sharing",
        "release-notification",
    ],
    InstrumentKind.DETENTION_CONTRACT: ["detention-contracts", "ice-custody-access"],
    InstrumentKind.COURT_DECISION: ["detainer-holds", "release-notification", "courthouse-arrests"],
}
LEAD_DIMENSION = {
    InstrumentKind.AGREEMENT: "agreement-287g",
    InstrumentKind.DETENTION_CONTRACT: "detention-contracts",
}
STATE_DIMENSIONS = {
    LIMIT: [*LOCAL_DIMENSIONS, "sanctuary-preemption"],
    REQUIRE: [
        "sanctuary-preemption",
        "detainer-holds",
        "agreement-287g",
        "status-inquiry",
        "operational-support",
        "information-sharing",
        "release-notification",
        "ice-custody-access",
        "detention-contracts",
        "reporting-and-remedies",
    ],
}
STATE_DIMENSIONS[NEUTRAL] = STATE_DIMENSIONS[LIMIT]

# Relative weights of the kinds of local instrument; (kind, weight, needs an agency).
COUNTY_KINDS = [
    (InstrumentKind.ORDINANCE, 25, False),
    (InstrumentKind.EXECUTIVE_ORDER, 10, False),
    (InstrumentKind.AGENCY_POLICY, 30, True),
    (InstrumentKind.AGREEMENT, 15, True),
    (InstrumentKind.DETENTION_CONTRACT, 8, True),
    (InstrumentKind.COURT_DECISION, 4, False),
    (InstrumentKind.BALLOT_MEASURE, 3, False),
]
PLACE_KINDS = [
    (InstrumentKind.ORDINANCE, 52, False),
    (InstrumentKind.EXECUTIVE_ORDER, 12, False),
    (InstrumentKind.AGENCY_POLICY, 28, True),
    (InstrumentKind.AGREEMENT, 3, True),
    (InstrumentKind.BALLOT_MEASURE, 5, False),
]
# State laws: (kind, weight, binding).
STATE_KINDS = [
    (InstrumentKind.STATUTE, 75, True),
    (InstrumentKind.AG_DIRECTIVE, 10, True),
    (InstrumentKind.COURT_DECISION, 5, True),
    (InstrumentKind.AG_GUIDANCE, 10, False),
]
STATE_KIND_WEIGHTS = [weight for _, weight, _ in STATE_KINDS]
# How a state's stance shows in its own laws and in its localities' leanings.
LAW_LEAN = {
    LIMIT: ([LIMIT, REQUIRE, NEUTRAL], [85, 10, 5]),
    REQUIRE: ([REQUIRE, LIMIT, NEUTRAL], [85, 10, 5]),
    MIXED: ([LIMIT, REQUIRE, NEUTRAL], [50, 45, 5]),
}
LOCAL_LEAN = {
    LIMIT: ([LIMIT, REQUIRE, MIXED], [60, 15, 25]),
    REQUIRE: ([LIMIT, REQUIRE, MIXED], [10, 60, 30]),
    MIXED: ([LIMIT, REQUIRE, MIXED], [30, 30, 40]),
}
PROVISIONS_PER_INSTRUMENT = [1, 1, 1, 2, 2, 3, 3, 4, 5, 6]
AMENDABLE = {
    InstrumentKind.STATUTE,
    InstrumentKind.ORDINANCE,
    InstrumentKind.EXECUTIVE_ORDER,
    InstrumentKind.AGENCY_POLICY,
}
# (status once ended, chance that it ended) by kind; the rest stay in force.
ENDINGS = {
    InstrumentKind.STATUTE: ([InstrumentStatus.REPEALED, InstrumentStatus.ENJOINED], 0.10),
    InstrumentKind.AG_DIRECTIVE: ([InstrumentStatus.REPEALED], 0.10),
    InstrumentKind.AG_GUIDANCE: ([InstrumentStatus.REPEALED], 0.10),
    InstrumentKind.COURT_DECISION: ([InstrumentStatus.ENJOINED], 0.05),
    InstrumentKind.ORDINANCE: ([InstrumentStatus.REPEALED], 0.10),
    InstrumentKind.EXECUTIVE_ORDER: ([InstrumentStatus.REPEALED, InstrumentStatus.EXPIRED], 0.15),
    InstrumentKind.BALLOT_MEASURE: ([InstrumentStatus.REPEALED], 0.05),
    InstrumentKind.AGENCY_POLICY: ([InstrumentStatus.REPEALED, InstrumentStatus.EXPIRED], 0.10),
    InstrumentKind.AGREEMENT: ([InstrumentStatus.TERMINATED, InstrumentStatus.EXPIRED], 0.35),
    InstrumentKind.DETENTION_CONTRACT: (
        [InstrumentStatus.TERMINATED, InstrumentStatus.EXPIRED],
        0.25,
    ),
}
SOURCE_KIND = {
    InstrumentKind.STATUTE: SourceKind.STATUTE_TEXT,
    InstrumentKind.ORDINANCE: SourceKind.ORDINANCE_TEXT,
    InstrumentKind.EXECUTIVE_ORDER: SourceKind.ORDINANCE_TEXT,
    InstrumentKind.BALLOT_MEASURE: SourceKind.ORDINANCE_TEXT,
    InstrumentKind.AG_DIRECTIVE: SourceKind.GUIDANCE,
    InstrumentKind.AG_GUIDANCE: SourceKind.GUIDANCE,
    InstrumentKind.AGENCY_POLICY: SourceKind.GUIDANCE,
    InstrumentKind.AGREEMENT: SourceKind.DATASET,
    InstrumentKind.DETENTION_CONTRACT: SourceKind.COURT_RECORD,
    InstrumentKind.COURT_DECISION: SourceKind.COURT_DECISION,
}
TITLE_WORD = {
    InstrumentKind.STATUTE: "Act",
    InstrumentKind.ORDINANCE: "Ordinance",
    InstrumentKind.EXECUTIVE_ORDER: "Executive Order",
    InstrumentKind.BALLOT_MEASURE: "Ballot Measure",
    InstrumentKind.AG_DIRECTIVE: "Attorney General Directive",
    InstrumentKind.AG_GUIDANCE: "Attorney General Guidance",
    InstrumentKind.AGENCY_POLICY: "Policy",
    InstrumentKind.AGREEMENT: "287(g) Agreement",
    InstrumentKind.DETENTION_CONTRACT: "Detention Contract",
    InstrumentKind.COURT_DECISION: "Decision",
}


class GenerationRefused(Exception):
    """The database is not ready for generation, or already holds generated data."""


@dataclass(frozen=True)
class Local:
    """A jurisdiction as the generator sees it."""

    pk: int
    name: str
    level: str
    state_id: int | None
    fips: str | None
    slug: str


@dataclass(slots=True)
class Planned:
    """An instrument to be written, with its provisions as (dimension, value, pinpoint,
    exceptions) and its sources as indexes into the generated sources."""

    jurisdiction_id: int
    agency_id: int | None
    kind: str
    name: str  # the title without the "[generated]" mark or what it amends
    title: str
    citation: str
    binding: bool
    effective_on: dt.date
    effective_precision: str
    enacted_on: dt.date | None
    enacted_precision: str
    status: str = InstrumentStatus.IN_FORCE
    ended_on: dt.date | None = None
    ended_precision: str = Precision.DAY
    review_state: str = ReviewState.PUBLISHED
    supersedes: "Planned | None" = None
    depth: int = 0
    provisions: list[tuple[int, int, str, str]] = field(default_factory=list)
    sources: list[int] = field(default_factory=list)
    pk: int | None = None


class Scale:
    """One dimension's values, split at the neutral value."""

    def __init__(self, dimension: Dimension, values: list[DimensionValue]):
        self.dimension = dimension
        self.neutral = next(v for v in values if v.is_neutral)
        self.limiting = [v for v in values if v.rank < self.neutral.rank]
        # Nearest the neutral value first: honouring is commoner than a mandate.
        self.requiring = [v for v in values if v.rank > self.neutral.rank]
        self.by_slug = {v.slug: v for v in values}

    def pick(self, rng: Random, lean: str) -> DimensionValue:
        if lean == NEUTRAL:
            return self.neutral
        side = self.limiting if lean == LIMIT else self.requiring
        # Some scales have one side only (reporting-and-remedies has no "requires" side).
        side = side or self.limiting or self.requiring
        if not side:
            return self.neutral
        if lean == REQUIRE and side is self.requiring:
            return rng.choices(side, weights=[1 / (i + 1) for i in range(len(side))])[0]
        return rng.choice(side)


@dataclass
class GenerationSummary:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        width = max((len(label) for label in self.counts), default=0)
        lines = [f"{label:<{width}}  {n:>9,}" for label, n in self.counts.items()]
        lines.append(
            "Time: "
            + ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in self.seconds.items())
        )
        return lines


class Progress:
    """A one-line progress bar on a stream (stderr), redrawn with \\r when it moves."""

    WIDTH = 30

    def __init__(self, stream: TextIO | None, label: str, total: int):
        self.stream, self.label, self.total = stream, label, max(total, 1)
        self.done, self.drawn, self.started = 0, -1, time.perf_counter()
        self._draw()

    def advance(self, n: int = 1) -> None:
        self.done += n
        self._draw()

    def _draw(self, final: bool = False) -> None:
        if self.stream is None:
            return
        filled = min(self.WIDTH, self.WIDTH * self.done // self.total)
        if filled == self.drawn and not final:
            return
        self.drawn = filled
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        elapsed = time.perf_counter() - self.started
        self.stream.write(
            f"\r{self.label:<22} [{bar}] {min(self.done, self.total):>9,}/{self.total:,}"
            f"  {elapsed:6.1f} s"
        )
        self.stream.flush()

    def close(self) -> None:
        self._draw(final=True)
        if self.stream is not None:
            self.stream.write("\n")
            self.stream.flush()


def generate(
    *,
    seed: int = 0,
    places: int = DEFAULTS["places"],
    agencies: int = DEFAULTS["agencies"],
    provisions: int = DEFAULTS["provisions"],
    sources: int = DEFAULTS["sources"],
    progress: TextIO | None = None,
    rebuild_positions: bool = True,
) -> GenerationSummary:
    """Add generated data to a database holding the real seed data, in one transaction.
    `progress` (e.g. sys.stderr) gets progress bars. `rebuild_positions=False` leaves the
    stored positions stale (for tests that only look at the generated rows)."""
    if min(places, agencies, provisions, sources) < 0:
        raise GenerationRefused("Counts cannot be negative.")
    with transaction.atomic():
        return Generator(seed=seed, progress=progress).run(
            places=places,
            agencies=agencies,
            provisions=provisions,
            sources=sources,
            rebuild_positions=rebuild_positions,
        )


class Generator:
    def __init__(self, *, seed: int, progress: TextIO | None):
        self.rng = Random(seed)
        self.progress = progress
        self.summary = GenerationSummary()
        self.plans: list[Planned] = []

    # -----------------------------------------------------------------------------------
    # The run

    def run(self, *, places, agencies, provisions, sources, rebuild_positions):
        self._check_ready()
        self.scales = self._codebook()
        self.slugs = {scale.dimension.pk: slug for slug, scale in self.scales.items()}
        started = time.perf_counter()
        states = self._jurisdictions(Level.STATE, Level.TERRITORY)
        counties = self._jurisdictions(Level.COUNTY)
        self.states = {s.pk: s for s in states}
        new_places = self._write_places(counties, places)
        self._write_agencies(counties, new_places, agencies)
        self.summary.seconds["jurisdictions and agencies"] = time.perf_counter() - started

        started = time.perf_counter()
        coded = set(
            Instrument.objects.filter(is_generated=False).values_list("jurisdiction_id", flat=True)
        )
        stances = self._state_stances(states)
        budget = self._plan_state_laws(states, stances, coded, provisions)
        real_places = self._jurisdictions(Level.PLACE, generated=False)
        locals_ = [j for j in [*counties, *real_places, *new_places] if j.pk not in coded]
        self._plan_local_instruments(locals_, stances, budget)
        self._assign_sources(sources)
        self.summary.seconds["planning"] = time.perf_counter() - started

        started = time.perf_counter()
        source_pks = self._write_sources(sources)
        self._write_instruments()
        self._write_provisions_and_citations(source_pks)
        self.summary.seconds["writing instruments"] = time.perf_counter() - started

        self._count()
        if rebuild_positions:
            started = time.perf_counter()
            if self.progress is not None:
                self.progress.write("Rebuilding stored positions (one pass, no progress bar)…\n")
                self.progress.flush()
            self.summary.counts["Position intervals (all)"] = position_store.rebuild()
            self.summary.seconds["position rebuild"] = time.perf_counter() - started
        started = time.perf_counter()
        if self._analyze():
            self.summary.seconds["analyze"] = time.perf_counter() - started
        return self.summary

    def _analyze(self) -> bool:
        """PostgreSQL plans queries from table statistics, which freshly bulk-loaded tables
        lack until autovacuum gets round to them (never, where it is off), and a plan made
        without them can scan a whole table to find a few rows: gather them now."""
        if connection.vendor != "postgresql":
            return False
        models = [Jurisdiction, Agency, Source, Instrument, Provision, Citation, Position]
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        return True

    def _check_ready(self):
        generated = {
            "jurisdictions": Jurisdiction.objects.filter(is_generated=True).count(),
            "agencies": Agency.objects.filter(is_generated=True).count(),
            "instruments": Instrument.objects.filter(is_generated=True).count(),
            "sources": Source.objects.filter(is_generated=True).count(),
        }
        if any(generated.values()):
            held = ", ".join(f"{n:,} {what}" for what, n in generated.items() if n)
            raise GenerationRefused(
                f"This database already holds generated data ({held}); generation runs once "
                "per database. Start from a fresh one: migrate, load_seed, then "
                "generate_national."
            )
        if not Jurisdiction.objects.counties().exists() or not Dimension.objects.exists():
            raise GenerationRefused(
                "Load the real seed data first (manage.py load_seed): the generator grows "
                "the real counties and uses the real codebook."
            )

    def _codebook(self) -> dict[str, Scale]:
        values: dict[int, list[DimensionValue]] = {}
        for value in DimensionValue.objects.order_by("dimension_id", "rank"):
            values.setdefault(value.dimension_id, []).append(value)
        return {d.slug: Scale(d, values[d.pk]) for d in Dimension.objects.order_by("position")}

    def _jurisdictions(self, *levels, generated: bool | None = None) -> list[Local]:
        rows = Jurisdiction.objects.filter(level__in=levels)
        if generated is not None:
            rows = rows.filter(is_generated=generated)
        return [
            Local(*row)
            for row in rows.order_by("fips", "pk").values_list(
                "pk", "name", "level", "state_id", "fips", "slug"
            )
        ]

    def _count(self):
        counts = self.summary.counts
        counts["Generated places"] = Jurisdiction.objects.filter(is_generated=True).count()
        counts["Jurisdictions (all)"] = Jurisdiction.objects.count()
        counts["Generated agencies"] = Agency.objects.filter(is_generated=True).count()
        generated = Instrument.objects.filter(is_generated=True)
        counts["Generated instruments"] = generated.count()
        counts["  published"] = generated.published().count()
        counts["  binding state laws"] = generated.filter(
            binding=True, jurisdiction__level__in=[Level.STATE, Level.TERRITORY]
        ).count()
        counts["  superseding another"] = generated.filter(supersedes__isnull=False).count()
        counts["  ended"] = generated.filter(ended_on__isnull=False).count()
        counts["Generated provisions"] = Provision.objects.filter(
            instrument__is_generated=True
        ).count()
        counts["Generated sources"] = Source.objects.filter(is_generated=True).count()
        counts["Generated citations"] = Citation.objects.filter(source__is_generated=True).count()

    # -----------------------------------------------------------------------------------
    # Places and agencies

    def _write_places(self, counties: list[Local], total: int) -> list[Local]:
        rng = self.rng
        weights = [rng.lognormvariate(0, 0.8) for _ in counties]
        chosen = rng.choices(range(len(counties)), weights=weights, k=total) if counties else []
        chosen.sort()
        serials: dict[int, int] = {}
        rows = []
        for n, index in enumerate(chosen, start=1):
            county = counties[index]
            state = self.states[county.state_id]
            serial = serials[state.pk] = serials.get(state.pk, 0) + 1
            if serial >= PLACES_PER_STATE:
                raise GenerationRefused(
                    f"{state.name} would get more than {PLACES_PER_STATE - 1:,} generated "
                    "places, more than the reserved FIPS range holds: ask for fewer places."
                )
            rows.append(
                Jurisdiction(
                    name=f"Generated place {n}",
                    slug=f"{state.slug}-generated-place-{n}",
                    level=Level.PLACE,
                    parent_id=county.pk,
                    state_id=county.state_id,
                    fips=f"{PLACE_FIPS_PREFIX}{state.fips}{serial:04d}",
                    is_generated=True,
                )
            )
        self._bulk(Jurisdiction, rows, "places")
        return [Local(j.pk, j.name, j.level, j.state_id, j.fips, j.slug) for j in rows]

    def _write_agencies(self, counties: list[Local], places: list[Local], total: int):
        rng = self.rng
        with_sheriff = set(
            Agency.objects.filter(kind=AgencyKind.SHERIFF).values_list("jurisdiction_id", flat=True)
        )
        open_counties = [c for c in counties if c.pk not in with_sheriff]
        sheriffs = sorted(rng.sample(range(len(open_counties)), min(total, len(open_counties))))
        police = sorted(rng.sample(range(len(places)), min(total - len(sheriffs), len(places))))
        rows = [
            Agency(
                name=f"[generated] Sheriff's Office, {open_counties[i].name}",
                slug=f"generated-{open_counties[i].slug}-sheriff",
                kind=AgencyKind.SHERIFF,
                jurisdiction_id=open_counties[i].pk,
                is_generated=True,
            )
            for i in sheriffs
        ] + [
            Agency(
                name=f"[generated] Police Department, {places[i].name}",
                slug=f"generated-{places[i].slug}-police",
                kind=AgencyKind.POLICE,
                jurisdiction_id=places[i].pk,
                is_generated=True,
            )
            for i in police
        ]
        self._bulk(Agency, rows, "agencies")
        # Real agencies too, so a real sheriff's county can still sign a 287(g) agreement.
        self.agencies: dict[int, list[int]] = {}
        real = Agency.objects.filter(is_generated=False).order_by("jurisdiction__fips", "name")
        for agency_pk, jurisdiction_pk in [
            *real.values_list("pk", "jurisdiction_id"),
            *((a.pk, a.jurisdiction_id) for a in rows),
        ]:
            self.agencies.setdefault(jurisdiction_pk, []).append(agency_pk)
        self.agency_names = dict(
            Agency.objects.filter(is_generated=False).values_list("pk", "name")
        ) | {a.pk: a.name.removeprefix("[generated] ") for a in rows}

    # -----------------------------------------------------------------------------------
    # Planning instruments

    def _state_stances(self, states: list[Local]) -> dict[int, str]:
        """Lean the way the state's real binding laws lean on balance; where the seed has
        none, draw one (30% limiting, 35% requiring, 35% mixed)."""
        neutral = position_store.neutral_ranks()
        balance: dict[int, int] = {}
        real = Provision.objects.filter(
            instrument__binding=True,
            instrument__is_generated=False,
            instrument__jurisdiction__level__in=[Level.STATE, Level.TERRITORY],
        ).order_by("pk")
        for state_id, dimension_id, rank in real.values_list(
            "instrument__jurisdiction_id", "dimension_id", "value__rank"
        ):
            step = (rank > neutral[dimension_id]) - (rank < neutral[dimension_id])
            balance[state_id] = balance.get(state_id, 0) + step
        stances = {}
        for state in states:
            # Drawn for every state, so that the draws do not depend on the seed data.
            stances[state.pk] = self.rng.choices([LIMIT, REQUIRE, MIXED], weights=[30, 35, 35])[0]
            if state.pk in balance:
                lean = balance[state.pk]
                stances[state.pk] = LIMIT if lean < 0 else REQUIRE if lean > 0 else MIXED
        return stances

    def _plan_state_laws(self, states, stances, coded: set[int], budget: int) -> int:
        """A handful of laws for each state the seed does not code; returns the provisions
        left for local instruments."""
        rng = self.rng
        for state in states:
            if state.pk in coded:
                continue
            context = _Context(self, state, agencies=[])
            for _ in range(rng.randint(3, 7)):
                if budget <= 0:
                    return 0
                kind, _, binding = rng.choices(STATE_KINDS, weights=STATE_KIND_WEIGHTS)[0]
                leans, weights = LAW_LEAN[stances[state.pk]]
                lean = rng.choices(leans, weights=weights)[0]
                if kind == InstrumentKind.COURT_DECISION:
                    lean = LIMIT
                size = min(budget, rng.choice(PROVISIONS_PER_INSTRUMENT))
                budget -= context.add(kind, lean, size, binding=binding)
        return budget

    def _plan_local_instruments(self, locals_: list[Local], stances, budget: int):
        """Share the provisions among counties and places (most places say little; counties
        say more), then write each one's instruments until its share is used."""
        rng = self.rng
        weights = []
        for j in locals_:
            if j.level == Level.COUNTY:
                weights.append(4 * rng.lognormvariate(0, 0.6))
            else:
                weights.append(0.0 if rng.random() < 0.25 else rng.lognormvariate(0, 1))
        shares = _apportion(budget, weights)
        bar = Progress(self.progress, "planning instruments", len(locals_))
        for j, share in zip(locals_, shares, strict=True):
            bar.advance()
            if not share:
                continue
            context = _Context(self, j, agencies=self.agencies.get(j.pk, []))
            leans, lean_weights = LOCAL_LEAN[stances[j.state_id]]
            leaning = rng.choices(leans, weights=lean_weights)[0]
            kinds = COUNTY_KINDS if j.level == Level.COUNTY else PLACE_KINDS
            if stances[j.state_id] == REQUIRE:
                kinds = [(k, w * 3 if k == InstrumentKind.AGREEMENT else w, a) for k, w, a in kinds]
            while share > 0:
                kind = _pick_kind(rng, kinds, has_agency=bool(context.agencies))
                lean = _instrument_lean(rng, kind, leaning)
                size = min(share, rng.choice(PROVISIONS_PER_INSTRUMENT))
                share -= context.add(kind, lean, size, binding=False)
        bar.close()

    def _assign_sources(self, total: int):
        """Each instrument cites one source (its text) for itself and each provision;
        neighbouring instruments (the same jurisdiction's) share a source when there are
        fewer sources than instruments, and spare sources are cited as further reading."""
        plans, rng = self.plans, self.rng
        if not plans or not total:
            if plans:
                raise GenerationRefused("Every provision must cite a source: ask for some.")
            return
        count = len(plans)
        for i, plan in enumerate(plans):
            plan.sources.append(i * total // count if count >= total else i)
        if count < total:
            for s in range(count, total):
                plans[(s - count) % count].sources.append(s)
        else:
            for plan in plans:
                if rng.random() < 0.1:
                    extra = rng.randrange(total)
                    if extra != plan.sources[0]:
                        plan.sources.append(extra)

    # -----------------------------------------------------------------------------------
    # Writing

    def _bulk(self, model, rows: list, label: str) -> list:
        bar = Progress(self.progress, label, len(rows))
        for start in range(0, len(rows), BATCH):
            model.objects.bulk_create(rows[start : start + BATCH])
            bar.advance(len(rows[start : start + BATCH]))
        bar.close()
        return rows

    def _write_sources(self, total: int) -> list[int]:
        first_cited_by: dict[int, Planned] = {}
        for plan in self.plans:
            for index in plan.sources:
                first_cited_by.setdefault(index, plan)
        rows = []
        for n in range(total):
            plan = first_cited_by.get(n)
            primary = plan is not None and plan.sources[0] == n
            if primary:
                title = f"[generated] Text of {plan.name}"
                kind = SOURCE_KIND[plan.kind]
                published = plan.enacted_on or plan.effective_on
            else:
                title = f"[generated] Report {n + 1} on local immigration enforcement"
                kind = SourceKind.ANALYSIS if n % 2 else SourceKind.NEWS
                published = plan.effective_on if plan else None
            rows.append(
                Source(
                    title=title[:400],
                    publisher="[generated] Example Publisher",
                    kind=kind,
                    url=f"{URL_ROOT}/sources/{n + 1}",
                    published_on=published,
                    accessed_on=dt.date(2025, 6, 1) + dt.timedelta(days=n % 180),
                    notes=GENERATED_NOTE,
                    is_generated=True,
                )
            )
        self._bulk(Source, rows, "sources")
        return [s.pk for s in rows]

    def _write_instruments(self):
        # An amendment is written in a later layer than what it supersedes, so that it can
        # point at its key.
        layers: dict[int, list[Planned]] = {}
        for plan in self.plans:
            layers.setdefault(plan.depth, []).append(plan)
        bar = Progress(self.progress, "instruments", len(self.plans))
        written = 0
        for depth in sorted(layers):
            layer = layers[depth]
            for start in range(0, len(layer), BATCH):
                chunk = layer[start : start + BATCH]
                rows = [self._instrument_row(written + i, plan) for i, plan in enumerate(chunk)]
                Instrument.objects.bulk_create(rows)
                for plan, row in zip(chunk, rows, strict=True):
                    plan.pk = row.pk
                written += len(chunk)
                bar.advance(len(chunk))
        bar.close()

    def _instrument_row(self, n: int, plan: Planned) -> Instrument:
        reviewed = REVIEWED_FROM + dt.timedelta(days=n % 330)
        published = plan.review_state == ReviewState.PUBLISHED
        return Instrument(
            title=plan.title,
            kind=plan.kind,
            jurisdiction_id=plan.jurisdiction_id,
            agency_id=plan.agency_id,
            citation=plan.citation,
            enacted_on=plan.enacted_on,
            enacted_precision=plan.enacted_precision,
            effective_on=plan.effective_on,
            effective_precision=plan.effective_precision,
            ended_on=plan.ended_on,
            ended_precision=plan.ended_precision,
            status=plan.status,
            supersedes_id=plan.supersedes.pk if plan.supersedes else None,
            summary=GENERATED_NOTE,
            binding=plan.binding,
            review_state=plan.review_state,
            submitted_at=reviewed if plan.review_state != ReviewState.DRAFT else None,
            reviewed_at=reviewed if published else None,
            last_verified_on=reviewed.date() if published else None,
            is_generated=True,
        )

    def _write_provisions_and_citations(self, source_pks: list[int]):
        total = sum(len(plan.provisions) for plan in self.plans)
        bar = Progress(self.progress, "provisions, citations", total)
        chunk_size = BATCH // 4  # about 2.8 provisions and 4 citations an instrument
        for start in range(0, len(self.plans), chunk_size):
            chunk = self.plans[start : start + chunk_size]
            provisions = [
                Provision(
                    instrument_id=plan.pk,
                    dimension_id=dimension_id,
                    value_id=value_id,
                    pinpoint=pinpoint,
                    exceptions=exceptions,
                )
                for plan in chunk
                for dimension_id, value_id, pinpoint, exceptions in plan.provisions
            ]
            Provision.objects.bulk_create(provisions)
            citations = [
                Citation(source_id=source_pks[index], instrument_id=plan.pk)
                for plan in chunk
                for index in plan.sources
            ]
            rows = iter(provisions)
            for plan in chunk:
                primary = source_pks[plan.sources[0]]
                for _ in plan.provisions:
                    provision = next(rows)
                    citations.append(
                        Citation(
                            source_id=primary,
                            provision_id=provision.pk,
                            pinpoint=provision.pinpoint,
                        )
                    )
            Citation.objects.bulk_create(citations, batch_size=BATCH)
            bar.advance(len(provisions))
        bar.close()


class _Context:
    """Plans one jurisdiction's instruments: numbering, dates, amendments."""

    def __init__(self, generator: Generator, jurisdiction: Local, agencies: list[int]):
        self.g, self.rng, self.j, self.agencies = generator, generator.rng, jurisdiction, agencies
        self.sequence = 0
        self.amendable: list[Planned] = []
        state = generator.states.get(jurisdiction.state_id)
        self.state_name = state.name if state else jurisdiction.name

    def add(self, kind: str, lean: str, size: int, *, binding: bool) -> int:
        """Plan one instrument with up to `size` provisions; returns how many it has."""
        rng = self.rng
        self.sequence += 1
        earlier = [p for p in self.amendable if p.kind == kind]
        amends = rng.choice(earlier) if earlier and rng.random() < 0.3 else None
        effective = _amendment_date(rng, amends) if amends else None
        if effective is None:
            amends = None
            effective = _partial(rng, _random_day(rng, kind, self.j.level))
        enacted = _enacted(rng, *effective)
        agency = None
        if amends is not None:
            agency = amends.agency_id
        elif kind in (InstrumentKind.AGENCY_POLICY, InstrumentKind.AGREEMENT):
            agency = rng.choice(self.agencies)
        elif kind == InstrumentKind.DETENTION_CONTRACT and self.agencies:
            agency = self.agencies[0]
        name = self._name(kind, effective[0].year, agency)
        amending = f", amending {amends.name}" if amends else ""
        plan = Planned(
            jurisdiction_id=self.j.pk,
            agency_id=agency,
            kind=kind,
            name=name,
            title=f"[generated] {name}{amending}"[:300],
            citation=f"[generated] {self._code()} § {self.sequence}",
            binding=binding,
            effective_on=effective[0],
            effective_precision=effective[1],
            enacted_on=enacted[0],
            enacted_precision=enacted[1],
        )
        plan.provisions = self._provisions(kind, lean, size, effective[0].year, amends)
        if amends:
            plan.supersedes, plan.depth = amends, amends.depth + 1
            amends.status = InstrumentStatus.SUPERSEDED
            if rng.random() < 0.5:
                amends.ended_on, amends.ended_precision = effective
            self.amendable.remove(amends)
        ending = _ending(rng, kind, *effective)
        if ending:
            plan.status, plan.ended_on, plan.ended_precision = ending
        elif kind in AMENDABLE:
            self.amendable.append(plan)
        draw = rng.random()
        if draw < 0.02:
            plan.review_state = ReviewState.DRAFT
        elif draw < 0.03:
            plan.review_state = ReviewState.IN_REVIEW
        self.g.plans.append(plan)
        return len(plan.provisions)

    def _code(self) -> str:
        return "Gen. Stat." if self.j.level in (Level.STATE, Level.TERRITORY) else "Gen. Code"

    def _name(self, kind, year, agency) -> str:
        word = TITLE_WORD[kind]
        if kind == InstrumentKind.STATUTE:
            return f"{self.state_name} {word} {year}-{self.sequence}"
        if kind == InstrumentKind.COURT_DECISION:
            return f"Doe v. {self.j.name} ({year}-{self.sequence})"
        if agency is not None:
            return f"{self.g.agency_names[agency]} {word} {year}-{self.sequence}"
        return f"{word} {year}-{self.sequence}"

    def _provisions(self, kind, lean, size, year, amends: Planned | None) -> list[tuple]:
        rng, scales = self.rng, self.g.scales
        # An amendment restates what it replaces (perhaps differently) and may add more.
        dimensions = [self.g.slugs[d] for d, *_ in amends.provisions] if amends else []
        if self.j.level in (Level.STATE, Level.TERRITORY) and kind != InstrumentKind.COURT_DECISION:
            pool = STATE_DIMENSIONS[lean]
        else:
            pool = DIMENSIONS_BY_KIND[kind]
        pool = [d for d in pool if d in scales]
        lead = LEAD_DIMENSION.get(kind)
        if lead in scales and lead not in dimensions:
            dimensions.insert(0, lead)
        rest = [d for d in pool if d not in dimensions]
        dimensions += rng.sample(rest, max(0, min(size - len(dimensions), len(rest))))
        provisions = []
        for k, slug in enumerate(dimensions[: max(size, 1)], start=1):
            value = self._value(slug, kind, lean, year)
            exceptions = ""
            if value.rank < scales[slug].neutral.rank and rng.random() < 0.15:
                exceptions = "[generated] Unless presented with a judicial warrant."
            provisions.append(
                (scales[slug].dimension.pk, value.pk, f"§ {self.sequence}.{k}", exceptions)
            )
        return provisions

    def _value(self, slug, kind, lean, year) -> DimensionValue:
        rng, scale = self.rng, self.g.scales[slug]
        if kind == InstrumentKind.AGREEMENT and slug == "agreement-287g":
            # The task force model ended in 2012; warrant service officers began in 2019.
            if year < 2013:
                models = ["task-force", "jail-enforcement"]
            elif year < 2019:
                models = ["jail-enforcement"]
            else:
                models = ["jail-enforcement", "warrant-service-officer", "task-force"]
            found = [scale.by_slug[m] for m in models if m in scale.by_slug]
            if found:
                return rng.choice(found)
        if kind == InstrumentKind.DETENTION_CONTRACT and "active-contract" in scale.by_slug:
            return scale.by_slug["active-contract"]
        return scale.pick(rng, lean)


def _pick_kind(rng: Random, kinds, *, has_agency: bool) -> str:
    usable = [
        (kind, weight) for kind, weight, needs_agency in kinds if has_agency or not needs_agency
    ]
    return rng.choices(usable, weights=[w for _, w in usable])[0][0]


def _instrument_lean(rng: Random, kind: str, leaning: str) -> str:
    if kind in (InstrumentKind.AGREEMENT, InstrumentKind.DETENTION_CONTRACT):
        return REQUIRE
    if kind == InstrumentKind.COURT_DECISION:
        return LIMIT
    if leaning == MIXED:
        return rng.choice([LIMIT, REQUIRE])
    other = REQUIRE if leaning == LIMIT else LIMIT
    return rng.choices([leaning, other, NEUTRAL], weights=[85, 10, 5])[0]


def _random_day(rng: Random, kind: str, level: str) -> dt.date:
    """Most local policies date from 2008–2020; state laws and agreements spread wider."""
    mode = 2014 if level not in (Level.STATE, Level.TERRITORY) else 2012
    if kind == InstrumentKind.AGREEMENT:
        mode = 2019
    year = min(int(rng.triangular(EARLIEST_YEAR, LATEST.year + 1, mode)), LATEST.year)
    return min(dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365)), LATEST)


def _partial(rng: Random, day: dt.date) -> tuple[dt.date, str]:
    """Most dates are known to the day, some only to the month or the year."""
    draw = rng.random()
    if draw < 0.75:
        return day, Precision.DAY
    if draw < 0.92:
        return day.replace(day=1), Precision.MONTH
    return dt.date(day.year, 1, 1), Precision.YEAR


def _enacted(rng: Random, effective: dt.date, precision: str) -> tuple[dt.date | None, str]:
    if rng.random() < 0.1:
        return None, Precision.DAY
    if precision == Precision.DAY:
        return effective - dt.timedelta(days=rng.randrange(0, 120)), Precision.DAY
    return effective, precision


def _amendment_date(rng: Random, amends: Planned) -> tuple[dt.date, str] | None:
    """Some time after what it amends is certainly in force; None if that is in the future."""
    day = period_end(amends.effective_on, amends.effective_precision)
    day += dt.timedelta(days=rng.randrange(30, 6 * 365))
    if day > LATEST:
        return None
    effective = _partial(rng, day)
    # Rounding down to the month or year must not put it before what it amends.
    return effective if effective[0] > amends.effective_on else (day, Precision.DAY)


def _ending(rng: Random, kind: str, effective: dt.date, precision: str):
    statuses, chance = ENDINGS[kind]
    if rng.random() >= chance:
        return None
    # At least a year after the start, so even a year-precision end falls after it.
    day = period_end(effective, precision) + dt.timedelta(days=rng.randrange(365, 12 * 365))
    if day > LATEST:
        return None
    ended, ended_precision = _partial(rng, day)
    return rng.choice(statuses), ended, ended_precision


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainders), exactly."""
    weight = sum(weights)
    if total <= 0 or weight <= 0:
        return [0] * len(weights)
    quotas = [total * w / weight for w in weights]
    shares = [int(q) for q in quotas]
    left = total - sum(shares)
    by_remainder = sorted(range(len(weights)), key=lambda i: (shares[i] - quotas[i], i))
    for i in by_remainder[:left]:
        shares[i] += 1
    return shares


__all__ = ["DEFAULTS", "GenerationRefused", "GenerationSummary", "generate"]
