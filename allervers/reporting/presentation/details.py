"""Every breakdown by site and by month (the dashboard's details, the XLSX and the CSV)."""

from allervers.planning.calendars import month_label
from allervers.reception.enums import ReferralStatus
from allervers.reception.questions import QUESTIONS, by_report_key

from ..definitions import INDICATORS
from ..queries import BREAKDOWNS
from .tables import (
    CYBER_COLUMNS,
    PARTNER_COLUMNS,
    Table,
    cyber_cells,
    partner_cells,
    partner_scope,
    per_stop,
)
from .values import Formatter, Value

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
                if key == "partners":
                    for partner_id, name in partner_names.items():  # in the partners' order
                        counts = row["partners"].get(partner_id)
                        if counts and any(counts.values()):
                            table.rows.append([label, name, *partner_cells(counts, fmt)])
                    continue
                columns, cells = _detail_cells(key, row, fmt, topics, partner)
                table.columns = [header, *columns]
                table.rows.append([label, *cells])
            if key == "partners":
                table.columns = [header, "Partenaire", *PARTNER_COLUMNS]
                table.row_headers = 2
            elif not groups:
                table.columns = [header, *_detail_cells(key, None, fmt, topics, partner)[0]]
            tables.append(table)
    return tables


def _detail_cells(
    key: str, row: dict | None, fmt: Formatter, topics: list[dict], partner: bool
) -> tuple[list[str], list[Value]]:
    """The columns and, for `row` (a site's or a month's figures), the cells of one family."""
    columns: list[str] = []
    cells: list[Value] = []

    def add(column: str, value=None) -> None:
        columns.append(column)
        if row is not None:
            cells.append(value())

    if key == "durations":
        add("Visites avec départ enregistré", lambda: fmt.count(row["with_duration"]))
        add("Durée moyenne", lambda: fmt.minutes(row["duration_mean"], row["with_duration"]))
        add(
            "Durée médiane",
            lambda: fmt.minutes(row["duration_median"], row["with_duration"]),
        )
    elif key == "topics":
        add("Visites", lambda: fmt.count(row["visits"]))
        for topic in topics:
            ident = str(topic["topic_id"])
            add(
                f"{topic['name']} : visites",
                lambda ident=ident: fmt.count(row["topics"].get(ident, 0)),
            )
            add(
                f"{topic['name']} : part",
                lambda ident=ident: fmt.share(row["topics"].get(ident, 0), row["visits"]),
            )
        add("Sans thématique : visites", lambda: fmt.count(row["without_topic"]))
        add(
            "Sans thématique : part",
            lambda: fmt.share(row["without_topic"], row["visits"]),
        )
    elif key in BREAKDOWNS:
        add("Visites", lambda: fmt.count(row["visits"]))
        for index, (_value, label) in enumerate(BREAKDOWNS[key][1].choices):
            add(label, lambda index=index: fmt.count(row["breakdowns"][key][index][2]))
        share = by_report_key(key).share
        if share is not None:
            add(share.label, lambda: fmt.share(row[share.part], row[share.known]))
    elif key == "referrals":
        add("Orientations", lambda: fmt.count(row["referrals"]))
        for status, label in ReferralStatus.choices:
            add(label, lambda status=status: fmt.count(row[status]))
        add("Taux de prise en charge", lambda: fmt.share(row["taken_up"], row["referrals"]))
        add(
            "Délai médian de prise en charge",
            lambda: fmt.days(row["delay_median_days"], row["taken_up"]),
        )
    elif key == "cyber_seats":
        cyber = cyber_cells(row["cyber"], row["cyber_used"], fmt) if row is not None else []
        for index, label in enumerate(CYBER_COLUMNS):
            add(label, lambda index=index: cyber[index])
    elif key == "evening":
        ratio = INDICATORS["visits_per_presence" if partner else "visits_per_stop"].label
        add("Permanences de soirée", lambda: fmt.activity(row["evening_held"]))
        add(
            "Permanences de journée",
            lambda: fmt.activity(row["held"] - row["evening_held"]),
        )
        add("Visites en soirée", lambda: fmt.count(row["evening"]))
        add("Visites en journée", lambda: fmt.count(row["visits"] - row["evening"]))
        add(
            f"{ratio} (soirée)",
            lambda: per_stop(row, row["evening_held"], fmt, partner, evening=True),
        )
        add(
            f"{ratio} (journée)",
            lambda: per_stop(row, row["held"] - row["evening_held"], fmt, partner, evening=False),
        )
    return columns, cells
