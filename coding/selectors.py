"""Reads of double coding: who is blind to what, the differences, the disagreement report."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef

from coding.models import FIRST, SECOND, CodedAnswer, CodingAssignment

COMPARED = ("value", "pinpoint", "effective_on", "ended_on", "binding")
TARGET_RATE = 0.05  # double-code a whole batch until its disagreement is under this
SAMPLE_SHARE = 0.20  # then code this share of it a second time


def blind_instrument_ids(*, user) -> set[int]:
    """Instruments whose first coding `user` must not see: those they code a second time
    while either coding is unsubmitted."""
    if not user.is_authenticated:
        return set()
    open_coding = CodingAssignment.objects.filter(
        instrument=OuterRef("instrument"), submitted_at__isnull=True
    )
    return set(
        CodingAssignment.objects.filter(coder=user, round=SECOND)
        .filter(Exists(open_coding))
        .values_list("instrument_id", flat=True)
    )


@dataclass
class Difference:
    dimension: object
    first: CodedAnswer | None
    second: CodedAnswer | None
    fields: list[str] = field(default_factory=list)  # what differs; all when one is missing


def _answers(assignment) -> dict[int, CodedAnswer]:
    if assignment is None:
        return {}
    return {
        a.dimension_id: a
        for a in assignment.answers.select_related("dimension", "value").order_by(
            "dimension__position"
        )
    }


def side_by_side(*, instrument) -> list[Difference]:
    """Every dimension either coding answered, with the fields that differ marked."""
    codings = {c.round: c for c in instrument.codings.all()}
    first, second = _answers(codings.get(FIRST)), _answers(codings.get(SECOND))
    rows = []
    for dimension_id in sorted(
        set(first) | set(second),
        key=lambda d: (first.get(d) or second.get(d)).dimension.position,
    ):
        a, b = first.get(dimension_id), second.get(dimension_id)
        if a is None or b is None:
            fields = list(COMPARED)
        else:
            fields = [f for f in COMPARED if getattr(a, f) != getattr(b, f)]
        rows.append(Difference((a or b).dimension, a, b, fields))
    return rows


def differences(*, instrument) -> list[Difference]:
    return [row for row in side_by_side(instrument=instrument) if row.fields]


@dataclass
class Rate:
    compared: int = 0
    differing: int = 0

    @property
    def rate(self) -> float:
        return self.differing / self.compared if self.compared else 0.0


def disagreement_report(*, assignments=None) -> dict[str, dict]:
    """Disagreement per batch, per question (dimension slug) and per coder pair, over the
    instruments whose two codings are both submitted. The unit is one dimension of one
    instrument that either coder answered; it disagrees when one left it out or any of
    value, pinpoint, dates and binding differ."""
    assignments = assignments or CodingAssignment.objects.all()
    submitted = assignments.filter(submitted_at__isnull=False).select_related("instrument", "coder")
    by_instrument: dict[int, dict[int, CodingAssignment]] = defaultdict(dict)
    for a in submitted:
        by_instrument[a.instrument_id][a.round] = a
    report = {"batch": defaultdict(Rate), "question": defaultdict(Rate), "pair": defaultdict(Rate)}
    for pair in by_instrument.values():
        if FIRST not in pair or SECOND not in pair:
            continue
        coders = " / ".join(sorted([pair[FIRST].coder.username, pair[SECOND].coder.username]))
        for row in side_by_side(instrument=pair[FIRST].instrument):
            differs = bool(row.fields)
            for kind, key in (
                ("batch", pair[SECOND].batch),
                ("question", row.dimension.slug),
                ("pair", coders),
            ):
                report[kind][key].compared += 1
                report[kind][key].differing += differs
    return {kind: dict(sorted(rates.items())) for kind, rates in report.items()}


def batch_rule(rate: Rate) -> str:
    """What the protocol asks next of a batch with this disagreement."""
    if rate.compared and rate.rate < TARGET_RATE:
        return f"Under {TARGET_RATE:.0%}: double-code a {SAMPLE_SHARE:.0%} sample from now on."
    return f"At or over {TARGET_RATE:.0%}: keep double-coding every instrument."
