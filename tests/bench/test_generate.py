"""The national-scale generator and the position benchmark, on a tiny scale over the seed."""

from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F, Q

from bench import positions as bench
from bench import publish as publish_bench
from bench.generate import URL_ROOT, generate
from bench.generate_national import Command as GenerateNational
from jurisdictions.models import Agency, Jurisdiction, Level
from policies.models import (
    Citation,
    Instrument,
    Position,
    Provision,
    ReviewState,
    Source,
)
from policies.positions import store as position_store

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

SMALL = {"places": 200, "agencies": 100, "provisions": 2000, "sources": 500}
SMALL_ARGS = [f"--{name}={n}" for name, n in SMALL.items()]


def fingerprint() -> dict:
    """What two runs with the same seed must share: counts, and the first rows' names
    and values (keys differ from run to run, so none are compared)."""
    instruments = Instrument.objects.filter(is_generated=True).order_by("pk")
    provisions = Provision.objects.filter(instrument__is_generated=True).order_by("pk")
    return {
        "counts": [
            Jurisdiction.objects.filter(is_generated=True).count(),
            Agency.objects.filter(is_generated=True).count(),
            instruments.count(),
            instruments.filter(supersedes__isnull=False).count(),
            provisions.count(),
            Source.objects.filter(is_generated=True).count(),
            Citation.objects.filter(source__is_generated=True).count(),
        ],
        "places": list(
            Jurisdiction.objects.filter(is_generated=True).values_list("fips", "name")[:5]
        ),
        "agencies": list(Agency.objects.filter(is_generated=True).order_by("pk")[:5]),
        "instruments": list(
            instruments.values_list("title", "effective_on", "effective_precision", "status")[:10]
        ),
        "provisions": list(
            provisions.values_list("instrument__title", "dimension__slug", "value__slug")[:20]
        ),
    }


def dry_run(seed: int) -> dict:
    """Generate without rebuilding positions, note what came out, and undo it."""
    with transaction.atomic():
        generate(seed=seed, **SMALL, progress=None, rebuild_positions=False)
        made = fingerprint()
        transaction.set_rollback(True)
    made["agencies"] = [a.name for a in made["agencies"]]
    return made


@pytest.fixture(scope="module")
def generated(seeded, django_db_blocker):
    """Two dry runs (seeds 7 and 8), then the command with seed 7, kept for the module."""
    with django_db_blocker.unblock():
        first, other = dry_run(7), dry_run(8)
        outer = transaction.atomic()
        outer.__enter__()
        out, err = StringIO(), StringIO()
        call_command(GenerateNational(), "--seed=7", *SMALL_ARGS, stdout=out, stderr=err)
        kept = fingerprint()
        kept["agencies"] = [a.name for a in kept["agencies"]]
    yield SimpleNamespace(
        first=first, other=other, kept=kept, out=out.getvalue(), err=err.getvalue()
    )
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


def test_the_same_seed_gives_the_same_data(generated):
    assert generated.first == generated.kept
    assert generated.other != generated.kept


def test_it_makes_what_was_asked_and_says_so(generated):
    assert Jurisdiction.objects.filter(is_generated=True).count() == 200
    assert Agency.objects.filter(is_generated=True).count() == 100
    assert Provision.objects.filter(instrument__is_generated=True).count() == 2000
    assert Source.objects.filter(is_generated=True).count() == 500
    assert "Generated provisions" in generated.out and "2,000" in generated.out
    assert "[##############################]" in generated.err  # the progress bar finished


