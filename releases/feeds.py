"""Atom feeds of what changed: everything, one jurisdiction (its own and inherited
instruments), one state, one question. Entries are instruments published or edited, and
withdrawals with their reason; each links to the instrument's page."""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from jurisdictions.models import Jurisdiction, Level
from policies.models import Dimension
from releases import changes


class ChangesFeed(Feed):
    feed_type = Atom1Feed
    title = "PolicyHub: every change"
    subtitle = "Instruments published, edited or withdrawn."
    author_name = "PolicyHub"  # Atom requires an author for the feed or every entry

    def link(self, obj=None):
        return reverse("site:downloads")

    def items(self, obj=None):
        return changes.feed_everything()

    def item_title(self, item):
        verb = "Withdrawn" if item.action == "withdrawn" else "Published or updated"
        return f"{verb}: {item.title}"

    def item_description(self, item):
        if item.action == "withdrawn":
            how = "deleted" if item.deleted else "returned to draft"
            return f"The {item.kind} was {how}. Reason: {item.reason or 'none given'}."
        return f"The {item.kind} as published now."

    def item_link(self, item):
        path = reverse("site:instrument", args=[item.id]) if item.kind == "instrument" else "/"
        return f"{path}#change-{item.action}-{item.at:%Y%m%dT%H%M%S%f}"

    def item_guid(self, item):
        return f"policyhub:{item.kind}:{item.id}:{item.action}:{item.at.isoformat()}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.at

    def item_updateddate(self, item):
        return item.at


class JurisdictionFeed(ChangesFeed):
    def get_object(self, request, slug):
        jurisdiction = Jurisdiction.objects.filter(slug=slug).select_related("parent").first()
        if jurisdiction is None:
            raise Http404(f"No jurisdiction {slug!r}.")
        return jurisdiction

    def title(self, obj):
        return f"PolicyHub: changes for {obj.name}"

    def subtitle(self, obj):
        return f"Instruments of {obj.name} and those binding on it from above."

    def link(self, obj):
        return reverse("site:jurisdiction", args=[obj.slug])

    def items(self, obj):
        return changes.feed_of_jurisdiction(jurisdiction=obj)


class StateFeed(ChangesFeed):
    def get_object(self, request, usps):
        state = Jurisdiction.objects.filter(
            usps=usps.upper(), level__in=[Level.STATE, Level.TERRITORY]
        ).first()
        if state is None:
            raise Http404(f"No state with USPS code {usps!r}.")
        return state

    def title(self, obj):
        return f"PolicyHub: changes in {obj.name}"

    def subtitle(self, obj):
        return f"Instruments of {obj.name} and of every county and place in it."

    def link(self, obj):
        return reverse("site:jurisdiction", args=[obj.slug])

    def items(self, obj):
        return changes.feed_of_state(state=obj)


class QuestionFeed(ChangesFeed):
    def get_object(self, request, slug):
        dimension = Dimension.objects.filter(slug=slug).first()
        if dimension is None:
            raise Http404(f"No question (dimension) {slug!r}.")
        return dimension

    def title(self, obj):
        return f"PolicyHub: changes on {obj.name}"

    def subtitle(self, obj):
        return obj.question

    def link(self, obj):
        return reverse("site:codebook") + f"#{obj.slug}"

    def items(self, obj):
        return changes.feed_of_question(dimension=obj)
