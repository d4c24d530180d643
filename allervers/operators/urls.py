from django.urls import path

from . import views

app_name = "operators"

urlpatterns = [
    path("changer/", views.operator_switch, name="switch"),
]
