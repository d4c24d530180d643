"""The vehicle screens, mounted under /structure/vehicules/ (config/urls.py): they set up the
structure, as the team and partner screens do, though their views belong to the planning."""

from django.urls import path

from .views import vehicles

app_name = "vehicles"

urlpatterns = [
    path("", vehicles.vehicle_list, name="list"),
    path("nouveau/", vehicles.vehicle_create, name="create"),
    path("<int:vehicle_id>/modifier/", vehicles.vehicle_edit, name="edit"),
    path("<int:vehicle_id>/archiver/", vehicles.vehicle_archive, name="archive"),
]
