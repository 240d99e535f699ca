"""Releases in the admin: read-only rows, and a button (editors only) that cuts the next."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path

from releases.models import Release
from releases.services import ReleaseRefused, release_cut

CUT_PERMISSION = "releases.add_release"


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ["number", "cut_at", "cut_by", "archive_sha256"]
    readonly_fields = [f.name for f in Release._meta.fields]
    change_list_template = "releases/admin_change_list.html"
    actions = ["cut_next_release"]

    def has_add_permission(self, request):
        return False  # releases are cut, not typed in

    def has_change_permission(self, request, obj=None):
        return False  # and never rewritten

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path("cut/", self.admin_site.admin_view(self.cut_view), name="releases_release_cut"),
            *super().get_urls(),
        ]

    def _cut(self, request):
        if not request.user.has_perm(CUT_PERMISSION):
            raise PermissionDenied("Only editors cut releases.")
        try:
            release = release_cut(user=request.user)
        except ReleaseRefused as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
        else:
            self.message_user(
                request,
                f"Release {release.number} cut; SHA-256 {release.archive_sha256}.",
                messages.SUCCESS,
            )

    def cut_view(self, request):
        if request.method != "POST":
            return redirect("admin:releases_release_changelist")
        self._cut(request)
        return redirect("admin:releases_release_changelist")

    @admin.action(description="Cut the next release", permissions=["cut"])
    def cut_next_release(self, request, queryset):
        self._cut(request)

    def has_cut_permission(self, request):
        return request.user.has_perm(CUT_PERMISSION)
