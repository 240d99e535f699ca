from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from jurisdictions.models import Agency, Jurisdiction, Level


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


class AgencyInline(admin.TabularInline):
    model = Agency
    fields = ["name", "slug", "kind", "ori"]
    extra = 0
    show_change_link = True


@admin.register(Jurisdiction)
class JurisdictionAdmin(SimpleHistoryAdmin):
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
class AgencyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "jurisdiction", "ori"]
    list_filter = ["kind", state_filter("jurisdiction__state")]
    list_select_related = ["jurisdiction", "jurisdiction__state"]
    search_fields = ["name", "=ori", "jurisdiction__name", "=jurisdiction__fips"]
    autocomplete_fields = ["jurisdiction"]
    prepopulated_fields = {"slug": ["name"]}
