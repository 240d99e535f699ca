"""Double coding in the admin: assignments with their answers, the side-by-side comparison
with differences marked and resolved by editors, the disagreement report; and blindness: a
second coder's admin hides the instrument (its provisions, citations, history) until both
codings are submitted."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from coding.models import SECOND, CodedAnswer, CodingAssignment, DifferenceResolution
from coding.selectors import batch_rule, blind_instrument_ids, disagreement_report, side_by_side
from coding.services import (
    RESOLVE_PERMISSION,
    coding_assign_second,
    coding_submit,
    difference_resolve,
)
from policies import admin as policies_admin
from policies.models import Citation, Dimension, Instrument, Provision


def is_editor(request) -> bool:
    return request.user.has_perm(RESOLVE_PERMISSION)


class CodedAnswerInline(admin.TabularInline):
    model = CodedAnswer
    extra = 0
    fields = ["dimension", "value", "pinpoint", "effective_on", "ended_on", "binding"]

    def _own_open(self, request, obj) -> bool:
        return obj is not None and obj.coder_id == request.user.pk and not obj.is_submitted

    def has_add_permission(self, request, obj=None):
        return self._own_open(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._own_open(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._own_open(request, obj)

    def has_view_permission(self, request, obj=None):
        return True  # the assignment itself is only shown to whom may see it


class AssignForm(forms.ModelForm):
    class Meta:
        model = CodingAssignment
        fields = ["instrument", "coder", "batch"]


@admin.register(CodingAssignment)
class CodingAssignmentAdmin(admin.ModelAdmin):
    list_display = ["instrument", "round", "coder", "batch", "submitted_at"]
    list_filter = ["batch", "round"]
    inlines = [CodedAnswerInline]
    actions = ["submit"]
    change_list_template = "coding/admin_change_list.html"
    autocomplete_fields = ["instrument"]

    def get_list_display(self, request):
        # Editors go from a second coding to the side-by-side comparison and the report.
        extra = ["comparison"] if is_editor(request) else []
        return [*super().get_list_display(request), *extra]

    @admin.display(description="Side by side")
    def comparison(self, obj):
        if obj.round != SECOND:
            return ""
        url = reverse("admin:coding_compare", args=[obj.instrument_id])
        return format_html('<a href="{}">Compare the two codings</a>', url)

    def get_queryset(self, request):
        codings = super().get_queryset(request).select_related("instrument", "coder")
        # A coder sees only their own codings; editors see every one.
        return codings if is_editor(request) else codings.filter(coder=request.user)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = AssignForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return ["instrument", "coder", "batch"] if obj is None else super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["instrument", "coder", "round", "batch", "submitted_at"]

    def has_add_permission(self, request):
        return is_editor(request)

    def has_change_permission(self, request, obj=None):
        return obj is None or obj.coder_id == request.user.pk or is_editor(request)

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff

    def has_module_permission(self, request):
        return request.user.is_staff

    def has_delete_permission(self, request, obj=None):
        return is_editor(request) and (obj is None or not obj.is_submitted)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        try:
            created = coding_assign_second(
                instrument=obj.instrument, coder=obj.coder, batch=obj.batch
            )
        except ValidationError as error:
            raise PermissionDenied("; ".join(error.messages)) from error
        obj.pk = created.pk
        obj.round = SECOND

    @admin.action(description="Submit my coding (final)")
    def submit(self, request, queryset):
        for assignment in queryset.filter(coder=request.user):
            coding_submit(assignment=assignment, user=request.user)
        self.message_user(request, "Submitted.", messages.SUCCESS)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("compare/<int:instrument_id>/", view(self.compare), name="coding_compare"),
            path("report/", view(self.report), name="coding_report"),
            *super().get_urls(),
        ]

    def compare(self, request, instrument_id):
        if not is_editor(request):
            raise PermissionDenied("Only editors compare codings.")
        instrument = get_object_or_404(Instrument, pk=instrument_id)
        codings = list(instrument.codings.select_related("coder"))
        both = len(codings) == 2 and all(c.is_submitted for c in codings)
        if request.method == "POST" and both:
            try:
                difference_resolve(
                    instrument=instrument,
                    dimension=get_object_or_404(Dimension, pk=request.POST.get("dimension")),
                    user=request.user,
                    note=request.POST.get("note", ""),
                    chosen_round=int(request.POST["chosen_round"])
                    if request.POST.get("chosen_round")
                    else None,
                )
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(request, "Difference resolved.", messages.SUCCESS)
            return redirect("admin:coding_compare", instrument_id)
        resolutions = {r.dimension_id: r for r in instrument.coding_resolutions.all()}
        rows = side_by_side(instrument=instrument) if both else []
        return TemplateResponse(
            request,
            "coding/compare.html",
            {
                **self.admin_site.each_context(request),
                "title": f"Two codings of {instrument}",
                "instrument": instrument,
                "codings": sorted(codings, key=lambda c: c.round),
                "both_submitted": both,
                "rows": [(row, resolutions.get(row.dimension.pk)) for row in rows],
            },
        )

    def report(self, request):
        if not is_editor(request):
            raise PermissionDenied("Only editors read the disagreement report.")
        report = disagreement_report()
        return TemplateResponse(
            request,
            "coding/report.html",
            {
                **self.admin_site.each_context(request),
                "title": "Disagreement between coders",
                "report": report,
                "batches": [(b, r, batch_rule(r)) for b, r in report["batch"].items()],
            },
        )


@admin.register(DifferenceResolution)
class DifferenceResolutionAdmin(admin.ModelAdmin):
    list_display = ["instrument", "dimension", "chosen_round", "resolved_by", "resolved_at"]
    readonly_fields = ["instrument", "dimension", "chosen_round", "note", "resolved_by"]

    def has_add_permission(self, request):
        return False

    def has_module_permission(self, request):
        return is_editor(request)

    def has_view_permission(self, request, obj=None):
        return is_editor(request)


# Blindness: the curation admin of instruments, provisions and citations hides what a
# second coder must not see yet. Their own admin classes stay in policies/admin.py.
class BlindMixin:
    instrument_paths: tuple[str, ...] = ()

    def get_queryset(self, request):
        hidden = blind_instrument_ids(user=request.user)
        rows = super().get_queryset(request)
        for instrument_path in self.instrument_paths if hidden else ():
            rows = rows.exclude(**{f"{instrument_path}__in": hidden})
        return rows

    def history_view(self, request, object_id, extra_context=None):
        # simple_history reads the record without get_queryset: check it here.
        if not self.get_queryset(request).filter(pk=object_id).exists():
            raise Http404(f"No {self.model._meta.verbose_name} {object_id}.")
        return super().history_view(request, object_id, extra_context)


for model, admin_class, instrument_paths in (
    (Instrument, policies_admin.InstrumentAdmin, ("pk",)),
    (Provision, policies_admin.ProvisionAdmin, ("instrument",)),
    (Citation, policies_admin.CitationAdmin, ("instrument", "provision__instrument")),
):
    admin.site.unregister(model)
    admin.site.register(
        model,
        type(
            f"Blind{admin_class.__name__}",
            (BlindMixin, admin_class),
            {"instrument_paths": instrument_paths},
        ),
    )
