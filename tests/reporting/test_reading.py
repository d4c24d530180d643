"""What a reader reads (issue 15): one rounding in every output, words that say what each figure
counts and its base, the headline figures first with last year's beside them, PDF headers that
never break a word."""

import csv
import datetime
import io
import itertools
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from allervers.reception.enums import Gender, ReferralStatus
from tests.html import text_of
from tests.planning.factories import SiteFactory, StopFactory
from tests.reception.factories import ReferralFactory, VisitFactory

from .conftest import YEAR, paris
from .test_views import YEAR_QUERY, dashboard, normalised

pytestmark = pytest.mark.django_db


def pdf_pages(client, params) -> list[str]:
    response = client.get(reverse("reporting:export_pdf"), params)
    assert response.status_code == 200
    return [page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages]


@pytest.fixture
def halves(operator):
    """Visits whose figures end in .5: 9 visits on 4 held stops (2.25 per stop), two known
    durations of 38 and 39 minutes (mean and median 38.5), 1 woman among 8 known genders
    (12.5 %), two referrals taken up after 8 and 9 days (median 8.5)."""
    site = SiteFactory(operator=operator, name="Place des moitiés")
    stops = [
        StopFactory(operator=operator, site=site, date=datetime.date(YEAR, month, 3))
        for month in (2, 4, 6, 8)
    ]
    visits = []
    for index in range(9):
        stop = stops[index % 4]
        arrived = paris(stop.date, 10)
        left = None
        if index < 2:
            left = arrived + datetime.timedelta(minutes=38 + index)
        gender = Gender.UNKNOWN if index == 8 else (Gender.FEMALE if index == 0 else Gender.MALE)
        visits.append(
            VisitFactory(
                operator=operator, stop=stop, arrived_at=arrived, left_at=left, gender=gender
            )
        )
    for days, visit in zip((8, 9), visits, strict=False):
        ReferralFactory(
            operator=operator,
            visit=visit,
            status=ReferralStatus.TAKEN_UP,
            proposed_at=visit.arrived_at,
            taken_up_at=visit.arrived_at + datetime.timedelta(days=days),
        )
    return operator


# label: (text shown, number stored in the XLSX and the CSV)
HALVES = {
    "Visites par permanence": ("2,3", 2.3),  # 2.25, half up (not 2,2)
    "Durée moyenne d'une visite": ("39 min", 39),  # 38.5 (not 38)
    "Durée médiane d'une visite": ("39 min", 39),
    "Part de femmes": ("13 %", 0.13),  # 1 / 8 = 12.5 % (not 12 %)
    "Délai médian de prise en charge": ("9 jours", 9),  # 8.5 days (not 8)
}


def test_halves_read_the_same_on_the_page_the_pdf_the_xlsx_and_the_csv(client, halves, coordinator):
    client.force_login(coordinator)
    response = dashboard(client)
    page = normalised(text_of(response))
    shown = {figure.label: figure.value for figure in response.context["view"].key_figures}
    for label, (text, number) in HALVES.items():
        assert normalised(shown[label].text) == text, label
        assert shown[label].raw == number, label
        cell = rf"<td class=\"num\"[^>]*>{re.escape(text)}</td>"
        assert re.search(rf"{re.escape(label)}.*?{cell}", page)

    # Hyphenated words joined again (WeasyPrint hyphenates with U+2010).
    pdf = normalised(" ".join(pdf_pages(client, YEAR_QUERY))).replace("\u2010 ", "")
    for label, (text, _number) in HALVES.items():
        assert re.search(rf"{label.split()[-1]} {re.escape(text)}", pdf), label

    workbook = load_workbook(
        io.BytesIO(client.get(reverse("reporting:export_xlsx"), YEAR_QUERY).content)
    )
    cells = {}
    for row in workbook["Résumé"].iter_rows():
        if row[0].value in HALVES and row[1].value is not None and row[0].value not in cells:
            cells[row[0].value] = row[1]
    for label, (text, number) in HALVES.items():
        assert cells[label].value == number, label
        display = {"%": "0%", ",": "0.0"}
        expected_format = next((f for k, f in display.items() if k in text), "#,##0")
        assert cells[label].number_format == expected_format, label

    content = client.get(reverse("reporting:export_csv"), YEAR_QUERY).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    read = {row[1]: row[3:] for row in rows if row[0] == "Chiffres clés" and row[2] == "année 2024"}
    for label, (text, number) in HALVES.items():
        value, csv_text = read[label]
        assert normalised(csv_text) == text, label
        assert float(value.replace(",", ".")) == number, label


PERCENT_BASES = (
    "des réponses connues",
    "des visites",
    "des orientations",
    "des postes disponibles",
    "des postes des permanences",
)


def percent_bases(text: str) -> list[str]:
    """What follows every percentage of `text`."""
    return list(re.findall(r"\d %\)?( [^,.;()]*)?", normalised(text)))


