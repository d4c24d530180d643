"""Reading a file of past visits (CSV or XLSX) and checking every line of it.

The column format is documented in docs/visit-import.md. `visits_check` never writes: it returns
a report listing every faulty line with its number (as the spreadsheet shows it: the header is
line 1) and a French reason. `services.visits_import` writes only when the report is clean.
"""

import csv
import datetime
import io
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils import timezone

from allervers.core.spreadsheets import spreadsheet_typed
from allervers.operators.models import Operator
from allervers.partners.models import Partner
from allervers.planning.enums import StopStatus
from allervers.planning.models import Site, Stop, Vehicle

from .enums import CyberPurpose
from .models import Topic, Visit, VisitPartner, VisitTopic
from .questions import OUTCOME, PROFILE, QUESTIONS, VISIT, in_section

# --- Limits -----------------------------------------------------------------------------------
# Every limit is checked while the file is read, before anything large is held in memory (see
# docs/visit-import.md, "Limits"). A file past one of them is refused as a whole, in French.

MAX_FILE_BYTES = 2 * 1024 * 1024  # the uploaded file (CSV or XLSX)
MAX_LINES = 10_000  # lines after the header, empty ones included
MAX_COLUMNS = 40  # cells of a line (the format has 21 columns, export's own included)
MAX_CELL_CHARS = 1_000  # characters of one cell (a note has 500 at most)
# An XLSX is a zip: its entries' declared sizes are checked before any of them is unzipped.
MAX_XLSX_ENTRIES = 200
MAX_XLSX_UNCOMPRESSED_BYTES = 20 * 1024 * 1024  # all entries together, once unzipped
MAX_XLSX_RATIO = 100  # unzipped / zipped, for an entry of more than XLSX_RATIO_FROM bytes
XLSX_RATIO_FROM = 1024 * 1024
# The report shows so many faulty lines at most, and each cell quoted in it so many characters.
MAX_ERRORS_SHOWN = 100
EXCERPT_CHARS = 80

LIST_SEPARATORS = re.compile(r"[;|]")
FILE_TOO_BIG = f"Le fichier est trop gros ({MAX_FILE_BYTES // (1024 * 1024)} Mo au plus)."
FORMAT_REFUSED = "Format non pris en charge : déposez un fichier CSV (.csv) ou XLSX (.xlsx)."


def excerpt(text: str) -> str:
    """A cell quoted in a message: its first EXCERPT_CHARS characters, then « … »."""
    text = str(text)
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + "…"


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    meaning: str
    example: str


def _question_columns(section: str) -> list[Column]:
    return [
        Column(question.column, False, question.column_meaning, question.example)
        for question in in_section(section)
    ]


# The file's columns, in the form's order: the visit's questions come from the registry.
COLUMNS = [
    Column("date", True, "date de la permanence, JJ/MM/AAAA", "14/03/2025"),
    Column("heure_arrivee", True, "heure d'arrivée, HH:MM", "09:40"),
    Column("heure_depart", False, "heure de départ, HH:MM (vide si inconnue)", "10:25"),
    Column("lieu", True, "lieu de stationnement (nom ou identifiant)", "Place du Regain"),
    *_question_columns(PROFILE),
    Column(
        "thematiques",
        False,
        "thématiques (nom ou identifiant), séparées par « ; » ou « | »",
        "Démarches administratives liées à l'emploi | CAF",
    ),
    *_question_columns(VISIT),
    Column(
        "partenaires",
        False,
        "partenaires rencontrés (nom ou identifiant), séparés par « ; » ou « | »",
        "Mission locale",
    ),
    Column("cyber", False, "a utilisé le cyber@atelier : Oui ou Non (vide = Non)", "Oui"),
    Column("usage_cyber", False, ", ".join(CyberPurpose.labels), "Démarche en ligne"),
    *_question_columns(OUTCOME),
    Column("note", False, "note courte (500 caractères au plus), sans information de santé", ""),
]
COLUMN_NAMES = [column.name for column in COLUMNS]
REQUIRED_COLUMNS = [column.name for column in COLUMNS if column.required]
# Columns of the export that the import accepts and ignores, so that an export reads back.
EXPORT_ONLY_COLUMNS = ["identifiant", "duree_minutes", "personne_suivie", "saisie"]


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", str(text))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.replace("–", "-").replace("—", "-").replace("’", "'")
    return " ".join(stripped.casefold().split())


