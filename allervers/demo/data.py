"""The demo service, as the Barlin field report describes it.

Addresses and coordinates are plausible places of Barlin (Pas-de-Calais), not surveyed ones;
people are invented.
"""

from decimal import Decimal

from allervers.core.roles import Role
from allervers.partners.enums import Network
from allervers.planning.enums import SpaceKind

DEMO_PASSWORD = "Barlin-demo-2026"
# The second factor of every demo account (README.md): this secret (base32, the key an
# authenticator application asks for: b"Allervers demo 2026!") and these backup codes, each usable
# once per account until the demo is loaded again. `manage.py demo_code` prints the current code.
DEMO_TOTP_SECRET = "IFWGYZLSOZSXE4ZAMRSW23ZAGIYDENRB"
DEMO_BACKUP_CODES = ("barlin26", "regain26")
RANDOM_SEED = 2017  # the year the project entered the "Politique de la ville" programme

OPERATOR = {
    "slug": "ccas-barlin",
    "name": "CCAS de Barlin — Bus de l'emploi et de l'insertion",
    "phone": "03 21 63 14 57",
    "email": "bus-emploi@ccas-barlin.example",
    "address": "CCAS de Barlin, Hôtel de ville, 62620 Barlin",
    "insee_code": "62083",
    "neighbourhood_name": "Quartier du Regain",
    "neighbourhood_streets": "\n".join(
        [
            "Rue du Regain",
            "Rue des Cités",
            "Rue Pasteur",
            "Rue Jules Ferry",
            "Allée des Mésanges",
            "Rue Émile Zola",
        ]
    ),
}

VEHICLE = {
    "name": "Bus de l'emploi et de l'insertion",
    "wheelchair_accessible": True,
    "equipment": (
        "Connexion internet, imprimante multifonction, cafetière et micro-ondes. "
        "Accès adapté aux personnes en fauteuil roulant."
    ),
}

SPACES = [
    (SpaceKind.OFFICE, "Bureau des permanences", 4),
    (SpaceKind.CYBER, "Cyber@atelier", 8),
    (SpaceKind.WAITING, "Espace d'accueil (2 fauteuils)", 4),
]

SITES = [
    {
        "slug": "place-du-regain",
        "name": "Place du Regain",
        "address": "Place du Regain",
        "latitude": Decimal("50.458900"),
        "longitude": Decimal("2.613500"),
        "parking_notes": "Stationnement sur les places le long du square, côté école.",
        "power_notes": "Borne électrique municipale au pied du lampadaire, clé au CCAS.",
        "accessibility_notes": "Trottoir abaissé devant le bus ; place PMR à 20 mètres.",
        "access_notes": "Au cœur du quartier, à côté du square.",
    },
    {
        "slug": "ecole-jules-ferry",
        "name": "Parking de l'école Jules Ferry",
        "address": "Rue Jules Ferry",
        "latitude": Decimal("50.457100"),
        "longitude": Decimal("2.616200"),
        "parking_notes": "Parking de l'école, hors heures d'entrée et de sortie des classes.",
        "power_notes": "Prise extérieure de l'école (accord de la mairie).",
        "accessibility_notes": "Parking plat et goudronné.",
        "access_notes": "Devant l'école, entrée par la rue Jules Ferry.",
    },
    {
        "slug": "city-stade-pasteur",
        "name": "City stade de la rue Pasteur",
        "address": "Rue Pasteur",
        "latitude": Decimal("50.460300"),
        "longitude": Decimal("2.617800"),
        "parking_notes": "Grand emplacement le long du city stade.",
        "power_notes": "Coffret électrique du city stade.",
        "accessibility_notes": "Accès par le trottoir, sans marche.",
        "access_notes": "À côté du terrain de sport.",
    },
    {
        "slug": "salle-des-fetes",
        "name": "Parking de la salle des fêtes",
        "address": "Rue Émile Zola",
        "latitude": Decimal("50.455500"),
        "longitude": Decimal("2.612100"),
        "parking_notes": "Parking de la salle des fêtes, libre en semaine.",
        "power_notes": "Prise extérieure de la salle des fêtes.",
        "accessibility_notes": "Places PMR devant la salle.",
        "access_notes": "Au sud du quartier, arrêt de bus à proximité.",
    },
]

PARTNERS = [
    ("ccas", "CCAS de Barlin", Network.CCAS, "Aides sociales, accompagnement et orientation."),
    (
        "departement",
        "Département du Pas-de-Calais",
        Network.DEPARTMENT,
        "Accompagnement social et RSA.",
    ),
    (
        "france-travail",
        "France Travail (ex-Pôle emploi)",
        Network.FRANCE_TRAVAIL,
        "Inscription, recherche d'emploi, droits au chômage.",
    ),
    (
        "mission-locale",
        "Mission locale",
        Network.MISSION_LOCALE,
        "Emploi, formation et vie quotidienne des 16-25 ans.",
    ),
    ("inter-insert", "Inter Insert", Network.INSERTION, "Chantiers et parcours d'insertion."),
    (
        "proch-emploi",
        "Proch'Emploi (Région Hauts-de-France)",
        Network.REGION,
        "Mise en relation avec les entreprises qui recrutent.",
    ),
    ("bge", "BGE", Network.BGE, "Aide à la création d'entreprise."),
    ("plie", "PLIE", Network.PLIE, "Plan local pour l'insertion et l'emploi."),
    (
        "agglomeration",
        "Communauté d'agglomération Béthune-Bruay Artois Lys Romane",
        Network.AGGLOMERATION,
        "Ateliers « creative lab » et services de l'agglomération.",
    ),
]

# Partners whose planning notices have no address in the demo: the coordinator sees them listed
# as « non prévenu — pas d'adresse », with their phone, after a change of planning.
PARTNERS_WITHOUT_ADDRESS = {"plie", "agglomeration"}


def partner_notice_email(slug: str) -> str:
    return "" if slug in PARTNERS_WITHOUT_ADDRESS else f"permanences@{slug}.{DEMO_EMAIL_DOMAIN}"


# The demo accounts log in with these addresses (a reserved domain: no mail ever reaches it).
DEMO_EMAIL_DOMAIN = "demo.allervers.example"


def demo_email(key: str) -> str:
    return f"{key}@{DEMO_EMAIL_DOMAIN}"


USERS = [
    # key (the address is demo_email(key)), first name, last name, role, partner slug
    ("coordination", "Nadia", "Lefebvre", Role.COORDINATOR, None),
    ("agent.accueil", "Karim", "Benali", Role.AGENT, None),
    ("agent.cyber", "Julie", "Dupont", Role.AGENT, None),
    ("partenaire.francetravail", "Sophie", "Martin", Role.PARTNER, "france-travail"),
    ("financeur", "Paul", "Durand", Role.VIEWER, None),
]
