from django.urls import path

from . import views

app_name = "alerts"

urlpatterns = [
    path("", views.alerts_overview, name="overview"),
    path("inscrire/", views.agent_subscribe, name="agent_subscribe"),
    path("lieux/<int:site_id>/pause/", views.site_pause, name="site_pause"),
]
