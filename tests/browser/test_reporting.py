"""A coordinator reads the yearly figures, changes the period and downloads the PDF report."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from pypdf import PdfReader

from allervers.core.roles import Role
from allervers.reception.enums import Gender, YesNoUnknown
from tests.browser.conftest import assert_accessible, log_in
from tests.planning.factories import StopFactory
from tests.reception.factories import TopicFactory, VisitFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_coordinator_reads_the_report_changes_the_period_and_downloads_the_pdf(
    live_server, page, operator, make_member
):
    coordinator = make_member(operator, Role.COORDINATOR, first_name="Marie-Paule")
    year = timezone.localdate().year - 1
    topic = TopicFactory(operator=operator, name="Démarches emploi")
    for month in (2, 5, 9):
        stop = StopFactory(operator=operator, date=datetime.date(year, month, 10))
        for index in range(3):
            arrived = datetime.datetime(year, month, 10, 9, 15, tzinfo=ZoneInfo("Europe/Paris"))
            visit = VisitFactory(
                operator=operator,
                stop=stop,
                arrived_at=arrived,
                left_at=arrived + datetime.timedelta(minutes=45),
                gender=Gender.FEMALE if index else Gender.MALE,
                lives_in_area=YesNoUnknown.YES,
            )
            visit.topics.add(topic, through_defaults={"operator": operator})

    log_in(page, live_server.url, coordinator, "/bilan/")
    page.get_by_role("heading", level=1, name=f"Bilan : année {year}").wait_for()
    # The first screen: the headline figures, with the results in words.
    headline = page.get_by_role("table", name=f"L'essentiel : année {year}")
    assert headline.is_visible()
    assert "9 visites" in headline.inner_text()
    results = page.locator(".results").inner_text().replace("\xa0", " ")
    assert "le bus a stationné 3 fois" in results
    assert "Il a reçu 9 visites" in results
    assert "d'une durée moyenne de 45 minutes" in results
    assert_accessible(page)

    # A definition opens from the keyboard.
    summary = page.get_by_text("Définition : Visites").first
    summary.focus()
    page.keyboard.press("Enter")
    assert page.get_by_text("Une personne venue deux fois compte deux fois.").first.is_visible()

    # The breakdowns are folded: every key figure opens from the keyboard.
    key_figures = page.get_by_role("table", name=f"Chiffres clés : année {year}", exact=False)
    assert not key_figures.is_visible()
    page.locator("summary", has_text="Tous les chiffres clés").focus()
    page.keyboard.press("Enter")
    assert key_figures.is_visible()

    # A breakdown by site opens from the keyboard; its table is accessible too.
    detail = page.locator("summary", has_text="Tranches d'âge par lieu de stationnement")
    detail.focus()
    page.keyboard.press("Enter")
    table = page.get_by_role(
        "table", name=f"Tranches d'âge par lieu de stationnement : année {year}"
    )
    assert table.is_visible()
    assert table.get_by_role("columnheader", name="Non renseigné").is_visible()
    assert_accessible(page)

    page.get_by_role("combobox", name="Période").select_option(label="Un trimestre")
    page.get_by_role("combobox", name="Trimestre").select_option(label="2e trimestre")
    page.get_by_role("spinbutton", name="Année").fill(str(year))
    page.get_by_role("button", name="Afficher le bilan").click()
    page.get_by_role("heading", level=1, name=f"Bilan : 2e trimestre {year}").wait_for()
    assert "trimestre=2" in page.url
    assert "le bus a stationné 1 fois" in page.locator(".results").inner_text()
    assert page.get_by_role("table", name=f"L'essentiel : 2e trimestre {year}", exact=False)
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger le rapport (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    text = " ".join(p.extract_text() for p in reader.pages).replace("\xa0", " ")
    first_page = reader.pages[0].extract_text().replace("\xa0", " ")
    assert "Bilan d'activité" in first_page
    assert f"2e trimestre {year}" in first_page
    assert "L'essentiel" in first_page and "Visites" in first_page
    assert "Définitions" in text
