"""The demo year's reception log matches the field report (on the generated raw data)."""

from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from allervers.demo import data
from allervers.planning.models import Stop
from allervers.reception.enums import Gender, ReferralStatus, VisitMode, YesNoUnknown
from allervers.reception.models import CyberUsage, Person, Referral, Visit, VisitTopic

pytestmark = pytest.mark.django_db


def _year_visits(operator):
    return Visit.objects.for_operator(operator).filter(
        stop__date__year=timezone.localdate().year - 1
    )


def _share(counter, value, unknown) -> float:
    known = sum(counter.values()) - counter[unknown]
    return counter[value] / known


def test_the_demo_year_has_about_370_visits_about_3_per_held_stop(demo):
    visits = _year_visits(demo.operator)
    assert 360 <= visits.count() <= 380
    held_stops = (
        Stop.objects.for_operator(demo.operator)
        .held()
        .filter(date__year=timezone.localdate().year - 1)
        .count()
    )
    assert 2.5 <= visits.count() / held_stops <= 3.5
    assert not visits.filter(stop__status="cancelled").exists()


def test_the_demo_year_matches_the_reports_shares(demo):
    visits = list(_year_visits(demo.operator))
    minutes = [(v.left_at - v.arrived_at).total_seconds() / 60 for v in visits]
    assert 43 <= sum(minutes) / len(minutes) <= 47
    genders = Counter(v.gender for v in visits)
    assert 0.52 <= _share(genders, Gender.FEMALE, Gender.UNKNOWN) <= 0.56
    assert genders[Gender.UNKNOWN] > 0  # unknown answers stay explicit
    areas = Counter(v.lives_in_area for v in visits)
    assert 0.67 <= _share(areas, YesNoUnknown.YES, YesNoUnknown.UNKNOWN) <= 0.73
    modes = Counter(v.mode for v in visits)
    assert modes[VisitMode.WALK_IN] / len(visits) >= 0.8


def test_the_themes_come_in_the_reports_order(demo):
    counts = Counter(
        VisitTopic.objects.filter(visit__in=_year_visits(demo.operator)).values_list(
            "topic__slug", flat=True
        )
    )
    order = ["emploi", "ouverture-droits", "rsa", "sante", "caf", "papiers-identite", "impots"]
    assert [counts[slug] for slug in order] == sorted((counts[s] for s in order), reverse=True)
    assert counts["emploi"] == max(counts.values())


def test_returning_people_with_consent_and_referrals_in_every_status(demo):
    people = Person.objects.for_operator(demo.operator)
    assert people.count() >= 20
    assert not people.exclude(consents__withdrawn_at__isnull=True).exists()
    returning = Visit.objects.for_operator(demo.operator).exclude(person=None)
    assert returning.values("person").distinct().count() == people.count()
    assert returning.count() > people.count()
    statuses = set(Referral.objects.for_operator(demo.operator).values_list("status", flat=True))
    assert statuses == set(ReferralStatus.values)
    overdue = Referral.objects.for_operator(demo.operator).overdue(
        now=timezone.now(), days=demo.operator.referral_overdue_days
    )
    assert overdue.exists()
    assert CyberUsage.objects.for_operator(demo.operator).filter(seats_used__gt=0).exists()


def test_the_demo_partner_sees_its_referrals_and_not_another_partners(client, demo):
    user = get_user_model().objects.get(email=data.demo_email("partenaire.francetravail"))
    client.force_login(user)
    own = Referral.objects.for_operator(demo.operator).filter(partner__slug="france-travail")
    other = Referral.objects.for_operator(demo.operator).exclude(partner__slug="france-travail")
    assert own.exists() and other.exists()
    listing = client.get(reverse("reception:referral_list"))
    assert listing.status_code == 200
    assert listing.context["page"].paginator.count == own.count()
    url = reverse("reception:referral_detail", kwargs={"referral_id": own.first().pk})
    assert client.get(url).status_code == 200
    url = reverse("reception:referral_detail", kwargs={"referral_id": other.first().pk})
    assert client.get(url).status_code == 404
