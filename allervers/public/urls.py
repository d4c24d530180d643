"""The public site. Fixed prefixes come first: an operator's slug is the first path segment."""

from django.urls import path, re_path

from allervers.bookings.sms import reports as sms_reports

from . import alert_views, booking_views, rights_views, views
from .api import anonymous_urls

app_name = "public"

urlpatterns = [
    path("api/v1/", anonymous_urls()),
    path("accessibilite/", views.accessibility, name="accessibility"),
    # The SMS provider's delivery reports (its secret in the address: docs/deployment.md).
    path(
        "api/sms/etats/<str:provider>/<str:secret>/",
        sms_reports.delivery_reports,
        name="sms_delivery_reports",
    ),
    # A booking's own pages, from its signed link (no account).
    # The short form an SMS carries: it leads to the page of the signed link.
    path("reservation/c/<str:code>/", booking_views.booking_short, name="booking_short"),
    path("reservation/<str:token>/", booking_views.booking_manage, name="booking_manage"),
    path(
        "reservation/<str:token>/confirmation/",
        booking_views.booking_confirmed,
        name="booking_confirmed",
    ),
    path("reservation/<str:token>/annuler/", booking_views.booking_cancel, name="booking_cancel"),
    path("reservation/<str:token>/deplacer/", booking_views.booking_move, name="booking_move"),
    # « Prévenez-moi » (issue 28): a message's link, and the provider's inbound SMS (« STOP »).
    path("alertes/sms-entrant/", alert_views.alert_inbound_sms, name="alert_inbound_sms"),
    path("alertes/<str:subscription_code>/", alert_views.alert_link, name="alert_link"),
    # « Vos droits estimés » sent to the person (issue 26.3): the short link of the message.
    path("droits/<str:link_token>/", rights_views.estimated_rights, name="estimated_rights"),
    path(
        "droits/<str:link_token>/pdf/",
        rights_views.estimated_rights_pdf,
        name="estimated_rights_pdf",
    ),
    path("<slug:operator_slug>/", views.operator_page, name="operator"),
    path("<slug:operator_slug>/alertes/", alert_views.alert_subscribe, name="alert_subscribe"),
    path(
        "<slug:operator_slug>/alertes/confirmer/<str:subscription_code>/",
        alert_views.alert_confirm,
        name="alert_confirm",
    ),
    path(
        "<slug:operator_slug>/alertes/desinscription/",
        alert_views.alert_unsubscribe,
        name="alert_unsubscribe",
    ),
    path("<slug:operator_slug>/widget/", views.widget, name="widget"),
    # Booking online (not cached): an appointment in three steps, a workshop seat.
    path("<slug:operator_slug>/rendez-vous/", booking_views.booking_start, name="booking_start"),
    path(
        "<slug:operator_slug>/rendez-vous/passages/",
        booking_views.booking_stops,
        name="booking_stops",
    ),
    path(
        "<slug:operator_slug>/rendez-vous/creneau/",
        booking_views.booking_slot,
        name="booking_slot",
    ),
    path(
        "<slug:operator_slug>/ateliers/<int:workshop_id>/",
        booking_views.workshop_page,
        name="workshop",
    ),
    path("<slug:operator_slug>/agenda.ics", views.feed, name="feed"),
    path(
        "<slug:operator_slug>/accessibilite/",
        views.accessibility,
        name="operator_accessibility",
    ),
    path("<slug:operator_slug>/lieux/<slug:site_slug>/", views.site_page, name="site"),
    path(
        "<slug:operator_slug>/lieux/<slug:site_slug>/agenda.ics",
        views.site_feed,
        name="site_feed",
    ),
    path(
        "<slug:operator_slug>/partenaires/<slug:partner_slug>/agenda.ics",
        views.partner_feed,
        name="partner_feed",
    ),
    path(
        "<slug:operator_slug>/donnees/data-inclusion.json",
        views.data_inclusion,
        name="data_inclusion",
    ),
    path(
        "<slug:operator_slug>/donnees/lieux-mediation-numerique.csv",
        views.lieux_mediation,
        name="lieux_mediation",
    ),
    # Any other address under an operator (ending with "/", so that APPEND_SLASH still works):
    # the residents' 404, with a link to the operator's page.
    re_path(
        r"^(?P<operator_slug>[-a-zA-Z0-9_]+)/(?P<rest>.+/)$", views.unknown_page, name="unknown"
    ),
]
