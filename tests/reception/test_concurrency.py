"""Two people changing one visit or one referral at once: the changes are applied one after the
other, and a change made from a form shown before another change is refused (« Modifiée
entre-temps par … — rechargez la page »), nothing saved.

On PostgreSQL the races run in threads (tests/concurrency.py); on SQLite the same tests run the
two changes one after the other, the second built from the objects loaded before the first."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from allervers.core.roles import Role
from allervers.core.versions import MISSING_VERSION_MESSAGE
from allervers.reception.enums import ReferralStatus, VisitChangeKind
from allervers.reception.models import Referral, ReferralEvent, Visit, VisitChange
from allervers.reception.services.persons import visit_link_person
from allervers.reception.services.referrals import referral_update_status
from allervers.reception.services.visits import visit_correct, visit_finish
from tests.concurrency import at_once
from tests.html import text_of
from tests.planning.factories import StopFactory
from tests.reception.conftest import visit_answers
from tests.reception.factories import PersonFactory, ReferralFactory, VisitFactory

pytestmark = pytest.mark.django_db(transaction=True)

STALE = "Modifiée entre-temps par {} — rechargez la page pour voir la dernière version."


@pytest.fixture
def alice(operator, make_member):
    return make_member(operator, Role.AGENT, first_name="Alice", last_name="Martin")


@pytest.fixture
def bruno(operator, make_member):
    return make_member(operator, Role.AGENT, first_name="Bruno", last_name="Petit")


@pytest.fixture
def visit(operator):
    stop = StopFactory(operator=operator, date=timezone.localdate() - datetime.timedelta(days=3))
    return VisitFactory(operator=operator, stop=stop)


def _loaded(visit: Visit) -> Visit:
    """The visit as a page loaded it, before any of the racing changes."""
    return Visit.objects.get(pk=visit.pk)


def _correction(visit: Visit, note: str, **extra) -> dict:
    return {
        "stop": visit.stop_id,
        "arrival_time": "09:15",
        "departure_time": "10:05",
        "note": note,
        **visit_answers(),
        **extra,
    }


def _refused_with(outcome, name: str) -> bool:
    return outcome.refused and outcome.error.messages == [STALE.format(name)]


def test_two_corrections_from_pages_showing_the_same_version_the_second_is_refused(
    client, visit, alice, bruno
):
    url = reverse("reception:visit_edit", kwargs={"visit_id": visit.pk})
    client.force_login(alice)
    assert 'name="version" value="0"' in client.get(url).content.decode()
    assert client.post(url, _correction(visit, "Dossier CAF", version=0)).status_code == 302
    client.force_login(bruno)
    response = client.post(url, _correction(visit, "Dossier CPAM", version=0))
    assert response.status_code == 400
    assert STALE.format("Alice Martin") in text_of(response)
    visit.refresh_from_db()
    assert visit.note == "Dossier CAF" and visit.version == 1
    assert VisitChange.objects.filter(visit=visit, kind=VisitChangeKind.CORRECTED).count() == 1
    # Reloaded, the page shows Alice's correction and its version: Bruno's goes through.
    assert 'name="version" value="1"' in client.get(url).content.decode()
    assert client.post(url, _correction(visit, "Dossier CPAM", version=1)).status_code == 302
    visit.refresh_from_db()
    assert visit.note == "Dossier CPAM" and visit.version == 2


@pytest.mark.parametrize("version", [None, "", "x", "-3"])
def test_a_correction_without_a_valid_version_is_refused(client, visit, alice, version):
    data = _correction(visit, "Dossier CAF")
    if version is not None:
        data["version"] = version
    client.force_login(alice)
    response = client.post(reverse("reception:visit_edit", kwargs={"visit_id": visit.pk}), data)
    assert response.status_code == 400
    assert MISSING_VERSION_MESSAGE in text_of(response)
    visit.refresh_from_db()
    assert visit.note == "" and visit.version == 0


def test_two_corrections_at_once_one_is_applied_the_other_refused(visit, alice, bruno):
    outcomes = at_once(
        lambda: visit_correct(visit=_loaded(visit), user=alice, note="A", version=0),
        lambda: visit_correct(visit=_loaded(visit), user=bruno, note="B", version=0),
    )
    assert [outcome.refused for outcome in outcomes].count(True) == 1
    visit.refresh_from_db()
    winner, loser = (alice, outcomes[1]) if visit.note == "A" else (bruno, outcomes[0])
    assert _refused_with(loser, winner.get_full_name())
    assert visit.version == 1
    assert VisitChange.objects.get(visit=visit, kind=VisitChangeKind.CORRECTED).changed_by == winner


def test_a_correction_shown_before_the_visit_was_finished_or_linked_is_refused(
    operator, visit, alice, bruno
):
    visit.stop.date = timezone.localdate()
    visit.stop.save()
    visit.arrived_at = timezone.now() - datetime.timedelta(minutes=30)
    visit.save()
    shown = _loaded(visit).version
    visit_finish(visit=_loaded(visit), user=alice)
    with pytest.raises(ValidationError) as refusal:
        visit_correct(visit=_loaded(visit), user=bruno, note="B", version=shown)
    assert refusal.value.messages == [STALE.format("Alice Martin")]
    person = PersonFactory(operator=operator)
    shown = _loaded(visit).version
    visit_link_person(visit=_loaded(visit), person=person, user=bruno)
    with pytest.raises(ValidationError) as refusal:
        visit_correct(visit=_loaded(visit), user=alice, note="A", version=shown)
    assert refusal.value.messages == [STALE.format("Bruno Petit")]
    visit.refresh_from_db()
    assert visit.note == "" and visit.left_at is not None and visit.person == person
    assert visit.version == 2


def test_two_status_changes_of_a_referral_at_once_one_wins(operator, alice, bruno):
    referral = ReferralFactory(operator=operator)
    outcomes = at_once(
        lambda: referral_update_status(
            referral=Referral.objects.get(pk=referral.pk),
            status=ReferralStatus.SENT,
            user=alice,
            version=0,
        ),
        lambda: referral_update_status(
            referral=Referral.objects.get(pk=referral.pk),
            status=ReferralStatus.DROPPED,
            user=bruno,
            version=0,
        ),
    )
    assert [outcome.refused for outcome in outcomes].count(True) == 1
    referral.refresh_from_db()
    winner, loser = (
        (alice, outcomes[1]) if referral.status == ReferralStatus.SENT else (bruno, outcomes[0])
    )
    assert referral.status_changed_by == winner and referral.version == 1
    assert _refused_with(loser, winner.get_full_name())
    assert ReferralEvent.objects.filter(referral=referral).count() == 1


def test_a_status_change_from_a_stale_page_is_refused(client, operator, alice, bruno):
    referral = ReferralFactory(operator=operator)
    url = reverse("reception:referral_detail", kwargs={"referral_id": referral.pk})
    client.force_login(alice)
    assert 'name="version" value="0"' in client.get(url).content.decode()
    referral_update_status(referral=referral, status=ReferralStatus.SENT, user=bruno, version=0)
    response = client.post(url, {"status": ReferralStatus.DROPPED, "version": 0})
    assert response.status_code == 400
    assert STALE.format("Bruno Petit") in text_of(response)
    response = client.post(url, {"status": ReferralStatus.DROPPED})
    assert response.status_code == 400
    assert MISSING_VERSION_MESSAGE in text_of(response)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT and referral.version == 1
    response = client.post(url, {"status": ReferralStatus.TAKEN_UP, "version": 1})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.TAKEN_UP and referral.status_changed_by == alice
