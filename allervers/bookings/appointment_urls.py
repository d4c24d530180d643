"""The appointments' back-office addresses, under /accueil/rendez-vous/ (`urls.py` adds them)."""

from django.urls import path

from . import appointment_views as views

appointment_patterns = [
    path("rendez-vous/", views.appointment_list, name="appointment_list"),
    path("rendez-vous/reglages/", views.booking_settings, name="booking_settings"),
    path(
        "rendez-vous/reglages/partenaires/<int:partner_id>/",
        views.partner_booking_settings,
        name="partner_booking_settings",
    ),
    path(
        "rendez-vous/permanences/<int:stop_id>/ouvrir/",
        views.opening_create,
        name="opening_create",
    ),
    path("rendez-vous/ouvertures/<int:opening_id>/", views.opening_detail, name="opening_detail"),
    path(
        "rendez-vous/ouvertures/<int:opening_id>/modifier/",
        views.opening_edit,
        name="opening_edit",
    ),
    path(
        "rendez-vous/ouvertures/<int:opening_id>/fermer/",
        views.opening_close,
        name="opening_close",
    ),
    path(
        "rendez-vous/ouvertures/<int:opening_id>/reserver/",
        views.appointment_book,
        name="appointment_book",
    ),
    path(
        "rendez-vous/<int:appointment_id>/",
        views.appointment_detail,
        name="appointment_detail",
    ),
    path(
        "rendez-vous/<int:appointment_id>/annuler/",
        views.appointment_cancel,
        name="appointment_cancel",
    ),
    path(
        "rendez-vous/<int:appointment_id>/deplacer/",
        views.appointment_move,
        name="appointment_move",
    ),
    path(
        "rendez-vous/<int:appointment_id>/presence/",
        views.appointment_attendance,
        name="appointment_attendance",
    ),
]