def _lookup(choices, aliases: dict | None = None) -> dict[str, str]:
    """Every accepted cell (code, French label, alias), normalised, to its value."""
    table = {}
    for value, label in choices.choices:
        table[normalise(value)] = value
        table[normalise(label)] = value
        for alias in (aliases or {}).get(value, []):
            table[normalise(alias)] = value
    return table


@dataclass
class MissingStop:
    """A past stop the file needs and the planning lacks: created (a one-off stop, its hours
    those of its visits) only when the agent confirms it."""

    date: datetime.date
    site: Site
    vehicle: Vehicle | None
    start_time: datetime.time
    end_time: datetime.time
    visit_count: int = 0

    def include(self, arrival: datetime.time, departure: datetime.time | None) -> None:
        """Widen the hours to a visit of the file: from its arrival's hour to the hour after
        its departure (or arrival)."""
        self.visit_count += 1
        self.start_time = min(self.start_time, arrival.replace(minute=0, second=0))
        last = departure or arrival
        end = datetime.time(last.hour + 1) if last.hour < 23 else datetime.time(23, 59)
        self.end_time = max(self.end_time, end)


@dataclass
class ParsedRow:
    line: int
    stop: Stop | None  # None: the row's stop is `missing`, to be created
    arrived_at: datetime.datetime
    left_at: datetime.datetime | None
    answers: dict
    topics: list[Topic]
    partners: list[Partner]
    missing: MissingStop | None = None

    def key(self, stop_id: int) -> tuple:
        """What makes two visits the same (`duplicate_key`)."""
        return duplicate_key(
            stop_id,
            self.arrived_at,
            self.left_at,
            self.answers,
            [topic.pk for topic in self.topics],
            [partner.pk for partner in self.partners],
        )


# The answers compared to tell a visit already recorded from a new one.
COMPARED_ANSWERS = (*(question.field for question in QUESTIONS), "cyber_used", "cyber_purpose")


def duplicate_key(stop_id, arrived_at, left_at, answers, topic_ids, partner_ids) -> tuple:
    """Same stop, same times (to the minute), same answers, topics, partners and note."""

    def minute(moment):
        return moment and moment.replace(second=0, microsecond=0)

    return (
        stop_id,
        minute(arrived_at),
        minute(left_at),
        tuple(answers[name] for name in COMPARED_ANSWERS),
        answers.get("note", "").strip(),
        frozenset(topic_ids),
        frozenset(partner_ids),
    )


@dataclass
class ImportReport:
    file_errors: list[str] = field(default_factory=list)
    # The first MAX_ERRORS_SHOWN faulty lines (line, reason), in order; `error_count` counts all.
    line_errors: list[tuple[int, str]] = field(default_factory=list)
    error_count: int = 0
    rows: list[ParsedRow] = field(default_factory=list)
    lines_read: int = 0
    # Rows already recorded (same stop, times and answers): skipped, with the agent's consent.
    duplicates: list[ParsedRow] = field(default_factory=list)
    # Past stops missing from the planning: created, with the agent's consent.
    missing_stops: list[MissingStop] = field(default_factory=list)
    # What the agent has not confirmed yet (shown above the confirmation form).
    confirm_errors: list[str] = field(default_factory=list)

    def add_error(self, line: int, reason: str) -> None:
        self.error_count += 1
        if len(self.line_errors) < MAX_ERRORS_SHOWN:
            self.line_errors.append((line, reason))

    @property
    def errors_not_shown(self) -> int:
        return self.error_count - len(self.line_errors)

    @property
    def is_valid(self) -> bool:
        return not self.file_errors and not self.error_count and bool(self.rows)

    @property
    def duplicates_shown(self) -> list[ParsedRow]:
        return self.duplicates[:MAX_ERRORS_SHOWN]

    @property
    def duplicates_not_shown(self) -> int:
        return max(0, len(self.duplicates) - MAX_ERRORS_SHOWN)

    def unconfirmed(self, *, skip_duplicates: bool, create_stops: bool) -> list[str]:
        """The confirmations the import still needs, in French (none: it can be made)."""
        missing = []
        if self.duplicates and not skip_duplicates:
            missing.append(SKIP_DUPLICATES_NEEDED)
        if self.missing_stops and not create_stops:
            missing.append(CREATE_STOPS_NEEDED)
        return missing


