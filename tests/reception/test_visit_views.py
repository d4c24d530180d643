"""Recording, finishing and correcting visits through the back office."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from allervers.planning.enums import StopStatus
from allervers.reception.enums import Gender, VisitChangeKind
from allervers.reception.models import Visit, VisitChange
from tests.html import text_of
from tests.planning.factories import StopFactory
from tests.reception.conftest import visit_answers
from tests.reception.factories import VisitFactory

pytestmark = pytest.mark.django_db


def _post_visit(client, stop, **extra):
    data = {
        "stop": stop.pk,
        "arrival_time": "00:01",
        **visit_answers(gender="female", age_band="26_49", lives_in_area="yes"),
        "note": "",
    }
    data.update(extra)
    return client.post(reverse("reception:visit_create"), data)


def test_the_form_opens_on_todays_stop_now_with_unknown_answers(client, agent, today_stop, topics):
    client.force_login(agent)
    response = client.get(reverse("reception:visit_create"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["stop"] == today_stop.pk
    assert form.initial["arrival_time"].strftime("%H:%M") == "10:00"  # NOW, tests/conftest.py
    page = text_of(response)
    assert "Pas d'information de santé" in page
    assert "Démarches administratives liées à l'emploi" in page
    assert 'value="unknown" id="id_gender_0" checked autofocus' in page


def test_an_agent_records_a_walk_in_and_sees_it_in_the_bus(client, agent, today_stop, topics):
    client.force_login(agent)
    response = _post_visit(client, today_stop, topics=[topics["emploi"].pk, topics["caf"].pk])
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.gender == Gender.FEMALE
    assert visit.mode == "walk_in"
    assert visit.left_at is None
    assert visit.created_by == agent
    assert set(visit.topics.values_list("slug", flat=True)) == {"emploi", "caf"}
    assert visit.visit_topics.filter(operator=visit.operator).count() == 2
    assert VisitChange.objects.get(visit=visit).kind == VisitChangeKind.CREATED
    page = text_of(client.get(reverse("reception:today")))
    assert "Dans le bus (1)" in page
    assert "00h01" in page


def test_terminer_sets_the_departure_in_one_post(client, agent, today_stop):
    visit = VisitFactory(
        operator=today_stop.operator,
        stop=today_stop,
        arrived_at=timezone.now() - datetime.timedelta(minutes=40),
    )
    client.force_login(agent)
    response = client.post(reverse("reception:visit_finish", kwargs={"visit_id": visit.pk}))
    assert response.status_code == 302
    visit.refresh_from_db()
    assert 39 <= visit.duration_minutes <= 41
    page = text_of(client.get(reverse("reception:today")))
    assert "Dans le bus (0)" in page and "Parties (1)" in page
    again = client.post(
        reverse("reception:visit_finish", kwargs={"visit_id": visit.pk}), follow=True
    )
    assert "déjà terminée" in text_of(again)


def test_terminer_needs_a_post(client, agent, today_stop):
    visit = VisitFactory(operator=today_stop.operator, stop=today_stop)
    client.force_login(agent)
    assert (
        client.get(reverse("reception:visit_finish", kwargs={"visit_id": visit.pk})).status_code
        == 405
    )
    visit.refresh_from_db()
    assert visit.left_at is None


@pytest.mark.parametrize(
    ("stop_kind", "message"),
    [
        ("cancelled", "est annulée"),
        ("future", "n'a pas encore eu lieu"),
        ("foreign", "Permanence inconnue"),
    ],
)
def test_a_visit_on_a_cancelled_future_or_foreign_stop_is_refused(
    client, agent, operator, other_operator, stop_kind, message
):
    if stop_kind == "cancelled":
        stop = StopFactory(operator=operator, status=StopStatus.CANCELLED, cancel_reason="weather")
    elif stop_kind == "future":
        stop = StopFactory(
            operator=operator, date=timezone.localdate() + datetime.timedelta(days=2)
        )
    else:
        stop = StopFactory(operator=other_operator)
    client.force_login(agent)
    response = _post_visit(client, stop)
    assert response.status_code == 400  # an invalid form: INVALID_FORM_STATUS
    assert message in text_of(response)
    assert not Visit.objects.exists()


def test_an_unknown_theme_or_answer_is_refused(client, agent, today_stop, topics):
    client.force_login(agent)
    response = _post_visit(client, today_stop, topics=["999999"])
    assert "Thématique inconnue" in text_of(response)
    response = _post_visit(client, today_stop, gender="fille")
    assert "Réponse inconnue pour « Genre »" in text_of(response)
    response = _post_visit(client, today_stop, arrival_time="25:99")
    assert "Heure d'arrivée invalide" in text_of(response)
    assert not Visit.objects.exists()


def test_an_arrival_in_the_future_is_refused(client, agent, today_stop, topics):
    client.force_login(agent)
    # An hour ahead of NOW (10:00, tests/conftest.py), still today.
    response = _post_visit(client, today_stop, arrival_time="11:00")
    assert "dans le futur" in text_of(response)
    assert not Visit.objects.exists()


def test_a_correction_keeps_who_when_and_what(client, agent, operator, topics):
    stop = StopFactory(operator=operator, date=timezone.localdate() - datetime.timedelta(days=3))
    visit = VisitFactory(operator=operator, stop=stop)
    client.force_login(agent)
    url = reverse("reception:visit_edit", kwargs={"visit_id": visit.pk})
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "stop": stop.pk,
            "arrival_time": "09:15",
            "departure_time": "10:05",
            "version": visit.version,
            **visit_answers(
                gender="male", lives_in_area="no", heard_from="flyer", outcome="information"
            ),
            "topics": [topics["rsa"].pk],
        },
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.duration_minutes == 50
    change = visit.changes.get(kind=VisitChangeKind.CORRECTED)
    assert change.changed_by == agent
    assert change.changes["gender"] == {
        "label": "genre",
        "before": "Non renseigné",
        "after": "Homme",
    }
    assert change.changes["topics"]["after"] == "RSA"
    page = text_of(client.get(reverse("reception:visit_detail", kwargs={"visit_id": visit.pk})))
    assert "Correction" in page and "Genre : Non renseigné → Homme" in page


def test_a_departure_before_the_arrival_is_refused(client, agent, operator):
    stop = StopFactory(operator=operator, date=timezone.localdate() - datetime.timedelta(days=3))
    visit = VisitFactory(operator=operator, stop=stop)
    client.force_login(agent)
    response = client.post(
        reverse("reception:visit_edit", kwargs={"visit_id": visit.pk}),
        {
            "stop": stop.pk,
            "arrival_time": "10:00",
            "departure_time": "09:00",
            "version": visit.version,
            **visit_answers(
                gender="male", lives_in_area="no", heard_from="flyer", outcome="information"
            ),
        },
    )
    assert response.status_code == 400  # an invalid form: INVALID_FORM_STATUS
    assert "L'heure de départ doit être après l'heure d'arrivée." in text_of(response)
    visit.refresh_from_db()
    assert visit.gender == "unknown" and visit.left_at is None
    assert not visit.changes.exists()


def test_todays_list_reads_in_a_few_queries(
    client, agent, today_stop, topics, django_assert_max_num_queries
):
    for _ in range(15):
        visit = VisitFactory(operator=today_stop.operator, stop=today_stop)
        visit.topics.add(topics["emploi"], through_defaults={"operator": today_stop.operator})
    client.force_login(agent)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("reception:today"))
    assert "Dans le bus (15)" in text_of(response)


def test_the_visit_list_reads_in_a_few_queries(
    client, agent, operator, django_assert_max_num_queries
):
    for _ in range(30):
        VisitFactory(operator=operator)
    client.force_login(agent)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("reception:visit_list"))
    assert "30 visites" in text_of(response)


def test_without_a_stop_today_the_agent_must_pick_one(client, agent, operator):
    StopFactory(operator=operator, date=timezone.localdate() - datetime.timedelta(days=2))
    client.force_login(agent)
    response = client.get(reverse("reception:visit_create"))
    assert response.context["form"].initial["stop"] is None
    assert '<option value="" selected>— Choisissez la permanence —</option>' in text_of(response)
    response = client.post(reverse("reception:visit_create"), {"stop": "", "gender": "female"})
    assert "Choisissez la permanence." in text_of(response)
    assert not Visit.objects.exists()


def test_terminer_is_offered_only_for_todays_visits(client, agent, operator, today_stop):
    past = StopFactory(operator=operator, date=timezone.localdate() - datetime.timedelta(days=3))
    arrived = timezone.make_aware(datetime.datetime.combine(past.date, datetime.time(9, 30)))
    old = VisitFactory(operator=operator, stop=past, arrived_at=arrived, left_at=None)
    client.force_login(agent)
    page = text_of(client.get(reverse("reception:visit_detail", kwargs={"visit_id": old.pk})))
    assert "Terminer" not in page
    assert "Corriger" in page
