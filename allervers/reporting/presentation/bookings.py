"""The report's section on bookings (issue 13): appointments by partner (booked, honoured,
excused, no-show, the no-show rate and its base) and workshops by title (sessions held, seats
offered and taken, fill rate, attendance, waiting list). Its counts about people are cells of
the one rule (`cells`); sessions and seats are the service's activity. The page, the PDF, the
XLSX and the CSV all read this one section."""

from dataclasses import dataclass, field

from .cells import BOOKINGS_TOTAL, NO_SHOW_BASE, appointment_cell, workshop_cell
from .tables import Table
from .values import Formatter, Group, Value

TITLE = "Rendez-vous et ateliers collectifs"
TOTAL = "Total"
APPOINTMENT_COLUMNS = [
    "Partenaire",
    "Rendez-vous pris",
    "Honorés",
    "Excusés",
    "Absents sans prévenir",
    "À venir ou non renseignés",
    "Taux d'absence sans prévenir",
    "Base du taux (honorés et absents sans prévenir)",
    "Annulés",
]
WORKSHOP_COLUMNS = [
    "Atelier",
    "Séances tenues",
    "Places offertes",
    "Inscriptions (places prises)",
    "Taux de remplissage",
    "Présents",
    "Absents",
    "Présence non renseignée",
    "Restés sur liste d'attente",
]
CLOSED_BEFORE = (
    "Cette année a été close avant l'arrivée des rendez-vous et des ateliers : leurs chiffres "
    "n'ont pas été enregistrés à la clôture."
)
NO_WORKSHOPS_FOR_A_PARTNER = (
    "Les ateliers collectifs sont organisés par la structure, sans partenaire : ils ne sont pas "
    "comptés avec un filtre par partenaire."
)


@dataclass
class BookingSection:
    notices: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    title: str = TITLE


def _appointment_row(g: Group, label: str, key: str | None) -> list:
    def count(name: str) -> Value:
        return g.count(appointment_cell(name, key))

    return [
        label,
        count("booked"),
        count("honoured"),
        count("excused"),
        count("no_show"),
        count("pending"),
        g.share(appointment_cell("no_show", key), appointment_cell(NO_SHOW_BASE, key)),
        count(NO_SHOW_BASE),
        count("cancelled"),
    ]


def _workshop_row(g: Group, label: str, title: str | None, row: dict) -> list:
    def count(name: str) -> Value:
        return g.count(workshop_cell(name, title))

    return [
        label,
        Formatter.activity(row["sessions"]),
        Formatter.activity(row["seats"]),
        count("registered"),
        g.share_of(workshop_cell("registered", title), row["seats"]),
        count("present"),
        count("absent"),
        count("unrecorded"),
        count("waiting"),
    ]


def _with_total(rows: list[list], total: list) -> list[list]:
    return [*rows, total] if rows else []


def booking_section(report: dict, fmt: Formatter, *, partner_only: bool) -> BookingSection:
    """The section for the report's audience. With a partner (a filter, or a partner's own
    report), its appointments only; a year closed before bookings existed says so."""
    figures = report.get("bookings")
    if figures is None:
        return BookingSection(notices=[CLOSED_BEFORE])
    g = fmt.of(report)
    appointments = figures["appointments"]
    section = BookingSection()
    section.tables.append(
        Table(
            "rendez-vous",
            "Rendez-vous par partenaire",
            "appointments",
            APPOINTMENT_COLUMNS,
            rows=_with_total(
                [_appointment_row(g, row["name"], row["key"]) for row in appointments["rows"]],
                _appointment_row(g, TOTAL, BOOKINGS_TOTAL),
            ),
            chart_column=None,
        )
    )
    workshops = figures.get("workshops")
    if workshops is None:
        if not partner_only:
            section.notices.append(NO_WORKSHOPS_FOR_A_PARTNER)
        return section
    section.tables.append(
        Table(
            "ateliers",
            "Ateliers collectifs par intitulé",
            "workshops",
            WORKSHOP_COLUMNS,
            rows=_with_total(
                [_workshop_row(g, row["title"], row["title"], row) for row in workshops["rows"]],
                _workshop_row(g, TOTAL, BOOKINGS_TOTAL, workshops["total"]),
            ),
            chart_column=None,
        )
    )
    return section
