"""Open data: the operator and its services in the data·inclusion schema (v1).

One `Structure` (the operator) and one `Service` per active site: the bus's walk-in reception at
that place, with the coming stops as OpenStreetMap opening hours. Validated in the tests with the
`data-inclusion-schema` package.
"""

import datetime

from django.db.models import Max

from allervers.operators.models import Operator
from allervers.planning.models import Stop

from .schedule import public_sites, today, upcoming_stops

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
    latest = Stop.objects.for_operator(operator).aggregate(latest=Max("updated_at"))["latest"]
    moment = latest or operator.created_at
    return min(moment.date(), today()) if moment else today()


def _opening_hours(stops) -> str | None:
    """'2026 May 04 09:00-12:00; ...' (OpenStreetMap syntax), held stops only."""
    parts = [
        f"{stop.date.year} {OSM_MONTHS[stop.date.month - 1]} {stop.date.day:02d} "
        f"{stop.start_time:%H:%M}-{stop.end_time:%H:%M}"
        for stop in stops
        if not stop.is_cancelled
    ]
    return "; ".join(parts) or None


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
                "adresse": site.address,
                "latitude": float(site.latitude) if site.latitude is not None else None,
                "longitude": float(site.longitude) if site.longitude is not None else None,
                "telephone": operator.phone or None,
                "courriel": operator.email or None,
                "horaires_accueil": _opening_hours(stops),
            }
        )
    return {"structures": [structure], "services": services}
