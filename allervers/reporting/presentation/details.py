"""Every breakdown by site and by month (the dashboard's details, the XLSX and the CSV)."""

from allervers.planning.calendars import month_label
from allervers.reception.enums import ReferralStatus
from allervers.reception.questions import QUESTIONS, by_report_key

from ..definitions import INDICATORS
from ..queries import BREAKDOWNS
from .cells import share_cells
from .tables import (
    CYBER_COLUMNS,
    PARTNER_COLUMNS,
    Table,
    cyber_cells,
    partner_cells,
    partner_scope,
    per_stop,
)
from .values import Formatter, Group, Value

# --- every breakdown by site and by month -------------------------------------------------------

GROUPINGS = [
    # (report key, slug suffix, caption suffix, sheet suffix, row header)
    ("by_site", "lieu", "par lieu de stationnement", "par lieu", "Lieu"),
    ("by_month", "mois", "par mois", "par mois", "Mois"),
]


def _group_label(report_key: str, row: dict) -> str:
    if report_key == "by_site":
        return row["name"]
    return month_label(row["year"], row["month"])


def detail_tables(report: dict, fmt: Formatter) -> list[Table]:
    """Every breakdown by site and by month: one table per family of figures and grouping.
    Stored reports of closed years from before these tables have no group details: none shown."""
    partner = partner_scope(report)
    topics = report["topics"]
    partner_names = {
        str(row["partner_id"]): row["name"] for row in report["partners"] if "partner_id" in row
    }
    families = [
        ("duree", "Durée des visites", "Durée des visites", "durations"),
        ("thematiques", "Thématiques des demandes", "Thématiques", "topics"),
        *[(q.report_key.replace("_", "-"), q.caption, q.sheet, q.report_key) for q in QUESTIONS],
        ("orientations", "Orientations selon leur statut", "Orientations", "referrals"),
        ("cyber", "Cyber@atelier", "Cyber@atelier", "cyber_seats"),
        ("soiree", "Permanences de soirée et de journée", "Soirée et journée", "evening"),
        ("partenaires", "Partenaires", "Partenaires", "partners"),
    ]
    tables = []
    for slug, caption, sheet, key in families:
        for report_key, suffix, caption_suffix, sheet_suffix, header in GROUPINGS:
            if fmt.masking and report_key == "by_month":
                continue  # a viewer reads each month's main figures only (`cells`)
            groups = report.get(report_key) or []
            if groups and "breakdowns" not in groups[0]:
                continue  # a year closed before the details existed
            if groups and key in BREAKDOWNS and key not in groups[0]["breakdowns"]:
                continue  # a question added after the year was closed
            table = Table(
                f"{slug}-{suffix}",
                f"{caption} {caption_suffix}",
                key,
                [header],
                chart_column=None,
                group_key=report_key,
                sheet=f"{sheet} {sheet_suffix}",
            )
            for row in groups:
                label = _group_label(report_key, row)
                g = fmt.of(report, row)
                if key == "partners":
                    for partner_id, name in partner_names.items():  # in the partners' order
                        counts = row["partners"].get(partner_id)
                        if counts and any(counts.values()):
                            cells = partner_cells(g, partner_id, counts["presences"])
                            table.rows.append([label, name, *cells])
                    continue
                columns, cells = _detail_cells(key, row, g, topics, partner)
                table.columns = [header, *columns]
                table.rows.append([label, *cells])
            if key == "partners":
                table.columns = [header, "Partenaire", *PARTNER_COLUMNS]
                table.row_headers = 2
            elif not groups:
                table.columns = [header, *_detail_cells(key, None, None, topics, partner)[0]]
            tables.append(table)
    return tables


def _detail_cells(
    key: str, row: dict | None, g: Group | None, topics: list[dict], partner: bool
) -> tuple[list[str], list[Value]]:
    """The columns and, for `row` (a site's or a month's figures, read through its group `g`),
    the cells of one family."""
    columns: list[str] = []
    cells: list[Value] = []

    def add(column: str, value=None) -> None:
        columns.append(column)
        if row is not None:
            cells.append(value())

    if key == "durations":
        add("Visites avec départ enregistré", lambda: g.count("with_duration"))
        add("Durée moyenne (min)", lambda: g.minutes(row["duration_mean"]))
        add("Durée médiane (min)", lambda: g.minutes(row["duration_median"]))
    elif key == "topics":
        add("Visites", lambda: g.count("visits"))
        for topic in topics:
            cell = ("t", str(topic["topic_id"]))
            add(f"{topic['name']} : visites", lambda cell=cell: g.count(cell))
            add(f"{topic['name']} : part des visites", lambda cell=cell: g.share(cell, "visits"))
        add("Sans thématique : visites", lambda: g.count("without_topic"))
        add("Sans thématique : part des visites", lambda: g.share("without_topic", "visits"))
    elif key in BREAKDOWNS:
        add("Visites", lambda: g.count("visits"))
        for value, label in BREAKDOWNS[key][1].choices:
            add(label, lambda value=value: g.count(("b", key, value)))
        question = by_report_key(key)
        if question.share is not None:
            add(
                f"{question.share.column} (réponses connues)",
                lambda: g.share(*share_cells(question)),
            )
    elif key == "referrals":
        add("Orientations", lambda: g.count("referrals"))
        for status, label in ReferralStatus.choices:
            add(label, lambda status=status: g.count(status))
        add(
            "Taux de prise en charge (part des orientations)",
            lambda: g.share("taken_up", "referrals"),
        )
        add("Délai médian de prise en charge", lambda: g.days(row["delay_median_days"]))
    elif key == "cyber_seats":
        cyber = cyber_cells(g, row["cyber"], row.get("seats_held")) if row is not None else []
        for index, label in enumerate(CYBER_COLUMNS):
            add(label, lambda index=index: cyber[index])
    elif key == "evening":
        ratio = INDICATORS["visits_per_presence" if partner else "visits_per_stop"].label
        day_held = row["held"] - row["evening_held"] if row is not None else 0
        add("Permanences de soirée", lambda: Formatter.activity(row["evening_held"]))
        add("Permanences de journée", lambda: Formatter.activity(day_held))
        add("Visites en soirée", lambda: g.count("evening"))
        add("Visites en journée", lambda: g.count("day"))
        add(
            f"{ratio} (soirée)",
            lambda: per_stop(g, row["evening_held"], partner, evening=True),
        )
        add(f"{ratio} (journée)", lambda: per_stop(g, day_held, partner, evening=False))
    return columns, cells
