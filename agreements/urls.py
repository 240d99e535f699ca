from django.urls import path

from agreements import views
from agreements.feeds import ChangesFeed

app_name = "agreements"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("snapshots/<int:pk>/", views.snapshot_detail, name="snapshot"),
    path("feed/", ChangesFeed(), name="feed"),
]
