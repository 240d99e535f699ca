from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from jurisdictions.models import Agency, Jurisdiction, Level

# Editors hold this permission (policies/migrations/0002_roles.py); curators do not. It marks
# who may change what the public sees, in every app's admin.
EDITOR_PERMISSION = "policies.publish_instrument"


def is_editor(request) -> bool:
    return request.user.has_perm(EDITOR_PERMISSION)


class ReviewedAdmin(SimpleHistoryAdmin):
    """The admin for every curated model: the history pages of django-simple-history, with
    the two write paths that bypass a model admin's own permission checks closed.

    - The history "revert" form (history/<id>/<version>/) saves an old version after checking
      only the *view* permission, and the old version carries its old review state. Here it
      is read-only to curators, and an editor's revert must also pass the change permission
      on the record as it is now.
    - The changelist's "delete selected" action checks the delete permission once, without
      an object; here every selected object must pass it, or nothing is deleted.
    """

    def revert_disabled(self, request, obj=None):
        return not is_editor(request) or super().revert_disabled(request, obj)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            current = self.get_object(request, unquote(object_id))
            if (
                current is None
                or not is_editor(request)
                or not self.has_change_permission(request, current)
            ):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def delete_queryset(self, request, queryset):
        if not all(self.has_delete_permission(request, obj) for obj in queryset):
            raise PermissionDenied
        super().delete_queryset(request, queryset)


def state_filter(field_path: str, title: str = "state"):
    """A list filter over states only. The stock related-field filter would list every
    one of the ~3,200 jurisdictions."""

    class StateFilter(admin.SimpleListFilter):
        parameter_name = field_path.replace("__", "_")

        def lookups(self, request, model_admin):
            states = Jurisdiction.objects.filter(level__in=[Level.STATE, Level.TERRITORY])
            return [
                (str(pk), name) for pk, name in states.order_by("name").values_list("pk", "name")
            ]

        def queryset(self, request, queryset):
            if self.value():
                return queryset.filter(**{field_path: self.value()})
            return queryset

    StateFilter.title = title
    return StateFilter


class EditorsWriteMixin:
    """Jurisdictions and agencies are reference data with no draft state: whatever changes
    is public at once (a county's parent decides which state rules reach it), so editors
    write them and curators read them."""

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) and is_editor(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and is_editor(request)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and is_editor(request)


class AgencyInline(EditorsWriteMixin, admin.TabularInline):
    model = Agency
    fields = ["name", "slug", "kind", "ori"]
    extra = 0
    show_change_link = True


@admin.register(Jurisdiction)
class JurisdictionAdmin(EditorsWriteMixin, ReviewedAdmin):
    list_display = ["name", "level", "fips", "usps", "ocd_id", "parent"]
    list_filter = ["level", state_filter("state")]
    list_select_related = ["parent", "parent__state", "state"]
    search_fields = ["name", "=fips", "ocd_id", "=usps", "slug"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["state", "created_at", "updated_at"]
    prepopulated_fields = {"slug": ["name"]}
    fields = [
        "name",
        "slug",
        "level",
        "parent",
        "state",
        "fips",
        "ocd_id",
        "usps",
        "created_at",
        "updated_at",
    ]
    inlines = [AgencyInline]
    show_full_result_count = False


@admin.register(Agency)
class AgencyAdmin(EditorsWriteMixin, ReviewedAdmin):
    list_display = ["name", "kind", "jurisdiction", "ori"]
    list_filter = ["kind", state_filter("jurisdiction__state")]
    list_select_related = ["jurisdiction", "jurisdiction__state"]
    search_fields = ["name", "=ori", "jurisdiction__name", "=jurisdiction__fips"]
    autocomplete_fields = ["jurisdiction"]
    prepopulated_fields = {"slug": ["name"]}
