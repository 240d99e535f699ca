from django.urls import path

from public import views

app_name = "site"
urlpatterns = [
    path("jurisdictions/<slug:slug>/", views.jurisdiction, name="jurisdiction"),
    path("instruments/<int:pk>/", views.instrument, name="instrument"),
]
