from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpResponseRedirect
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from jurisdictions.admin import EditorsWriteMixin, JurisdictionAdmin, ReviewedAdmin, state_filter
from jurisdictions.models import Jurisdiction
from policies import services
from policies.admin_positions import instrument_decides_html, jurisdiction_positions_html
from policies.forms import wants_drafts
from policies.models import (
    Citation,
    Correction,
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


def instruments_editable_by(request):
    """The instruments a provision or citation may be attached to by this user: a curator
    may not add to, or move a row onto, an instrument that is in review or published."""
    if can_publish(request):
        return Instrument.objects.all()
    return Instrument.objects.filter(review_state=ReviewState.DRAFT)


def refuse_unless_editable(request, instrument: Instrument | None) -> None:
    """The last check before a save: the form's choices already keep curators to drafts,
    and this keeps any other path (a crafted POST, a future form) to the same rule."""
    if not is_editable_by(request, instrument):
        raise PermissionDenied("Only editors change an instrument in review or published.")


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


REVIEW_FIELDS = [
    "review_state",
    "submitted_by_id",
    "submitted_at",
    "reviewed_by_id",
    "reviewed_at",
]


@admin.register(Instrument)
class InstrumentAdmin(ReviewedAdmin):
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
                    ("ended_on", "ended_precision", "ended_until"),
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

    def save_model(self, request, obj, form, change):
        """The review fields change only through the workflows in services.py. A history
        revert would otherwise restore an old version's review state (republishing an
        unpublished instrument, or skipping review), so the current ones are kept."""
        if change:
            current = Instrument.objects.filter(pk=obj.pk).values(*REVIEW_FIELDS).first()
            if current is not None:
                for field, value in current.items():
                    setattr(obj, field, value)
        refuse_unless_editable(request, obj)
        super().save_model(request, obj, form, change)


@admin.register(Provision)
class ProvisionAdmin(ReviewedAdmin):
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
        if db_field.name == "instrument":
            kwargs["queryset"] = instruments_editable_by(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            was = Provision.objects.select_related("instrument").get(pk=obj.pk).instrument
            refuse_unless_editable(request, was)
        refuse_unless_editable(request, obj.instrument)
        super().save_model(request, obj, form, change)

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
class DimensionAdmin(ReviewedAdmin):
    list_display = ["name", "slug", "group", "position", "value_count"]
    list_filter = ["group"]
    search_fields = ["name", "slug", "question"]
    inlines = [DimensionValueInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(value_count=Count("values"))

    @admin.display(description="values", ordering="value_count")
    def value_count(self, obj):
        return obj.value_count


def cited_in_public(source: Source) -> bool:
    """Whether the public can see this source: cited by an instrument in review or published
    (directly or through a provision), or by a published event."""
    beyond_draft = ~Q(review_state=ReviewState.DRAFT)
    instruments = Instrument.objects.filter(beyond_draft)
    return (
        Citation.objects.filter(source=source)
        .filter(Q(instrument__in=instruments) | Q(provision__instrument__in=instruments))
        .exists()
        or source.events.filter(review_state=ReviewState.PUBLISHED).exists()
    )


@admin.register(Source)
class SourceAdmin(ReviewedAdmin):
    list_display = ["title", "publisher", "kind", "url", "published_on", "accessed_on"]
    list_filter = ["kind"]
    search_fields = ["title", "publisher", "url", "notes"]

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if obj is None or not allowed or can_publish(request):
            return allowed
        return not cited_in_public(obj)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if obj is None or not allowed or can_publish(request):
            return allowed
        return not cited_in_public(obj)


@admin.register(Event)
class EventAdmin(ReviewedAdmin):
    """Curators write events as drafts; an editor publishes them (sets the review state)
    and alone changes one that is no longer a draft."""

    list_display = ["title", "jurisdiction", "kind", "occurred_on", "review_state"]
    list_filter = ["kind", "review_state", state_filter("jurisdiction__state")]
    list_select_related = ["jurisdiction", "jurisdiction__state"]
    search_fields = ["title", "description", "jurisdiction__name", "=jurisdiction__fips"]
    autocomplete_fields = ["jurisdiction", "sources"]
    date_hierarchy = "occurred_on"

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return readonly if can_publish(request) else ["review_state", *readonly]

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if obj is None or obj.review_state == ReviewState.DRAFT:
            return allowed
        return allowed and can_publish(request)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if obj is None or obj.review_state == ReviewState.DRAFT:
            return allowed
        return allowed and can_publish(request)

    def save_model(self, request, obj, form, change):
        if not can_publish(request):
            was = Event.objects.filter(pk=obj.pk).values_list("review_state", flat=True).first()
            if obj.review_state != ReviewState.DRAFT or was not in (None, ReviewState.DRAFT):
                raise PermissionDenied("Only editors publish events or change published ones.")
        super().save_model(request, obj, form, change)


def citing_instrument(citation: Citation) -> Instrument | None:
    if citation.instrument_id is not None:
        return citation.instrument
    if citation.provision_id is not None:
        return citation.provision.instrument
    return None


@admin.register(Suspension)
class SuspensionAdmin(EditorsWriteMixin, ReviewedAdmin):
    """A court order enjoining one provision: saving it updates every position it reaches
    (policies.positions.signals)."""

    list_display = ["order", "provision", "starts_on", "ends_on"]
    list_select_related = ["provision__instrument", "provision__dimension", "provision__value"]
    search_fields = ["order", "provision__instrument__title", "end_reason"]
    autocomplete_fields = ["provision", "source"]
    date_hierarchy = "starts_on"


@admin.register(Citation)
class CitationAdmin(ReviewedAdmin):
    """A citation follows its instrument: a curator adds, changes and deletes those of
    drafts only."""

    list_display = ["source", "instrument", "provision", "pinpoint"]
    list_select_related = ["source", "instrument", "provision__dimension", "provision__value"]
    search_fields = ["source__title", "pinpoint", "quote", "instrument__title"]
    autocomplete_fields = ["source", "instrument", "provision"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "instrument":
            kwargs["queryset"] = instruments_editable_by(request)
        if db_field.name == "provision":
            kwargs["queryset"] = Provision.objects.filter(
                instrument__in=instruments_editable_by(request)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        instrument = citing_instrument(obj) if obj is not None else None
        return super().has_change_permission(request, obj) and is_editable_by(request, instrument)

    def has_delete_permission(self, request, obj=None):
        instrument = citing_instrument(obj) if obj is not None else None
        return super().has_delete_permission(request, obj) and is_editable_by(request, instrument)

    def save_model(self, request, obj, form, change):
        if change:
            refuse_unless_editable(request, citing_instrument(Citation.objects.get(pk=obj.pk)))
        refuse_unless_editable(request, citing_instrument(obj))
        super().save_model(request, obj, form, change)


# The jurisdictions app knows nothing of positions: the jurisdiction's admin page gains its
# positions table here, where positions are known.
admin.site.unregister(Jurisdiction)


@admin.register(Jurisdiction)
class JurisdictionWithPositionsAdmin(JurisdictionAdmin):
    change_form_template = "admin/jurisdictions/jurisdiction/change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        jurisdiction = self.get_object(request, object_id)
        if jurisdiction is not None:
            preview = wants_drafts(request.GET)
            extra_context = {
                **(extra_context or {}),
                "positions_html": jurisdiction_positions_html(jurisdiction, include_drafts=preview),
                "previewing_drafts": preview,
            }
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    """Readers' reports from the public form. What the reader wrote is kept as sent; a
    curator records the outcome (status and note). Never published."""

    list_display = ["created_at", "status", "page_link", "what_is_wrong_short", "jurisdiction"]
    list_filter = ["status"]
    list_select_related = ["jurisdiction"]
    search_fields = ["what_is_wrong", "source", "page"]
    readonly_fields = [
        "page_link",
        "jurisdiction",
        "instrument",
        "what_is_wrong",
        "source",
        "email",
        "created_at",
    ]
    fields = [*readonly_fields, "status", "curator_note"]

    def has_add_permission(self, request):
        return False  # reports come from readers

    @admin.display(description="page")
    def page_link(self, obj):
        return format_html('<a href="{}">{}</a>', obj.page, obj.page)

    @admin.display(description="what is wrong")
    def what_is_wrong_short(self, obj):
        text = obj.what_is_wrong
        return text if len(text) <= 80 else f"{text[:80]}…"
