from django.urls import path

from releases import views

app_name = "releases"
urlpatterns = [
    path("<int:number>/", views.release_page, name="release"),
    path("<int:number>/files/<str:name>", views.release_file, name="file"),
]
