"""The API of ICE's 287(g) lists: /api/v1/agreements/ and /api/v1/snapshots/.

Everything here comes from ICE's published sheets, so all of it is public.
"""

from rest_framework import serializers, viewsets

from agreements import selectors
from agreements.filters import AgreementFilter, SnapshotFilter
from agreements.models import Agreement, Change, Snapshot
from core.api import CSVListMixin, JSONErrorsMixin, link
from jurisdictions.api import JurisdictionRefSerializer

SUMMARY_KEYS = (
    "rows",
    "blank rows",
    "added",
    "renewed",
    "switched",
    "corrected",
    "ended",
    "reappeared",
    "moa-linked",
    "pending",
    "pending-added",
    "pending-removed",
    "review",
)


class SnapshotRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Snapshot
        fields = ["id", "list_kind", "published_on", "half_day"]


class AgreementSerializer(serializers.ModelSerializer):
    agency = serializers.SerializerMethodField()
    jurisdiction = JurisdictionRefSerializer(source="agency.jurisdiction", read_only=True)
    state = serializers.CharField(source="agency.jurisdiction.state.usps", read_only=True)
    first_seen = SnapshotRefSerializer(read_only=True)
    last_seen = SnapshotRefSerializer(read_only=True)
    first_missing = SnapshotRefSerializer(read_only=True, allow_null=True)
    superseded_by = serializers.SlugRelatedField(slug_field="key", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Agreement
        fields = [
            "key",
            "agency",
            "jurisdiction",
            "state",
            "model",
            "signed_on",
            "status",
            "first_seen",
            "last_seen",
            "first_missing",
            "ended_from",
            "ended_by",
            "superseded_by",
            "moa_state",
            "moa_url",
            "instrument",
            "updated_at",
            "url",
        ]

    def get_agency(self, obj) -> dict:
        agency = obj.agency
        return {"slug": agency.slug, "name": agency.name, "kind": agency.kind}

    def get_url(self, obj) -> str:
        return link(self.context.get("request"), "api:agreement-detail", obj.key)


class ChangeSerializer(serializers.ModelSerializer):
    agreement = serializers.SlugRelatedField(slug_field="key", read_only=True)
    previous = serializers.SlugRelatedField(slug_field="key", read_only=True)
    agency = serializers.SerializerMethodField()
    model = serializers.SerializerMethodField()

    class Meta:
        model = Change
        fields = ["kind", "agreement", "previous", "agency", "model", "detail"]

    def get_agency(self, obj) -> str:
        if obj.agreement_id:
            return obj.agreement.agency.name
        return obj.pending.agency_name if obj.pending_id else ""

    def get_model(self, obj) -> str:
        if obj.agreement_id:
            return obj.agreement.model
        return obj.pending.model if obj.pending_id else ""


class SnapshotSerializer(serializers.ModelSerializer):
    changes = ChangeSerializer(many=True, read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Snapshot
        fields = [
            "id",
            "list_kind",
            "file_name",
            "published_on",
            "half_day",
            "captured_at",
            "content_hash",
            "row_count",
            "columns",
            "unknown_columns",
            "summary",
            "changes",
            "url",
        ]

    def get_url(self, obj) -> str:
        return link(self.context.get("request"), "api:snapshot-detail", obj.pk)

    def to_representation(self, obj):
        data = super().to_representation(obj)
        # Every count under the same keys, so each CSV row has the same columns.
        data["summary"] = {key: obj.summary.get(key, 0) for key in SUMMARY_KEYS}
        return data


class AgreementViewSet(JSONErrorsMixin, CSVListMixin, viewsets.ReadOnlyModelViewSet):
    """287(g) agreements as ICE lists them: one per agency, model and signing date, with
    when ICE first and last listed each and how it ended. Filter by `state`, `model`,
    `status`, `agency`, `jurisdiction`, `in_force_on`."""

    serializer_class = AgreementSerializer
    filterset_class = AgreementFilter
    lookup_field = "key"
    basename = "agreements"

    def get_queryset(self):
        return selectors.agreement_list()


class SnapshotViewSet(JSONErrorsMixin, CSVListMixin, viewsets.ReadOnlyModelViewSet):
    """Each of ICE's sheets as imported (participating or pending), newest first, with
    what it changed: agreements added, renewed, switched, corrected, ended; requests
    pending or gone."""

    serializer_class = SnapshotSerializer
    filterset_class = SnapshotFilter
    basename = "snapshots"
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return selectors.snapshot_list()
