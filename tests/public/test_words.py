"""Provenance in plain words: each rule weighed beside the deciding one says what it does."""

from jurisdictions.models import Jurisdiction
from policies.models import Dimension, DimensionValue
from policies.positions.queries import InstrumentRef, JurisdictionRef, PositionAnswer, ProvisionRef
from public import words

ILLINOIS = JurisdictionRef(1, "il", "Illinois")
COOK = JurisdictionRef(2, "il-cook-county", "Cook County")
DETAINERS = Dimension(pk=1, slug="detainer-holds", name="Detainer holds")
PROHIBITED = DimensionValue(pk=1, slug="prohibited", label="Prohibited", rank=0)
WARRANT = DimensionValue(pk=2, slug="judicial-warrant-only", label="Judicial warrant only", rank=1)
NO_POLICY = DimensionValue(pk=3, slug="no-policy", label="No policy", rank=2, is_neutral=True)
MANDATED = DimensionValue(pk=4, slug="mandated", label="Mandated", rank=3)


def provision(pk, title, adopter, value):
    instrument = InstrumentRef(pk, title, "statute", "", True, "published", adopter)
    return ProvisionRef(pk, "§ 1", "", instrument, value)


def answer(decided, provenance, overridden=(), noted=()):
    return PositionAnswer(
        Jurisdiction(pk=COOK.pk, slug=COOK.slug, name=COOK.name),
        DETAINERS,
        decided.value,
        provenance,
        decided,
        overridden=list(overridden),
        noted=list(noted),
    )


def phrases(found):
    return [(b.before, b.provision.instrument.title, b.after) for b in words.beside(found)]


def test_a_stricter_own_rule_says_the_state_law_still_applies():
    cook = provision(10, "Cook County Code § 46-37", COOK, PROHIBITED)
    trust = provision(11, "Illinois TRUST Act", ILLINOIS, WARRANT)
    found = answer(cook, "own", overridden=[trust])
    assert words.lead(found) == ("Its own rule:", "")
    assert phrases(found) == [("Stricter than", "Illinois TRUST Act", ", which also applies")]


def test_a_mandate_from_above_says_it_overrides_the_own_rule():
    own = provision(20, "City detainer policy", COOK, PROHIBITED)
    sb4 = provision(21, "Texas SB 4", ILLINOIS, MANDATED)
    found = answer(sb4, "preempted", overridden=[own])
    assert words.lead(found) == ("Required by", ", which overrides its own rule")
    assert phrases(found) == [("Its own rule", "City detainer policy", " gives way to it")]


def test_a_state_floor_over_a_weaker_own_rule_says_the_own_rule_gives_way():
    own = provision(30, "County policy", COOK, NO_POLICY)
    state = provision(31, "State act", ILLINOIS, WARRANT)
    found = answer(state, "inherited", overridden=[own])
    assert words.lead(found) == ("Set by", ", which binds it")
    assert phrases(found) == [("Stricter than its own rule", "County policy", ", which gives way")]
    silent = provision(33, "State finding", ILLINOIS, NO_POLICY)
    cook = provision(34, "Cook rule", COOK, WARRANT)
    found = answer(cook, "own", overridden=[silent])
    assert phrases(found) == [("Alongside", "State finding", ", which does not change it")]
    weaker = provision(32, "County order", COOK, MANDATED)
    found = answer(state, "inherited", overridden=[weaker])
    assert phrases(found) == [("Stricter than its own rule", "County order", ", which gives way")]


def test_an_earlier_own_rule_is_replaced_and_a_noted_mandate_applies_too():
    old = provision(40, "Old policy", COOK, WARRANT)
    new = provision(41, "New policy", COOK, NO_POLICY)
    mandate = provision(42, "State mandate", ILLINOIS, MANDATED)
    found = answer(new, "own", overridden=[old], noted=[mandate])
    assert phrases(found) == [
        ("Replaces its earlier rule", "Old policy", ""),
        ("Also required by", "State mandate", ", which applies too"),
    ]
