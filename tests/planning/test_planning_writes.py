"""Every planning write declares itself (`@stamps_public_revision`), and then the public pages
of its operator refresh after the commit — never before it, never for a write that rolled back."""

import ast
import datetime
import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from allervers.core.revision import (
    OperatorNotFound,
    is_stamping_public_revision,
    planning_revision,
    stamps_public_revision,
)
from allervers.core.roles import Role
from allervers.operators.models import Membership
from allervers.planning import services
from allervers.planning.enums import CancelReason, StopStatus
from allervers.planning.models import (
    PartnerPresence,
    RotaLine,
    SchedulePattern,
    Site,
    StaffAssignment,
    Stop,
    Vehicle,
)
from tests.html import text_of
from tests.operators.factories import MembershipFactory
from tests.partners.factories import PartnerFactory
from tests.planning.factories import (
    PartnerPresenceFactory,
    SchedulePatternFactory,
    SiteFactory,
    StaffAssignmentFactory,
    StopFactory,
    VehicleFactory,
)

pytestmark = pytest.mark.django_db

# The modules whose public functions must declare their writes: the planning's services (a
# module, or a package later), the demo's planning and the partners' writes.
WRITE_MODULES = [
    "allervers.planning.services",
    "allervers.demo.planning",
    "allervers.partners.services",  # partners' names and descriptions show on the public page
]

# A call of one of these methods changes rows (or opens a transaction to change them).
ROW_WRITING_CALLS = {
    "atomic",
    "bulk_create",
    "bulk_update",
    "create",
    "delete",
    "get_or_create",
    "save",
    "select_for_update",
    "update",
    "update_or_create",
}


def _modules(name: str):
    module = importlib.import_module(name)
    yield module
    for info in pkgutil.walk_packages(getattr(module, "__path__", []), f"{name}."):
        yield importlib.import_module(info.name)


def _writes_directly(function: ast.FunctionDef) -> bool:
    for node in ast.walk(function):
        target = node.func if isinstance(node, ast.Call) else node
        if isinstance(target, ast.Attribute) and target.attr in ROW_WRITING_CALLS:
            return True
    return False


def _calls(function: ast.FunctionDef, names: set[str]) -> set[str]:
    return {
        node.func.id
        for node in ast.walk(function)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names
    }


def writing_functions(module) -> set[str]:
    """The public functions of `module` that change rows, directly or through the module's own
    helpers (read from the source: a write not called by any test is found too)."""
    tree = ast.parse(inspect.getsource(module))
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    writing = {name for name, node in functions.items() if _writes_directly(node)}
    while True:
        more = {
            name
            for name, node in functions.items()
            if name not in writing and _calls(node, set(functions)) & writing
        }
        if not more:
            break
        writing |= more
    return {name for name in writing if not name.startswith("_")}


def test_every_write_of_the_planning_is_declared():
    undeclared, found = [], set()
    for name in WRITE_MODULES:
        for module in _modules(name):
            for function in writing_functions(module):
                found.add(function)
                if not is_stamping_public_revision(getattr(module, function)):
                    undeclared.append(f"{module.__name__}.{function}")
    assert {"site_save", "stop_cancel", "presence_withdraw", "build_planning"} <= found
    assert {"pattern_preview", "pattern_delete_preview", "overlap_message"}.isdisjoint(found)
    assert undeclared == [], "declare these with @stamps_public_revision"


def test_a_write_whose_operator_cannot_be_found_fails_before_writing_anything():
    ran = []

    @stamps_public_revision
    def site_rename(*, site_id: int, name: str) -> None:
        ran.append(site_id)

    with pytest.raises(OperatorNotFound, match="site_rename"):
        site_rename(site_id=1, name="Ailleurs")
    with pytest.raises(OperatorNotFound):
        stamps_public_revision(lambda site: ran.append(site))(site=Site(name="Sans structure"))
    assert ran == []


# Each service changes the public answer of its operator --------------------------------------


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@dataclass
class World:
    """One operator's planning, with something for every service to change."""

    coordinator: Membership
    site: Site
    stop: Stop  # held, in two days, a partner present and an agent on duty
    cancelled: Stop
    presence: PartnerPresence
    assignment: StaffAssignment
    pattern: SchedulePattern  # in the coming weeks, nothing generated yet
    generated: SchedulePattern  # its stops generated, all untouched
    line: RotaLine  # a partner on the rota of `generated`, not applied yet
    pending: RotaLine  # a partner's declaration on `generated`, awaiting approval
    partner_member: Membership  # a partner's person
    spare: Vehicle  # no stop, no pattern: it may be archived


