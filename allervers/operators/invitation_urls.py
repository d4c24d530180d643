"""The invited person's own pages (/compte/invitations/): any logged-in account, member of a
structure or not yet, answers the invitations addressed to it."""

from django.urls import path

from . import views

app_name = "invitations"

urlpatterns = [
    path("", views.invitation_list, name="list"),
    path("<int:membership_id>/", views.invitation_answer, name="answer"),
]
