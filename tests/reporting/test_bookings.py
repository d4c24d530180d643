"""Appointments and workshops in the report (issue 13): every figure computed by hand, the
filters, the visits counted once, the small-count rule, a closed year's stored figures, and the
four outputs (page, PDF, XLSX, CSV)."""

import csv
import datetime
import io
import re
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from allervers.bookings.enums import AppointmentStatus, Attendance, RegistrationStatus
from allervers.core.roles import Role
from allervers.planning.enums import CancelReason, StopStatus
from allervers.reception.enums import VisitMode
from allervers.reporting.periods import Period
from allervers.reporting.queries import Scope, report_compute, report_figures
from allervers.reporting.services import year_close
from tests.bookings.factories import (
    AppointmentFactory,
    AppointmentOpeningFactory,
    RegistrationFactory,
    WorkshopFactory,
)
from tests.html import text_of, without_cell_labels
from tests.partners.factories import PartnerFactory
from tests.planning.factories import SiteFactory, StopFactory
from tests.reception.factories import VisitFactory

pytestmark = pytest.mark.django_db

YEAR = 2024
TODAY = datetime.date(2024, 6, 1)  # the September stop's workshop is still to come
YEAR_QUERY = {"periode": "annee", "annee": str(YEAR)}

HONOURED, EXCUSED, NO_SHOW, BOOKED, CANCELLED = (
    AppointmentStatus.HONOURED,
    AppointmentStatus.EXCUSED,
    AppointmentStatus.NO_SHOW,
    AppointmentStatus.BOOKED,
    AppointmentStatus.CANCELLED,
)


def appointments(opening, **statuses) -> list:
    made = []
    for status, n in statuses.items():
        made += AppointmentFactory.create_batch(
            n, opening=opening, status=getattr(AppointmentStatus, status.upper())
        )
    return made


def registrations(workshop, n, **fields) -> list:
    return RegistrationFactory.create_batch(n, workshop=workshop, **fields)


@pytest.fixture
def bookings(operator, other_operator):
    """Appointments: France Travail 14 booked (9 honoured, 1 excused, 3 no-shows, 1 pending) and
    1 cancelled; the bus team 3 (2 honoured, 1 no-show); the PLIE 1 excused. Workshops: « Atelier
    CV » 2 sessions, 16 seats, 14 registered (12 present, 1 absent), 3 left waiting, 2 promoted;
    « Creative lab » 1 session, 10 seats, 5 registered and present. Plus rows that never count."""
    site_a = SiteFactory(operator=operator, name="Place A")
    site_b = SiteFactory(operator=operator, name="Place B")
    travail = PartnerFactory(operator=operator, name="France Travail")
    plie = PartnerFactory(operator=operator, name="PLIE")

    def stop(site, day, **fields):
        return StopFactory(operator=operator, site=site, date=day, **fields)

    s1 = stop(site_a, datetime.date(YEAR, 3, 5))
    s2 = stop(site_b, datetime.date(YEAR, 5, 7))
    cancelled_stop = stop(
        site_a,
        datetime.date(YEAR, 4, 2),
        status=StopStatus.CANCELLED,
        cancel_reason=CancelReason.WEATHER,
    )
    before = stop(site_a, datetime.date(YEAR - 1, 12, 12))

    def opening(on, partner=None):
        return AppointmentOpeningFactory(stop=on, partner=partner)

    travail_s1 = appointments(
        opening(s1, travail), honoured=6, no_show=1, excused=1, cancelled=1, booked=1
    )
    appointments(opening(s1), honoured=2, no_show=1)
    appointments(opening(s2, travail), honoured=3, no_show=2)
    appointments(opening(s2, plie), excused=1)
    appointments(opening(cancelled_stop, travail), booked=2)  # its stop was cancelled
    appointments(opening(before, travail), honoured=1)  # the year before
    other = StopFactory(operator=other_operator, date=datetime.date(YEAR, 3, 5))
    appointments(AppointmentOpeningFactory(stop=other), honoured=5)

    # The honoured appointment is the visit « sur rendez-vous »: one visit, not two.
    visit = VisitFactory(operator=operator, stop=s1, mode=VisitMode.APPOINTMENT)
    honoured = travail_s1[0]
    honoured.visit = visit
    honoured.save(update_fields=["visit"])

    registered = {"status": RegistrationStatus.REGISTERED}
    cv1 = WorkshopFactory(stop=s1, title="Atelier CV", capacity=8)
    registrations(cv1, 4, attendance=Attendance.PRESENT, **registered)
    registrations(cv1, 1, attendance=Attendance.ABSENT, **registered)
    registrations(cv1, 1, promoted_at=timezone.now(), **registered)  # attendance not recorded
    registrations(cv1, 1, status=RegistrationStatus.WAITING)
    registrations(cv1, 1, status=RegistrationStatus.CANCELLED)
    cv2 = WorkshopFactory(stop=s2, title="Atelier CV", capacity=8)
    registrations(cv2, 7, attendance=Attendance.PRESENT, **registered)
    registrations(cv2, 1, attendance=Attendance.PRESENT, promoted_at=timezone.now(), **registered)
    registrations(cv2, 2, status=RegistrationStatus.WAITING)
    lab = WorkshopFactory(stop=s2, title="Creative lab", capacity=10)
    registrations(lab, 5, attendance=Attendance.PRESENT, **registered)
    # Never counted: a cancelled session, a session of a cancelled stop.
    registrations(WorkshopFactory(stop=s2, cancelled_at=timezone.now()), 3)
    registrations(WorkshopFactory(stop=cancelled_stop, title="Creative lab"), 3)
    return SimpleNamespace(
        operator=operator, site_a=site_a, site_b=site_b, travail=travail, plie=plie, visit=visit
    )


