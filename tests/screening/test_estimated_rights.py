"""« Vos droits estimés »: the page and the one-page PDF handed to the person (issue 26.3)."""

import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from allervers.accesslog.enums import Action
from allervers.accesslog.models import AccessLogEntry
from allervers.core.roles import Role
from allervers.screening.enums import RightKind
from tests.html import text_of as html_of
from tests.reception.factories import VisitFactory

from .factories import ScreeningFactory, ScreeningRightFactory

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    """The page's words, without its tags and with plain spaces."""
    text = re.sub(r"<[^>]+>", "", html_of(response))
    return re.sub(r"\s+", " ", text.replace("\xa0", " ").replace("\u202f", " "))


def _url(screening, name="screening:estimated_rights"):
    return reverse(name, kwargs={"screening_id": screening.pk})


def _pdf_text(response) -> tuple[int, str]:
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return len(reader.pages), " ".join(page.extract_text() for page in reader.pages)


def _person_reads(operator):
    """This structure's readings of a person: the module-scoped suites (canary, person reads)
    leave other structures' entries in the append-only journal for the rest of the session."""
    return AccessLogEntry.objects.filter(operator=operator, action=Action.PERSON_VIEWED)


def test_the_page_says_the_amount_whom_to_contact_the_papers_and_that_it_is_an_estimate(
    client, agent, screening
):
    client.force_login(agent)
    page = text_of(client.get(_url(screening)))
    assert "Vos droits estimés" in page
    assert "C'est une estimation, pas une décision." in page
    assert "Minimum vieillesse (ASPA)" in page
    assert "Environ 1 044 € par mois" in page
    assert "CARSAT Nord-Picardie, téléphone 3960" in page
    assert "Apportez aussi : Vos ressources des 3 derniers mois (pensions, retraites)." in page
    assert "Pour chaque demande, apportez : Une pièce d" in page
    assert "téléphone 03 21 00 00 00" in page
    assert "LEMAIRE" not in page.upper() and "Odette" not in page
    assert not _person_reads(screening.operator).exists()


def test_the_name_only_when_asked_and_its_reading_is_logged(client, agent, screening):
    client.force_login(agent)
    page = text_of(client.get(_url(screening), {"nom": "1"}))
    assert "Pour Odette LEMAIRE." in page
    entry = _person_reads(screening.operator).get()
    assert entry.person_id == screening.visit.person_id
    assert entry.detail == "vos droits estimés"


def test_an_anonymous_visit_never_shows_a_name(client, agent, operator):
    screening = ScreeningFactory(operator=operator, visit=VisitFactory(operator=operator))
    ScreeningRightFactory(operator=operator, screening=screening)
    client.force_login(agent)
    page = text_of(client.get(_url(screening), {"nom": "1"}))
    assert "Il faut lui faire une demande. Estimation faite le" in page  # no « Pour <nom>. »
    assert "Environ 573 € par mois" in page
    assert not _person_reads(operator).exists()


def test_the_pdf_is_one_page_with_the_amount_and_the_estimate_sentence_and_no_name(
    client, agent, screening
):
    client.force_login(agent)
    pages, text = _pdf_text(client.get(_url(screening, "screening:estimated_rights_pdf")))
    assert pages == 1
    assert "1 044 €" in text.replace("\u202f", " ").replace("\xa0", " ")
    assert "C'est une estimation, pas une décision." in text.replace("\u2019", "'")
    assert "LEMAIRE" not in text.upper()


def test_the_pdf_names_the_person_when_asked_and_stays_one_page_with_many_rights(
    client, agent, screening
):
    # The most a household is found: a family with children, without income, a tenant.
    family = (RightKind.RSA, RightKind.HOUSING, RightKind.CSS, RightKind.AF, RightKind.CF)
    grants = (RightKind.COLLEGE_GRANT, RightKind.LYCEE_GRANT, RightKind.CHRISTMAS_BONUS)
    for kind in (*family, RightKind.ASF, RightKind.ENERGY, *grants):
        ScreeningRightFactory(operator=screening.operator, screening=screening, kind=kind)
    client.force_login(agent)
    response = client.get(_url(screening, "screening:estimated_rights_pdf"), {"nom": "1"})
    pages, text = _pdf_text(response)
    assert pages == 1
    assert "Odette LEMAIRE" in text
    assert _person_reads(screening.operator).count() == 1


def test_the_detail_page_offers_the_page_and_the_name_only_for_a_named_visit(
    client, agent, screening, operator
):
    client.force_login(agent)
    detail = client.get(reverse("screening:detail", kwargs={"screening_id": screening.pk}))
    assert _url(screening) in detail.content.decode()
    assert "Ajouter le nom" in text_of(detail)
    anonymous = ScreeningFactory(operator=operator, visit=VisitFactory(operator=operator))
    detail = client.get(reverse("screening:detail", kwargs={"screening_id": anonymous.pk}))
    assert _url(anonymous) in detail.content.decode()
    assert "Ajouter le nom" not in text_of(detail)


def test_a_screening_without_computed_rights_gets_a_french_message(client, agent, operator):
    failed = ScreeningFactory(operator=operator, estimated_at=None, kinds_found=[])
    client.force_login(agent)
    page = text_of(client.get(_url(failed)))
    assert "Aucun droit n'est calculé pour ce repérage" in page
    response = client.get(_url(failed, "screening:estimated_rights_pdf"), follow=True)
    assert "Aucun droit n'est calculé pour ce repérage" in text_of(response)
    assert response.redirect_chain[-1][0].endswith(
        reverse("screening:detail", kwargs={"screening_id": failed.pk})
    )


def test_a_screening_whose_answers_are_emptied_gets_a_french_message(client, agent, operator):
    cleared = ScreeningFactory(operator=operator, inputs=None, inputs_cleared_at=None)
    client.force_login(agent)
    assert "ont été effacées" in text_of(client.get(_url(cleared)))


@pytest.mark.parametrize("name", ["screening:estimated_rights", "screening:estimated_rights_pdf"])
def test_another_structures_screening_or_a_forged_id_is_404(client, agent, other_operator, name):
    theirs = ScreeningFactory(operator=other_operator)
    client.force_login(agent)
    assert client.get(_url(theirs, name)).status_code == 404
    assert client.get(reverse(name, kwargs={"screening_id": 987654})).status_code == 404


@pytest.mark.parametrize("role", [Role.PARTNER, Role.VIEWER])
def test_roles_without_screenings_may_not_open_it(client, make_member, operator, screening, role):
    client.force_login(make_member(operator, role))
    assert client.get(_url(screening)).status_code in (403, 404)
    assert not _person_reads(screening.operator).exists()
