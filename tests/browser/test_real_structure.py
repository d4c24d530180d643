"""Issue 10's « Done when »: a real structure from an empty database, with no demo.

Platform staff create a structure → the coordinator follows the e-mailed link, sets a password,
logs in by e-mail → creates the vehicle and spaces, four sites, three partners (one with a partner
login), a term-time pattern, two agents → the partner logs in and declares a presence → the
public page shows the stops → an agent logs three visits and a referral → the partner takes the
referral up → the dashboard counts three visits. axe runs on every page the journey visits.

Each step is a function that drives the browser as a person would (click, type, read).
"""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from allervers.operators.models import Operator
from allervers.planning.models import Stop, Vehicle
from allervers.reception.enums import ReferralStatus
from allervers.reception.models import Referral, Visit
from tests.browser.conftest import assert_accessible, log_in

pytestmark = pytest.mark.django_db(transaction=True)

SLUG = "ccas-hersin"
COORDINATOR_EMAIL = "nadia.hamidi@ccas-hersin.fr"
PARTNER_EMAIL = "ines.morel@mission-locale.fr"
AGENT_EMAILS = ("karim.benali@ccas-hersin.fr", "lea.dupont@ccas-hersin.fr")
PASSWORD = "Un-bus-pour-Hersin-2026"
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
    _coordinator_creates_vehicle(page, base)
    _coordinator_creates_sites(page, base)
    _coordinator_creates_partners(page, base)
    _coordinator_creates_pattern(page, base)
    _coordinator_invites_agents(page, base)
    _coordinator_maps_rights(page, base)
    _coordinator_completes_the_checklist(page, base)
    _log_out(page)

    _partner_declares_presence(page, base)
    _log_out(page)
    _public_page_shows_stops(page, base)
    _agent_logs_visits_and_referral(page, base)
    _log_out(page)
    _partner_takes_referral_up(page, base)
    _log_out(page)
    _dashboard_counts(page, base)


# Steps -------------------------------------------------------------------------------------------


def _platform_creates_structure(page, base: str) -> None:
    """Platform staff add the structure and its coordinator in the platform admin."""
    get_user_model().objects.create_superuser(
        email="plateforme@allervers.example", password=PASSWORD
    )
    _log_in(page, base, "plateforme@allervers.example", next_path="/admin-plateforme/")
    page.get_by_role("link", name="Structures porteuses").first.click()
    page.get_by_role("heading", level=1, name=re.compile("structure porteuse")).wait_for()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Ajouter structure porteuse")).click()
    page.get_by_label(re.compile(r"^Nom\W*$")).wait_for()
    assert_accessible(page)
    page.get_by_label(re.compile(r"^Nom\W*$")).fill("CCAS de Hersin")
    page.keyboard.press("Tab")  # the admin's script proposes a slug on leaving the name
    page.get_by_label(re.compile("Identifiant d.adresse", re.I)).fill(SLUG)
    page.get_by_label(re.compile("adresse électronique de la coordination", re.I)).fill(
        COORDINATOR_EMAIL
    )
    page.get_by_label(re.compile(r"^prénom\W*$")).fill("Nadia")
    page.get_by_label(re.compile(r"^nom\W*$")).fill("Hamidi")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.get_by_text(re.compile("a été ajouté")).first.wait_for()
    assert_accessible(page)
    assert Operator.objects.filter(slug=SLUG, is_demo=False).exists()
    _log_out_admin(page, base)


def _coordinator_sets_password_and_logs_in(page, base: str) -> None:
    _set_password_from_email(page, base, COORDINATOR_EMAIL)
    # The coordinator's home needs the set-up screens (see the last step): start on the sites.
    _log_in(page, base, COORDINATOR_EMAIL, next_path="/planning/lieux/")
    page.get_by_role("heading", level=1, name="Lieux de stationnement").wait_for()
    assert_accessible(page)


def _coordinator_creates_vehicle(page, base: str) -> None:
    """The seed's bus: office 4, cyber-atelier 8, waiting area 4, a wheelchair lift."""
    page.goto(f"{base}/structure/vehicules/")
    page.get_by_role("heading", name="Véhicules et espaces").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Ajouter un véhicule").click()
    page.get_by_label("Nom du véhicule").fill("Le bus")
    page.get_by_label("Accessible en fauteuil roulant (rampe ou élévateur)").check()
    for space, name, places in [
        ("Bureau", "Bureau", "4"),
        ("Cyber@atelier", "Cyber@atelier", "8"),
        ("Espace d'accueil", "Espace d'accueil", "4"),
    ]:
        page.get_by_label(f"{space} : nom :", exact=True).fill(name)
        page.get_by_label(f"{space} : nombre de places").fill(places)
    assert_accessible(page)
    page.get_by_role("button", name="Enregistrer le véhicule").click()
    page.get_by_text("Le véhicule « Le bus » est enregistré.").wait_for()
    assert_accessible(page)
    bus = Vehicle.objects.get(operator__slug=SLUG)
    assert sorted(bus.spaces.values_list("capacity", flat=True)) == [4, 4, 8]
    page.goto(f"{base}/planning/lieux/")


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