def test_the_narrative_names_visits_people_and_the_base_of_every_share(
    client, dataset, coordinator
):
    client.force_login(coordinator)
    view = dashboard(client).context["view"]
    paragraph = normalised(view.paragraph)
    assert "Il a reçu 8 visites de 4 personnes différentes au moins" in paragraph
    assert "personnes accueillies" not in paragraph and "accueilli" not in paragraph
    bases = percent_bases(paragraph)
    assert len(bases) == 12  # 4 key shares × 2 bases, 3 topics, 1 take-up rate, none bare
    for base in bases:
        assert base.strip().startswith(PERCENT_BASES), base
    # Every key share: its share of the known answers, then of every visit (counted by hand).
    for sentence in [
        "Les visites sans rendez-vous font 86 % des réponses connues, soit 75 % des visites.",
        "Les visites de femmes font 57 % des réponses connues, soit 50 % des visites.",
        "du Regain font 71 % des réponses connues, soit 63 % des visites.",
        "Les premières visites font 67 % des réponses connues, soit 50 % des visites.",
        "dont 2 déjà prises en charge (40 % des orientations).",
    ]:
        assert sentence in paragraph
    # The headline figures say their bases too.
    for figure in view.headline:
        for base in percent_bases(figure.text):
            assert base.strip().startswith(PERCENT_BASES), (figure.label, base)
    headline = {figure.label: normalised(figure.text) for figure in view.headline}
    assert headline["Femmes"] == "57 % des réponses connues, soit 50 % des visites"
    # The cyber-atelier's occupancy: 8 seats used of the 32 of the 4 held stops, and of the 16
    # of the 2 stops with a record.
    assert headline["Cyber@atelier : occupation des postes"] == (
        "25 % des postes disponibles sur toutes les permanences tenues "
        "(50 % des postes des permanences avec un relevé)"
    )


def test_the_first_page_shows_the_headline_figures_with_last_years_beside_them(
    client, dataset, coordinator
):
    client.force_login(coordinator)
    response = dashboard(client)
    html = normalised(text_of(response))
    main = html.split('id="essentiel"')[1]
    # Before any breakdown: the headline figures, then the results in words.
    assert main.index("Résultats") < main.index("Répartitions") < main.index("Détail par lieu")
    first = main.split('id="resultats"')[0]
    assert "<details" not in first.replace('<details class="definition">', "")
    expected = [
        ("Permanences tenues", "4 permanences", "2023 : 1 permanence"),
        ("Visites", "8 visites", "2023 : 1 visite"),
        ("Personnes différentes", "4 personnes différentes au moins", "2023 : 0 personne"),
        ("Durée moyenne d'une visite", "46 min par visite", "2023 : 40 min par visite"),
        ("Femmes", "57 % des réponses connues", "2023 : 100 % des réponses connues"),
        ("Habitants du quartier", "71 % des réponses connues", "2023 : 100 % des réponses"),
        ("Partenaires présents", "2 partenaires, 4 présences", "2023 : 0 partenaire"),
        ("Cyber@atelier : occupation des postes", "25 % des postes", "2023 : 0 % des postes"),
        ("Orientations prises en charge", "2 sur 5 orientations", "2023 : aucune orientation"),
    ]
    for label, now, before in expected:
        row = re.search(rf"<th scope=\"row\">{re.escape(label)}.*?</tr>", first)
        assert row, label
        cells = re.sub(r"<[^>]+>", "", row.group(0))
        assert now in cells and before in cells, (label, cells)
    # The PDF's first page: the same figures, with 2023 beside them, and the results.
    first_page = normalised(pdf_pages(client, YEAR_QUERY)[0])
    assert "Bilan d'activité — année 2024" in first_page
    for _label, now, before in expected:
        assert now.split()[0] in first_page and before.split(" : ")[0] in first_page
    for text in ("8 visites 2023 : 1 visite", "2 partenaires, 4 présences 2023 : 0 partenaire"):
        assert text in first_page
    assert "Il a reçu 8 visites de 4 personnes différentes au moins" in first_page
    assert "Tous les chiffres clés" not in first_page


def test_a_year_without_a_year_before_shows_no_comparison(client, dataset, coordinator):
    client.force_login(coordinator)
    view = dashboard(client, annee="2022").context["view"]
    assert not view.has_previous
    assert all(figure.previous is None for figure in view.headline)


def test_pdf_headers_never_break_a_word(client, dataset, coordinator):
    """Issue 27: columns as wide as their longest word — a header or a label wraps between its
    words, never inside one, not even with a hyphen (« Perma‐nences », « Permanences te‐nues »);
    only a compound breaks after its own hyphen (« rendez-|vous »)."""
    client.force_login(coordinator)
    view = dashboard(client).context["view"]
    headers = [column for table in view.tables for column in table.columns]
    headers += [figure.label for figure in [*view.key_figures, *view.headline]]
    words = {word for header in headers for word in re.findall(r"[\w'’@]+", header)}
    lines = [
        line.strip()
        for page in pdf_pages(client, YEAR_QUERY)
        for line in page.splitlines()
        if line.strip()
    ]
    assert "Permanences tenues" in lines  # the parking section's header, whole
    for before, after in itertools.pairwise(lines):
        tail, head = before.split()[-1], after.split()[0]
        assert not tail.endswith("\u2010"), f"« {tail}|{head} »"  # no automatic hyphenation
        if not (tail[-1].isalpha() and head[0].isalpha() and head[0].islower()):
            continue
        joined = re.sub(r"^\W+", "", tail) + re.sub(r"\W+$", "", head)
        assert not (joined in words and tail not in words), f"« {tail}|{head} »"


def test_a_closed_year_renders_the_same_after_later_corrections(client, dataset, coordinator):
    from allervers.reporting.services import year_close

    year_close(operator=dataset.operator, year=YEAR, user=coordinator)
    client.force_login(coordinator)
    before = dashboard(client).context["view"]
    shown = [(f.label, f.text, f.previous_text) for f in before.headline]
    # Corrections in the closed year and in the year before it.
    for day in (datetime.date(YEAR, 1, 15), datetime.date(YEAR - 1, 6, 1)):
        stop = dataset.operator.stops.get(date=day)
        VisitFactory.create_batch(3, operator=dataset.operator, stop=stop)
    after = dashboard(client).context["view"]
    assert [(f.label, f.text, f.previous_text) for f in after.headline] == shown
    assert after.paragraph == before.paragraph
    assert [(f.value, f.previous) for f in after.key_figures] == [
        (f.value, f.previous) for f in before.key_figures
    ]