def compute(operator, **filters) -> dict:
    return report_compute(Scope(operator.pk, Period.year(YEAR), TODAY, **filters))


def test_the_appointments_by_partner(bookings):
    figures = compute(bookings.operator)["bookings"]["appointments"]
    rows = {row["name"]: row for row in figures["rows"]}
    # The partners by name, the bus team last.
    assert [row["name"] for row in figures["rows"]] == ["France Travail", "PLIE", "L'équipe du bus"]
    assert rows["France Travail"] | {"key": None} == {
        "key": None,
        "name": "France Travail",
        "booked": 14,
        "honoured": 9,
        "excused": 1,
        "no_show": 3,
        "pending": 1,
        "cancelled": 1,
    }
    assert rows["L'équipe du bus"]["booked"] == 3
    assert rows["PLIE"]["excused"] == 1
    assert figures["total"] == {
        "booked": 18,
        "honoured": 11,
        "excused": 2,
        "no_show": 4,
        "pending": 1,
        "cancelled": 1,
    }


def test_the_workshops_by_title(bookings):
    # Nor a session still to come (after the report's today).
    later = StopFactory(operator=bookings.operator, date=TODAY + datetime.timedelta(days=1))
    registrations(WorkshopFactory(stop=later), 3)
    figures = compute(bookings.operator)["bookings"]["workshops"]
    assert figures["rows"] == [
        {
            "title": "Atelier CV",
            "sessions": 2,
            "seats": 16,
            "registered": 14,
            "present": 12,
            "absent": 1,
            "waiting": 3,
            "promoted": 2,
        },
        {
            "title": "Creative lab",
            "sessions": 1,
            "seats": 10,
            "registered": 5,
            "present": 5,
            "absent": 0,
            "waiting": 0,
            "promoted": 0,
        },
    ]
    assert figures["total"]["sessions"] == 3
    assert figures["total"]["seats"] == 26
    assert figures["total"]["registered"] == 19


