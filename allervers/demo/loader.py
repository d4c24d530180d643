"""Load the demo service: deterministic, and idempotent (it replaces the previous demo)."""

import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from allervers.operators.models import Membership, Operator
from allervers.partners.models import Partner
from allervers.planning.models import (
    PartnerPresence,
    SchedulePattern,
    Site,
    Space,
    StaffAssignment,
    Stop,
    Vehicle,
)
from allervers.reception.services.topics import topics_seed_defaults

from . import data
from .planning import build_planning
from .reception import build_reception, remove_reception


@dataclass
class DemoSummary:
    operator: Operator
    stops_by_year: dict[int, int]
    users: list[tuple[str, str]]  # (username, role label)


def demo_remove(operator: Operator) -> None:
    """Delete the previous demo, children first: history is PROTECTed everywhere else."""
    remove_reception(operator)
    for model in (PartnerPresence, StaffAssignment, Stop, SchedulePattern, Membership):
        model.objects.filter(operator=operator).delete()
    operator.delete()


@transaction.atomic
def demo_load() -> DemoSummary:
    User = get_user_model()
    previous = Operator.objects.filter(slug=data.OPERATOR["slug"]).first()
    if previous is not None:
        demo_remove(previous)
    User.objects.filter(username__in=[u[0] for u in data.USERS]).delete()

    rng = random.Random(data.RANDOM_SEED)
    today = timezone.localdate()
    operator = Operator.objects.create(**data.OPERATOR)
    vehicle = Vehicle.objects.create(operator=operator, **data.VEHICLE)
    Space.objects.bulk_create(
        Space(operator=operator, vehicle=vehicle, kind=kind, name=name, capacity=capacity)
        for kind, name, capacity in data.SPACES
    )
    sites = [
        Site.objects.create(operator=operator, postcode="62620", city="Barlin", **site)
        for site in data.SITES
    ]
    partners = {
        slug: Partner.objects.create(
            operator=operator, slug=slug, name=name, network=network, description=description
        )
        for slug, name, network, description in data.PARTNERS
    }
    topics_seed_defaults(operator=operator)

    users = {}
    for username, first_name, last_name, role, partner_slug in data.USERS:
        user = User.objects.create_user(
            username=username,
            password=data.DEMO_PASSWORD,
            first_name=first_name,
            last_name=last_name,
            email=f"{username}@demo.allervers.example",
        )
        Membership.objects.create(
            user=user,
            operator=operator,
            role=role,
            partner=partners[partner_slug] if partner_slug else None,
        )
        users[username] = user

    build_planning(
        operator=operator,
        vehicle=vehicle,
        sites=sites,
        partners=list(partners.values()),
        agents=[users["agent.accueil"], users["agent.cyber"]],
        coordinator=users["coordination"],
        first_year=today.year - 1,
        last_year=today.year + 1,
        rng=rng,
    )
    build_reception(operator=operator, users=users, rng=rng)
    stops_by_year: dict[int, int] = {}
    for stop_date in Stop.objects.for_operator(operator).values_list("date", flat=True):
        stops_by_year[stop_date.year] = stops_by_year.get(stop_date.year, 0) + 1
    return DemoSummary(
        operator=operator,
        stops_by_year=stops_by_year,
        users=[(u[0], u[3].label) for u in data.USERS],
    )
