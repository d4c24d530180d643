"""The report's main figures: the key figures and the tables of the page and the PDF."""

from allervers.planning.calendars import month_label
from allervers.reception.enums import ReferralStatus
from allervers.reception.questions import QUESTIONS, UNKNOWN, by_report_key

from ..definitions import INDICATORS
from .cells import share_cells
from .tables import (
    CYBER_COLUMNS,
    PARTNER_COLUMNS,
    KeyFigure,
    Table,
    cyber_cells,
    partner_cells,
    partner_scope,
    per_stop,
)
from .values import EMPTY, Formatter, Value

SHARED = [question for question in QUESTIONS if question.share is not None]


def key_figures(report: dict, fmt: Formatter, previous: dict | None = None) -> list[KeyFigure]:
    """Every key figure of `report`, beside the same figure of `previous` (the period before)."""
    partner = partner_scope(report)
    ratio_key = "visits_per_presence" if partner else "visits_per_stop"

    def figures(part: dict) -> dict[str, Value]:
        stops, visits, referrals = part["stops"], part["visits"], part["referrals"]
        g = fmt.of(part)
        return {
            "stops_held": fmt.activity(stops["held"]),
            "stops_cancelled": fmt.activity(stops["cancelled"]),
            "sites_used": fmt.activity(stops["sites_used"]),
            "visits": g.count("visits"),
            "people": g.count("people"),
            ratio_key: per_stop(g, stops["held"], partner),
            "duration_mean": g.minutes(visits["duration_mean"]),
            "duration_median": g.minutes(visits["duration_median"]),
            **{
                question.share.key: g.share(*share_cells(question))
                for question in SHARED  # from the visit's questions
            },
            "referrals": g.count("referrals"),
            "take_up_rate": g.share("taken_up", "referrals"),
            "referral_delay_median": g.days(referrals["delay_median_days"]),
        }

    current = figures(report)
    before = figures(previous) if previous else {}
    return [
        KeyFigure(key, INDICATORS[key].label, value, before.get(key))
        for key, value in current.items()
    ]


def group_columns(partner: bool) -> list[str]:
    return [
        "Permanences tenues",
        "Permanences annulées",
        "Visites",
        INDICATORS["visits_per_presence" if partner else "visits_per_stop"].label,
        "Durée moyenne (min)",
        "Part de femmes (réponses connues)",
        "Part d'habitants du quartier (réponses connues)",
        "Orientations",
        "Prises en charge",
    ]


def _group_row(label: str, row: dict, fmt: Formatter, report: dict, partner: bool) -> list:
    g = fmt.of(report, row)
    women, area = (share_cells(by_report_key(q)) for q in ("gender", "lives_in_area"))
    return [
        label,
        fmt.activity(row["held"]),
        fmt.activity(row["cancelled"]),
        g.count("visits"),
        per_stop(g, row["held"], partner),
        g.minutes(row["duration_mean"]),
        g.share(*women),
        g.share(*area),
        g.count("referrals"),
        g.count("taken_up"),
    ]


def report_tables(report: dict, fmt: Formatter) -> list[Table]:
    stops = report["stops"]
    partner = partner_scope(report)
    g = fmt.of(report)
    tables = []

    by_site = Table(
        "lieux", "Par lieu de stationnement", "by_site", ["Lieu", *group_columns(partner)]
    )
    by_site.chart_column = 3
    by_site.rows = [_group_row(row["name"], row, fmt, report, partner) for row in report["by_site"]]
    tables.append(by_site)

    by_month = Table("mois", "Par mois", "by_month", ["Mois", *group_columns(partner)])
    by_month.chart_column = 3
    by_month.rows = [
        _group_row(month_label(row["year"], row["month"]), row, fmt, report, partner)
        for row in report["by_month"]
    ]
    tables.append(by_month)

    ratio_label = INDICATORS["visits_per_presence" if partner else "visits_per_stop"].label
    evening = Table(
        "soiree",
        "Permanences de soirée et de journée",
        "evening",
        ["Moment", "Permanences tenues", "Visites", ratio_label],
    )
    evening.chart_column = 2
    for label, held, measure, is_evening in [
        ("Soirée (à partir de 17 h)", stops["evening_held"], "evening", True),
        ("Journée", stops["held"] - stops["evening_held"], "day", False),
    ]:
        evening.rows.append(
            [
                label,
                fmt.activity(held),
                g.count(measure),
                per_stop(g, held, partner, evening=is_evening),
            ]
        )
    tables.append(evening)

    topics = Table(
        "thematiques",
        "Thématiques des demandes",
        "topics",
        ["Thématique", "Visites qui la mentionnent", "Part des visites"],
    )
    for row in report["topics"]:
        cell = ("t", str(row.get("topic_id", row["name"])))
        topics.rows.append([row["name"], g.count(cell), g.share(cell, "visits")])
    topics.rows.append(
        [
            "Sans thématique (non renseigné)",
            g.count("without_topic"),
            g.share("without_topic", "visits"),
        ]
    )
    tables.append(topics)

    for question in QUESTIONS:
        name = question.report_key
        answers = report["breakdowns"].get(name)
        if answers is None:
            continue  # a question added after the year was closed
        table = Table(
            name.replace("_", "-"),
            question.caption,
            name,
            ["Réponse", "Visites", "Part des visites", "Part des réponses connues"],
        )
        for value, label, _count in answers:
            cell = ("b", name, value)
            table.rows.append(
                [
                    label,
                    g.count(cell),
                    g.share(cell, "visits"),
                    EMPTY if value == UNKNOWN else g.share(cell, ("known", name)),
                ]
            )
        tables.append(table)

    status_table = Table(
        "orientations",
        "Orientations selon leur statut",
        "referrals",
        ["Statut", "Orientations", "Part des orientations"],
    )
    for value, label in ReferralStatus.choices:
        status_table.rows.append([label, g.count(value), g.share(value, "referrals")])
    tables.append(status_table)

    partners = Table("partenaires", "Partenaires", "partners", ["Partenaire", *PARTNER_COLUMNS])
    partners.chart_column = 2
    partners.rows = [
        [row["name"], *partner_cells(g, row.get("partner_id", row["name"]), row["presences"])]
        for row in report["partners"]
    ]
    tables.append(partners)

    cyber_table = Table("cyber", "Cyber@atelier", "cyber_seats", ["Mesure", "Valeur"])
    cyber_table.chart_column = None
    cyber_table.rows = [
        [label, value]
        for label, value in zip(
            CYBER_COLUMNS,
            cyber_cells(g, report["cyber"], stops.get("seats_held")),
            strict=True,
        )
    ]
    tables.append(cyber_table)
    return tables
