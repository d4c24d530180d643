"""The demo's screenings of rights (non-recours): about one visit in eight over the demo year and
this year, their rights found, the referrals they led to and their outcome.

OpenFisca is not run here (it takes seconds per household): each screening takes one of the
household types below, whose rights were computed once with OpenFisca-France 176.1.8 for June
2026 in Barlin (`bench/screening.py` computes the first four again). A right found is linked to
the visit's existing referral to the partner that handles it, so the demo's referral figures
do not change; the outcome follows that referral's status. The privacy rule holds: a screening
without an open referral has its answers emptied and its rights detached.
"""

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from allervers.operators.models import Operator
from allervers.partners.models import Partner
from allervers.reception.enums import OPEN_REFERRAL_STATUSES, ReferralStatus
from allervers.reception.models import Referral, Visit
from allervers.screening.enums import RightKind, RightOutcome
from allervers.screening.models import Screening, ScreeningRight, ScreeningSetup

from . import data


def _adult(age, situation, work=0, unemployment=0, pension=0) -> dict:
    return {
        "age": age,
        "situation": situation,
        "work": work,
        "unemployment": unemployment,
        "pension": pension,
    }


def _household(adults, children, housing, rent) -> dict:
    return {
        "adults": adults,
        "children_ages": children,
        "housing": housing,
        "rent": rent,
        "commune": "62083",
    }


# (answers, rights found: kind → monthly amount, None for the CSS), with the share of screenings.
HOUSEHOLDS = [
    (
        _household([_adult(41, "job_seeker")], [], "social_tenant", 350),
        {RightKind.RSA: "573.49", RightKind.HOUSING: "274.00", RightKind.CSS: None},
        0.30,
    ),
    (
        _household(
            [_adult(38, "employed", work=1443), _adult(36, "inactive")],
            [10, 7],
            "private_tenant",
            600,
        ),
        {
            RightKind.PPA: "790.26",
            RightKind.HOUSING: "319.00",
            RightKind.CSS: None,
            RightKind.AF: "153.01",
        },
        0.15,
    ),
    (
        _household([_adult(29, "employed", work=800)], [4], "private_tenant", 520),
        {
            RightKind.PPA: "501.75",
            RightKind.HOUSING: "426.00",
            RightKind.CSS: None,
            RightKind.ASF: "201.78",
        },
        0.15,
    ),
    (
        _household([_adult(70, "retired", pension=950)], [], "social_tenant", 380),
        {RightKind.HOUSING: "116.00", RightKind.CSS: None},
        0.15,
    ),
    (
        _household([_adult(27, "job_seeker", unemployment=900)], [], "private_tenant", 450),
        {RightKind.HOUSING: "162.00", RightKind.CSS: None},
        0.15,
    ),
    (
        _household(
            [_adult(40, "employed", work=1700), _adult(38, "employed", work=700)],
            [14, 11, 6],
            "social_tenant",
            520,
        ),
        {
            RightKind.PPA: "302.95",
            RightKind.HOUSING: "177.00",
            RightKind.CSS: None,
            RightKind.AF: "425.57",
            RightKind.CF: "298.75",
        },
        0.10,
    ),
]
# How often a household already receives each right (declared in the form).
ALREADY_RECEIVED = {
    RightKind.HOUSING: 0.55,
    RightKind.AF: 0.8,
    RightKind.CF: 0.5,
    RightKind.CSS: 0.35,
    RightKind.RSA: 0.2,
}
CAF_PARTNER, DEPARTMENT_PARTNER = "ccas", "departement"  # the CCAS helps with CAF claims
PARTNER_OF = dict.fromkeys(RightKind.values, CAF_PARTNER) | {RightKind.RSA: DEPARTMENT_PARTNER}
SCREENED_WITH_REFERRAL, SCREENED_OTHERWISE = 0.6, 0.06


def _outcome(referral: Referral, rng: random.Random) -> tuple[str, datetime.datetime | None]:
    if referral.status == ReferralStatus.TAKEN_UP:
        return (RightOutcome.OPENED if rng.random() < 0.75 else RightOutcome.REFUSED), (
            referral.taken_up_at
        )
    if referral.status == ReferralStatus.DROPPED:
        return RightOutcome.DROPPED, referral.dropped_at
    return "", None


def build_screenings(*, operator: Operator, users: dict) -> None:
    rng = random.Random(f"{data.RANDOM_SEED}-screening")
    partners = {p.slug: p for p in Partner.objects.filter(operator=operator)}
    ScreeningSetup.objects.create(
        operator=operator,
        default_commune="62083",
        **{f"partner_{kind}": partners[slug] for kind, slug in PARTNER_OF.items()},
    )
    agent = users["agent.accueil"]
    today = timezone.localdate()
    referrals: dict[int, list[Referral]] = {}
    for referral in Referral.objects.filter(
        operator=operator, partner__slug__in=[CAF_PARTNER, DEPARTMENT_PARTNER]
    ).order_by("pk"):
        referrals.setdefault(referral.visit_id, []).append(referral)
    weights = [share for _, _, share in HOUSEHOLDS]
    plans = []
    for visit in Visit.objects.filter(operator=operator).order_by("arrived_at", "pk"):
        own = referrals.get(visit.pk, [])
        if rng.random() >= (SCREENED_WITH_REFERRAL if own else SCREENED_OTHERWISE):
            continue
        answers, found, _ = rng.choices(HOUSEHOLDS, weights)[0]
        received = sorted(kind for kind in found if rng.random() < ALREADY_RECEIVED.get(kind, 0.1))
        plans.append((visit, own, dict(answers, received=received), found))

    screenings, rights = [], []
    for visit, own, answers, found in plans:
        made_at = visit.arrived_at + datetime.timedelta(minutes=10)
        screening = Screening(
            operator=operator,
            visit=visit,
            month=timezone.localdate(made_at).replace(day=1),
            made_at=made_at,
            estimated_at=made_at,
            made_by=agent,
            inputs=answers,
            kinds_found=list(found),
        )
        unused = list(own)
        visit_rights = []
        for kind, amount in found.items():
            missing = kind not in answers["received"]
            right = ScreeningRight(
                operator=operator,
                made_on=timezone.localdate(made_at),
                kind=kind,
                amount=Decimal(amount) if amount else None,
                already_received=not missing,
                likely_missing=missing,
            )
            match = next(
                (r for r in unused if missing and r.partner.slug == PARTNER_OF[kind]), None
            )
            if match is not None:
                unused.remove(match)
                right.referral = match
                right.referred_at = match.proposed_at
                right.outcome, right.outcome_at = _outcome(match, rng)
            visit_rights.append(right)
        still_open = any(
            r.referral is not None and r.referral.status in OPEN_REFERRAL_STATUSES
            for r in visit_rights
        )
        if not still_open and timezone.localdate(made_at) < today:
            # Emptied as the application would have (docs/privacy.md): answers gone, rights
            # detached from the screening and the referral.
            closed = [r.outcome_at for r in visit_rights if r.outcome_at] or [made_at]
            screening.inputs = None
            screening.inputs_cleared_at = max(closed)
            for right in visit_rights:
                right.referral = None
        else:
            for right in visit_rights:
                right.screening = screening
        screenings.append(screening)
        rights.extend(visit_rights)
    Screening.objects.bulk_create(screenings)
    for right in rights:  # the screening's primary key, now that it has one
        right.screening_id = right.screening.pk if right.screening else None
    ScreeningRight.objects.bulk_create(rights)
