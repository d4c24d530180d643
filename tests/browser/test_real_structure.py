"""Issue 10's « Done when »: a real structure from an empty database, with no demo.

Platform staff create a structure → the coordinator follows the e-mailed link, sets a password,
logs in by e-mail → creates the vehicle and spaces, four sites, three partners (one with a partner
login), a term-time pattern, two agents → the partner logs in and declares a presence → the
public page shows the stops → an agent logs three visits and a referral → the partner takes the
referral up → the dashboard counts three visits → the coordinator sees the first-steps checklist
complete. axe runs on every page the journey visits.

Each step is a function; the steps named `_STANDIN_…` make their data with the ORM until their
screens land (each says which), and are then replaced by browser steps.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from allervers.operators.models import Operator
from allervers.partners.models import Partner
from allervers.planning.enums import SpaceKind
from allervers.planning.models import Space, Stop, Vehicle
from allervers.reception.enums import ReferralStatus
from allervers.reception.models import Referral, Visit
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)

SLUG = "ccas-hersin"
COORDINATOR_EMAIL = "nadia.hamidi@ccas-hersin.fr"
PARTNER_EMAIL = "ines.morel@mission-locale.fr"
AGENT_EMAILS = ("karim.benali@ccas-hersin.fr", "lea.dupont@ccas-hersin.fr")
PASSWORD = "Un-bus-pour-Hersin-2026"
LOGIN_LABEL = "Adresse électronique"
SITES = [
    ("Place du Regain", "1 place du Regain"),
    ("École Jules Ferry", "12 rue Jules Ferry"),
    ("Salle des fêtes", "3 rue de la Mairie"),
    ("Cité des Fleurs", "8 allée des Roses"),
]
WEDNESDAYS_IN_TERM = ["10 juin 2026", "17 juin 2026", "24 juin 2026", "1 juillet 2026"]


def test_a_real_structure_from_an_empty_database(live_server, page):
    base = live_server.url
    assert not Operator.objects.exists() and not get_user_model().objects.exists()

    _platform_creates_structure(page, base)
    _coordinator_sets_password_and_logs_in(page, base)
    _STANDIN_vehicle_and_spaces()
    _coordinator_creates_sites(page, base)
    _STANDIN_partners()
    _coordinator_invites_partner_login(page, base)
    _coordinator_creates_pattern(page, base)
    _coordinator_invites_agents(page, base)
    _coordinator_looks_at_public_page(page, base)
    _log_out(page)

    _partner_declares_presence(page, base)
    _log_out(page)
    _public_page_shows_stops(page, base)
    _agent_logs_visits_and_referral(page, base)
    _log_out(page)
    _partner_takes_referral_up(page, base)
    _log_out(page)
    _dashboard_counts(page, base)
    # In the story the checklist comes after the agents; it is last here because the
    # coordinator's home links to vehicles:list and partners:list, which land with the set-up
    # screens: this step passes once they have landed.
    _coordinator_sees_checklist_complete(page, base)


# Steps -------------------------------------------------------------------------------------------


def _platform_creates_structure(page, base: str) -> None:
    """Platform staff add the structure and its coordinator in the platform admin."""
    get_user_model().objects.create_superuser(
        email="plateforme@allervers.example", password=PASSWORD
    )
    _log_in(page, base, "plateforme@allervers.example", next_path="/admin-plateforme/")
    page.get_by_role("link", name="Structures porteuses").first.click()
    page.get_by_role("link", name=re.compile("Ajouter")).first.click()
    page.get_by_label(re.compile("^Nom")).first.fill("CCAS de Hersin")
    page.get_by_label(re.compile("Identifiant d.adresse", re.I)).fill(SLUG)
    page.get_by_label(re.compile("adresse électronique de la coordination", re.I)).fill(
        COORDINATOR_EMAIL
    )
    page.get_by_label(re.compile("^Prénom", re.I)).fill("Nadia")
    page.get_by_label(re.compile("^Nom$", re.I)).fill("Hamidi")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.get_by_text(re.compile("a été ajouté")).first.wait_for()
    assert Operator.objects.filter(slug=SLUG, is_demo=False).exists()
    _log_out_admin(page, base)


def _coordinator_sets_password_and_logs_in(page, base: str) -> None:
    _set_password_from_email(page, base, COORDINATOR_EMAIL)
    # The coordinator's home needs the set-up screens (see the last step): start on the sites.
    _log_in(page, base, COORDINATOR_EMAIL, next_path="/planning/lieux/")
    page.get_by_role("heading", level=1, name="Lieux de stationnement").wait_for()
    assert_accessible(page)


def _STANDIN_vehicle_and_spaces() -> None:
    # STAND-IN until the vehicle screens land (/structure/vehicules/, vehicles:list): replace by
    # the browser steps (the seed's bus: office 4, cyber-atelier 8, waiting area 4).
    operator = Operator.objects.get(slug=SLUG)
    bus = Vehicle.objects.create(operator=operator, name="Le bus", wheelchair_accessible=True)
    for kind, name, capacity in [
        (SpaceKind.OFFICE, "Bureau", 4),
        (SpaceKind.CYBER, "Cyber@atelier", 8),
        (SpaceKind.WAITING, "Espace d'accueil", 4),
    ]:
        Space.objects.create(
            operator=operator, vehicle=bus, kind=kind, name=name, capacity=capacity
        )


def _coordinator_creates_sites(page, base: str) -> None:
    for name, address in SITES:
        page.get_by_role("link", name="Ajouter un lieu").click()
        page.get_by_role("heading", name="Nouveau lieu de stationnement").wait_for()
        if name == SITES[0][0]:
            page.get_by_role("button", name="Enregistrer le lieu").click()  # nothing typed
            page.locator("#id_name_error").wait_for()  # the name is required
            assert_accessible(page)
        page.get_by_label(re.compile("^Nom")).fill(name)
        page.get_by_label(re.compile("^Adresse")).fill(address)
        page.get_by_label("Code postal").fill("62150")
        page.get_by_label("Commune").fill("Hersin-Coupigny")
        page.get_by_role("button", name="Enregistrer le lieu").click()
        page.get_by_role("heading", level=1, name=name).wait_for()
        if name == SITES[0][0]:
            assert_accessible(page)
        page.get_by_role("navigation", name="Menu principal").get_by_role(
            "link", name="Lieux"
        ).click()
        page.get_by_role("heading", level=1, name="Lieux de stationnement").wait_for()
    table = page.get_by_role("table", name="Les lieux où le bus stationne")
    assert table.get_by_role("row").filter(has_text="En service").count() == len(SITES)
    assert_accessible(page)


def _STANDIN_partners() -> None:
    # STAND-IN until the partner screens land (/structure/partenaires/, partners:list): replace
    # by the browser steps (name, kind, public description, contact e-mails, phone, logins).
    operator = Operator.objects.get(slug=SLUG)
    for name, slug, description, email in [
        ("Mission locale", "mission-locale", "Emploi et formation des 16-25 ans", "ml@ex.org"),
        ("France Travail", "france-travail", "Inscription et suivi des demandeurs", ""),
        ("CAF du Pas-de-Calais", "caf", "Prestations familiales et logement", "caf@ex.org"),
    ]:
        Partner.objects.create(
            operator=operator,
            name=name,
            slug=slug,
            description=description,
            email=email,
            phone="03 21 11 22 33",
        )


def _coordinator_invites_partner_login(page, base: str) -> None:
    """The Mission locale gets a partner login through the team screen (the partner screens will
    offer the same invitation)."""
    _open_team_screen(page, base)
    _add_team_member(page, "Inès", "Morel", PARTNER_EMAIL, "Partenaire", "Mission locale")
    assert "Mission locale" in page.get_by_role("table").inner_text()


def _coordinator_creates_pattern(page, base: str) -> None:
    """Every Wednesday of the end of the school year (zone B), 9 h to 12 h at Place du Regain:
    four stops, the two Wednesdays of the summer holidays skipped."""
    page.goto(f"{base}/planning/rythmes/")
    page.get_by_role("heading", level=1, name="Rythmes du planning").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Nouveau rythme").click()
    page.get_by_label("Nom du rythme").fill("Mercredis au Regain")
    page.get_by_label("Lieu").select_option(label="Place du Regain")
    page.get_by_label("Jour de la semaine").select_option(label="mercredi")
    page.get_by_label("Heure de début").fill("09:00")
    page.get_by_label("Heure de fin").fill("12:00")
    page.get_by_label("Premier jour de la période").fill("2026-06-10")
    page.get_by_label("Dernier jour de la période").fill("2026-07-15")
    page.get_by_label("Ne pas venir pendant les vacances scolaires").check()
    page.get_by_label("Zone de vacances scolaires").select_option(label="Zone B")
    assert_accessible(page)
    page.get_by_role("button", name="Enregistrer et prévisualiser").click()
    page.get_by_role("heading", name="À créer : 4").wait_for()
    to_create = page.get_by_role("region", name="À créer : 4").inner_text()
    assert all(day in to_create for day in WEDNESDAYS_IN_TERM)
    skipped = page.get_by_role("region", name="Dates sautées : 2").inner_text()
    assert skipped.count("vacances scolaires") == 2
    assert_accessible(page)
    page.get_by_role("button", name="Créer les 4 permanences").click()
    page.get_by_text("4 permanences créées.").wait_for()
    assert_accessible(page)
    assert Stop.objects.filter(operator__slug=SLUG, pattern__isnull=False).count() == 4


def _coordinator_invites_agents(page, base: str) -> None:
    _open_team_screen(page, base)
    _add_team_member(page, "Karim", "Benali", AGENT_EMAILS[0], "Agent")
    _add_team_member(page, "Léa", "Dupont", AGENT_EMAILS[1], "Agent")
    assert page.get_by_role("table").get_by_role("row").filter(has_text="Agent").count() == 2


def _coordinator_looks_at_public_page(page, base: str) -> None:
    """The checklist's last line: the coordinator opens the public page from the back office."""
    # Through the checklist's link once the home page renders (see the last step).
    page.goto(f"{base}/planning/page-publique/")
    page.get_by_role("heading", level=1, name="Où est le bus ?").wait_for()
    assert urlsplit(page.url).path == f"/{SLUG}/"
    page.goto(f"{base}/planning/")  # back to the back office, to log out


