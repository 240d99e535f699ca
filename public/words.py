"""How a position's provenance reads in plain words: which rule decides it, and what each
other rule that was weighed does beside it. "Set aside: Illinois TRUST Act" on Cook County
read as if the state law had been struck down, when it meant that Cook's own rule is
stricter and the state's still applies; these phrases say which."""

from dataclasses import dataclass

from policies.positions.queries import PositionAnswer, ProvisionRef
from policies.positions.rules import STACKING_DIMENSIONS

# The sentence that opens a known answer, by provenance: "<lead> <instrument>, <tail>".
LEADS = {
    "own": ("Its own rule:", ""),
    "inherited": ("Set by", ", which binds it"),
    "preempted": ("Required by", ", which overrides its own rule"),
}

# How the instrument page names a position it decides, by provenance.
DECIDES = {
    "own": "its own rule",
    "inherited": "binds it from above",
    "preempted": "overrides its own rule",
}


@dataclass(frozen=True)
class Beside:
    """Another rule weighed for the position: `<before> <instrument> (<where>, <value>)<after>`."""

    before: str
    provision: ProvisionRef
    after: str
    own: bool  # the jurisdiction's own rule, not one from above


def lead(answer: PositionAnswer) -> tuple[str, str]:
    return LEADS.get(answer.provenance, ("", ""))


def beside(answer: PositionAnswer) -> list[Beside]:
    """The rules the deciding one was weighed against, each with what it does here."""
    decided = answer.value
    found = []
    for p in answer.overridden:
        own = p.instrument.jurisdiction.pk == answer.jurisdiction.pk
        decided_own = answer.provenance == "own"
        if own and decided_own:
            if answer.dimension.slug in STACKING_DIMENSIONS:
                before, after = "Also holds", ""
            else:
                before, after = "Replaces its earlier rule", ""
        elif p.value.rank == decided.rank:
            before, after = "The same as", ", which also applies"
        elif p.value.is_neutral and not own:
            before, after = "Alongside", ", which does not change it"
        elif p.value.rank > decided.rank:  # the other rule limits cooperation less
            if own:
                before, after = "Stricter than its own rule", ", which gives way"
            else:
                before, after = "Stricter than", ", which also applies"
        elif own:  # preempted: a mandate from above displaces its own limit
            before, after = "Its own rule", " gives way to it"
        else:
            before, after = "Overrides", ""
        found.append(Beside(before, p, after, own))
    for p in answer.noted:
        own = p.instrument.jurisdiction.pk == answer.jurisdiction.pk
        found.append(Beside("Also required by", p, ", which applies too", own))
    return found
