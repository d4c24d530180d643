"""Coordinator's downloads: flyers (A4, A5 two-up), posters, social picture, widget snippet."""

import io

import pytest
import zxingcpp
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from allervers.core.qr import qr_png
from allervers.core.roles import Role
from tests.html import text_of

from .conftest import in_days

A4 = (595, 842)  # points, rounded


def pdf_of(response) -> PdfReader:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    return PdfReader(io.BytesIO(response.content))


def size_of(page) -> tuple[int, int]:
    return round(float(page.mediabox.width)), round(float(page.mediabox.height))


def decoded_qr_codes(reader: PdfReader) -> list[str]:
    texts = []
    for page in reader.pages:
        for image in page.images:
            for result in zxingcpp.read_barcodes(image.image.convert("L")):
                texts.append(result.text)
    return texts


def month_of(day) -> str:
    return f"{day.year}-{day.month:02d}"


def test_the_month_flyer_lists_the_stops_and_its_qr_code_opens_the_page(
    coordinator_client, planning
):
    day = in_days(1)
    url = reverse("publication:flyer") + f"?mois={month_of(day)}&format=a4"
    reader = pdf_of(coordinator_client.get(url))
    assert size_of(reader.pages[0]) == A4
    text = " ".join(page.extract_text() for page in reader.pages)
    stops_of_month = [
        stop
        for name, stop in planning["stops"].items()
        if stop.date.month == day.month and stop.date.year == day.year and name != "cancelled"
    ]
    assert stops_of_month
    for stop in stops_of_month:
        assert stop.site.name in text
    assert "03 21 00 00 00" in text
    assert "Mission locale" in text
    assert decoded_qr_codes(reader) == ["http://testserver/ccas-test/"]


def test_the_a5_flyer_puts_two_copies_on_a_landscape_a4(coordinator_client, planning):
    url = reverse("publication:flyer") + f"?mois={month_of(in_days(1))}&format=a5"
    reader = pdf_of(coordinator_client.get(url))
    assert size_of(reader.pages[0]) == (A4[1], A4[0])
    assert len(reader.pages) == 1
    assert reader.pages[0].extract_text().count("Où est le bus ?") == 2
    # The same QR image is drawn twice (WeasyPrint embeds it once).
    assert set(decoded_qr_codes(reader)) == {"http://testserver/ccas-test/"}


def test_the_qr_png_decodes_to_its_address():
    image = Image.open(io.BytesIO(qr_png("https://exemple.fr/ccas-barlin/")))
    assert [r.text for r in zxingcpp.read_barcodes(image)] == ["https://exemple.fr/ccas-barlin/"]


def test_the_poster_of_a_site(coordinator_client, planning):
    site = planning["sites"]["regain"]
    reader = pdf_of(coordinator_client.get(reverse("publication:poster", args=[site.pk])))
    text = reader.pages[0].extract_text()
    assert "Place du Regain" in text
    assert "de 17 h à 20 h" in text  # the evening stop, in 15 days
    assert decoded_qr_codes(reader) == ["http://testserver/ccas-test/lieux/place-du-regain/"]


@pytest.mark.parametrize("query", ["mois=2026-13", "mois=mai", "mois=1999-01", "format=a3"])
def test_a_bad_flyer_request_is_400_in_french(coordinator_client, planning, query):
    response = coordinator_client.get(reverse("publication:flyer") + f"?{query}")
    assert response.status_code == 400
    assert "Demande incorrecte" in text_of(response)


def test_the_social_picture_and_its_text(coordinator_client, planning):
    response = coordinator_client.get(reverse("publication:social"))
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (1080, 1080)
    page = text_of(coordinator_client.get(reverse("publication:index")))
    assert "Où est le bus cette semaine ?" in page
    assert ": Place du Regain (avec Mission locale)" in page
    assert "École Jules Ferry — ANNULÉ (panne du bus)" in page
    assert "Soirée" not in page.split('id="social-text"')[1].split("</textarea>")[0]


def test_the_widget_snippet_is_ready_to_copy(coordinator_client, planning):
    page = text_of(coordinator_client.get(reverse("publication:index")))
    assert '<iframe src="http://testserver/ccas-test/widget/"' in page
    assert "Aucun site n'est autorisé à afficher le widget." in page


def test_the_widget_snippet_escapes_the_operators_name(coordinator_client, planning):
    operator = planning["operator"]
    operator.name = 'CCAS "test" <script>alert(1)</script>'
    operator.save()
    response = coordinator_client.get(reverse("publication:index"))
    snippet = response.context["snippet"]
    assert 'title="Où est le bus ? — CCAS &quot;test&quot; &lt;script&gt;' in snippet
    assert "<script>" not in snippet


def test_downloads_are_for_coordinators_only(client, planning, make_member):
    client.force_login(make_member(planning["operator"], Role.AGENT))
    assert client.get(reverse("publication:flyer")).status_code == 403