def test_an_honoured_appointment_with_its_visit_counts_one_visit(bookings):
    report = compute(bookings.operator)
    assert report["visits"]["visits"] == 1
    assert bookings.visit.appointment.status == HONOURED


def test_a_site_filter_keeps_its_stops_bookings(bookings):
    site_a = compute(bookings.operator, site_id=bookings.site_a.pk)["bookings"]
    assert site_a["appointments"]["total"]["booked"] == 12  # 9 France Travail, 3 the team
    assert [row["title"] for row in site_a["workshops"]["rows"]] == ["Atelier CV"]
    assert site_a["workshops"]["total"]["registered"] == 6
    site_b = compute(bookings.operator, site_id=bookings.site_b.pk)["bookings"]
    assert site_b["appointments"]["total"]["booked"] == 6
    assert site_b["workshops"]["total"]["sessions"] == 2


def test_a_partner_filter_keeps_its_appointments_and_no_workshop(bookings):
    figures = compute(bookings.operator, partner_id=bookings.travail.pk)["bookings"]
    assert [row["name"] for row in figures["appointments"]["rows"]] == ["France Travail"]
    assert figures["appointments"]["total"]["booked"] == 14
    assert figures["workshops"] is None


def test_a_closed_year_keeps_its_stored_figures_after_rows_change(bookings, coordinator):
    year_close(operator=bookings.operator, year=YEAR, user=coordinator)
    # Afterwards: an appointment recorded late, a workshop added, a registration cancelled.
    AppointmentFactory.create_batch(
        3,
        opening=AppointmentOpeningFactory(stop=bookings.visit.stop, partner=bookings.plie),
        status=NO_SHOW,
    )
    WorkshopFactory(stop=bookings.visit.stop, title="Creative lab", capacity=12)
    from allervers.bookings.models import Registration

    Registration.objects.filter(operator=bookings.operator).update(
        status=RegistrationStatus.CANCELLED, attendance=""
    )
    today = datetime.date(YEAR + 2, 1, 1)
    for filters, booked, sessions in [
        ({}, 18, 3),
        ({"site_id": bookings.site_a.pk}, 12, 1),
        ({"partner_id": bookings.travail.pk}, 14, None),
    ]:
        scope = Scope(bookings.operator.pk, Period.year(YEAR), today, **filters)
        stored = report_figures(scope)
        assert stored.closure is not None
        figures = stored.report["bookings"]
        assert figures["appointments"]["total"]["booked"] == booked
        if sessions is not None:
            assert figures["workshops"]["total"]["sessions"] == sessions
            assert figures["workshops"]["total"]["registered"] > 0
    live = report_compute(Scope(bookings.operator.pk, Period.year(YEAR), today))["bookings"]
    assert live["appointments"]["total"]["booked"] == 21
    assert live["workshops"]["total"]["registered"] == 0


def section(page: str) -> str:
    page = without_cell_labels(page)
    start = page.index('id="rendez-vous-ateliers"')
    return page[start : page.index("</section>", start)]


def test_the_coordinator_reads_the_section(client, bookings, coordinator):
    client.force_login(coordinator)
    page = section(text_of(client.get(reverse("reporting:dashboard"), YEAR_QUERY)))
    assert (
        '<th scope="row">France Travail</th><td class="num">14</td><td class="num">9</td>'
        '<td class="num">1</td><td class="num">3</td><td class="num">1</td>'
        '<td class="num">25\u00a0%</td><td class="num">12</td><td class="num">1</td>'
    ) in page
    assert '<td class="num">27\u00a0%</td><td class="num">15</td>' in page  # 4 / 15, the total
    assert (
        '<th scope="row">Creative lab</th><td class="num">1</td><td class="num">10</td>'
        '<td class="num">5</td><td class="num">50\u00a0%</td>'
    ) in page
    assert '<td class="num">26</td><td class="num">19</td><td class="num">73\u00a0%</td>' in page


def rows_of(page: str) -> list[list[str]]:
    return [
        re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row) for row in re.findall(r"<tr>.*?</tr>", page)
    ]


