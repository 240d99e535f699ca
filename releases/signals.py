"""Tombstones for published records that leave public view, whichever path removes them
(a service, the admin, a shell): the writes are `releases.services.withdrawal_record`."""

from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from policies.models import Instrument, Provision, ReviewState
from releases.services import withdrawal_record


@receiver(post_save, sender=Instrument)
def instrument_unpublished(sender, instance, raw=False, **kwargs):
    # `_before` is read by policies/positions/signals.py just before the save.
    before = getattr(instance, "_before", None)
    if raw or before is None or before["review_state"] != ReviewState.PUBLISHED:
        return
    if instance.review_state != ReviewState.PUBLISHED:
        withdrawal_record(
            instrument=instance, deleted=False, reason=getattr(instance, "_change_reason", "")
        )


@receiver(post_delete, sender=Instrument)
def instrument_deleted(sender, instance, **kwargs):
    if instance.review_state == ReviewState.PUBLISHED:
        withdrawal_record(
            instrument=instance, deleted=True, reason=getattr(instance, "_change_reason", "")
        )


@receiver(pre_delete, sender=Provision)
def remember_provision(sender, instance, **kwargs):
    # Before the delete: when its instrument is deleted too, it is gone by post_delete.
    instance._published_in = (
        Instrument.objects.filter(pk=instance.instrument_id, review_state=ReviewState.PUBLISHED)
        .values("jurisdiction_id", "title")
        .first()
    )


@receiver(post_delete, sender=Provision)
def provision_deleted(sender, instance, **kwargs):
    published_in = getattr(instance, "_published_in", None)
    if published_in is not None:
        withdrawal_record(
            provision=instance,
            deleted=True,
            reason="Provision deleted",
            jurisdiction_id=published_in["jurisdiction_id"],
            title=published_in["title"],
        )
