"""Everything held about one person, for their right of access (article 15 GDPR): one dict read
from the database (`person_data`), written as JSON (`person_json`) or as a readable PDF
(`person_pdf`, WeasyPrint like the reports and flyers).

It holds: identity and contacts; every consent (purpose, date, who recorded it, withdrawal);
the visits (stop, site, date, answers in words, topics, partners seen, note); the referrals
(which partner received what, status history with dates, reason); the bookings (appointments and
workshop registrations: date, place, partner or workshop, status); the screenings of rights
(date, month, rights found with their amounts while the answers are kept, never the answers);
and the access-log entries
about the person (date, account, action). Each app adds its own sections through the
personal-data registry (`core/privacy.py`): this module writes the reception's and the document.
"""

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from allervers.core.pdf import pdf_from_template
from allervers.core.privacy import person_export
from allervers.operators.models import Operator

from . import queries
from .models import Person, ReferralEvent
from .questions import answers_by_section


def _name_of(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.email


def _visit(visit) -> dict:
    return {
        "id": visit.pk,
        "date": visit.stop.date,
        "site": visit.stop.site.name,
        "stop": str(visit.stop.title or ""),
        "arrived_at": timezone.localtime(visit.arrived_at),
        "left_at": timezone.localtime(visit.left_at) if visit.left_at else None,
        "answers": [
            {"question": label, "answer": answer}
            for section in answers_by_section(visit).values()
            for label, answer in section
        ],
        "topics": [topic.name for topic in visit.topics.all()],
        "partners_seen": [partner.name for partner in visit.partners_seen.all()],
        "cyber_atelier": visit.get_cyber_purpose_display() if visit.cyber_used else "",
        "note": visit.note,
    }


def _referral(referral, events: list) -> dict:
    return {
        "id": referral.pk,
        "partner": referral.partner.name,
        "reason": referral.reason,
        "status": referral.get_status_display(),
        "proposed_at": timezone.localtime(referral.proposed_at),
        "visit_id": referral.visit_id,
        "history": [
            {
                "status": event.get_status_display(),
                "at": timezone.localtime(event.changed_at),
                "by": _name_of(event.changed_by),
                "note": event.note,
            }
            for event in events
        ],
    }


def person_data(operator: Operator, person: Person) -> dict:
    """Everything held about `person` (of `operator`), as plain values: the heading, then every
    section of the personal-data registry's holders (`core/privacy.py`), in their order."""
    return {
        "generated_at": timezone.localtime(),
        "structure": operator.name,
        "access_log_kept_months": settings.ALLERVERS_ACCESS_LOG_MONTHS,
        **person_export(operator, person),
    }


def reception_sections(operator: Operator, person: Person) -> dict:
    """The reception's sections of the export (its registry's `export`): identity and contacts,
    consents, visits, referrals with their history."""
    visits = (
        person.visits.select_related("stop__site")
        .prefetch_related("topics", "partners_seen")
        .order_by("arrived_at", "pk")
    )
    referrals = list(queries.referrals_of_person(operator, person).order_by("proposed_at", "pk"))
    events: dict[int, list] = {}
    for event in (
        ReferralEvent.objects.for_operator(operator)
        .filter(referral__in=referrals)
        .select_related("changed_by")
        .order_by("changed_at", "pk")
    ):
        events.setdefault(event.referral_id, []).append(event)
    return {
        "person": {
            "id": person.pk,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "phone": person.phone,
            "email": person.email,
            "created_at": timezone.localtime(person.created_at),
        },
        "consents": [
            {
                "purpose": consent.purpose,
                "purpose_label": consent.get_purpose_display(),
                "given_on": consent.given_on,
                "recorded_by": _name_of(consent.recorded_by),
                "recorded_at": timezone.localtime(consent.recorded_at),
                "withdrawn_at": timezone.localtime(consent.withdrawn_at)
                if consent.withdrawn_at
                else None,
                "withdrawn_by": _name_of(consent.withdrawn_by),
            }
            for consent in queries.consents_of_person(person)
        ],
        "visits": [_visit(visit) for visit in visits],
        "referrals": [_referral(r, events.get(r.pk, [])) for r in referrals],
    }


def person_json(data: dict) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


def person_pdf(data: dict) -> bytes:
    return pdf_from_template("reception/person_export_pdf.html", {"data": data})
