from django.urls import path

from . import parking_views, views

app_name = "reporting"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("rapport.pdf", views.export_pdf, name="export_pdf"),
    path("chiffres.xlsx", views.export_xlsx, name="export_xlsx"),
    path("chiffres.csv", views.export_csv, name="export_csv"),
    path("stationnement/", parking_views.parking, name="parking"),
    path("clotures/", views.closures, name="closures"),
    path("clotures/clore/", views.year_close, name="year_close"),
    path("clotures/rouvrir/", views.year_reopen, name="year_reopen"),
]
