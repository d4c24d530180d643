"""Load the demo service: deterministic, and idempotent (it replaces the previous demo)."""

import base64
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice

from allervers.accounts.models import AuthenticatorDevice
from allervers.accounts.second_factor import (
    APP_DEVICE_NAME,
    BACKUP_DEVICE_NAME,
    backup_code_digest,
)
from allervers.bookings.models import Appointment, AppointmentOpening, Registration, Workshop
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
from .alerts import build_alerts
from .bookings import build_bookings, remove_bookings
from .planning import build_planning
from .reception import build_reception, remove_reception
from .screening import build_screenings

REAL_OPERATOR_HOLDS_SLUG = (
    "Une structure réelle (non marquée comme démonstration) utilise déjà l'identifiant "
    "« {slug} » : la démonstration ne la remplace pas. Rien n'a été modifié. Chargez la "
    "démonstration dans une autre base de données (par exemple avec `make demo`, qui utilise "
    "var/allervers.sqlite3)."
)
REAL_ACCOUNT_HOLDS_EMAIL = (
    "Le compte {email} a un rôle dans une structure réelle : la démonstration ne le supprime "
    "pas. Rien n'a été modifié."
)


@dataclass
class DemoSummary:
    operator: Operator
    stops_by_year: dict[int, int]
    users: list[tuple[str, str]]  # (e-mail address to log in with, role label)


def operator_delete_everything(operator: Operator) -> None:
    """Delete an operator and all it holds, children first: history is PROTECTed everywhere else.
    No check: for the demo (through `demo_remove`) and the tests' own operators only."""
    remove_bookings(operator)
    remove_reception(operator)
    bookings = (Registration, Workshop, Appointment, AppointmentOpening)
    for model in (*bookings, PartnerPresence, StaffAssignment, Stop, SchedulePattern, Membership):
        model.objects.filter(operator=operator).delete()
    operator.delete()


def demo_remove(operator: Operator) -> None:
    """Delete a demo operator and all it holds; refuses an operator not marked as demo."""
    if not operator.is_demo:
        raise ValidationError(REAL_OPERATOR_HOLDS_SLUG.format(slug=operator.slug))
    operator_delete_everything(operator)


def demo_users_remove() -> None:
    """Delete the demo accounts; refuses if one of them has a role in a real operator."""
    accounts = get_user_model().objects.filter(
        email__in=[data.demo_email(u[0]) for u in data.USERS]
    )
    held = accounts.filter(memberships__operator__is_demo=False).first()
    if held is not None:
        raise ValidationError(REAL_ACCOUNT_HOLDS_EMAIL.format(email=held.email))
    accounts.delete()


def demo_totp_key() -> bytes:
    return base64.b32decode(data.DEMO_TOTP_SECRET)


def demo_current_code() -> str:
    """The code an authenticator application holding the demo secret shows now."""
    return f"{totp(demo_totp_key()):06d}"


def demo_second_factor(user) -> None:
    """Enrol a demo account: the known secret and backup codes (README.md)."""
    AuthenticatorDevice.objects.create(
        user=user, name=APP_DEVICE_NAME, bin_key=demo_totp_key(), confirmed=True
    )
    backup = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    for code in data.DEMO_BACKUP_CODES:
        backup.token_set.create(token=backup_code_digest(code))  # stored hashed


@transaction.atomic
def demo_load() -> DemoSummary:
    """Replace the demo operator and accounts. A real operator holding the demo's slug, or a demo
    address used in a real operator, is a ValidationError and nothing changes."""
    User = get_user_model()
    previous = Operator.objects.filter(slug=data.OPERATOR["slug"]).first()
    if previous is not None:
        demo_remove(previous)
    demo_users_remove()

    rng = random.Random(data.RANDOM_SEED)
    today = timezone.localdate()
    operator = Operator.objects.create(**data.OPERATOR, is_demo=True)
    vehicle = Vehicle.objects.create(operator=operator, **data.VEHICLE)
    Space.objects.bulk_create(
        Space(operator=operator, vehicle=vehicle, kind=kind, name=name, capacity=capacity)
        for kind, name, capacity in data.SPACES
    )
    sites = [
        Site.objects.create(
            operator=operator, postcode="62620", city="Barlin", insee_code="62083", **site
        )
        for site in data.SITES
    ]
    with_logins = {user[4] for user in data.USERS if user[4]}
    partners = {
        slug: Partner.objects.create(
            operator=operator,
            slug=slug,
            name=name,
            network=network,
            description=description,
            notice_emails=data.partner_notice_email(slug),
            phone=f"03 21 {10 + index:02d} {20 + index:02d} {30 + index:02d}",
            staff_have_logins=slug in with_logins,
        )
        for index, (slug, name, network, description) in enumerate(data.PARTNERS)
    }
    topics_seed_defaults(operator=operator)

    users = {}
    for key, first_name, last_name, role, partner_slug in data.USERS:
        user = User.objects.create_user(
            email=data.demo_email(key),
            password=data.DEMO_PASSWORD,
            first_name=first_name,
            last_name=last_name,
        )
        Membership.objects.create(
            user=user,
            operator=operator,
            role=role,
            partner=partners[partner_slug] if partner_slug else None,
        )
        demo_second_factor(user)
        users[key] = user

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
    build_screenings(operator=operator, users=users)
    build_bookings(operator=operator, users=users)
    build_alerts(operator=operator, users=users)
    stops_by_year: dict[int, int] = {}
    for stop_date in Stop.objects.for_operator(operator).values_list("date", flat=True):
        stops_by_year[stop_date.year] = stops_by_year.get(stop_date.year, 0) + 1
    return DemoSummary(
        operator=operator,
        stops_by_year=stops_by_year,
        users=[(data.demo_email(u[0]), u[3].label) for u in data.USERS],
    )
