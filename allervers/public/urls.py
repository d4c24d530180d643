"""The public site. Fixed prefixes come first: an operator's slug is the first path segment."""

from django.urls import path, re_path

from . import booking_views, views
from .api import anonymous_urls

app_name = "public"

urlpatterns = [
    path("api/v1/", anonymous_urls()),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("reservation/<str:token>/", booking_views.booking_manage, name="booking_manage"),
    path("<slug:operator_slug>/", views.operator_page, name="operator"),
    path("<slug:operator_slug>/widget/", views.widget, name="widget"),
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