def _partner_declares_presence(page, base: str) -> None:
    _set_password_from_email(page, base, PARTNER_EMAIL)
    _log_in(page, base, PARTNER_EMAIL)
    page.get_by_role("heading", name="Bonjour Inès").wait_for()
    assert_accessible(page)
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Planning"
    ).click()
    page.get_by_role("button", name="Afficher").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="09h00–12h00 Place du Regain").first.click()  # today's
    page.get_by_role("link", name="Déclarer notre présence").click()
    page.get_by_role("heading", name="Déclarer la présence de Mission locale").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Enregistrer la présence").click()
    page.get_by_text("La présence est enregistrée.").wait_for()
    assert "Mission locale" in page.get_by_role("region", name="Partenaires présents").inner_text()
    assert_accessible(page)


def _public_page_shows_stops(page, base: str) -> None:
    page.goto(f"{base}/{SLUG}/")
    page.get_by_role("heading", level=1, name="Où est le bus ?").wait_for()
    next_stop = page.get_by_role("region", name="Le prochain passage du bus").inner_text()
    assert "Place du Regain" in next_stop and "Mission locale" in next_stop
    weeks = page.get_by_role("region", name="Les passages des 4 prochaines semaines")
    assert weeks.get_by_role("article").filter(has_text="Place du Regain").count() >= 3
    sites = page.get_by_role("region", name="Les lieux où le bus s'arrête").inner_text()
    assert "Place du Regain" in sites
    assert_accessible(page)


