from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef
from django.http import HttpResponseRedirect
from django.utils.safestring import mark_safe
from simple_history.admin import SimpleHistoryAdmin

from jurisdictions.admin import JurisdictionAdmin, state_filter
from jurisdictions.models import Jurisdiction
from policies import services
from policies.admin_positions import instrument_decides_html, jurisdiction_positions_html
from policies.models import (
    Citation,
    Dimension,
    DimensionValue,
    Event,
    Instrument,
    Provision,
    ReviewState,
    Source,
    Suspension,
)


def can_publish(request) -> bool:
    return request.user.has_perm(services.PUBLISH_PERMISSION)


def is_editable_by(request, instrument: Instrument | None) -> bool:
    """Curators edit drafts only; what is in review or published changes through an editor."""
    if instrument is None or instrument.review_state == ReviewState.DRAFT:
        return True
    return can_publish(request)


class DraftOnlyInlineMixin:
    """Inline rows follow their instrument: read-only to curators once it leaves draft."""

    def instrument_of(self, obj):
        return obj

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and is_editable_by(
            request, self.instrument_of(obj)
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and is_editable_by(
            request, self.instrument_of(obj)
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and is_editable_by(
            request, self.instrument_of(obj)
        )


class ProvisionInline(DraftOnlyInlineMixin, admin.StackedInline):
    model = Provision
    fields = [("dimension", "value"), "pinpoint", "exceptions", "notes"]
    extra = 0
    show_change_link = True  # a provision's own citations are edited on its page

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "value":
            kwargs["queryset"] = DimensionValue.objects.select_related("dimension")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class InstrumentCitationInline(DraftOnlyInlineMixin, admin.TabularInline):
    model = Citation
    fk_name = "instrument"
    fields = ["source", "pinpoint", "quote"]
    autocomplete_fields = ["source"]
    extra = 0
    verbose_name = "source cited for the whole instrument"
    verbose_name_plural = "sources cited for the whole instrument"


class ProvisionCitationInline(DraftOnlyInlineMixin, admin.TabularInline):
    model = Citation
    fk_name = "provision"
    fields = ["source", "pinpoint", "quote"]
    autocomplete_fields = ["source"]
    extra = 0

    def instrument_of(self, obj):
        return obj.instrument if obj is not None else None


class CodesDimensionFilter(admin.SimpleListFilter):
    """Instruments with a provision on a dimension, as a subquery: the stock related filter
    joins provisions and makes the whole list DISTINCT, even when it is not used."""

    title = "dimension"
    parameter_name = "dimension"

    def lookups(self, request, model_admin):
        return list(Dimension.objects.values_list("slug", "name"))

    def queryset(self, request, queryset):
        if self.value():
            coded = Provision.objects.filter(
                instrument=OuterRef("pk"), dimension__slug=self.value()
            )
            return queryset.filter(Exists(coded))
        return queryset


@admin.register(Instrument)
class InstrumentAdmin(SimpleHistoryAdmin):
    list_display = [
        "title",
        "jurisdiction",
        "kind",
        "status",
        "effective_display",
        "ended_display",
        "binding",
        "review_state",
    ]
    list_filter = [
        "review_state",
        "kind",
        "status",
        "binding",
        "jurisdiction__level",
        state_filter("jurisdiction__state"),
        CodesDimensionFilter,
    ]
    list_select_related = ["jurisdiction", "jurisdiction__state"]
    # Recently changed first: what a curator is working on. Read backwards along the
    # updated_at index, where the model's order (by FIPS, through a join) sorted every
    # instrument for each page: 0.7 s at national scale.
    ordering = ["-updated_at", "-pk"]
    search_fields = [
        "title",
        "citation",
        "jurisdiction__name",
        "=jurisdiction__fips",
        "jurisdiction__ocd_id",
        "agency__name",
    ]
    autocomplete_fields = ["jurisdiction", "agency", "supersedes"]
    readonly_fields = [
        "review_state",
        "submitted_by",
        "submitted_at",
        "reviewed_by",
        "reviewed_at",
        "created_at",
        "updated_at",
        "decides_today",
    ]
    fieldsets = [
        (None, {"fields": ["title", "kind", "jurisdiction", "agency", "citation", "summary"]}),
        (
            "In force",
            {
                "fields": [
                    ("enacted_on", "enacted_precision"),
                    ("effective_on", "effective_precision"),
                    ("ended_on", "ended_precision"),
                    "status",
                    "supersedes",
                    "binding",
                ]
            },
        ),
        (
            "Review",
            {
                "fields": [
                    "review_state",
                    "confidence",
                    "draft_reason",
                    ("submitted_by", "submitted_at"),
                    ("reviewed_by", "reviewed_at"),
                    "last_verified_on",
                    ("created_at", "updated_at"),
                ]
            },
        ),
        ("Positions it decides", {"fields": ["decides_today"]}),
    ]
    inlines = [ProvisionInline, InstrumentCitationInline]
    actions = ["submit_for_review", "publish", "unpublish"]
    change_form_template = "admin/policies/instrument/change_form.html"

    @admin.display(description="Positions it decides today")
    def decides_today(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return mark_safe(instrument_decides_html(obj))  # noqa: S308  (template-escaped)

    @admin.display(description="effective", ordering="effective_on")
    def effective_display(self, obj):
        return obj.effective_display

    @admin.display(description="ended", ordering="ended_on")
    def ended_display(self, obj):
        return obj.ended_display

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and is_editable_by(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and is_editable_by(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "can_publish": can_publish(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    def response_change(self, request, obj):
        for button, workflow in (
            ("_submit_for_review", services.instrument_submit_for_review),
            ("_publish", services.instrument_publish),
            ("_unpublish", services.instrument_unpublish),
        ):
            if button in request.POST:
                self._run_workflow(request, workflow, [obj])
                return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def _run_workflow(self, request, workflow, instruments):
        for instrument in instruments:
            try:
                workflow(instrument=instrument, user=request.user)
            except PermissionDenied as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return
            except ValidationError as exc:
                problems = " ".join(exc.messages)
                self.message_user(
                    request, f"“{instrument}” was not changed: {problems}", messages.ERROR
                )
            else:
                state = instrument.get_review_state_display().lower()
                self.message_user(request, f"“{instrument}” is now {state}.", messages.SUCCESS)

    @admin.action(description="Submit selected drafts for review")
    def submit_for_review(self, request, queryset):
        self._run_workflow(request, services.instrument_submit_for_review, queryset)

    @admin.action(description="Publish selected instruments", permissions=["publish"])
    def publish(self, request, queryset):
        self._run_workflow(request, services.instrument_publish, queryset)

    @admin.action(description="Return selected instruments to draft", permissions=["publish"])
    def unpublish(self, request, queryset):
        self._run_workflow(request, services.instrument_unpublish, queryset)

    def has_publish_permission(self, request):
        return can_publish(request)


@admin.register(Provision)
class ProvisionAdmin(SimpleHistoryAdmin):
    list_display = ["instrument", "dimension", "value", "pinpoint"]
    list_filter = [
        "dimension",
        "instrument__review_state",
        state_filter("instrument__jurisdiction__state"),
    ]
    list_select_related = ["instrument", "dimension", "value", "value__dimension"]
    search_fields = ["instrument__title", "instrument__citation", "pinpoint", "exceptions"]
    autocomplete_fields = ["instrument"]
    inlines = [ProvisionCitationInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "value":
            kwargs["queryset"] = DimensionValue.objects.select_related("dimension")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        instrument = obj.instrument if obj is not None else None
        return super().has_change_permission(request, obj) and is_editable_by(request, instrument)

    def has_delete_permission(self, request, obj=None):
        instrument = obj.instrument if obj is not None else None
        return super().has_delete_permission(request, obj) and is_editable_by(request, instrument)


class DimensionValueInline(admin.StackedInline):
    model = DimensionValue
    fields = [
        ("rank", "slug", "label", "is_neutral"),
        "description",
        "definition",
        "decision_rule",
        "example",
    ]
    extra = 0


@admin.register(Dimension)
class DimensionAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "group", "position", "value_count"]
    list_filter = ["group"]
    search_fields = ["name", "slug", "question"]
    inlines = [DimensionValueInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(value_count=Count("values"))

    @admin.display(description="values", ordering="value_count")
    def value_count(self, obj):
        return obj.value_count


@admin.register(Source)
class SourceAdmin(SimpleHistoryAdmin):
    list_display = ["title", "publisher", "kind", "url", "published_on", "accessed_on"]
    list_filter = ["kind"]
    search_fields = ["title", "publisher", "url", "notes"]


@admin.register(Event)
class EventAdmin(SimpleHistoryAdmin):
    list_display = ["title", "jurisdiction", "kind", "occurred_on", "review_state"]
    list_filter = ["kind", "review_state", state_filter("jurisdiction__state")]
    list_select_related = ["jurisdiction", "jurisdiction__state"]
    search_fields = ["title", "description", "jurisdiction__name", "=jurisdiction__fips"]
    autocomplete_fields = ["jurisdiction", "sources"]
    date_hierarchy = "occurred_on"


@admin.register(Suspension)
class SuspensionAdmin(SimpleHistoryAdmin):
    """A court order enjoining one provision: saving it updates every position it reaches
    (policies.positions.signals)."""

    list_display = ["order", "provision", "starts_on", "ends_on"]
    list_select_related = ["provision__instrument", "provision__dimension", "provision__value"]
    search_fields = ["order", "provision__instrument__title", "end_reason"]
    autocomplete_fields = ["provision", "source"]
    date_hierarchy = "starts_on"


@admin.register(Citation)
class CitationAdmin(SimpleHistoryAdmin):
    list_display = ["source", "instrument", "provision", "pinpoint"]
    list_select_related = ["source", "instrument", "provision__dimension", "provision__value"]
    search_fields = ["source__title", "pinpoint", "quote", "instrument__title"]
    autocomplete_fields = ["source", "instrument", "provision"]


# The jurisdictions app knows nothing of positions: the jurisdiction's admin page gains its
# positions table here, where positions are known.
admin.site.unregister(Jurisdiction)


@admin.register(Jurisdiction)
class JurisdictionWithPositionsAdmin(JurisdictionAdmin):
    change_form_template = "admin/jurisdictions/jurisdiction/change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        jurisdiction = self.get_object(request, object_id)
        if jurisdiction is not None:
            preview = request.GET.get("preview") == "drafts"
            extra_context = {
                **(extra_context or {}),
                "positions_html": jurisdiction_positions_html(jurisdiction, include_drafts=preview),
                "previewing_drafts": preview,
            }
        return super().change_view(request, object_id, form_url, extra_context)