def _pattern(operator, vehicle, site, weekday_of: datetime.date, start: int) -> SchedulePattern:
    return SchedulePatternFactory(
        operator=operator,
        vehicle=vehicle,
        site=site,
        weekday=weekday_of.weekday(),
        start_time=datetime.time(start),
        end_time=datetime.time(start + 1),
        valid_from=in_days(1),
        valid_until=in_days(27),
    )


@pytest.fixture
def world(operator, coordinator, agent) -> World:
    cache.clear()
    vehicle = VehicleFactory(operator=operator)
    site = SiteFactory(operator=operator, name="Place du Regain", slug="place-du-regain")
    stop = StopFactory(operator=operator, vehicle=vehicle, site=site, date=in_days(2))
    cancelled = StopFactory(
        operator=operator,
        vehicle=vehicle,
        site=site,
        date=in_days(4),
        status=StopStatus.CANCELLED,
        cancel_reason=CancelReason.WEATHER,
    )
    presence = PartnerPresenceFactory(operator=operator, stop=stop, partner__name="Mission locale")
    assignment = StaffAssignmentFactory(operator=operator, stop=stop, user=agent)
    generated = _pattern(operator, vehicle, site, in_days(3), start=18)
    services.pattern_generate(pattern=generated)
    line = RotaLine.objects.create(
        operator=operator,
        pattern=generated,
        partner=PartnerFactory(operator=operator, name="Point Justice"),
    )
    pending = RotaLine.objects.create(
        operator=operator,
        pattern=generated,
        partner=PartnerFactory(operator=operator, name="CAF"),
        approved=False,
    )
    partner_member = MembershipFactory(
        operator=operator,
        role=Role.PARTNER,
        partner=PartnerFactory(operator=operator, name="CIDFF"),
    )
    return World(
        coordinator=Membership.objects.get(user=coordinator, operator=operator),
        site=site,
        stop=stop,
        cancelled=cancelled,
        presence=presence,
        assignment=assignment,
        pattern=_pattern(operator, vehicle, site, in_days(5), start=14),
        generated=generated,
        line=line,
        pending=pending,
        partner_member=partner_member,
        spare=VehicleFactory(operator=operator, name="Minibus", accessibility_notes="Rampe"),
    )


def _renamed(site: Site) -> Site:
    site.name = "Salle des fêtes"
    return site


def _relabelled(pattern: SchedulePattern) -> SchedulePattern:
    pattern.label = "Marché du jeudi"
    return pattern


def _made_accessible(vehicle):
    vehicle.accessibility_notes = "Élévateur pour fauteuil roulant"
    return vehicle


