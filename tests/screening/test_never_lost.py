"""Issue 26, points 4 and 5, what the other tests did not pin: the answers are committed before
the computation starts (a worker killed during it loses nothing, and the page offers
« Relancer le calcul »), and the journal's export, which names people, carries neither the
answers nor where « Vos droits estimés » was sent."""

import csv
import io
import re

import pytest
from django.db import transaction
from django.urls import reverse

from allervers.screening import engine, services
from allervers.screening.models import Screening
from tests.html import text_of
from tests.reception.factories import PersonFactory, VisitFactory

from .factories import SINGLE_IN_SOCIAL_HOUSING
from .test_screening import answers


class WorkerKilled(BaseException):
    """What a killed worker looks like to the code it was running: nothing catches it."""


@pytest.mark.django_db(transaction=True)
def test_the_answers_are_committed_before_the_computation_and_survive_a_killed_worker(
    client, agent, operator, monkeypatch
):
    visit = VisitFactory(operator=operator)
    seen = {}

    def computation(household, month, seconds):
        seen["in_transaction"] = transaction.get_connection().in_atomic_block
        seen["kept"] = list(Screening.objects.values_list("inputs", flat=True))
        raise WorkerKilled

    monkeypatch.setattr(engine, "estimate_within", computation)
    with pytest.raises(WorkerKilled):
        services.screening_record(visit=visit, inputs=dict(SINGLE_IN_SOCIAL_HOUSING), user=agent)
    assert seen == {"in_transaction": False, "kept": [SINGLE_IN_SOCIAL_HOUSING]}
    screening = Screening.objects.get()
    assert screening.inputs == SINGLE_IN_SOCIAL_HOUSING and screening.estimated_at is None

    client.force_login(agent)
    page = text_of(client.get(reverse("screening:detail", kwargs={"screening_id": screening.pk})))
    assert "Le calcul a été interrompu." in page
    assert "Les réponses sont enregistrées : inutile de les saisir à nouveau." in page
    assert "Relancer le calcul" in page


@pytest.mark.django_db
def test_the_journal_export_names_no_answer_and_no_recipient(
    client, coordinator, agent, operator, fake_engine, django_capture_on_commit_callbacks
):
    person = PersonFactory(operator=operator, first_name="Odette", last_name="Lemaire")
    visit = VisitFactory(operator=operator, person=person)
    client.force_login(agent)
    client.post(
        reverse("screening:create", kwargs={"visit_id": visit.pk}),
        answers(rent="487", work_1="321"),
    )
    screening = Screening.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            reverse("screening:estimated_rights_send", kwargs={"screening_id": screening.pk}),
            {"channel": "sms", "recipient": "06 12 34 56 78", "consent": "on"},
        )
    assert sent.status_code == 302
    client.force_login(coordinator)
    response = client.get(reverse("accesslog:journal_export"))
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = content.decode("utf-8-sig")
    assert "repérage des droits" in text and "envoyés par SMS" in text
    # What a row says (its action and detail), not its date, ids (« visit 3211 ») and address,
    # whose digits may hold an answer's.
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))[1:]
    said = " ".join(" ".join((row[2], row[6])) for row in rows)
    words = set(re.findall(r"[\w@.+-]+", said))
    for answer in ("487", "321", "62083", "social_tenant", "573", "612345678"):
        assert answer not in words, answer
    assert "34 56" not in text and "06 12" not in text and "social_tenant" not in text
