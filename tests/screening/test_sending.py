"""« Vos droits estimés » sent to the person by e-mail or SMS with her consent: a link to a public
page (no login) with an unguessable token kept hashed, expiring, revocable; the address typed is
not kept (issue 26.3)."""

import datetime
import io
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from allervers.accesslog.enums import Action
from allervers.accesslog.models import AccessLogEntry
from allervers.bookings.texts import gsm7_length
from allervers.core import privacy
from allervers.core.roles import Role
from allervers.screening import sharing
from allervers.screening.closing import screening_inputs_clear
from allervers.screening.models import EstimatedRightsLink
from tests.reception.factories import ReferralFactory

from .factories import (
    EstimatedRightsLinkFactory,
    ScreeningFactory,
    ScreeningRightFactory,
)
from .test_estimated_rights import text_of

pytestmark = pytest.mark.django_db

PHONE = "06 12 34 56 78"
URL_OF_LINK = re.compile(r"https?://\S+/droits/([A-Za-z0-9_-]+)/")


def _send_url(screening):
    return reverse("screening:estimated_rights_send", kwargs={"screening_id": screening.pk})


def _journal(operator):
    return AccessLogEntry.objects.filter(operator=operator, action=Action.VISIT_CHANGED)


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """Post the sending form; the message leaves after the commit (run here: the test's own
    transaction never commits)."""

    def send(screening, **fields):
        data = {"channel": "sms", "recipient": PHONE, "consent": "on", **fields}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                _send_url(screening), {k: v for k, v in data.items() if v is not None}
            )

    return send


def _token(text: str) -> str:
    return URL_OF_LINK.search(text).group(1)


def _nothing_saved(operator, sms_outbox):
    assert not EstimatedRightsLink.objects.exists()
    assert sms_outbox() == [] and mail.outbox == []
    assert not _journal(operator).exists()


def _every_value(link) -> str:
    return " ".join(str(getattr(link, f.attname)) for f in link._meta.concrete_fields)


def test_an_agent_sends_the_page_by_sms_with_consent(client, agent, screening, sms_outbox, post):
    client.force_login(agent)
    form = client.get(_send_url(screening))
    assert form.status_code == 200
    assert "La personne accepte de recevoir ce lien (valable 30 jours)" in text_of(form)
    response = post(screening)
    assert response.url == reverse("screening:detail", kwargs={"screening_id": screening.pk})
    [sms] = sms_outbox()
    assert sms["to"] == "+33612345678"
    assert 0 < gsm7_length(sms["text"]) <= 160  # one GSM-7 SMS
    assert "estimation, pas une décision" in sms["text"] and "30 jours" in sms["text"]
    token = _token(sms["text"])
    assert len(token) >= 22
    link = EstimatedRightsLink.objects.get()
    assert link.token_hash == sharing.token_hash(token)
    assert link.sent_at is not None and link.consent_at is not None
    assert link.recipient_shown == "06 •• •• •• 78"
    values = _every_value(link)
    assert token not in values and "612345678" not in values and "12 34 56" not in values
    assert link.expires_at - link.created_at == datetime.timedelta(days=30)
    [entry] = _journal(screening.operator)
    assert "envoyés par SMS" in entry.detail and "accord de la personne" in entry.detail
    detail = text_of(client.get(response.url))
    assert "SMS à 06 •• •• •• 78" in detail and "valable jusqu'au 10/07/2026" in detail
    assert "Retirer ce lien" in detail


def test_an_agent_sends_the_page_by_email(client, agent, screening, sms_outbox, post):
    client.force_login(agent)
    response = post(screening, channel="email", recipient="Odette.L@Exemple.FR")
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["Odette.L@exemple.fr"]
    assert message.subject == "Vos droits estimés"
    assert "C'est une estimation, pas une décision" in message.body
    assert "pendant 30 jours, jusqu'au 10 juillet 2026" in message.body
    assert "demandez à l'équipe du bus (téléphone 03 21 00 00 00)" in message.body
    token = _token(message.body)
    link = EstimatedRightsLink.objects.get()
    assert link.recipient_shown == "O•••@exemple.fr"
    assert "Odette.L" not in _every_value(link) and token not in _every_value(link)
    assert sms_outbox() == []


