"""The coordinator's screen of the themes offered to residents who book online
(/accueil/rendez-vous/thematiques/): the partners who answer each theme."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from allervers.core.form_views import form_submit, posted
from allervers.core.pages import form_page
from allervers.core.roles import COORDINATOR_ROLES
from allervers.core.tenancy import operator_view, scoped
from allervers.partners.models import Partner
from allervers.reception.models import Topic

from .models import TopicPartner
from .services import topics
from .topic_forms import TopicPartnersForm

INTRO = (
    "Quand un habitant prend rendez-vous en ligne, il peut choisir son besoin (une "
    "thématique) au lieu d'un partenaire. Cochez les partenaires qui répondent à chaque "
    "thématique. Une thématique sans partenaire coché propose tous les partenaires qui ont "
    "des créneaux libres."
)


@operator_view(*COORDINATOR_ROLES)
def topic_partners(request):
    form = TopicPartnersForm(
        posted(request),
        topics=scoped(request, Topic).active().order_by("position", "name"),
        partners=scoped(request, Partner).active().order_by("name"),
        current=scoped(request, TopicPartner).partner_ids_by_topic(),
    )
    submission = form_submit(
        request,
        form,
        lambda data: topics.topic_partners_set(operator=request.operator, mapping=form.mapping()),
    )
    if submission.done:
        messages.success(request, "Les partenaires des thématiques sont enregistrés.")
        return redirect("bookings:topic_partners")
    return form_page(
        request,
        form,
        title="Rendez-vous en ligne : thématiques",
        intro=INTRO,
        submit="Enregistrer",
        back_url=reverse("home"),
    )