def test_a_viewer_reads_small_counts_hidden_rates_included(client, bookings, make_member):
    client.force_login(make_member(bookings.operator, Role.VIEWER))
    rows = rows_of(section(text_of(client.get(reverse("reporting:dashboard"), YEAR_QUERY))))
    # The team's 3 appointments, 1 no-show: hidden, and so is its no-show rate.
    assert ["L'équipe du bus", *["< 5"] * 5, "n.c.", "< 5", "< 5"] in rows
    # France Travail's 9 honoured would give its 3 no-shows away from its base of 12: hidden.
    assert ["France Travail", "14", "n.c.", "< 5", "< 5", "< 5", "n.c.", "12", "< 5"] in rows
    # Sessions and seats are the service's activity: shown; the fill rate over a hidden count
    # is hidden with it.
    assert ["Creative lab", "1", "10", "n.c.", "n.c.", "n.c.", "< 5", "< 5", "< 5"] in rows
    assert ["Total", "3", "26", "19", "73\u00a0%", "17", "< 5", "< 5", "< 5"] in rows


def test_a_partners_own_report_has_its_appointments_only(client, bookings, make_member):
    client.force_login(make_member(bookings.operator, Role.PARTNER, partner=bookings.travail))
    page = section(text_of(client.get(reverse("reporting:dashboard"), YEAR_QUERY)))
    assert "France Travail" in page
    assert "PLIE" not in page and "L'équipe du bus" not in page
    assert "Atelier CV" not in page and "Ateliers collectifs par intitulé" not in page


def test_a_partner_filter_says_why_there_are_no_workshops(client, bookings, coordinator):
    client.force_login(coordinator)
    query = {**YEAR_QUERY, "partenaire": bookings.travail.pk}
    page = section(text_of(client.get(reverse("reporting:dashboard"), query)))
    assert "ne sont pas comptés avec un filtre par partenaire" in page


def test_a_year_closed_before_bookings_says_so(client, bookings, coordinator):
    from allervers.reporting.models import YearClosure

    year_close(operator=bookings.operator, year=YEAR, user=coordinator)
    closure = YearClosure.objects.get(operator=bookings.operator, year=YEAR)
    closure.figures.pop("bookings")
    closure.save()
    client.force_login(coordinator)
    page = text_of(client.get(reverse("reporting:dashboard"), YEAR_QUERY))
    assert "close avant l'arrivée des rendez-vous et des ateliers" in page
    content = client.get(reverse("reporting:export_csv"), YEAR_QUERY).content.decode("utf-8-sig")
    assert "close avant l'arrivée des rendez-vous" in content


def test_the_exports_hold_the_section(client, bookings, coordinator):
    client.force_login(coordinator)
    content = client.get(reverse("reporting:export_csv"), YEAR_QUERY).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert ["Rendez-vous par partenaire", "Total", "Rendez-vous pris", "18", "18"] in rows
    assert [
        "Ateliers collectifs par intitulé",
        "Total",
        "Taux de remplissage",
        "0,73",
        "73\u00a0%",
    ] in rows
    workbook = load_workbook(
        io.BytesIO(client.get(reverse("reporting:export_xlsx"), YEAR_QUERY).content)
    )
    sheet = list(workbook["Rendez-vous et ateliers"].iter_rows(values_only=True))
    assert (
        "Rendez-vous par partenaire",
        "Ensemble",
        None,
        "France Travail",
        "Absents sans prévenir",
        3,
        "3",
    ) in sheet
    definitions = {row[0] for row in workbook["Définitions"].iter_rows(values_only=True)}
    assert {"Taux d'absence sans prévenir", "Taux de remplissage"} <= definitions
    response = client.get(reverse("reporting:export_pdf"), YEAR_QUERY)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Rendez-vous par partenaire" in text and "Ateliers collectifs par intitulé" in text