def test_the_public_page_shows_the_estimate_without_the_name_and_is_never_stored(
    client, agent, screening, sms_outbox, post
):
    client.force_login(agent)
    post(screening)
    token = _token(sms_outbox()[0]["text"])
    client.logout()
    response = client.get(reverse("public:estimated_rights", kwargs={"link_token": token}))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert "noindex" in response["X-Robots-Tag"]
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()
    page = text_of(response)
    assert "C'est une estimation, pas une décision." in page
    assert "Environ 1 044 € par mois" in page
    assert "CARSAT Nord-Picardie, téléphone 3960" in page
    assert "Lemaire" not in page and "LEMAIRE" not in page
    pdf_url = reverse("public:estimated_rights_pdf", kwargs={"link_token": token})
    assert pdf_url in response.content.decode()
    pdf = client.get(pdf_url)
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Cache-Control"] == "private, no-store"
    reader = PdfReader(io.BytesIO(pdf.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) == 1 and "estimation, pas une décision" in text
    assert "LEMAIRE" not in text


def test_the_name_only_when_the_person_asked_for_it(client, agent, screening, sms_outbox, post):
    client.force_login(agent)
    post(screening, named="on")
    token = _token(sms_outbox()[0]["text"])
    client.logout()
    page = text_of(client.get(reverse("public:estimated_rights", kwargs={"link_token": token})))
    assert "Pour Odette LEMAIRE." in page


def test_an_anonymous_visit_offers_no_name(client, agent, operator, sms_outbox, post):
    anonymous = ScreeningFactory(operator=operator)
    ScreeningRightFactory(operator=operator, screening=anonymous)
    client.force_login(agent)
    assert "Ajouter le nom" not in text_of(client.get(_send_url(anonymous)))
    post(anonymous, named="on")
    assert EstimatedRightsLink.objects.get().named is False


def _gone(client, token):
    response = client.get(reverse("public:estimated_rights", kwargs={"link_token": token}))
    assert response.status_code == 404
    assert response["Cache-Control"] == "private, no-store"
    page = text_of(response)
    assert "Ce lien a expiré ou a été retiré" in page and "demandez à l'équipe du bus" in page
    pdf = client.get(reverse("public:estimated_rights_pdf", kwargs={"link_token": token}))
    assert pdf.status_code == 404
    return page


def test_an_expired_link_is_a_french_404(client, clock, screening):
    EstimatedRightsLinkFactory(operator=screening.operator, screening=screening, token="t" * 22)
    assert (
        client.get(reverse("public:estimated_rights", kwargs={"link_token": "t" * 22})).status_code
        == 200
    )
    clock.move_to(timezone.now() + datetime.timedelta(days=30, seconds=1))
    _gone(client, "t" * 22)


@pytest.mark.parametrize(
    "token", ["inconnu", "x" * 22, "x" * 200, "jeton-de-test-000001-abcdefgh%20"]
)
def test_an_unknown_token_is_a_french_404(client, token):
    _gone(client, token)


def test_a_link_whose_sending_failed_or_whose_answers_were_emptied_no_longer_opens(
    client, operator, screening
):
    EstimatedRightsLinkFactory(
        operator=operator, screening=screening, token="f" * 22, failure="Échec de l'envoi"
    )
    EstimatedRightsLinkFactory(operator=operator, screening=screening, token="e" * 22)
    assert (
        client.get(reverse("public:estimated_rights", kwargs={"link_token": "e" * 22})).status_code
        == 200
    )
    screening_inputs_clear(screening=screening)
    _gone(client, "f" * 22)
    _gone(client, "e" * 22)


def test_the_agent_revokes_a_link(client, agent, screening, sms_outbox, post):
    client.force_login(agent)
    post(screening)
    token = _token(sms_outbox()[0]["text"])
    link = EstimatedRightsLink.objects.get()
    url = reverse("screening:estimated_rights_link_revoke", kwargs={"link_id": link.pk})
    assert "n'ouvrira plus la page" in text_of(client.get(url))
    response = client.post(url)
    assert response.url == reverse("screening:detail", kwargs={"screening_id": screening.pk})
    link.refresh_from_db()
    assert link.revoked_at is not None and link.revoked_by == agent
    assert "retiré le 10/06/2026" in text_of(client.get(response.url))
    assert _journal(screening.operator).filter(detail__contains="retiré").count() == 1
    client.post(url)  # twice: as it was
    assert _journal(screening.operator).filter(detail__contains="retiré").count() == 1
    client.logout()
    _gone(client, token)


def test_a_link_of_another_structure_cannot_be_revoked(client, agent, other_operator, post):
    theirs = EstimatedRightsLinkFactory(operator=other_operator)
    client.force_login(agent)
    url = reverse("screening:estimated_rights_link_revoke", kwargs={"link_id": theirs.pk})
    assert client.post(url).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"consent": None}, "Cochez que la personne accepte de recevoir cette page"),
        ({"recipient": "06 12"}, "Ce numéro de téléphone n'est pas valide"),
        ({"recipient": "03 21 00 00 00"}, "Ce numéro ne reçoit pas de SMS"),
        ({"recipient": ""}, "Indiquez le numéro de portable de la personne."),
        ({"channel": "email", "recipient": "odette@"}, "Cette adresse électronique n'est pas"),
        ({"channel": "email", "recipient": PHONE}, "Cette adresse électronique n'est pas"),
        ({"channel": "email", "recipient": ""}, "Indiquez l'adresse électronique"),
        ({"channel": "pigeon"}, "Choisissez l'envoi par courriel ou par SMS."),
        ({"channel": None}, "Choisissez l'envoi par courriel ou par SMS."),
        ({"recipient": "a" * 300}, "Cette adresse est trop longue."),
    ],
)
def test_bad_input_is_refused_in_french_and_nothing_is_sent_or_saved(
    client, agent, screening, sms_outbox, fields, message, post
):
    client.force_login(agent)
    response = post(screening, **fields)
    assert response.status_code == 400
    assert message in text_of(response)
    _nothing_saved(screening.operator, sms_outbox)


