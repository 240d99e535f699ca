"""Keep stored positions in step with every write, in the same transaction.

Signals rather than explicit calls because positions must stay right whichever path
changes a published instrument, a provision or the hierarchy: the admin, a service, the
loader, a shell. Each handler only works out *what* changed and hands it to
`position_store`; the rules live there. Queryset `update()` and `bulk_create()` bypass
signals: code that uses them calls `position_store.rebuild()` or `refresh()` itself.
"""

import datetime as dt

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from jurisdictions.models import Jurisdiction
from policies.models import (
    Citation,
    Dimension,
    DimensionValue,
    Instrument,
    Provision,
    ReviewState,
    Source,
    Suspension,
)
from policies.positions import store as position_store
from policies.positions import version as data_version

# What an instrument looked like before this save, keyed by pk.
INSTRUMENT_STATE = (
    "review_state",
    "jurisdiction_id",
    "supersedes_id",
    "binding",
    "effective_on",
    "ended_on",
)


@receiver(pre_save, sender=Instrument)
def remember_instrument(sender, instance, raw=False, **kwargs):
    instance._before = None
    if instance.pk and not raw:
        instance._before = (
            Instrument.objects.filter(pk=instance.pk).values(*INSTRUMENT_STATE).first()
        )


def _refresh_instrument(instrument, before):
    was_published = before is not None and before["review_state"] == ReviewState.PUBLISHED
    if not (instrument.review_state == ReviewState.PUBLISHED or was_published):
        return  # drafts never change what the public sees
    # Only this instrument's provisions and those of the instruments it supersedes (now or
    # before) can move: their adopters' positions on their dimensions, and, for binding
    # ones, the positions below them.
    reach = {(instrument.jurisdiction_id, instrument.binding)}
    superseded = {instrument.supersedes_id}
    if before is not None:
        reach.add((before["jurisdiction_id"], before["binding"]))
        superseded.add(before["supersedes_id"])
    superseded.discard(None)
    reach |= set(
        Instrument.objects.filter(pk__in=superseded).values_list("jurisdiction_id", "binding")
    )
    dimensions = set(
        Provision.objects.filter(instrument_id__in={instrument.pk} | superseded)
        .values_list("dimension_id", flat=True)
        .distinct()
    )
    if not dimensions:
        return  # no provision: no position can change
    adopters: dict[int, bool] = {}
    for adopter, binding in reach:
        adopters[adopter] = adopters.get(adopter, False) or binding
    since = _earliest_date(instrument, before)
    for adopter, binding in adopters.items():
        position_store.refresh_for_adopter(adopter, dimensions, binding=binding, since=since)


def _earliest_date(instrument, before) -> dt.date | None:
    """The first date on which this change can move a position: the earliest of the
    instrument's effective and ended dates, before and after the save. Nothing of it counts
    earlier (what it supersedes stops only once it takes effect). None, to refresh all
    time, when a date is not a date yet (a form's text)."""
    dates = [instrument.effective_on, instrument.ended_on]
    if before is not None:
        dates += [before["effective_on"], before["ended_on"]]
    dates = [d for d in dates if d is not None]
    if not dates or not all(isinstance(d, dt.date) for d in dates):
        return None
    return min(dates)


@receiver(post_save, sender=Instrument)
def instrument_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _refresh_instrument(instance, getattr(instance, "_before", None))


@receiver(post_delete, sender=Instrument)
def instrument_deleted(sender, instance, **kwargs):
    # Its provisions are gone with it (their own deletion refreshed their dimensions); what
    # it superseded is back in force.
    if instance.review_state != ReviewState.PUBLISHED:
        return
    adopters = {instance.jurisdiction_id}
    if instance.supersedes_id is not None:
        adopters |= set(
            Instrument.objects.filter(pk=instance.supersedes_id).values_list(
                "jurisdiction_id", flat=True
            )
        )
    for adopter in adopters:
        position_store.refresh_for_adopter(adopter, None)


@receiver(pre_save, sender=Provision)
def remember_provision(sender, instance, raw=False, **kwargs):
    instance._before_dimension = None
    if instance.pk and not raw:
        instance._before_dimension = (
            Provision.objects.filter(pk=instance.pk).values_list("dimension_id", flat=True).first()
        )


def _refresh_provision(provision, dimension_ids):
    instrument = (
        Instrument.objects.filter(pk=provision.instrument_id)
        .values("review_state", "jurisdiction_id", "binding")
        .first()
    )
    if instrument and instrument["review_state"] == ReviewState.PUBLISHED:
        position_store.refresh_for_adopter(
            instrument["jurisdiction_id"], dimension_ids, binding=instrument["binding"]
        )


@receiver(post_save, sender=Provision)
def provision_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        dimensions = {instance.dimension_id, getattr(instance, "_before_dimension", None)}
        _refresh_provision(instance, dimensions - {None})


@receiver(post_delete, sender=Provision)
def provision_deleted(sender, instance, **kwargs):
    _refresh_provision(instance, {instance.dimension_id})


@receiver(post_save, sender=Suspension)
@receiver(post_delete, sender=Suspension)
def suspension_changed(sender, instance, raw=False, **kwargs):
    # A court order takes its provision out of (or back into) every position it reaches.
    if raw:
        return
    row = (
        Provision.objects.filter(pk=instance.provision_id)
        .values("instrument_id", "dimension_id")
        .first()
    )
    if row is not None:  # gone with its provision, whose deletion refreshed the positions
        _refresh_provision(Provision(instrument_id=row["instrument_id"]), {row["dimension_id"]})


@receiver(pre_save, sender=Jurisdiction)
def remember_parent(sender, instance, raw=False, **kwargs):
    instance._before_parent = None
    if instance.pk and not raw:
        instance._before_parent = (
            Jurisdiction.objects.filter(pk=instance.pk).values_list("parent_id", flat=True).first()
        )


@receiver(post_save, sender=Jurisdiction)
def jurisdiction_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    if created or instance.parent_id != getattr(instance, "_before_parent", None):
        position_store.refresh_for_adopter(instance.pk, None)
    else:  # a name or a slug, which maps and lists show, may have changed
        data_version.bump()


@receiver(post_save, sender=DimensionValue)
def scale_changed(sender, instance, raw=False, **kwargs):
    # A value's rank or neutrality changes every floor and ceiling on its dimension.
    if not raw:
        position_store.refresh(dimension_ids={instance.dimension_id})


@receiver(post_delete, sender=Jurisdiction)
@receiver(post_save, sender=Source)
@receiver(post_delete, sender=Source)
@receiver(post_save, sender=Citation)
@receiver(post_delete, sender=Citation)
@receiver(post_save, sender=Dimension)
@receiver(post_delete, sender=Dimension)
@receiver(post_delete, sender=DimensionValue)
def shown_data_changed(sender, raw=False, **kwargs):
    # Names, labels and descriptions that maps show, and the sources that positions cite
    # (exports kept under the version carry them); the positions themselves are unchanged
    # (or deleted with what they belonged to).
    if not raw:
        data_version.bump()
