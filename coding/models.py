"""Double coding: an instrument coded twice, independently, and the differences resolved.

The protocol (stated on the codebook page): every instrument of a batch is coded a second
time, blind to the first coding, until the batch's disagreement rate is under 5%; after that
a 20% sample is. The first coding is the curator's provisions, copied when the second coder
is assigned; the second is entered by the second coder; an editor resolves each difference
with a note, kept in the history.
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from policies.models import Dimension, DimensionValue, Instrument

FIRST, SECOND = 1, 2


class CodingAssignment(models.Model):
    """One coder's independent coding of one instrument (round 1 or 2) within a batch."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="codings")
    coder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        # PROTECT: the disagreement report names coder pairs; a coding must keep its coder.
        on_delete=models.PROTECT,
        related_name="codings",
    )
    round = models.PositiveSmallIntegerField(
        choices=[(FIRST, "First coding"), (SECOND, "Second coding")]
    )
    batch = models.CharField(max_length=100, help_text="The batch of instruments it belongs to.")
    assigned_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(
        null=True, blank=True, help_text="None until the coder submits; then it is final."
    )

    class Meta:
        ordering = ["batch", "instrument_id", "round"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "round"], name="coding_one_per_round"),
            # Independence: the same person cannot code an instrument twice.
            models.UniqueConstraint(fields=["instrument", "coder"], name="coding_one_per_coder"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} — {self.get_round_display().lower()} by {self.coder}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class CodedAnswer(models.Model):
    """One coding's answer on one dimension: what a provision would say."""

    assignment = models.ForeignKey(
        CodingAssignment, on_delete=models.CASCADE, related_name="answers"
    )
    dimension = models.ForeignKey(Dimension, on_delete=models.PROTECT, related_name="+")
    value = models.ForeignKey(DimensionValue, on_delete=models.PROTECT, related_name="+")
    pinpoint = models.CharField(max_length=200, blank=True)
    effective_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    binding = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "dimension"], name="coding_one_answer_per_dimension"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dimension.slug} = {self.value.slug}"


class DifferenceResolution(models.Model):
    """An editor's decision on one dimension where the two codings differ, with a note."""

    instrument = models.ForeignKey(
        Instrument, on_delete=models.CASCADE, related_name="coding_resolutions"
    )
    dimension = models.ForeignKey(Dimension, on_delete=models.PROTECT, related_name="+")
    chosen_round = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        choices=[(FIRST, "First coding"), (SECOND, "Second coding")],
        help_text="The coding kept; empty when neither is and the provision is recoded.",
    )
    note = models.TextField(help_text="Why: what the text says and which coding read it right.")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "dimension"], name="coding_one_resolution_per_dimension"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument} — {self.dimension.slug}"