def test_a_screening_without_computed_rights_cannot_be_sent(
    client, agent, operator, sms_outbox, post
):
    failed = ScreeningFactory(operator=operator, estimated_at=None, kinds_found=[])
    client.force_login(agent)
    assert "Aucun droit n'est calculé pour ce repérage" in text_of(client.get(_send_url(failed)))
    response = post(failed)
    assert response.status_code == 400
    assert "Aucun droit n'est calculé pour ce repérage" in text_of(response)
    _nothing_saved(operator, sms_outbox)


def test_a_screening_whose_answers_were_emptied_cannot_be_sent(
    client, agent, screening, sms_outbox, post
):
    screening_inputs_clear(screening=screening)
    client.force_login(agent)
    assert "ont été effacées" in text_of(client.get(_send_url(screening)))
    response = post(screening)
    assert response.status_code == 400 and "ont été effacées" in text_of(response)
    _nothing_saved(screening.operator, sms_outbox)


def test_another_structures_screening_is_404(client, agent, other_operator, sms_outbox, post):
    theirs = ScreeningFactory(operator=other_operator)
    client.force_login(agent)
    assert client.get(_send_url(theirs)).status_code == 404
    assert post(theirs).status_code == 404
    assert client.get(reverse("screening:estimated_rights_send", args=[987654])).status_code == 404
    _nothing_saved(other_operator, sms_outbox)


@pytest.mark.parametrize("role", [Role.PARTNER, Role.VIEWER])
def test_roles_without_screenings_may_not_send_or_revoke(
    client, make_member, operator, screening, sms_outbox, role, post
):
    link = EstimatedRightsLinkFactory(operator=operator, screening=screening)
    client.force_login(make_member(operator, role))
    assert post(screening).status_code == 403
    revoke = reverse("screening:estimated_rights_link_revoke", kwargs={"link_id": link.pk})
    assert client.post(revoke).status_code == 403
    assert EstimatedRightsLink.objects.get().revoked_at is None
    assert sms_outbox() == []


