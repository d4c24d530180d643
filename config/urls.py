from django.contrib import admin
from django.urls import include, path

from allervers.planning.views import home

urlpatterns = [
    path("", home, name="home"),
    path("compte/invitations/", include("allervers.operators.invitation_urls")),
    path("compte/", include("allervers.accounts.urls")),
    path("structure/vehicules/", include("allervers.planning.vehicle_urls")),
    path("structure/partenaires/", include("allervers.partners.urls")),
    path("structure/journal/", include("allervers.accesslog.urls")),
    path("structure/etat-du-service/", include("allervers.worker.urls")),
    path("structure/", include("allervers.operators.urls")),
    path("planning/", include("allervers.planning.urls")),
    path("accueil/droits/", include("allervers.screening.urls")),
    path("accueil/alertes/", include("allervers.alerts.urls")),
    path("accueil/", include("allervers.bookings.urls")),
    path("accueil/", include("allervers.reception.urls")),
    path("bilan/", include("allervers.reporting.urls")),
    path("admin-plateforme/", admin.site.urls),
    path("gestion/publication/", include("allervers.public.backoffice_urls")),
    # Public pages last: they start with an operator's slug.
    path("", include("allervers.public.urls")),
]

handler403 = "allervers.accounts.views.permission_denied"
handler404 = "allervers.accounts.views.page_not_found"