# Every planning service, called as a coordinator would. `True` when the change shows on the
# operator's public page; every other change refreshes it all the same.
SERVICE_CALLS: dict[str, tuple[Callable[[World], object], bool]] = {
    "site_save": (lambda w: services.site_save(site=_renamed(w.site)), True),
    "site_archive": (lambda w: services.site_archive(site=w.site), True),
    "pattern_save": (lambda w: services.pattern_save(pattern=_relabelled(w.pattern)), False),
    "pattern_generate": (lambda w: services.pattern_generate(pattern=w.pattern), True),
    "pattern_delete": (lambda w: services.pattern_delete(pattern=w.generated), True),
    "stop_create_one_off": (
        lambda w: services.stop_create_one_off(
            operator=w.stop.operator,
            vehicle=w.stop.vehicle,
            site=w.site,
            date=in_days(1),
            start_time=datetime.time(20),
            end_time=datetime.time(22),
            title="Soirée jeux",
        ),
        True,
    ),
    "stop_move": (
        lambda w: services.stop_move(
            stop=w.stop,
            site=w.site,
            date=w.stop.date,
            start_time=datetime.time(13),
            end_time=datetime.time(16),
            by=w.coordinator.user,
        ),
        True,
    ),
    "stop_cancel": (
        lambda w: services.stop_cancel(
            stop=w.stop, reason=CancelReason.BREAKDOWN, by=w.coordinator.user
        ),
        True,
    ),
    "stop_restore": (
        lambda w: services.stop_restore(stop=w.cancelled, by=w.coordinator.user),
        True,
    ),
    "presence_declare": (
        lambda w: services.presence_declare(
            stop=w.stop,
            partner=PartnerFactory(operator=w.stop.operator, name="PLIE du Béthunois"),
            acting=w.coordinator,
        ),
        True,
    ),
    "presence_withdraw": (
        lambda w: services.presence_withdraw(presence=w.presence, acting=w.coordinator),
        True,
    ),
    "staff_assign": (
        lambda w: services.staff_assign(
            stop=w.stop, user=w.coordinator.user, duty_role="reception"
        ),
        False,
    ),
    "staff_unassign": (lambda w: services.staff_unassign(assignment=w.assignment), False),
    "rota_line_save": (
        lambda w: services.rota_line_save(
            line=RotaLine(
                operator=w.stop.operator,
                pattern=w.pattern,
                user=w.coordinator.user,
                duty_role="reception",
            )
        ),
        False,
    ),
    "rota_apply": (lambda w: services.rota_apply(pattern=w.generated), True),
    "rota_line_remove": (lambda w: services.rota_line_remove(line=w.line), False),
    "rota_line_declare": (
        lambda w: services.rota_line_declare(pattern=w.pattern, acting=w.partner_member),
        False,
    ),
    "rota_line_approve": (lambda w: services.rota_line_approve(line=w.pending), True),
    "patterns_copy": (
        lambda w: services.patterns_copy(
            operator=w.stop.operator,
            source_from=in_days(0),
            source_until=in_days(30),
            target_from=in_days(31),
            target_until=in_days(60),
        ),
        False,
    ),
    "vehicle_save": (
        lambda w: services.vehicle_save(
            vehicle=_made_accessible(w.stop.vehicle),
            spaces=[services.SpaceSpec(kind="office", name="Bureau", capacity=4)],
        ),
        True,
    ),
    "vehicle_archive": (
        lambda w: services.vehicle_archive(vehicle=w.spare),
        True,
    ),
}


def test_every_declared_service_is_called_below():
    declared = {
        name for name, value in vars(services).items() if is_stamping_public_revision(value)
    }
    assert declared == set(SERVICE_CALLS)


def _public_page(client, operator) -> tuple[str, int]:
    """The operator's public page as a resident gets it (its CSP nonce, new for each answer,
    left out), and the queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/{operator.slug}/")
    assert response.status_code == 200
    return re.sub(r'nonce="[^"]*"', "", text_of(response)), len(queries)


@pytest.mark.parametrize("name", SERVICE_CALLS)
def test_each_planning_service_refreshes_the_public_answer_after_the_commit(
    name, world, client, django_capture_on_commit_callbacks
):
    operator = world.stop.operator
    call, shows = SERVICE_CALLS[name]
    _public_page(client, operator)
    before, queries = _public_page(client, operator)
    assert queries == 0, "the second answer comes from the cache"
    revision = planning_revision(operator.pk)
    with django_capture_on_commit_callbacks(execute=True):
        call(world)
        assert planning_revision(operator.pk) == revision, "not before the commit"
        assert _public_page(client, operator)[1] == 0
    assert planning_revision(operator.pk) != revision
    after, queries = _public_page(client, operator)
    assert queries > 0, "the public page is built again from the new planning"
    if shows:
        assert after != before


@pytest.mark.parametrize("name", ["stop_cancel", "presence_withdraw", "site_save"])
def test_a_write_that_rolls_back_leaves_the_public_answer_as_it_was(
    name, world, client, django_capture_on_commit_callbacks
):
    operator = world.stop.operator
    revision = planning_revision(operator.pk)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        SERVICE_CALLS[name][0](world)
        raise RuntimeError("the request failed after the service")
    assert callbacks == []
    assert planning_revision(operator.pk) == revision


def test_a_refused_write_leaves_the_revision_alone(world, django_capture_on_commit_callbacks):
    revision = planning_revision(world.stop.operator_id)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValidationError),
    ):
        services.stop_cancel(stop=world.stop, reason="", by=world.coordinator.user)
    assert callbacks == []
    assert planning_revision(world.stop.operator_id) == revision
