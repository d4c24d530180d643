"""The report's main figures: the key figures and the tables of the page and the PDF."""

from allervers.planning.calendars import month_label
from allervers.reception.enums import ReferralStatus
from allervers.reception.questions import QUESTIONS, SHARES, UNKNOWN

from ..definitions import INDICATORS
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
from .values import NO_DATA, Formatter, Value


def key_figures(report: dict, fmt: Formatter) -> list[KeyFigure]:
    partner = partner_scope(report)
    ratio_key = "visits_per_presence" if partner else "visits_per_stop"

    def figures(part: dict) -> dict[str, Value]:
        stops, visits, referrals = part["stops"], part["visits"], part["referrals"]
        return {
            "stops_held": fmt.activity(stops["held"]),
            "stops_cancelled": fmt.activity(stops["cancelled"]),
            "sites_used": fmt.activity(stops["sites_used"]),
            "visits": fmt.count(visits["visits"]),
            "people": fmt.count(visits["people"]),
            ratio_key: per_stop(visits, stops["held"], fmt, partner),
            "duration_mean": fmt.minutes(visits["duration_mean"], visits["with_duration"]),
            "duration_median": fmt.minutes(visits["duration_median"], visits["with_duration"]),
            **{
                share.key: fmt.share(visits[share.part], visits[share.known])
                for share in SHARES  # from the visit's questions
            },
            "referrals": fmt.count(referrals["total"]),
            "take_up_rate": fmt.share(referrals["taken_up"], referrals["total"]),
            "referral_delay_median": fmt.days(
                referrals["delay_median_days"], referrals["taken_up"]
            ),
        }

    current = figures(report)
    previous = figures(report["previous"]) if report.get("previous") else {}
    return [
        KeyFigure(key, INDICATORS[key].label, value, previous.get(key))
        for key, value in current.items()
    ]


def group_columns(partner: bool) -> list[str]:
    return [
        "Permanences tenues",
        "Permanences annulées",
        "Visites",
        INDICATORS["visits_per_presence" if partner else "visits_per_stop"].label,
        "Durée moyenne",
        "Part de femmes",
        "Part d'habitants du quartier",
        "Orientations",
        "Prises en charge",
    ]


def _group_row(label: str, row: dict, fmt: Formatter, partner: bool) -> list:
    return [
        label,
        fmt.activity(row["held"]),
        fmt.activity(row["cancelled"]),
        fmt.count(row["visits"]),
        per_stop(row, row["held"], fmt, partner),
        fmt.minutes(row["duration_mean"], row["with_duration"]),
        fmt.share(row["women"], row["gender_known"]),
        fmt.share(row["in_area"], row["area_known"]),
        fmt.count(row["referrals"]),
        fmt.count(row["taken_up"]),
    ]


def report_tables(report: dict, fmt: Formatter) -> list[Table]:
    visits, stops = report["visits"], report["stops"]
    total = visits["visits"]
    partner = partner_scope(report)
    tables = []

    by_site = Table(
        "lieux", "Par lieu de stationnement", "by_site", ["Lieu", *group_columns(partner)]
    )
    by_site.chart_column = 3
    by_site.rows = [_group_row(row["name"], row, fmt, partner) for row in report["by_site"]]
    tables.append(by_site)

    by_month = Table("mois", "Par mois", "by_month", ["Mois", *group_columns(partner)])
    by_month.chart_column = 3
    by_month.rows = [
        _group_row(month_label(row["year"], row["month"]), row, fmt, partner)
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
    for label, held, count, is_evening in [
        ("Soirée (à partir de 17 h)", stops["evening_held"], visits["evening"], True),
        ("Journée", stops["held"] - stops["evening_held"], total - visits["evening"], False),
    ]:
        evening.rows.append(
            [
                label,
                fmt.activity(held),
                fmt.count(count),
                per_stop(visits, held, fmt, partner, evening=is_evening),
            ]
        )
    tables.append(evening)

    topics = Table(
        "thematiques",
        "Thématiques des demandes",
        "topics",
        ["Thématique", "Visites qui la mentionnent", "Part des visites"],
    )
    topics.rows = [
        [row["name"], fmt.count(row["count"]), fmt.share(row["count"], total)]
        for row in report["topics"]
    ]
    topics.rows.append(
        [
            "Sans thématique (non renseigné)",
            fmt.count(visits["without_topic"]),
            fmt.share(visits["without_topic"], total),
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
            ["Réponse", "Visites", "Part des visites", "Part parmi les réponses renseignées"],
        )
        known = sum(count for value, _label, count in answers if value != UNKNOWN)
        for value, label, count in answers:
            table.rows.append(
                [
                    label,
                    fmt.count(count),
                    fmt.share(count, total),
                    Value(None, NO_DATA) if value == UNKNOWN else fmt.share(count, known),
                ]
            )
        tables.append(table)

    referrals = report["referrals"]
    status_table = Table(
        "orientations",
        "Orientations selon leur statut",
        "referrals",
        ["Statut", "Orientations", "Part des orientations"],
    )
    for value, label in ReferralStatus.choices:
        status_table.rows.append(
            [label, fmt.count(referrals[value]), fmt.share(referrals[value], referrals["total"])]
        )
    tables.append(status_table)

    partners = Table("partenaires", "Partenaires", "partners", ["Partenaire", *PARTNER_COLUMNS])
    partners.chart_column = 2
    partners.rows = [[row["name"], *partner_cells(row, fmt)] for row in report["partners"]]
    tables.append(partners)

    cyber_table = Table("cyber", "Cyber@atelier", "cyber_seats", ["Mesure", "Valeur"])
    cyber_table.chart_column = None
    cyber_table.rows = [
        [label, value]
        for label, value in zip(
            CYBER_COLUMNS, cyber_cells(report["cyber"], visits["cyber_used"], fmt), strict=True
        )
    ]
    tables.append(cyber_table)
    return tables