def test_every_generated_row_is_flagged_and_named_as_such(generated):
    places = Jurisdiction.objects.filter(is_generated=True)
    assert not places.exclude(name__startswith="Generated place ").exists()
    assert not places.exclude(level=Level.PLACE, parent__level=Level.COUNTY).exists()
    assert not places.exclude(state=F("parent__state")).exists()
    # The reserved range: 9 + state code + serial, which no real place code can be.
    assert all(
        len(fips) == 7 and fips[0] == "9" and fips[1:3] == state_fips
        for fips, state_fips in places.values_list("fips", "state__fips")
    )
    assert not Jurisdiction.objects.filter(is_generated=False, fips__startswith="9").exists()
    assert not Agency.objects.filter(is_generated=True).exclude(name__startswith="[generated]")
    instruments = Instrument.objects.filter(is_generated=True)
    assert not instruments.exclude(title__startswith="[generated]").exists()
    assert not Instrument.objects.filter(is_generated=False, title__startswith="[generated]")
    sources = Source.objects.filter(is_generated=True)
    assert not sources.exclude(url__startswith=f"{URL_ROOT}/").exists()
    assert not sources.exclude(title__startswith="[generated]").exists()
    # Generated sources support only generated instruments and provisions.
    assert not Citation.objects.filter(source__is_generated=True).filter(
        Q(instrument__is_generated=False) | Q(provision__instrument__is_generated=False)
    )


def test_every_value_is_on_its_dimensions_scale(generated):
    provisions = Provision.objects.filter(instrument__is_generated=True)
    assert not provisions.exclude(value__dimension=F("dimension")).exists()


def test_every_provision_instrument_and_source_is_cited(generated):
    assert not Provision.objects.filter(instrument__is_generated=True, citations=None).exists()
    assert not Instrument.objects.filter(is_generated=True, citations=None).exists()
    assert not Source.objects.filter(is_generated=True, citations=None).exists()


def test_instruments_are_valid_and_mostly_published(generated):
    instruments = Instrument.objects.filter(is_generated=True).select_related(
        "agency", "jurisdiction"
    )
    for instrument in instruments:
        instrument.clean()  # dates in order and of their precision, agency of the adopter
    drafts = instruments.exclude(review_state=ReviewState.PUBLISHED).count()
    assert 0 < drafts < 0.1 * instruments.count()
    assert not instruments.published().filter(reviewed_at=None).exists()
    assert instruments.filter(supersedes__isnull=False).exists()
    assert instruments.filter(ended_on__isnull=False).exists()
    precisions = set(instruments.values_list("effective_precision", flat=True))
    assert precisions == {"day", "month", "year"}


def test_binding_state_laws_both_limit_and_require_cooperation(generated):
    laws = Provision.objects.filter(instrument__is_generated=True, instrument__binding=True)
    assert not laws.exclude(
        instrument__jurisdiction__level__in=[Level.STATE, Level.TERRITORY]
    ).exists()
    neutral = position_store.neutral_ranks()
    ranks = [(rank, neutral[d]) for rank, d in laws.values_list("value__rank", "dimension_id")]
    assert any(rank < middle for rank, middle in ranks)  # limits cooperation
    assert any(rank > middle for rank, middle in ranks)  # requires it


def test_stored_positions_equal_a_fresh_computation(generated):
    assert position_store.differences() == (set(), set())


def test_it_refuses_to_run_twice(generated):
    with pytest.raises(CommandError, match="already holds generated data"):
        call_command(GenerateNational(), *SMALL_ARGS, stdout=StringIO(), stderr=StringIO())


def test_the_position_benchmark_runs_and_leaves_the_database_as_it_was(generated):
    stored = Position.objects.count()
    out = StringIO()
    assert bench.main(["--repeat=1", "--refresh-repeat=1"], out=out) == 0
    report = out.getvalue()
    for case in ("(a)", "(b)", "(c) map_values", "(c) positions_on", "(d)", "(e)", "(f)"):
        assert case in report
    assert "0 stale, 0 missing" in report
    assert Position.objects.count() == stored


def test_the_publishing_benchmark_publishes_sb4_and_leaves_the_database_as_it_was(generated):
    stored = set(Position.objects.values_list("pk", flat=True))
    result = publish_bench.run(publish_bench.parse(["--rounds=2"]))
    assert result["law"].startswith("SB 4 (2017)")
    assert result["state"] == "Texas"
    assert result["in_step"]
    assert result["publish"]["rounds"] == result["unpublish"]["rounds"] == 2
    out = StringIO()
    publish_bench.report(result, out)
    assert "equal to a fresh computation" in out.getvalue()
    assert set(Position.objects.values_list("pk", flat=True)) == stored
