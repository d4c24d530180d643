"""From a report's counts (indicators.report_compute, or a closed year's stored copy) to what
people read: key figures, tables, the results paragraph — formatted in French, and with small
counts hidden for viewers. The page, the PDF, the XLSX and the CSV all render these same objects,
so they cannot disagree.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from allervers.planning.calendars import month_label

from .definitions import INDICATORS
from .indicators import BREAKDOWNS
from .periods import Period

SMALL = 5  # a count below this is never shown to a viewer
MASKED_COUNT = "< 5"
NOT_DISCLOSED = "n.c."
NO_DATA = "—"

FULL, VIEWER = "full", "viewer"


@dataclass(frozen=True)
class Value:
    """A figure: `raw` is what a spreadsheet stores (None when hidden or empty), `text` what a
    person reads. `about_people` is False for counts of the service's own activity (stops,
    sites, presences), which the small-count rule leaves alone."""

    raw: float | int | None
    text: str
    about_people: bool = True

    def __str__(self) -> str:
        return self.text


def _number(value: float, decimals: int = 0) -> str:
    """French writing, rounded half up as people do by hand (12.5 % reads 13 %)."""
    rounded = Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return f"{rounded:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")


class Formatter:
    """Formats figures for an audience: a viewer never reads a count below 5, nor a share,
    mean or median from which such a count could be worked out."""

    def __init__(self, audience: str):
        self.masking = audience == VIEWER

    def count(self, n: int | None) -> Value:
        n = n or 0
        if self.masking and n < SMALL:
            return Value(None, MASKED_COUNT)
        return Value(n, _number(n))

    def activity(self, n: int | None) -> Value:
        """A count of the service's own activity (stops, sites, presences, seats offered): no
        person can be recognised from it, so it is shown to every audience."""
        n = n or 0
        return Value(n, _number(n), about_people=False)

    def share(self, part: int, whole: int) -> Value:
        if not whole:
            return Value(None, NO_DATA)
        if self.masking and (part < SMALL or whole - part < SMALL):
            return Value(None, NOT_DISCLOSED)
        fraction = part / whole
        return Value(round(fraction, 4), f"{_number(fraction * 100)}\u00a0%")

    def _measure(self, value: float | None, n: int, decimals: int, unit: str) -> Value:
        if value is None or not n:
            return Value(None, NO_DATA)
        if self.masking and n < SMALL:
            return Value(None, NOT_DISCLOSED)
        rounded = round(value, decimals)
        return Value(rounded, f"{_number(value, decimals)}{unit}")

    def minutes(self, value: float | None, n: int) -> Value:
        return self._measure(value, n, 0, "\u00a0min")

    def days(self, value: float | None, n: int) -> Value:
        return self._measure(
            value, n, 0, "\u00a0jours" if value is None or value >= 1.5 else "\u00a0jour"
        )

    def ratio(self, part: int, whole: int) -> Value:
        if not whole:
            return Value(None, NO_DATA)
        if self.masking and whole < SMALL:  # with the part shown, it would give the whole
            return Value(None, NOT_DISCLOSED)
        return self._measure(part / whole, part, 1, "")


@dataclass
class KeyFigure:
    key: str
    label: str
    value: Value
    previous: Value | None = None

    @property
    def definition(self) -> str:
        return INDICATORS[self.key].definition


@dataclass
class Table:
    slug: str
    caption: str
    key: str  # the indicator whose definition explains the table
    columns: list[str]  # the first `row_headers` ones head the row labels
    rows: list[list] = field(default_factory=list)  # [label(s)..., Value, Value, ...]
    chart_column: int | None = 1  # which column the bar chart draws (1 = first figure)
    row_headers: int = 1  # leading label cells of each row (2: a site or month, a partner)
    group_key: str | None = None  # "by_site" / "by_month" for a breakdown by site or month
    sheet: str = ""  # the spreadsheet's sheet name (31 characters at most), else the caption

    @property
    def definition(self) -> str:
        text = INDICATORS[self.key].definition
        if self.group_key:
            text += " " + INDICATORS[self.group_key].definition
        return text

    @property
    def sheet_title(self) -> str:
        return (self.sheet or self.caption)[:31]  # a spreadsheet's limit

    @property
    def figure_columns(self) -> list[str]:
        return self.columns[self.row_headers :]

    def labels(self, row: list) -> list[str]:
        return [str(label) for label in row[: self.row_headers]]

    def figures(self, row: list) -> list[Value]:
        return row[self.row_headers :]

    def chart_bars(self) -> list[tuple[str, Value]]:
        if self.chart_column is None:
            return []
        return [(" — ".join(self.labels(row)), row[self.chart_column]) for row in self.rows]


def partner_scope(report: dict) -> bool:
    """Figures filtered on a partner (a partner user's own, or a coordinator's filter)."""
    return bool((report.get("filters") or {}).get("partner_id"))


def per_stop(row: dict, held: int, fmt: Formatter, partner: bool, *, evening=None) -> Value:
    """Visits per held stop; for a partner, the visits where it was seen at the stops where it
    was present, per such stop (`visits_per_presence`). `evening`: True / False for the evening
    or daytime share of `row`, None for all of it."""
    if partner:
        count = row.get("at_presence", 0)
        if evening is not None:
            count_evening = row.get("evening_at_presence", 0)
            count = count_evening if evening else count - count_evening
    else:
        count = row["visits"]
        if evening is not None:
            count = row["evening"] if evening else count - row["evening"]
    return fmt.ratio(count, held)


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
            "women_share": fmt.share(visits["women"], visits["gender_known"]),
            "area_share": fmt.share(visits["in_area"], visits["area_known"]),
            "walk_in_share": fmt.share(visits["walk_in"], visits["mode_known"]),
            "first_visit_share": fmt.share(visits["first"], visits["first_known"]),
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


BREAKDOWN_CAPTIONS = {
    "gender": "Genre des personnes accueillies",
    "age_band": "Tranches d'âge",
    "lives_in_area": "Habitants du quartier",
    "mode": "Venues avec ou sans rendez-vous",
    "first_visit": "Premières visites et retours",
    "situation": "Situation des personnes accueillies",
    "heard_from": "Comment les personnes ont connu le bus",
    "outcome": "Suite donnée aux visites",
}


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

    for name, caption in BREAKDOWN_CAPTIONS.items():
        table = Table(
            name.replace("_", "-"),
            caption,
            name,
            ["Réponse", "Visites", "Part des visites", "Part parmi les réponses renseignées"],
        )
        answers = report["breakdowns"][name]
        known = sum(count for value, _label, count in answers if value != "unknown")
        for value, label, count in answers:
            table.rows.append(
                [
                    label,
                    fmt.count(count),
                    fmt.share(count, total),
                    Value(None, NO_DATA) if value == "unknown" else fmt.share(count, known),
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
    for value, label in [
        ("proposed", "Proposée"),
        ("sent", "Transmise"),
        ("taken_up", "Prise en charge"),
        ("dropped", "Abandonnée"),
    ]:
        status_table.rows.append(
            [label, fmt.count(referrals[value]), fmt.share(referrals[value], referrals["total"])]
        )
    tables.append(status_table)

    partners = Table(
        "partenaires",
        "Partenaires",
        "partners",
        [
            "Partenaire",
            "Permanences dans le bus",
            "Visites où il a été rencontré",
            "Orientations reçues",
            "Prises en charge",
            "Taux de prise en charge",
        ],
    )
    partners.chart_column = 2
    partners.rows = [
        [
            row["name"],
            fmt.activity(row["presences"]),
            fmt.count(row["visits_seen"]),
            fmt.count(row["referrals"]),
            fmt.count(row["taken_up"]),
            fmt.share(row["taken_up"], row["referrals"]),
        ]
        for row in report["partners"]
    ]
    tables.append(partners)

    cyber = report["cyber"]
    cyber_table = Table("cyber", "Cyber@atelier", "cyber_seats", ["Mesure", "Valeur"])
    cyber_table.chart_column = None
    cyber_table.rows = [
        ["Permanences avec un relevé", fmt.activity(cyber["stops_recorded"])],
        ["Postes utilisés", fmt.count(cyber["seats_used"])],
        ["Postes disponibles", fmt.activity(cyber["seats_offered"])],
        ["Taux d'occupation des postes", fmt.share(cyber["seats_used"], cyber["seats_offered"])],
        ["Personnes accueillies au cyber@atelier", fmt.count(cyber["people"])],
        ["Visites avec usage du cyber@atelier", fmt.count(visits["cyber_used"])],
    ]
    tables.append(cyber_table)
    return tables


# --- every breakdown by site and by month -------------------------------------------------------

GROUPINGS = [
    # (report key, slug suffix, caption suffix, sheet suffix, row header)
    ("by_site", "lieu", "par lieu de stationnement", "par lieu", "Lieu"),
    ("by_month", "mois", "par mois", "par mois", "Mois"),
]

# Breakdowns by site and by month with a share among known answers: (question, label, answer
# counted, known answers).
KNOWN_SHARES = {
    "gender": ("Part de femmes", "women", "gender_known"),
    "lives_in_area": ("Part d'habitants du quartier", "in_area", "area_known"),
    "mode": ("Part des visites sans rendez-vous", "walk_in", "mode_known"),
    "first_visit": ("Part des premières visites", "first", "first_known"),
}
BREAKDOWN_SHEETS = {
    "gender": "Genre",
    "age_band": "Tranches d'âge",
    "lives_in_area": "Habitants du quartier",
    "mode": "Rendez-vous",
    "first_visit": "Premières visites",
    "situation": "Situations",
    "heard_from": "Connaissance du bus",
    "outcome": "Suite donnée",
}


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
        *[
            (name.replace("_", "-"), caption, BREAKDOWN_SHEETS[name], name)
            for name, caption in BREAKDOWN_CAPTIONS.items()
        ],
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
                            table.rows.append([label, name, *_partner_cells(counts, fmt)])
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


PARTNER_COLUMNS = [
    "Permanences dans le bus",
    "Visites où il a été rencontré",
    "Orientations reçues",
    "Prises en charge",
    "Taux de prise en charge",
]


def _partner_cells(counts: dict, fmt: Formatter) -> list[Value]:
    return [
        fmt.activity(counts["presences"]),
        fmt.count(counts["visits_seen"]),
        fmt.count(counts["referrals"]),
        fmt.count(counts["taken_up"]),
        fmt.share(counts["taken_up"], counts["referrals"]),
    ]


REFERRAL_STATUSES = [
    ("proposed", "Proposée"),
    ("sent", "Transmise"),
    ("taken_up", "Prise en charge"),
    ("dropped", "Abandonnée"),
]


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
    elif key in BREAKDOWN_CAPTIONS:
        add("Visites", lambda: fmt.count(row["visits"]))
        for index, (_value, label) in enumerate(BREAKDOWNS[key][1].choices):
            add(label, lambda index=index: fmt.count(row["breakdowns"][key][index][2]))
        if key in KNOWN_SHARES:
            label, part, whole = KNOWN_SHARES[key]
            add(label, lambda: fmt.share(row[part], row[whole]))
    elif key == "referrals":
        add("Orientations", lambda: fmt.count(row["referrals"]))
        for status, label in REFERRAL_STATUSES:
            add(label, lambda status=status: fmt.count(row[status]))
        add("Taux de prise en charge", lambda: fmt.share(row["taken_up"], row["referrals"]))
        add(
            "Délai médian de prise en charge",
            lambda: fmt.days(row["delay_median_days"], row["taken_up"]),
        )
    elif key == "cyber_seats":
        cyber = (row or {}).get("cyber", {})
        add("Permanences avec un relevé", lambda: fmt.activity(cyber["stops_recorded"]))
        add("Postes utilisés", lambda: fmt.count(cyber["seats_used"]))
        add("Postes disponibles", lambda: fmt.activity(cyber["seats_offered"]))
        add(
            "Taux d'occupation des postes",
            lambda: fmt.share(cyber["seats_used"], cyber["seats_offered"]),
        )
        add("Personnes accueillies au cyber@atelier", lambda: fmt.count(cyber["people"]))
        add("Visites avec usage du cyber@atelier", lambda: fmt.count(row["cyber_used"]))
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


def _neighbourhood(name: str) -> str:
    name = name.strip()
    if not name:
        return "du quartier"
    if name.lower().startswith("quartier"):
        return "du q" + name[1:]
    return f"du quartier {name}"


def results_paragraph(report: dict, fmt: Formatter, neighbourhood_name: str = "") -> str:
    """The results in words, in the field report's style ("En un an, le bus a stationné...")."""
    period = Period.from_dict(report["period"])
    stops, visits, referrals = report["stops"], report["visits"], report["referrals"]
    opening = "En un an" if period.kind == "annee" else f"Sur la période ({period.label})"
    sites = stops["sites_used"]
    if not stops["held"]:
        return f"{opening}, le bus n'a tenu aucune permanence."
    where = (
        "sur 1 lieu de stationnement"
        if sites == 1
        else f"sur les {fmt.activity(sites)} lieux de stationnement"
    )
    sentences = [
        f"{opening}, le bus a stationné {fmt.activity(stops['held'])} fois {where}.",
    ]
    count = visits["visits"]
    if not count:
        sentences.append("Aucune visite n'a été enregistrée.")
        return " ".join(sentences)
    mean = fmt.minutes(visits["duration_mean"], visits["with_duration"])
    welcomed = f"Il a accueilli {fmt.count(count)} personnes"
    if mean.raw is not None:
        welcomed += f" pour une durée moyenne de {mean.text.replace('min', 'minutes')}"
    # A partner's visits per presence has its own definition: not worded here.
    per_stop_value = fmt.ratio(count, stops["held"])
    if per_stop_value.raw is not None and not partner_scope(report):
        welcomed += f", soit {per_stop_value} en moyenne par permanence"
    sentences.append(welcomed + ".")
    walk_in = fmt.share(visits["walk_in"], visits["mode_known"])
    if walk_in.raw is not None:
        if walk_in.raw > 0.5:
            sentences.append(
                f"La majorité des prises en charge s'est faite sans rendez-vous ({walk_in})."
            )
        else:
            sentences.append(f"{walk_in} des prises en charge se sont faites sans rendez-vous.")
    women = fmt.share(visits["women"], visits["gender_known"])
    if women.raw is not None:
        sentences.append(f"Le public accueilli compte {women} de femmes.")
    in_area = fmt.share(visits["in_area"], visits["area_known"])
    if in_area.raw is not None:
        sentences.append(
            f"{in_area} des personnes accueillies venaient {_neighbourhood(neighbourhood_name)}."
        )
    top = [row for row in report["topics"] if fmt.count(row["count"]).raw is not None][:3]
    if top:
        listed = ", ".join(f"{row['name']} ({fmt.share(row['count'], count)})" for row in top)
        sentences.append(f"Les demandes les plus fréquentes concernaient : {listed}.")
    if referrals["total"]:
        rate = fmt.share(referrals["taken_up"], referrals["total"])
        sentence = (
            f"{fmt.count(referrals['total'])} orientations vers les partenaires ont été proposées"
        )
        if rate.raw is not None:
            sentence += f", dont {rate} déjà prises en charge"
        sentences.append(sentence + ".")
    return " ".join(sentences)