def _agent_logs_visits_and_referral(page, base: str) -> None:
    _set_password_from_email(page, base, AGENT_EMAILS[0])
    _log_in(page, base, AGENT_EMAILS[0])
    page.get_by_role("heading", name="Bonjour Karim").wait_for()
    assert (
        "Place du Regain"
        in page.get_by_role("region", name=re.compile("^Aujourd'hui")).inner_text()
    )
    assert_accessible(page)
    for arrival in ("09:30", "09:45", "10:00"):  # NOW is 10:00
        page.get_by_role("navigation", name="Menu principal").get_by_role(
            "link", name="Nouvelle visite"
        ).click()
        page.get_by_role("heading", name="Nouvelle visite").wait_for()
        assert "Place du Regain" in page.locator("#id_stop option:checked").inner_text()
        page.get_by_label("Heure d'arrivée").fill(arrival)
        if arrival == "09:30":
            assert_accessible(page)
        page.get_by_role("button", name="Enregistrer l'arrivée").click()
        page.get_by_text(f"Visite enregistrée : arrivée à {arrival}.").wait_for()
    in_bus = page.get_by_role("region", name="Place du Regain")
    assert "Dans le bus (3)" in in_bus.inner_text()
    assert_accessible(page)

    page.get_by_role("link", name="Détails de la visite arrivée à 09h45").click()
    page.get_by_role("heading", name="Visite du mercredi 10 juin 2026 à 09h45").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Orienter vers un partenaire").click()
    page.get_by_role("button", name="Proposer l'orientation").click()  # nothing chosen
    page.get_by_text("Choisissez le partenaire.", exact=True).wait_for()
    assert_accessible(page)
    page.get_by_label("Partenaire").select_option(label="Mission locale")
    page.get_by_label("Motif de l'orientation").fill("Recherche d'un contrat d'apprentissage")
    page.get_by_role("button", name="Proposer l'orientation").click()
    page.get_by_text("Orientation proposée vers Mission locale.").wait_for()
    referrals = page.get_by_role("region", name="Orientations").inner_text()
    assert "Mission locale : Recherche d'un contrat d'apprentissage — Proposée" in referrals
    assert_accessible(page)
    assert Visit.objects.filter(operator__slug=SLUG).count() == 3


