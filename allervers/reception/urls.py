from django.urls import path

from . import sync, views

app_name = "reception"

urlpatterns = [
    path("", views.today, name="today"),
    path("visites/nouvelle/", views.visit_create, name="visit_create"),
    path("visites/synchroniser/", sync.visit_sync, name="visit_sync"),
    path("sw.js", sync.service_worker, name="service_worker"),
    path("visites/", views.visit_list, name="visit_list"),
    path("visites/export.csv", views.visit_export, name="visit_export"),
    path("visites/import/", views.visit_import, name="visit_import"),
    path("visites/<int:visit_id>/", views.visit_detail, name="visit_detail"),
    path("visites/<int:visit_id>/corriger/", views.visit_edit, name="visit_edit"),
    path("visites/<int:visit_id>/terminer/", views.visit_finish_now, name="visit_finish"),
    path("visites/<int:visit_id>/orienter/", views.referral_propose, name="referral_create"),
    path("visites/<int:visit_id>/rattacher/", views.visit_person_link, name="visit_link_person"),
    path("personnes/", views.person_search, name="person_search"),
    path("personnes/nouvelle/", views.person_create, name="person_create"),
    path("personnes/<int:person_id>/", views.person_detail, name="person_detail"),
    path(
        "personnes/<int:person_id>/retirer-un-accord/",
        views.person_consent_withdraw,
        name="person_consent_withdraw",
    ),
    path(
        "personnes/<int:person_id>/donner-un-accord/",
        views.person_consent_give,
        name="person_consent_give",
    ),
    path(
        "personnes/<int:person_id>/export.json",
        views.person_export_json,
        name="person_export_json",
    ),
    path("personnes/<int:person_id>/export.pdf", views.person_export_pdf, name="person_export_pdf"),
    path("personnes/<int:person_id>/effacer/", views.person_erase, name="person_erase"),
    path("effacements/", views.erasure_request_list, name="erasure_request_list"),
    path(
        "effacements/<int:erasure_request_id>/",
        views.erasure_request_decide,
        name="erasure_request_decide",
    ),
    path("conservation/", views.retention, name="retention"),
    path("orientations/", views.referral_list, name="referral_list"),
    path("orientations/<int:referral_id>/", views.referral_detail, name="referral_detail"),
    path("permanences/<int:stop_id>/cyber/", views.cyber_usage, name="cyber_usage"),
    path("reglages/", views.reception_settings, name="settings"),
]
