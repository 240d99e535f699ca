"""Readers' open corrections, for the admin index (admin/index_with_corrections.html)."""

from django import template

from policies.models import Correction

register = template.Library()

LISTED = 10


@register.inclusion_tag("admin/policies/open_corrections.html", takes_context=True)
def open_corrections(context):
    user = context["request"].user
    if not user.has_perm("policies.view_correction"):
        return {"shown": False}
    found = Correction.objects.open().select_related("jurisdiction")
    listed = list(found[: LISTED + 1])
    return {
        "shown": True,
        "corrections": listed[:LISTED],
        "more": len(listed) > LISTED,
        "count": len(listed) if len(listed) <= LISTED else found.count(),
    }