SKIP_DUPLICATES_NEEDED = (
    "Des visites du fichier sont déjà enregistrées : cochez « Ignorer les visites déjà "
    "enregistrées » pour importer les autres."
)
CREATE_STOPS_NEEDED = (
    "Des permanences manquent au planning : cochez « Créer les permanences listées » pour "
    "les créer avec l'import."
)
ALL_DUPLICATES = (
    "Toutes les visites de ce fichier sont déjà enregistrées (même permanence, mêmes heures, "
    "mêmes réponses) : rien n'a été importé."
)


class ImportRefused(Exception):
    def __init__(self, report: ImportReport):
        super().__init__("import refused")
        self.report = report


class FileRefused(Exception):
    """The file as a whole cannot be read; the message is French."""


# --- Reading the file into rows of text -------------------------------------------------------


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return f"{value:%d/%m/%Y}"
        if value.date() == datetime.date(1899, 12, 30):  # Excel's time-only cells
            return f"{value:%H:%M}"
        return f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, datetime.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, datetime.time):
        return f"{value:%H:%M}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")


def _bounded(rows: Iterator[list[str]]) -> list[tuple[int, list[str]]]:
    """The non-empty lines with their numbers, every limit checked as each line is read."""
    kept = []
    for line, row in enumerate(rows, start=1):
        if line > MAX_LINES + 1:
            raise FileRefused(f"Le fichier dépasse {_thousands(MAX_LINES)} lignes : découpez-le.")
        width = len(row)
        while width and not row[width - 1]:
            width -= 1
        if width > MAX_COLUMNS:
            raise FileRefused(
                f"La ligne {line} a {width} cellules remplies : {MAX_COLUMNS} au plus "
                "(voir les colonnes attendues ci-dessous)."
            )
        cells = []
        for column, cell in enumerate(row[:width], start=1):
            if len(cell) > MAX_CELL_CHARS:
                raise FileRefused(
                    f"Ligne {line}, colonne {column} : une cellule dépasse "
                    f"{_thousands(MAX_CELL_CHARS)} caractères (« {excerpt(cell)} »)."
                )
            cells.append(spreadsheet_typed(cell.strip()))
        if any(cells):
            kept.append((line, cells))
    return kept


