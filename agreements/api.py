"""The API of ICE's 287(g) lists: /api/v1/agreements/ and /api/v1/snapshots/.

Everything here comes from ICE's published sheets, so all of it is public.
"""

from rest_framework import viewsets

from agreements import selectors
from agreements.filters import AgreementFilter, SnapshotFilter
from agreements.shapes import Agreement, Snapshot, agreement_of, snapshot_of
from core.api import CSVListMixin, PublicAPIMixin, answered_with

# Each resource's answer: its declared shape, filled by its builder.
AgreementSerializer = answered_with(Agreement, agreement_of)
SnapshotSerializer = answered_with(Snapshot, snapshot_of)


class AgreementViewSet(PublicAPIMixin, CSVListMixin, viewsets.ReadOnlyModelViewSet):
    """287(g) agreements as ICE lists them: one per agency, model and signing date, with
    when ICE first and last listed each and how it ended. Filter by `state`, `model`,
    `status`, `agency`, `jurisdiction`, `in_force_on`."""

    serializer_class = AgreementSerializer
    filterset_class = AgreementFilter
    lookup_field = "key"
    basename = "agreements"

    def get_queryset(self):
        return selectors.agreement_list()


class SnapshotViewSet(PublicAPIMixin, CSVListMixin, viewsets.ReadOnlyModelViewSet):
    """Each of ICE's sheets as imported (participating or pending), newest first, with
    what it changed: agreements added, renewed, switched, corrected, ended; requests
    pending or gone."""

    serializer_class = SnapshotSerializer
    filterset_class = SnapshotFilter
    basename = "snapshots"
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return selectors.snapshot_list()
