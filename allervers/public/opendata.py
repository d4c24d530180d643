"""Open data: the operator's offer in two national schemas.

- data·inclusion (v1): one `Structure` (the operator) and one `Service` per active site: the
  bus's walk-in reception at that place, with the coming stops as OpenStreetMap opening hours.
  Validated in the tests with the `data-inclusion-schema` package.
- "Lieux de médiation numérique" (LaMednum Table Schema v1.0.2): one CSV row per active site,
  an itinerant place of digital mediation. Validated in the tests against the schema's JSON.
  Its free-text columns are neutral for spreadsheets; its constrained ones stay exact.

The data·inclusion file is JSON, not a spreadsheet: its values are always exact.
"""

import csv
import datetime
import io
import re

from django.db.models import Max

from allervers.core.spreadsheets import spreadsheet_cell
from allervers.operators.models import Operator
from allervers.planning.enums import SpaceKind
from allervers.planning.models import Space, Stop

from .queries import public_sites, today, upcoming_stops

SOURCE = "allervers"
OSM_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
THEMES = [
    "trouver-un-emploi--repondre-a-des-offres-demploi",
    "preparer-sa-candidature--realiser-un-cv-et-ou-une-lettre-de-motivation",
    "difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives",
    "difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits",
    "numerique--acceder-a-des-services-en-ligne",
]


def _last_change(operator: Operator) -> datetime.date:
    """The last change of what the exports say: a stop or the operator's own settings."""
    latest = Stop.objects.for_operator(operator).aggregate(latest=Max("updated_at"))["latest"]
    moments = [moment for moment in (latest, operator.updated_at) if moment is not None]
    return min(max(moments).date(), today()) if moments else today()


def _opening_hours(stops) -> str | None:
    """'2026 May 04 09:00-12:00; ...' (OpenStreetMap syntax), held stops only."""
    parts = [
        f"{stop.date.year} {OSM_MONTHS[stop.date.month - 1]} {stop.date.day:02d} "
        f"{stop.start_time:%H:%M}-{stop.end_time:%H:%M}"
        for stop in stops
        if not stop.is_cancelled
    ]
    return "; ".join(parts) or None


def commune_code(site, operator: Operator) -> str:
    """The site's commune INSEE code, or else the structure's (its default); '' when neither
    is known. Both are validated where they are typed (allervers/core/communes.py)."""
    return site.insee_code or operator.insee_code


def _clip(text: str, limit: int = 150) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def data_inclusion_export(operator: Operator, *, page_url: str) -> dict:
    structure_id = f"{SOURCE}--{operator.slug}"
    updated = _last_change(operator).isoformat()
    structure = {
        "source": SOURCE,
        "id": structure_id,
        "nom": _clip(operator.name),
        "date_maj": updated,
        "description": (
            "Service itinérant : un bus vient dans les quartiers. On y est reçu sans "
            "rendez-vous, gratuitement, pour l'emploi, les démarches et le numérique."
        ),
        "lien_source": page_url,
        "telephone": operator.phone or None,
        "courriel": operator.email or None,
        "site_web": operator.website or page_url,
        "adresse": operator.address or None,
        "code_insee": operator.insee_code or None,
    }
    services = []
    for site in public_sites(operator):
        stops = upcoming_stops(operator, days=8 * 7, site=site)
        services.append(
            {
                "source": SOURCE,
                "structure_id": structure_id,
                "id": f"{SOURCE}--{operator.slug}--{site.slug}",
                "nom": _clip(f"Le bus à {site.name}"),
                "description": (
                    f"Le bus s'arrête à {site.name}. Des agents vous accueillent, vous "
                    "orientent et vous aident dans vos démarches : emploi, droits, papiers, "
                    "numérique. Des partenaires tiennent des permanences dans le bus."
                ),
                "lien_source": page_url,
                "date_maj": updated,
                "type": "accompagnement",
                "thematiques": THEMES,
                "frais": "gratuit",
                "publics": ["tous-publics"],
                "modes_accueil": ["en-presentiel"],
                "modes_mobilisation": ["se-presenter"] + (["telephoner"] if operator.phone else []),
                "mobilisable_par": ["usagers", "professionnels"],
                "commune": site.city or None,
                "code_postal": site.postcode or None,
                "code_insee": commune_code(site, operator) or None,
                "adresse": site.address,
                "latitude": float(site.latitude) if site.latitude is not None else None,
                "longitude": float(site.longitude) if site.longitude is not None else None,
                "telephone": operator.phone or None,
                "courriel": operator.email or None,
                "horaires_accueil": _opening_hours(stops),
            }
        )
    return {"structures": [structure], "services": services}


# --- Lieux de médiation numérique ----------------------------------------------------------------

