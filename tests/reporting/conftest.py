"""A small fixed data set whose every figure is computed by hand in the tests (see DATASET)."""

import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from allervers.planning.enums import CancelReason, SpaceKind, StopStatus
from allervers.reception.enums import (
    AgeBand,
    Gender,
    HeardFrom,
    ReferralStatus,
    Situation,
    VisitMode,
    YesNoUnknown,
)
from allervers.reception.models import VisitPartner, VisitTopic
from allervers.reporting.periods import Period
from allervers.reporting.queries import Scope, report_compute
from tests.partners.factories import PartnerFactory
from tests.planning.factories import (
    PartnerPresenceFactory,
    SiteFactory,
    SpaceFactory,
    StopFactory,
    VehicleFactory,
)
from tests.reception.factories import (
    CyberUsageFactory,
    PersonFactory,
    ReferralFactory,
    TopicFactory,
    VisitFactory,
)

PARIS = ZoneInfo("Europe/Paris")
YEAR = 2024
TODAY = datetime.date(2025, 6, 1)


def paris(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=PARIS)


@pytest.fixture
def dataset(operator, other_operator):
    """Eight visits in 2024 (plus one the year before, one just after, one elsewhere)."""
    vehicle = VehicleFactory(operator=operator)
    SpaceFactory(vehicle=vehicle, operator=operator, kind=SpaceKind.CYBER, capacity=8)
    site_a = SiteFactory(operator=operator, name="Place A")
    site_b = SiteFactory(operator=operator, name="Place B")
    p1 = PartnerFactory(operator=operator, name="Mission locale")
    p2 = PartnerFactory(operator=operator, name="PLIE")
    t1 = TopicFactory(operator=operator, name="Démarches emploi", position=1)
    t2 = TopicFactory(operator=operator, name="CAF", position=2)
    t3 = TopicFactory(operator=operator, name="Santé", position=3)
    person_a = PersonFactory(operator=operator)
    person_b = PersonFactory(operator=operator)

    def stop(site, day, start, end, **fields):
        return StopFactory(
            operator=operator,
            vehicle=vehicle,
            site=site,
            date=day,
            start_time=datetime.time(*start),
            end_time=datetime.time(*end),
            **fields,
        )

    s1 = stop(site_a, datetime.date(YEAR, 1, 15), (9,), (12,))
    s2 = stop(site_b, datetime.date(YEAR, 3, 10), (14,), (17,))
    s3 = stop(site_a, datetime.date(YEAR, 7, 9), (17,), (20,))
    s4 = stop(
        site_b,
        datetime.date(YEAR, 5, 5),
        (9,),
        (12,),
        status=StopStatus.CANCELLED,
        cancel_reason=CancelReason.WEATHER,
    )
    s5 = stop(site_a, datetime.date(YEAR, 12, 31), (20,), (23, 59))
    s_before = stop(site_a, datetime.date(YEAR - 1, 6, 1), (9,), (12,))
    s_after = stop(site_a, datetime.date(YEAR + 1, 1, 1), (0,), (2,))
    for stop_, partner in [(s1, p1), (s2, p1), (s2, p2), (s3, p2), (s4, p2)]:
        PartnerPresenceFactory(operator=operator, stop=stop_, partner=partner)

    def visit(stop_, minutes, *, topics=(), seen=(), arrived=None, **answers):
        arrived = arrived or paris(stop_.date, stop_.start_time.hour, 15)
        left = None if minutes is None else arrived + datetime.timedelta(minutes=minutes)
        made = VisitFactory(
            operator=operator, stop=stop_, arrived_at=arrived, left_at=left, **answers
        )
        for topic in topics:
            VisitTopic.objects.create(operator=operator, visit=made, topic=topic)
        for partner in seen:
            VisitPartner.objects.create(operator=operator, visit=made, partner=partner)
        return made

    F, M, OTHER = Gender.FEMALE, Gender.MALE, Gender.OTHER
    YES, NO = YesNoUnknown.YES, YesNoUnknown.NO
    WALK, APPT = VisitMode.WALK_IN, VisitMode.APPOINTMENT
    v1 = visit(
        s1, 30, gender=F, age_band=AgeBand.FROM_26_TO_49, lives_in_area=YES, mode=WALK,
        is_first_visit=YES, situation=Situation.JOB_SEEKER, heard_from=HeardFrom.WORD_OF_MOUTH,
        person=person_a, topics=(t1, t2), seen=(p1,), cyber_used=True, cyber_purpose="email",
    )  # fmt: skip
    v2 = visit(
        s1, 60, gender=M, age_band=AgeBand.UNDER_26, lives_in_area=NO, mode=APPT,
        is_first_visit=NO, situation=Situation.RSA, heard_from=HeardFrom.FLYER,
        person=person_a, topics=(t1,), seen=(p1,),
    )  # fmt: skip
    v3 = visit(
        s2, 45, gender=F, age_band=AgeBand.FROM_50_TO_64, lives_in_area=YES, mode=WALK,
        is_first_visit=YES, topics=(t2,), seen=(p2,),
    )  # fmt: skip
    visit(s2, 20, mode=VisitMode.UNKNOWN)  # v4: every answer unknown, no theme
    visit(
        s2,
        None,
        gender=OTHER,
        age_band=AgeBand.FROM_65,
        lives_in_area=YES,
        mode=WALK,
        is_first_visit=NO,
        topics=(t3,),
    )  # fmt: skip  v5: still in the bus (no departure)
    v6 = visit(
        s3, 90, gender=F, age_band=AgeBand.FROM_26_TO_49, lives_in_area=NO, mode=WALK,
        is_first_visit=YES, person=person_b, topics=(t1,), seen=(p2,),
    )  # fmt: skip
    visit(s3, 55, gender=F, lives_in_area=YES, mode=WALK, is_first_visit=YES)  # v7
    v8 = visit(
        s5,
        20,
        arrived=paris(s5.date, 23, 30),
        gender=M,
        age_band=AgeBand.FROM_26_TO_49,
        lives_in_area=YES,
        mode=WALK,
    )  # fmt: skip  23:30 on 31 December, Paris time: 22:30 UTC, still 2024
    # Outside 2024: the year before, 00:30 on 1 January 2025 (23:30 UTC on 31 December), and
    # another operator's visit on the same day as s1.
    visit(s_before, 40, gender=F, lives_in_area=YES, mode=WALK)
    visit(s_after, 20, arrived=paris(s_after.date, 0, 30), gender=F)
    VisitFactory(
        operator=other_operator,
        stop=StopFactory(operator=other_operator, date=s1.date),
        gender=F,
        left_at=paris(s1.date, 11),
    )

    def referral(visit_, partner, status, days=None):
        proposed = visit_.arrived_at
        fields = {}
        if status == ReferralStatus.TAKEN_UP:
            fields["taken_up_at"] = proposed + datetime.timedelta(days=days)
        if status == ReferralStatus.DROPPED:
            fields["dropped_at"] = proposed + datetime.timedelta(days=3)
        if status == ReferralStatus.SENT:
            fields["sent_at"] = proposed + datetime.timedelta(days=1)
        return ReferralFactory(
            operator=operator,
            visit=visit_,
            partner=partner,
            status=status,
            proposed_at=proposed,
            **fields,
        )

    referral(v1, p1, ReferralStatus.TAKEN_UP, days=10)
    referral(v2, p2, ReferralStatus.DROPPED)
    referral(v3, p1, ReferralStatus.TAKEN_UP, days=4)
    referral(v6, p2, ReferralStatus.PROPOSED)
    referral(v8, p1, ReferralStatus.SENT)
    CyberUsageFactory(operator=operator, stop=s1, seats_used=3, people_count=4)
    CyberUsageFactory(operator=operator, stop=s3, seats_used=5, people_count=6)
    return SimpleNamespace(
        operator=operator, site_a=site_a, site_b=site_b, p1=p1, p2=p2, topics=(t1, t2, t3)
    )


def compute(dataset, period=None, **filters):
    """The report of `dataset` for `period` (its whole year by default), as the pages compute it."""
    return report_compute(Scope(dataset.operator.pk, period or Period.year(YEAR), TODAY, **filters))