def _read_csv(content: bytes) -> list[tuple[int, list[str]]]:
    if b"\x00" in content:  # the whole file, not its first kilobytes
        raise FileRefused("Ce fichier n'est pas un fichier CSV lisible (contenu binaire).")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")
        except UnicodeDecodeError:
            raise FileRefused(
                "Ce fichier n'est pas un fichier CSV lisible : enregistrez-le en UTF-8."
            ) from None
    end = text.find("\n")
    first_line = text if end < 0 else text[:end]
    delimiter = max([";", ",", "\t"], key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _bounded(reader)
    except csv.Error as error:
        if "field limit" in str(error):  # a cell of more than 128 KB: far past MAX_CELL_CHARS
            raise FileRefused(
                f"Ligne {reader.line_num} : une cellule dépasse "
                f"{_thousands(MAX_CELL_CHARS)} caractères."
            ) from error
        raise FileRefused(
            f"Ce fichier CSV est mal formé (ligne {reader.line_num}) : vérifiez les guillemets."
        ) from error


def _check_zip(archive: zipfile.ZipFile) -> None:
    """Refuse a zip bomb from the sizes its directory declares, before unzipping anything.

    `zipfile` never unzips more than an entry's declared size, so these checks bound the work."""
    entries = archive.infolist()
    if len(entries) > MAX_XLSX_ENTRIES:
        raise FileRefused(
            f"Ce classeur XLSX contient {len(entries)} fichiers internes : "
            f"{MAX_XLSX_ENTRIES} au plus."
        )
    total = sum(entry.file_size for entry in entries)
    absurd = any(
        entry.file_size > XLSX_RATIO_FROM
        and entry.file_size > MAX_XLSX_RATIO * max(entry.compress_size, 1)
        for entry in entries
    )
    if total > MAX_XLSX_UNCOMPRESSED_BYTES or absurd:
        raise FileRefused(
            "Ce classeur XLSX est anormalement gros une fois décompressé "
            f"({_thousands(total // (1024 * 1024))} Mo) : enregistrez la feuille en CSV ou "
            "découpez-la."
        )


def _read_xlsx(content: bytes) -> list[tuple[int, list[str]]]:
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            _check_zip(archive)
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as error:
        raise FileRefused("Ce fichier n'est pas un classeur XLSX lisible.") from error
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # rows as wide as their cells, not as the declared dimension
        return _bounded(
            [_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)
        )
    except FileRefused:
        raise
    except Exception as error:  # a corrupt sheet inside a valid zip
        raise FileRefused("Ce classeur XLSX ne peut pas être lu.") from error
    finally:
        workbook.close()


def read_rows(name: str, content: bytes) -> list[tuple[int, list[str]]]:
    """The file's non-empty lines, numbered as the spreadsheet shows them; `FileRefused` when
    the file cannot be read or is past a limit."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if not content:
        raise FileRefused("Le fichier est vide.")
    if len(content) > MAX_FILE_BYTES:
        raise FileRefused(FILE_TOO_BIG)
    if extension == "xlsx" or content[:2] == b"PK":
        if extension not in ("xlsx", ""):
            raise FileRefused(FORMAT_REFUSED)
        return _read_xlsx(content)
    if extension in ("csv", "txt"):
        return _read_csv(content)
    raise FileRefused(FORMAT_REFUSED)


# --- Checking every line ----------------------------------------------------------------------


def _parse_date(text: str) -> datetime.date | None:
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d/%m/%y"):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _parse_time(text: str) -> datetime.time | None:
    text = text.strip().lower().replace("h", ":")
    if text.endswith(":"):
        text += "00"
    for pattern in ("%H:%M", "%H:%M:%S"):
        try:
            return datetime.datetime.strptime(text, pattern).time()
        except ValueError:
            continue
    return None


class _Context:
    """Everything a line is checked against, loaded once for the whole file."""

    def __init__(self, operator: Operator, dates: set[datetime.date]):
        self.operator = operator
        self.today = timezone.localdate()
        self.sites: dict[str, Site] = {}
        for site in Site.objects.for_operator(operator):
            self.sites[normalise(site.name)] = site
            self.sites[normalise(site.slug)] = site
        self.stops: dict[tuple[datetime.date, int], list[Stop]] = {}
        for stop in (
            Stop.objects.for_operator(operator).filter(date__in=dates).select_related("site")
        ):
            self.stops.setdefault((stop.date, stop.site_id), []).append(stop)
        self.topics: dict[str, Topic] = {}
        for topic in Topic.objects.for_operator(operator):
            self.topics[normalise(topic.name)] = topic
            self.topics[normalise(topic.slug)] = topic
        self.partners: dict[str, Partner] = {}
        for partner in Partner.objects.for_operator(operator):
            self.partners[normalise(partner.name)] = partner
            self.partners[normalise(partner.slug)] = partner
        self.missing_stops: dict[tuple[datetime.date, int], MissingStop] = {}
        self.answers = {q.column: _lookup(q.choices, q.aliases) for q in QUESTIONS}
        self.cyber_purposes = _lookup(CyberPurpose)
        self.vehicles: dict[int, Vehicle | None] = {}
        self.yes_no = {
            "oui": True,
            "o": True,
            "yes": True,
            "1": True,
            "non": False,
            "n": False,
            "no": False,
            "0": False,
            "": False,
        }

    def vehicle_for(self, site: Site) -> Vehicle | None:
        """The vehicle of a stop to create at `site`: the one of its latest stop, else the
        operator's first active vehicle (one query per site of the missing stops)."""
        if site.pk not in self.vehicles:
            vehicles = Vehicle.objects.for_operator(self.operator).active()
            latest = (
                Stop.objects.for_operator(self.operator)
                .filter(site=site, vehicle__is_archived=False)
                .order_by("-date")
                .values("vehicle_id")[:1]
            )
            self.vehicles[site.pk] = (
                vehicles.filter(pk__in=latest).first() or vehicles.order_by("pk").first()
            )
        return self.vehicles[site.pk]

    def missing_stop(
        self, day: datetime.date, site: Site, arrival: datetime.time, departure
    ) -> MissingStop:
        missing = self.missing_stops.get((day, site.pk))
        if missing is None:
            missing = MissingStop(
                day, site, self.vehicle_for(site), arrival.replace(minute=0, second=0), arrival
            )
            self.missing_stops[(day, site.pk)] = missing
        missing.include(arrival, departure)
        return missing


def _check_line(
    line: int, cells: dict[str, str], ctx: _Context
) -> tuple[ParsedRow | None, list[str]]:
    problems: list[str] = []
    day = _parse_date(cells.get("date", ""))
    if not cells.get("date"):
        problems.append("la date est vide")
    elif day is None:
        problems.append(f"date « {excerpt(cells['date'])} » invalide (attendu JJ/MM/AAAA)")
    elif day > ctx.today:
        problems.append(f"la date {day:%d/%m/%Y} est dans le futur")
    arrival = _parse_time(cells.get("heure_arrivee", ""))
    if not cells.get("heure_arrivee"):
        problems.append("l'heure d'arrivée est vide")
    elif arrival is None:
        problems.append(
            f"heure d'arrivée « {excerpt(cells['heure_arrivee'])} » invalide (attendu HH:MM)"
        )
    departure = None
    if cells.get("heure_depart"):
        departure = _parse_time(cells["heure_depart"])
        if departure is None:
            problems.append(
                f"heure de départ « {excerpt(cells['heure_depart'])} » invalide (attendu HH:MM)"
            )
        elif arrival is not None and departure <= arrival:
            problems.append("l'heure de départ est avant l'heure d'arrivée")
    site = None
    if not cells.get("lieu"):
        problems.append("le lieu est vide")
    else:
        site = ctx.sites.get(normalise(cells["lieu"]))
        if site is None:
            problems.append(f"lieu « {excerpt(cells['lieu'])} » inconnu")
    stop = None
    missing_stop = False
    if day is not None and site is not None and day <= ctx.today:
        candidates = ctx.stops.get((day, site.pk), [])
        held = [s for s in candidates if s.status == StopStatus.HELD]
        if held:
            stop = next(
                (s for s in held if arrival and s.start_time <= arrival <= s.end_time), held[0]
            )
        elif candidates:
            problems.append(f"la permanence du {day:%d/%m/%Y} à {site.name} est annulée")
        elif day < ctx.today and not site.is_archived:
            missing_stop = True  # offered for creation, once the whole line is read
        else:
            problems.append(f"aucune permanence du bus le {day:%d/%m/%Y} à {site.name}")
    answers: dict = {}
    for question in QUESTIONS:
        raw = cells.get(question.column, "")
        if raw == "":
            answers[question.field] = question.choices.UNKNOWN
            continue
        value = ctx.answers[question.column].get(normalise(raw))
        if value is None:
            problems.append(
                f"{question.column} « {excerpt(raw)} » inconnu "
                f"(valeurs possibles : {', '.join(question.choices.labels)})"
            )
        else:
            answers[question.field] = value
    cyber_raw = normalise(cells.get("cyber", ""))
    if cyber_raw not in ctx.yes_no:
        problems.append(f"cyber « {excerpt(cells['cyber'])} » inconnu (Oui ou Non)")
        cyber_used = False
    else:
        cyber_used = ctx.yes_no[cyber_raw]
    purpose_raw = cells.get("usage_cyber", "")
    purpose = ""
    if purpose_raw:
        purpose = ctx.cyber_purposes.get(normalise(purpose_raw), None)
        if purpose is None:
            problems.append(
                f"usage_cyber « {excerpt(purpose_raw)} » inconnu "
                f"(valeurs possibles : {', '.join(CyberPurpose.labels)})"
            )
            purpose = ""
        else:
            cyber_used = True
    if cyber_used and not purpose:
        purpose = CyberPurpose.UNKNOWN
    answers["cyber_used"] = cyber_used
    answers["cyber_purpose"] = purpose
    note = cells.get("note", "")
    if len(note) > 500:
        problems.append("la note dépasse 500 caractères")
    answers["note"] = note
    topics = []
    for raw in _split(cells.get("thematiques", "")):
        topic = ctx.topics.get(normalise(raw))
        if topic is None or topic.is_archived:
            problems.append(f"thématique « {excerpt(raw)} » inconnue")
        elif topic not in topics:
            topics.append(topic)
    partners = []
    for raw in _split(cells.get("partenaires", "")):
        partner = ctx.partners.get(normalise(raw))
        if partner is None:
            problems.append(f"partenaire « {excerpt(raw)} » inconnu")
        elif partner.is_archived:  # as in the form: an archived partner is not offered
            problems.append(f"le partenaire « {excerpt(raw)} » est archivé")
        elif partner not in partners:
            partners.append(partner)
    if problems:
        return None, problems
    arrived_at = timezone.make_aware(datetime.datetime.combine(day, arrival))
    left_at = timezone.make_aware(datetime.datetime.combine(day, departure)) if departure else None
    if arrived_at > timezone.now():
        return None, ["l'heure d'arrivée est dans le futur"]
    missing = ctx.missing_stop(day, site, arrival, departure) if missing_stop else None
    if missing is not None and missing.vehicle is None:
        return None, [
            f"aucune permanence du bus le {day:%d/%m/%Y} à {site.name}, et aucun véhicule "
            "actif pour la créer"
        ]
    return ParsedRow(line, stop, arrived_at, left_at, answers, topics, partners, missing), []


def _split(text: str) -> list[str]:
    text = text.strip()
    if not text:
        return []
    return [part.strip() for part in LIST_SEPARATORS.split(text) if part.strip()]


def visits_check(*, operator: Operator, name: str, content: bytes) -> ImportReport:
    """Read and check the whole file; write nothing."""
    report = ImportReport()
    try:
        numbered = read_rows(name, content)
    except FileRefused as refused:
        report.file_errors.append(str(refused))
        return report
    if not numbered:
        report.file_errors.append("Le fichier est vide.")
        return report
    header_line, header = numbered[0]
    columns = [normalise(cell).replace(" ", "_") for cell in header]
    unknown = [c for c in columns if c not in COLUMN_NAMES and c not in EXPORT_ONLY_COLUMNS]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if unknown or missing or duplicated:
        parts = []
        if missing:
            parts.append("colonnes obligatoires manquantes : " + ", ".join(missing))
        if unknown:
            parts.append(
                "colonnes inconnues : " + ", ".join(excerpt(c) or "(sans nom)" for c in unknown)
            )
        if duplicated:
            parts.append("colonnes en double : " + ", ".join(excerpt(c) for c in duplicated))
        report.file_errors.append(
            f"La ligne d'en-tête (ligne {header_line}) ne convient pas — "
            + " ; ".join(parts)
            + ". Voir le format attendu ci-dessous."
        )
        return report
    data = numbered[1:]
    if not data:
        report.file_errors.append("Le fichier ne contient aucune visite (seulement l'en-tête).")
        return report
    report.lines_read = len(data)
    date_at = columns.index("date")
    dates = {d for _, row in data if len(row) > date_at and (d := _parse_date(row[date_at]))}
    ctx = _Context(operator, dates)
    for line, row in data:
        if len(row) > len(columns):
            report.add_error(line, "Plus de cellules que de colonnes dans l'en-tête.")
            continue
        cells = {column: (row[i] if i < len(row) else "") for i, column in enumerate(columns)}
        parsed, problems = _check_line(line, cells, ctx)
        if problems:
            message = "; ".join(problems)
            report.add_error(line, message[0].upper() + message[1:] + ".")
        else:
            report.rows.append(parsed)
    if report.error_count:
        return report
    report.missing_stops = sorted(
        ctx.missing_stops.values(), key=lambda missing: (missing.date, missing.start_time)
    )
    report.file_errors += _overlaps(report.missing_stops)
    _set_aside_duplicates(operator, report)
    return report


def _overlaps(missing_stops: list[MissingStop]) -> list[str]:
    """The stops to create that the bus could not hold (its vehicle is elsewhere then)."""
    errors = []
    for index, missing in enumerate(missing_stops):
        other = (
            Stop.objects.overlapping(
                vehicle_id=missing.vehicle.pk,
                date=missing.date,
                start_time=missing.start_time,
                end_time=missing.end_time,
            )
            .select_related("site")
            .first()
        )
        clash = other and f"{other.site.name}, {other.start_time:%H:%M}–{other.end_time:%H:%M}"
        for before in missing_stops[:index]:
            if (
                before.vehicle == missing.vehicle
                and before.date == missing.date
                and before.start_time < missing.end_time
                and missing.start_time < before.end_time
            ):
                clash = f"{before.site.name} (à créer aussi)"
        if clash:
            errors.append(
                f"La permanence à créer le {missing.date:%d/%m/%Y} à {missing.site.name} "
                f"({missing.start_time:%H:%M}–{missing.end_time:%H:%M}) chevauche une autre "
                f"permanence du bus ce jour-là ({clash}) : ajoutez-la au planning vous-même, "
                "puis déposez le fichier à nouveau."
            )
    return errors


def _set_aside_duplicates(operator: Operator, report: ImportReport) -> None:
    """Move the rows already recorded (same stop, times and answers) to `report.duplicates`.

    Counted: a file with two identical rows, one of them recorded, imports the other."""
    stop_ids = {row.stop.pk for row in report.rows if row.stop is not None}
    if not stop_ids:
        return
    visits = Visit.objects.for_operator(operator).filter(stop_id__in=stop_ids)
    topics: dict[int, list[int]] = {}
    for visit_id, topic_id in VisitTopic.objects.filter(visit__in=visits).values_list(
        "visit_id", "topic_id"
    ):
        topics.setdefault(visit_id, []).append(topic_id)
    partners: dict[int, list[int]] = {}
    for visit_id, partner_id in VisitPartner.objects.filter(visit__in=visits).values_list(
        "visit_id", "partner_id"
    ):
        partners.setdefault(visit_id, []).append(partner_id)
    recorded = Counter(
        duplicate_key(
            values["stop_id"],
            values["arrived_at"],
            values["left_at"],
            values,
            topics.get(values["pk"], []),
            partners.get(values["pk"], []),
        )
        for values in visits.values(
            "pk", "stop_id", "arrived_at", "left_at", "note", *COMPARED_ANSWERS
        )
    )
    kept = []
    for row in report.rows:
        key = row.stop is not None and row.key(row.stop.pk)
        if key and recorded[key] > 0:
            recorded[key] -= 1
            report.duplicates.append(row)
        else:
            kept.append(row)
    report.rows = kept
    if not kept:
        report.file_errors.append(ALL_DUPLICATES)