def _partner_takes_referral_up(page, base: str) -> None:
    _log_in(page, base, PARTNER_EMAIL)
    page.get_by_role("heading", name="Bonjour Inès").wait_for()
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Orientations reçues"
    ).click()
    page.get_by_role("link", name=re.compile("Recherche d'un contrat")).first.wait_for()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Recherche d'un contrat")).first.click()
    page.get_by_role("heading", name="Orientation vers Mission locale").wait_for()
    assert_accessible(page)
    page.get_by_role("radio", name="Prise en charge").check()
    page.get_by_label("Précision (facultatif)").fill("Rendez-vous fixé au 16 juin")
    page.get_by_role("button", name="Enregistrer le statut").click()
    page.get_by_text("Statut de l'orientation mis à jour.").wait_for()
    steps = page.get_by_role("region", name="Étapes").inner_text()
    assert "Prise en charge le 10/06/2026" in steps and "Rendez-vous fixé au 16 juin" in steps
    assert page.get_by_text("Cette orientation est close.").is_visible()
    assert_accessible(page)
    assert Referral.objects.get().status == ReferralStatus.TAKEN_UP


def _dashboard_counts(page, base: str) -> None:
    _log_in(page, base, COORDINATOR_EMAIL, next_path="/bilan/")
    page.get_by_role("heading", level=1, name="Bilan : année 2025").wait_for()
    assert_accessible(page)
    page.get_by_role("combobox", name="Période").select_option(label="Un mois")
    page.get_by_role("combobox", name="Mois").select_option(label="juin")
    page.get_by_role("spinbutton", name="Année").fill("2026")
    page.get_by_role("button", name="Afficher le bilan").click()
    page.get_by_role("heading", level=1, name="Bilan : juin 2026").wait_for()
    assert "Il a accueilli 3 personnes" in page.locator(".results").inner_text()
    assert_accessible(page)


def _coordinator_sees_checklist_complete(page, base: str) -> None:
    # Passes once the vehicle and partner screens (vehicles:list, partners:list) have landed:
    # until then the coordinator's home cannot build the checklist's links.
    response = page.goto(f"{base}/")
    assert response.status == 200, "the coordinator's home page fails"
    page.get_by_role("heading", name="Bonjour Nadia").wait_for()
    assert page.get_by_role("heading", name="Premiers pas de la structure").count() == 0
    assert (
        "Place du Regain"
        in page.get_by_role("region", name=re.compile("^Aujourd'hui")).inner_text()
    )
    assert_accessible(page)


# Helpers -----------------------------------------------------------------------------------------


def _set_password_from_email(page, base: str, email: str) -> None:
    """Follow the link of the last e-mail sent to `email` and choose a password."""
    message = [m for m in mail.outbox if email in m.to][-1]
    link = re.search(r"https?://\S+/compte/mot-de-passe/nouveau/\S+", message.body)
    assert link, message.body
    page.goto(base + urlsplit(link[0]).path)
    page.get_by_role("heading", name="Choisir un nouveau mot de passe").wait_for()
    assert_accessible(page)
    page.get_by_label(re.compile("^Nouveau mot de passe")).fill(PASSWORD)
    page.get_by_label("Confirmation du nouveau mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    page.get_by_role("link", name=re.compile("[Cc]onnect")).first.wait_for()
    assert_accessible(page)


def _log_in(page, base: str, email: str, next_path: str = "") -> None:
    page.goto(f"{base}/compte/connexion/" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label(LOGIN_LABEL).fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def _log_out(page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile("/compte/"))


def _open_team_screen(page, base: str) -> None:
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Structure"
    ).click()
    page.get_by_role("heading", name="Réglages de la structure").wait_for()
    page.get_by_role("link", name="Gérer l'équipe et les accès").click()
    page.get_by_role("link", name="Ajouter une personne").wait_for()
    assert_accessible(page)


def _add_team_member(page, first_name, last_name, email, role, organisation="") -> None:
    page.get_by_role("link", name="Ajouter une personne").click()
    page.get_by_label("Prénom").fill(first_name)
    page.get_by_label(re.compile(r"^Nom\b")).fill(last_name)
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_role("radio", name=role, exact=True).check()
    if organisation:
        page.get_by_label("Organisation partenaire").select_option(label=organisation)
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text(f"{first_name} {last_name} fait partie de l'équipe.").wait_for()
    assert_accessible(page)
    assert any(email in m.to for m in mail.outbox)


def _log_out_admin(page, base: str) -> None:
    page.goto(f"{base}/admin-plateforme/")
    page.get_by_role("button", name=re.compile("Déconnexion", re.I)).click()