def test_the_message_leaves_once_and_a_failure_is_shown_without_keeping_the_number(
    client, agent, screening, sms_outbox, settings, post
):
    settings.ALLERVERS_SMS_BACKEND = "tests.screening.test_sending.BrokenSms"
    client.force_login(agent)
    post(screening)
    link = EstimatedRightsLink.objects.get()
    assert link.failure.startswith("Échec de l'envoi : fournisseur injoignable")
    assert link.sent_at is None and link.pending_recipient == "" and link.pending_token == ""
    assert "Échec de l'envoi" in text_of(
        client.get(reverse("screening:detail", kwargs={"screening_id": screening.pk}))
    )
    assert sharing.estimated_rights_link_deliver(link_id=link.pk) == "skipped"


def test_a_second_run_of_the_task_sends_nothing(client, agent, screening, sms_outbox, post):
    client.force_login(agent)
    post(screening)
    link = EstimatedRightsLink.objects.get()
    assert sharing.estimated_rights_link_deliver(link_id=link.pk) == "skipped"
    assert len(sms_outbox()) == 1


class BrokenSms:
    def send(self, to, text):
        raise OSError("fournisseur injoignable")


def test_the_sms_stays_one_gsm7_sms_with_a_long_or_foreign_structure_name():
    url = "https://allervers.example.org/droits/" + "A" * 22 + "/"
    for name in ("Bus « Solidarité » — Œuvre", "C" * 150, "Bus de Barlin"):
        text = sharing.sending.sms_text(url=url, structure_name=name, days=30)
        assert gsm7_length(text) is not None and gsm7_length(text) <= 160
        assert url in text
    assert sharing.sending.sms_text(url=url, structure_name="Bus de Barlin", days=30).startswith(
        "Bus de Barlin - "
    )


def test_the_links_are_in_the_registry_the_export_the_erasure_and_the_sweep(
    clock, operator, screening
):
    assert "screening.EstimatedRightsLink" in privacy.covered_models()
    person = screening.visit.person
    kept = EstimatedRightsLinkFactory(operator=operator, screening=screening, token="k" * 22)
    [row] = privacy.person_export(operator, person)["estimated_rights_links"]
    assert row["recipient"] == "06 •• •• •• 12" and row["channel"] == "SMS"
    revoked = EstimatedRightsLinkFactory(
        operator=operator, screening=screening, revoked_at=timezone.now()
    )
    expiring = EstimatedRightsLinkFactory(
        operator=operator,
        screening=screening,
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    failed = EstimatedRightsLinkFactory(operator=operator, screening=screening, failure="Échec")
    # An open referral keeps the screening's answers; an older screening without one is emptied.
    referral = ReferralFactory(operator=operator, visit=screening.visit)
    ScreeningRightFactory(
        operator=operator, screening=screening, referral=referral, referred_at=timezone.now()
    )
    closed = EstimatedRightsLinkFactory(
        operator=operator, screening=ScreeningFactory(operator=operator, visit=screening.visit)
    )
    clock.move_to(timezone.now() + datetime.timedelta(days=2))
    [part] = [
        p for p in privacy.sweep(timezone.now()) if "estimated_rights_links_deleted" in p.counts
    ]
    assert part.counts["estimated_rights_links_deleted"] == 4
    assert "Liens « Vos droits estimés » : 4 liens supprimés" in part.lines[-1]
    remaining = set(EstimatedRightsLink.objects.values_list("pk", flat=True))
    assert remaining == {kept.pk}
    assert not remaining & {revoked.pk, expiring.pk, failed.pk, closed.pk}
    privacy.person_erase_everywhere(operator_id=operator.pk, person_id=person.pk)
    assert not EstimatedRightsLink.objects.exists()


def test_a_double_tap_sends_once(agent, client, screening, sms_outbox, post):
    client.force_login(agent)
    token = "7c0f8e0c-8c1a-4a54-9f53-0a5b5b0e0a14"
    post(screening, submission_token=token)
    post(screening, submission_token=token)
    assert EstimatedRightsLink.objects.count() == 1 and len(sms_outbox()) == 1
