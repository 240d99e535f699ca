"""An Atom feed of what each of ICE's sheets changed (Django's syndication framework)."""

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from agreements import selectors


class ChangesFeed(Feed):
    feed_type = Atom1Feed
    title = "PolicyHub: 287(g) changes on ICE's lists"
    subtitle = "Agreements added, renewed, switched, corrected or ended; requests pending."

    def link(self):
        return reverse("agreements:overview")

    def items(self):
        return selectors.recent_changes()

    def item_title(self, change):
        if change.agreement_id:
            subject = f"{change.agreement.agency.name} ({change.agreement.get_model_display()})"
        else:
            subject = f"{change.pending.agency_name} ({change.pending.get_model_display()})"
        return f"{change.get_kind_display()}: {subject}"

    def item_description(self, change):
        return f"ICE's list published {change.snapshot.published_label}. {change.detail}".strip()

    def item_link(self, change):
        url = reverse("agreements:snapshot", args=[change.snapshot_id])
        return f"{url}#change-{change.pk}"

    def item_guid(self, change):
        return f"policyhub-287g-change-{change.snapshot_id}-{change.kind}-{change.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, change):
        return change.snapshot.captured_at or change.snapshot.imported_at

    def item_updateddate(self, change):
        return change.snapshot.captured_at or change.snapshot.imported_at