PARTNERS = [
    # name, kind, what it offers, addresses for planning notices, staff have logins
    ("Mission locale", "Mission locale", "Emploi et formation des 16-25 ans", "ml@ex.org", True),
    ("France Travail", "France Travail (ex-Pôle emploi)", "Inscription, suivi", "", False),
    ("CAF du Pas-de-Calais", "CAF", "Prestations familiales et logement", "caf@ex.org", False),
]


def _coordinator_creates_partners(page, base: str) -> None:
    page.goto(f"{base}/structure/partenaires/")
    page.get_by_role("heading", name="Partenaires").wait_for()
    assert_accessible(page)
    for name, kind, offer, emails, logins in PARTNERS:
        page.get_by_role("link", name="Ajouter un partenaire").click()
        page.get_by_label(re.compile(r"^Nom\b")).fill(name)
        page.get_by_label("Type de partenaire").select_option(label=kind)
        page.get_by_label("Ce qu'il propose (page publique)").fill(offer)
        page.get_by_label("Adresses pour les avis de planning").fill(emails)
        page.get_by_label("Téléphone").fill("03 21 11 22 33")
        if logins:
            page.get_by_label("Les personnes de ce partenaire ont un accès à Allervers").check()
            assert_accessible(page)
        page.get_by_role("button", name="Enregistrer le partenaire").click()
        page.get_by_text(f"Le partenaire « {name} » est enregistré.").wait_for()
        if logins:
            assert_accessible(page)
            _coordinator_invites_partner_login(page)
        page.get_by_role("link", name="Tous les partenaires").click()
    listed = page.get_by_role("table").inner_text()
    assert all(name in listed for name, *_ in PARTNERS)


def _coordinator_invites_partner_login(page) -> None:
    """From the Mission locale's page: a login for Inès, tied to the partner."""
    page.get_by_label("Prénom").fill("Inès")
    page.get_by_label(re.compile(r"^Nom\b")).fill("Morel")
    page.get_by_label("Adresse électronique").fill(PARTNER_EMAIL)
    page.get_by_role("button", name="Envoyer l'invitation").click()
    page.get_by_text(PARTNER_EMAIL).first.wait_for()
    assert_accessible(page)


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
    # France Travail comes every Wednesday of the pattern (its usual presence; not applied).
    page.get_by_role("link", name="Ajouter un partenaire").click()
    page.get_by_label("Partenaire").select_option(label="France Travail")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("France Travail est dans l'équipe du rythme").wait_for()
    assert_accessible(page)


def _coordinator_maps_rights(page, base: str) -> None:
    """Every right found during a visit goes to a partner: the CAF for all of them here."""
    page.goto(f"{base}/accueil/droits/reglages/")
    for select in page.locator("select[name^=partner_]").all():
        select.select_option(label="CAF du Pas-de-Calais")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("Réglages du repérage des droits enregistrés.").wait_for()


def _coordinator_invites_agents(page, base: str) -> None:
    _open_team_screen(page, base)
    _add_team_member(page, "Karim", "Benali", AGENT_EMAILS[0], "Agent")
    _add_team_member(page, "Léa", "Dupont", AGENT_EMAILS[1], "Agent")
    assert page.get_by_role("table").get_by_role("row").filter(has_text="Agent").count() == 2


def _coordinator_completes_the_checklist(page, base: str) -> None:
    """Home: seven steps done, the public page to see; its link ticks it and the list goes."""
    page.goto(f"{base}/")
    page.get_by_role("heading", name="Bonjour Nadia").wait_for()
    steps = page.get_by_role("region", name="Premiers pas de la structure")
    assert steps.inner_text().count("Fait :") == 7
    assert "À faire : La page publique vue" in steps.inner_text()
    assert_accessible(page)
    steps.get_by_role("link", name="La page publique vue").click()
    page.get_by_role("heading", level=1, name="Où est le bus ?").wait_for()
    assert urlsplit(page.url).path == f"/{SLUG}/"
    assert_accessible(page)
    page.goto(f"{base}/")
    page.get_by_role("heading", name="Bonjour Nadia").wait_for()
    assert page.get_by_role("heading", name="Premiers pas de la structure").count() == 0
    assert (
        "Place du Regain"
        in page.get_by_role("region", name=re.compile("^Aujourd'hui")).inner_text()
    )
    assert_accessible(page)


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
    # The current year has visits: the report opens on it, not on an empty last year.
    page.get_by_role("heading", level=1, name="Bilan : année 2026").wait_for()
    assert "Il a reçu 3 visites" in page.locator(".results").inner_text()
    assert_accessible(page)
    page.get_by_role("combobox", name="Période").select_option(label="Un mois")
    page.get_by_role("combobox", name="Mois").select_option(label="juin")
    page.get_by_role("spinbutton", name="Année").fill("2026")
    page.get_by_role("button", name="Afficher le bilan").click()
    page.get_by_role("heading", level=1, name="Bilan : juin 2026").wait_for()
    assert "Il a reçu 3 visites" in page.locator(".results").inner_text()
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
    user = get_user_model().objects.get(email=email)
    log_in(page, base, user, next_path=next_path, password=PASSWORD)


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
