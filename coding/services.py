"""The writes of double coding: assign, submit, resolve. Keyword-only, atomic."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from coding.models import FIRST, SECOND, CodedAnswer, CodingAssignment, DifferenceResolution
from coding.selectors import differences

RESOLVE_PERMISSION = "policies.publish_instrument"


@transaction.atomic
def coding_assign_second(*, instrument, coder, batch: str, first_coder=None) -> CodingAssignment:
    """Assign `coder` to code `instrument` again, blind. The first coding is the
    instrument's provisions as they are now, copied and submitted in the name of the
    curator who made them (`first_coder`; by default whoever submitted it for review)."""
    if instrument.is_published:
        raise ValidationError(
            "A published instrument cannot be coded blind: its provisions are public. "
            "Double-code it before publishing."
        )
    first = instrument.codings.filter(round=FIRST).first()
    if first is None:
        first_coder = first_coder or instrument.submitted_by
        if first_coder is None:
            raise ValidationError("The instrument has no curator to name as its first coder.")
        if first_coder == coder:
            raise ValidationError("The second coder must not be the first coder.")
        first = CodingAssignment.objects.create(
            instrument=instrument,
            coder=first_coder,
            round=FIRST,
            batch=batch,
            submitted_at=timezone.now(),
        )
        CodedAnswer.objects.bulk_create(
            CodedAnswer(
                assignment=first,
                dimension_id=p.dimension_id,
                value_id=p.value_id,
                pinpoint=p.pinpoint,
                effective_on=instrument.effective_on,
                ended_on=instrument.ended_on,
                binding=instrument.binding,
            )
            for p in instrument.provisions.all()
        )
    elif first.coder == coder:
        raise ValidationError("The second coder must not be the first coder.")
    assignment = CodingAssignment(instrument=instrument, coder=coder, round=SECOND, batch=batch)
    assignment.full_clean()
    assignment.save()
    return assignment


def coding_submit(*, assignment: CodingAssignment, user) -> CodingAssignment:
    if assignment.coder_id != user.pk:
        raise PermissionDenied("Only the assigned coder submits a coding.")
    if assignment.is_submitted:
        return assignment
    assignment.submitted_at = timezone.now()
    assignment.save(update_fields=["submitted_at"])
    return assignment


@transaction.atomic
def difference_resolve(
    *, instrument, dimension, user, note: str, chosen_round: int | None
) -> DifferenceResolution:
    """An editor's decision on one difference, with a note the history keeps."""
    if not user.has_perm(RESOLVE_PERMISSION):
        raise PermissionDenied("Only editors resolve coding differences.")
    if not note.strip():
        raise ValidationError("Say why in a note: it is kept with the decision.")
    codings = list(instrument.codings.all())
    if len(codings) < 2 or not all(c.is_submitted for c in codings):
        raise ValidationError("Both codings must be submitted before differences are resolved.")
    if dimension.pk not in {d.dimension.pk for d in differences(instrument=instrument)}:
        raise ValidationError(f"The two codings agree on {dimension.slug}: nothing to resolve.")
    resolution, _ = DifferenceResolution.objects.update_or_create(
        instrument=instrument,
        dimension=dimension,
        defaults={"note": note, "chosen_round": chosen_round, "resolved_by": user},
    )
    return resolution
