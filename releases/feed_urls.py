from django.urls import path

from releases import feeds

app_name = "feeds"
urlpatterns = [
    path("changes.atom", feeds.ChangesFeed(), name="changes"),
    path("jurisdictions/<slug:slug>.atom", feeds.JurisdictionFeed(), name="jurisdiction"),
    path("states/<str:usps>.atom", feeds.StateFeed(), name="state"),
    path("questions/<slug:slug>.atom", feeds.QuestionFeed(), name="question"),
]
