"""The report's section on « Prévenez-moi » (issue 28, `alerts.figures`): the subscribers reached
per site (the most day-before alerts that left for one stop of the site), and the share of the
visits made at stops with alerts. Counts about people: a viewer never reads one below 5, nor the
share when the visits with or without alerts are that few. The page, the PDF, the XLSX and the
CSV all read this one section."""

from dataclasses import dataclass, field
from fractions import Fraction

from .cells import SMALL
from .tables import Table
from .values import HIDDEN, Formatter, Value, percent

TITLE = "Alertes « Prévenez-moi »"
NONE_YET = "Aucune alerte n'est partie sur la période."


@dataclass
class AlertSection:
    notices: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    title: str = TITLE


def _share(fmt: Formatter, part: int, whole: int) -> Value:
    if not whole:
        return Formatter.activity(0)
    if fmt.masking and (part < SMALL or whole - part < SMALL):
        return HIDDEN
    return percent(Fraction(part, whole))


def alert_section(report: dict, fmt: Formatter) -> AlertSection | None:
    """None for a partner's report or a year closed before the alerts existed."""
    figures = report.get("alerts")
    if figures is None:
        return None
    section = AlertSection()
    if not figures["by_site"]:
        section.notices.append(NONE_YET)
        return section
    section.tables.append(
        Table(
            "alertes-lieux",
            "Abonnés prévenus par lieu",
            "alert_subscribers",
            ["Lieu", "Abonnés prévenus"],
            rows=[[row["name"], fmt.count(row["subscribers"])] for row in figures["by_site"]],
            chart_column=None,
        )
    )
    visits, alerted = figures["visits"], figures["visits_at_alerted_stops"]
    section.tables.append(
        Table(
            "alertes-visites",
            "Visites à des passages annoncés par une alerte",
            "alert_visits",
            ["Mesure", "Valeur"],
            rows=[
                ["Visites de la période", fmt.count(visits)],
                ["dont à des passages avec alerte", fmt.count(alerted)],
                ["Part des visites à des passages avec alerte", _share(fmt, alerted, visits)],
            ],
            chart_column=None,
        )
    )
    return section