# The schema's columns, in order. EXACT: a value the schema constrains (identifiers, numbers,
# codes, dates, URLs, e-mails, +33 phones, OpenStreetMap hours, its own lists of values), written
# exactly as the schema validates it. TYPED: may carry text typed by a user (the operator's name,
# a site's name, address, commune or notes): it goes through `spreadsheet_cell`. See
# docs/publication.md.
EXACT, TYPED = "exact", "typed"
MEDIATION_COLUMNS = {
    "id": EXACT,
    "pivot": EXACT,
    "nom": TYPED,
    "commune": TYPED,
    "code_postal": EXACT,
    "code_insee": EXACT,
    "adresse": TYPED,
    "complement_adresse": TYPED,
    "latitude": EXACT,
    "longitude": EXACT,
    "typologie": EXACT,
    "telephone": EXACT,
    "courriels": EXACT,
    "site_web": EXACT,
    "horaires": EXACT,
    "presentation_resume": TYPED,
    "presentation_detail": TYPED,
    "source": TYPED,
    "itinerance": EXACT,
    "structure_parente": TYPED,
    "date_maj": EXACT,
    "services": EXACT,
    "publics_specifiquement_adresses": EXACT,
    "prise_en_charge_specifique": EXACT,
    "frais_a_charge": EXACT,
    "dispositif_programmes_nationaux": EXACT,
    "formations_labels": EXACT,
    "autres_formations_labels": TYPED,
    "modalites_acces": EXACT,
    "modalites_accompagnement": EXACT,
    "fiche_acces_libre": EXACT,
    "prise_rdv": EXACT,
}
MEDIATION_FIELDS = list(MEDIATION_COLUMNS)
# The schema requires a SIRET (or RNA) "pivot" and documents no value for "unknown": without the
# operator's SIRET, this all-zero value fits the pattern and cannot be mistaken for a real
# establishment (SIREN 000 000 000 does not exist). See docs/publication.md.
UNKNOWN_PIVOT = "00000000000000"
POSTCODE = re.compile(r"[0-9]{5}")


def international_phone(phone: str) -> str:
    """'03 21 00 00 00' -> '+33321000000' (the schema's format); '' when it is not a French
    ten-digit number."""
    digits = re.sub(r"[^0-9+]", "", phone)
    if digits.startswith("+33") and len(digits) == 12:
        return digits
    if re.fullmatch(r"0[1-9][0-9]{8}", digits):
        return "+33" + digits[1:]
    return ""


def mediation_sites(operator: Operator):
    """The sites that can be exported: the schema requires a postcode and a commune."""
    return [
        site
        for site in public_sites(operator)
        if POSTCODE.fullmatch(site.postcode.replace(" ", "")) and site.city.strip()
    ]


def _mediation_services(operator: Operator) -> str:
    services = ["Aide aux démarches administratives"]
    if Space.objects.for_operator(operator).filter(kind=SpaceKind.CYBER).exists():
        services += [
            "Maîtrise des outils numériques du quotidien",
            "Accès internet et matériel informatique",
        ]
    return "|".join(services)


def lieux_mediation_rows(operator: Operator, *, page_url: str, site_url_of) -> list[dict]:
    updated = _last_change(operator).isoformat()
    services = _mediation_services(operator)
    phone = international_phone(operator.phone)
    access = ["Se présenter"]
    if phone:
        access.append("Téléphoner")
    if operator.email:
        access.append("Contacter par mail")
    rows = []
    for site in mediation_sites(operator):
        stops = upcoming_stops(operator, days=8 * 7, site=site)
        detail = " ".join(
            " ".join(part.split())  # one line: the notes are typed in a text area
            for part in [
                f"Le bus de {operator.name} s'arrête à {site.name}, aux jours et heures "
                "indiqués. On y est reçu sans rendez-vous, gratuitement.",
                f"Comment venir : {site.access_notes}" if site.access_notes else "",
                f"Accessibilité : {site.accessibility_notes}" if site.accessibility_notes else "",
                f"Tous les passages : {page_url}",
            ]
            if part
        )
        rows.append(
            {
                "id": f"{SOURCE}--{operator.slug}--{site.slug}",
                "pivot": operator.siret or UNKNOWN_PIVOT,
                "nom": f"Le bus de {operator.name} à {site.name}",
                "commune": site.city.strip(),
                "code_postal": site.postcode.replace(" ", ""),
                "code_insee": commune_code(site, operator),
                "adresse": site.address,
                "latitude": f"{site.latitude}" if site.latitude is not None else "",
                "longitude": f"{site.longitude}" if site.longitude is not None else "",
                "telephone": phone,
                "courriels": operator.email,
                "site_web": "|".join(
                    dict.fromkeys(url for url in [site_url_of(site), operator.website] if url)
                ),
                "horaires": _opening_hours(stops) or "",
                "presentation_resume": _clip(
                    "Un bus itinérant vient dans les quartiers. On y est aidé pour les "
                    "démarches en ligne, l'emploi et l'ordinateur, sans rendez-vous et "
                    "gratuitement.",
                    280,
                ),
                "presentation_detail": detail,
                "source": operator.name,
                "itinerance": "Itinérant",
                "structure_parente": operator.name,
                "date_maj": updated,
                "services": services,
                "frais_a_charge": "Gratuit",
                "modalites_acces": "|".join(access),
                "modalites_accompagnement": "Accompagnement individuel",
            }
        )
    return rows


def _mediation_cells(row: dict) -> dict:
    return {
        name: spreadsheet_cell(value) if MEDIATION_COLUMNS[name] == TYPED else value
        for name, value in row.items()
    }


def lieux_mediation_csv(operator: Operator, *, page_url: str, site_url_of) -> str:
    """The CSV file: UTF-8, comma-separated, a header row with the schema's fields in order."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=MEDIATION_FIELDS, restval="", lineterminator="\r\n")
    writer.writeheader()
    for row in lieux_mediation_rows(operator, page_url=page_url, site_url_of=site_url_of):
        writer.writerow(_mediation_cells(row))
    return out.getvalue()
