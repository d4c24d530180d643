from django.urls import path

from . import views

app_name = "partners"

urlpatterns = [
    path("", views.partner_list, name="list"),
    path("nouveau/", views.partner_create, name="create"),
    path("<int:partner_id>/", views.partner_detail, name="detail"),
    path("<int:partner_id>/modifier/", views.partner_edit, name="edit"),
    path("<int:partner_id>/archiver/", views.partner_archive, name="archive"),
    path("<int:partner_id>/inviter/", views.partner_invite, name="invite"),
]
