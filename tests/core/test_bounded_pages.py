"""Every list page does bounded work: its query count is the same with 1× and 10× the data.

The data grows in every direction a list shows: today's stops and visits, upcoming and past
stops, persons, referrals, sites, patterns, partners, team members, access-log entries.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from allervers.accesslog.enums import Action
from allervers.accesslog.services import record
from allervers.core.roles import Role
from tests.partners.factories import PartnerFactory
from tests.planning.factories import (
    PartnerPresenceFactory,
    SchedulePatternFactory,
    SiteFactory,
    StaffAssignmentFactory,
    StopFactory,
)
from tests.reception.factories import PersonFactory, ReferralFactory, VisitFactory

pytestmark = pytest.mark.django_db

LIST_PAGES = [
    ("home", {}),
    ("reception:today", {}),
    ("reception:visit_list", {}),
    ("reception:person_search", {"q": "Habitante"}),
    ("reception:referral_list", {}),
    ("planning:month", {}),
    ("planning:week", {}),
    ("planning:upcoming", {}),
    ("planning:coverage", {}),
    ("planning:staff_rota", {}),
    ("planning:site_list", {}),
    ("planning:pattern_list", {}),
    ("operators:member_list", {}),
    ("vehicles:list", {}),
    ("partners:list", {}),
    ("reporting:closures", {}),
    ("reporting:parking", {"annee": "2026"}),
    ("accesslog:journal", {}),
]


def _grow(operator, make_member, units: int) -> None:
    today = timezone.localdate()
    for unit in range(units):
        hour = 8 + unit % 10
        for offset, count in ((0, 3), (-3 - unit % 20, 3), (1 + unit % 20, 0)):
            stop = StopFactory(
                operator=operator,
                date=today + datetime.timedelta(days=offset),
                start_time=datetime.time(hour),
                end_time=datetime.time(hour, 59),
            )
            PartnerPresenceFactory(stop=stop)
            StaffAssignmentFactory(stop=stop)
            start = timezone.make_aware(datetime.datetime.combine(stop.date, stop.start_time))
            for index in range(count):
                arrived = start + datetime.timedelta(minutes=5 * index)
                left = arrived + datetime.timedelta(minutes=30) if index == 0 else None
                person = PersonFactory(operator=operator) if index == 1 else None
                visit = VisitFactory(
                    operator=operator,
                    stop=stop,
                    arrived_at=arrived,
                    left_at=left if offset == 0 else arrived + datetime.timedelta(minutes=45),
                    person=person,
                )
                if index == 2:
                    referral = ReferralFactory(operator=operator, visit=visit)
                    record(None, Action.REFERRAL_CREATED, referral, operator=operator)
                record(None, Action.VISIT_CHANGED, visit, operator=operator)
                if person is not None:
                    record(None, Action.PERSON_VIEWED, person, operator=operator)
        SiteFactory(operator=operator)
        SchedulePatternFactory(operator=operator)
        PartnerFactory(operator=operator)
        member = make_member(operator, Role.AGENT)
        membership = member.memberships.get()
        record(None, Action.MEMBERSHIP_CREATED, membership, operator=operator, user=member)


def _queries(client, url_name: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(url_name), params)
    assert response.status_code == 200, (url_name, response.status_code)
    return len(captured)


def test_list_pages_cost_the_same_queries_with_ten_times_the_data(
    client, operator, coordinator, make_member
):
    client.force_login(coordinator)
    _grow(operator, make_member, 1)
    small = {name: _queries(client, name, params) for name, params in LIST_PAGES}
    _grow(operator, make_member, 9)
    large = {name: _queries(client, name, params) for name, params in LIST_PAGES}
    grown = {name: (small[name], large[name]) for name in small if large[name] != small[name]}
    assert not grown, f"query counts that grow with the data (1×, 10×): {grown}"
