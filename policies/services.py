"""Workflows that change instruments: review and publication.

Each takes keyword arguments, runs in one transaction, and records who did it in the
instrument's history. Permission to publish is checked here as well as in the admin, so
no other caller can publish on a curator's behalf.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from policies.models import Citation, Correction, Instrument, InstrumentKind, ReviewState

PUBLISH_PERMISSION = "policies.publish_instrument"


class PublishRefused(ValidationError):
    """The instrument is not ready to publish; `messages` says what is missing."""


def publish_problems(instrument: Instrument) -> list[str]:
    """What stops this instrument from being published, in words a curator can act on.

    Every provision of a law must name its section (the codebook's pinpoint rule); a
    source alone is not enough. A "no law found" finding cites no law, so it needs instead
    the record of what was searched and when."""
    if instrument.kind == InstrumentKind.RESEARCH_FINDING:
        return _finding_problems(instrument)
    problems = []
    provisions = list(instrument.provisions.select_related("dimension"))
    cited_provisions = set(
        Citation.objects.filter(provision__instrument=instrument).values_list(
            "provision_id", flat=True
        )
    )
    has_instrument_source = instrument.citations.exists()
    if not has_instrument_source and not cited_provisions:
        problems.append("It cites no source: add a citation to the instrument or a provision.")
    if instrument.effective_on is None:
        problems.append("Its effective date is unknown: give at least the year it took effect.")
    for provision in provisions:
        if not provision.pinpoint.strip():
            problems.append(
                f"Provision “{provision.dimension.slug}” has no pinpoint: give the section "
                "of the text it relies on."
            )
    return problems


def _finding_problems(instrument: Instrument) -> list[str]:
    problems = []
    if not instrument.summary.strip():
        problems.append("A finding says what was searched: write it in the summary.")
    if instrument.last_verified_on is None:
        problems.append("A finding says when the search was made: give its review date.")
    if instrument.effective_on is None:
        problems.append("A finding says from when it holds: give the earliest date searched.")
    neutral = [p for p in instrument.provisions.select_related("dimension", "value")]
    if not neutral:
        problems.append("A finding codes one dimension: add its provision.")
    for provision in neutral:
        if not provision.value.is_neutral:
            problems.append(
                f"Provision “{provision.dimension.slug}” of a finding must hold the "
                "dimension's neutral value (no law found)."
            )
    return problems


def _record(instrument: Instrument, user, reason: str) -> None:
    instrument._history_user = user
    instrument._change_reason = reason
    instrument.save()


def _require_publisher(user) -> None:
    if user is not None and not user.has_perm(PUBLISH_PERMISSION):
        raise PermissionDenied("Only editors can publish or unpublish instruments.")


@transaction.atomic
def instrument_submit_for_review(*, instrument: Instrument, user) -> Instrument:
    if instrument.review_state != ReviewState.DRAFT:
        raise ValidationError(
            f"Only a draft can be submitted for review; this one is "
            f"{instrument.get_review_state_display().lower()}."
        )
    instrument.review_state = ReviewState.IN_REVIEW
    instrument.submitted_by = user
    instrument.submitted_at = timezone.now()
    _record(instrument, user, "Submitted for review")
    return instrument


def four_eyes_problems(instrument: Instrument, user) -> list[str]:
    """The four-eyes rule: what an editor publishes was submitted for review by someone
    else. settings.REVIEW_ALLOW_SELF_PUBLISH lifts it for a one-person installation."""
    if user is None or settings.REVIEW_ALLOW_SELF_PUBLISH:
        return []
    if instrument.review_state != ReviewState.IN_REVIEW:
        return ["It has not been submitted for review: it is published only after review."]
    if instrument.submitted_by_id == user.pk:
        return ["You submitted it for review yourself: another editor must publish it."]
    return []


@transaction.atomic
def instrument_publish(*, instrument: Instrument, user, reason: str = "Published") -> Instrument:
    """Publish an instrument that someone else submitted for review. `user` None means the
    system (the seed loader), which publishes only what its data marks as verified."""
    _require_publisher(user)
    if instrument.review_state == ReviewState.PUBLISHED:
        return instrument
    instrument.full_clean()
    problems = four_eyes_problems(instrument, user) + publish_problems(instrument)
    if problems:
        raise PublishRefused(problems)
    instrument.review_state = ReviewState.PUBLISHED
    instrument.reviewed_by = user
    instrument.reviewed_at = timezone.now()
    _record(instrument, user, reason)
    return instrument


@transaction.atomic
def instrument_unpublish(*, instrument: Instrument, user, reason: str = "") -> Instrument:
    """Take an instrument out of public view (or send one in review back) as a draft."""
    _require_publisher(user)
    if instrument.review_state == ReviewState.DRAFT:
        return instrument
    was = instrument.get_review_state_display().lower()
    instrument.review_state = ReviewState.DRAFT
    _record(instrument, user, reason or f"Returned to draft (was {was})")
    return instrument


def correction_report(
    *,
    page: str,
    what_is_wrong: str,
    source: str,
    email: str = "",
    jurisdiction=None,
    instrument=None,
) -> Correction:
    """Records a reader's report for the curators. It changes no public record."""
    correction = Correction(
        page=page,
        jurisdiction=jurisdiction,
        instrument=instrument,
        what_is_wrong=what_is_wrong,
        source=source,
        email=email,
    )
    correction.full_clean()
    correction.save()
    return correction
