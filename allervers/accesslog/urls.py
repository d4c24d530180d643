from django.urls import path

from . import views

app_name = "accesslog"

urlpatterns = [
    path("", views.journal, name="journal"),
    path("export.csv", views.journal_export, name="journal_export"),
]
