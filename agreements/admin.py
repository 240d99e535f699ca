"""The admin of ICE's 287(g) lists: what was imported (read-only: it is ICE's list), the
review list of what did not match, and curators' resolutions, which every import uses."""

import json

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from agreements.importer import replay_all
from agreements.models import (
    AgencyName,
    AgencyResolution,
    Agreement,
    Change,
    PendingRequest,
    ReviewItem,
    ReviewStatus,
    Snapshot,
)
from jurisdictions.admin import is_editor
from jurisdictions.models import Jurisdiction


class ReadOnlyAdmin(admin.ModelAdmin):
    """Derived from ICE's sheets by the importer: looked at, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdmin):
    list_display = ["published_on", "half_day", "list_kind", "file_name", "row_count", "changes"]
    list_filter = ["list_kind"]
    date_hierarchy = "published_on"
    exclude = ["problems"]
    readonly_fields = ["problem_list"]

    @admin.display(description="summary")
    def changes(self, obj):
        return ", ".join(f"{k} {v}" for k, v in obj.summary.items() if k not in ("rows",))

    @admin.display(description="problems, by row")
    def problem_list(self, obj):
        return format_html(
            "<pre>{}</pre>", "\n".join(f"row {p['row']}: {p['message']}" for p in obj.problems)
        )


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin):
    list_display = [
        "agency",
        "model",
        "signed_on",
        "status",
        "first_seen",
        "last_seen",
        "moa_state",
    ]
    list_filter = ["status", "model", "moa_state"]
    search_fields = ["agency__name", "key"]
    list_select_related = ["agency", "first_seen", "last_seen"]


@admin.register(Change)
class ChangeAdmin(ReadOnlyAdmin):
    list_display = ["snapshot", "kind", "agreement", "pending", "detail"]
    list_filter = ["kind", "snapshot__list_kind"]
    list_select_related = ["snapshot", "agreement__agency", "pending"]


@admin.register(PendingRequest)
class PendingRequestAdmin(ReadOnlyAdmin):
    list_display = ["agency_name", "state", "model", "status", "first_seen", "last_seen"]
    list_filter = ["status", "model"]
    search_fields = ["agency_name"]
    list_select_related = ["state", "first_seen", "last_seen"]


@admin.register(AgencyName)
class AgencyNameAdmin(ReadOnlyAdmin):
    list_display = ["spelling", "agency", "key"]
    search_fields = ["spelling", "agency__name"]
    list_select_related = ["agency"]


@admin.register(ReviewItem)
class ReviewItemAdmin(ReadOnlyAdmin):
    """The review list: rows ICE listed that the importer could not place by itself."""

    list_display = [
        "reason",
        "state_name",
        "agency_name",
        "message",
        "first_snapshot",
        "last_snapshot",
        "occurrences",
        "status",
        "resolve",
    ]
    list_filter = ["status", "reason", "list_kind"]
    search_fields = ["agency_name", "message", "state_name"]
    list_select_related = ["first_snapshot", "last_snapshot"]
    exclude = ["raw"]
    readonly_fields = ["row_as_published", "resolve"]

    @admin.display(description="row as published")
    def row_as_published(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.raw, indent=2, ensure_ascii=False))

    @admin.display(description="resolve")
    def resolve(self, obj):
        if "|" not in obj.key or obj.status == ReviewStatus.RESOLVED:
            return ""
        usps, key = obj.key.split("|", 1)
        if not hasattr(self, "_states"):  # states never change: read once per process
            self._states = dict(
                Jurisdiction.objects.filter(usps__isnull=False).values_list("usps", "pk")
            )
        state_id = self._states.get(usps)
        if state_id is None or "|" in key:
            return ""
        query = urlencode({"state": state_id, "key": key, "agency_name": obj.agency_name})
        url = reverse("admin:agreements_agencyresolution_add") + "?" + query
        return format_html('<a href="{}">Choose its jurisdiction</a>', url)


@admin.register(AgencyResolution)
class AgencyResolutionAdmin(admin.ModelAdmin):
    """An editor's choice of jurisdiction for an agency ICE lists. Used from the next import
    on; "Replay the history now" applies it to every stored snapshot at once. A resolution
    moves an agreement's position to another jurisdiction, so only editors write them:
    curators see the review list and may point an editor to it."""

    def has_add_permission(self, request):
        return is_editor(request) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return is_editor(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return is_editor(request) and super().has_delete_permission(request, obj)

    list_display = ["agency_name", "state", "jurisdiction", "resolved_by", "resolved_at"]
    search_fields = ["agency_name", "key"]
    autocomplete_fields = ["state", "jurisdiction"]
    readonly_fields = ["resolved_by"]
    actions = ["replay_now"]

    def save_model(self, request, obj, form, change):
        obj.resolved_by = request.user
        super().save_model(request, obj, form, change)
        ReviewItem.objects.filter(key=f"{obj.state.usps}|{obj.key}").update(
            status=ReviewStatus.RESOLVED
        )
        messages.info(
            request,
            "Saved. It applies from the next import; select it and run “Replay the history "
            "now” to apply it to every stored snapshot.",
        )

    @admin.action(description="Replay the history now (applies every resolution)")
    def replay_now(self, request, queryset):
        count = replay_all()
        messages.success(request, f"Replayed {count} snapshots with every resolution.")
