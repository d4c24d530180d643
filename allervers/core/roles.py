"""The roles a member holds in a structure, and the role sets that guard views, named once for the
whole site (`operator_view(*ROLES)`, allervers/core/tenancy.py)."""

from django.db import models


class Role(models.TextChoices):
    COORDINATOR = "coordinator", "Coordination"
    AGENT = "agent", "Agent"
    PARTNER = "partner", "Partenaire"
    VIEWER = "viewer", "Financeur / élu (lecture des chiffres)"


ALL_ROLES = frozenset(Role)
# The operator's own staff: they work with named people.
STAFF_ROLES = frozenset({Role.COORDINATOR, Role.AGENT})
# Who reads the planning (stops, presences, rota): everyone but the funders.
PLANNING_READER_ROLES = frozenset({Role.COORDINATOR, Role.AGENT, Role.PARTNER})
# Who declares a partner's presence at a stop.
PRESENCE_WRITER_ROLES = frozenset({Role.COORDINATOR, Role.PARTNER})
# Who reads appointments: the staff, and a partner its own organisation's only.
BOOKING_READER_ROLES = frozenset({Role.COORDINATOR, Role.AGENT, Role.PARTNER})
# Who opens a stop to appointments: the coordinator, and a partner for its own presence.
OPENING_WRITER_ROLES = frozenset({Role.COORDINATOR, Role.PARTNER})
# Who reads the figures (dashboard, report): never a person, so no agent is needed here.
FIGURE_READER_ROLES = frozenset({Role.COORDINATOR, Role.PARTNER, Role.VIEWER})
# Who changes the structure itself: planning rules, settings, team, closing a year.
COORDINATOR_ROLES = frozenset({Role.COORDINATOR})
# Who must log in with a second factor (allervers/accounts/second_factor.py): every role that
# reads a person's name; the funders read figures only (they may still enrol).
SECOND_FACTOR_ROLES = frozenset({Role.COORDINATOR, Role.AGENT, Role.PARTNER})


# What the templates ask of the current member's role (`{% if roles.coordinator %}`, the context
# processor operators.context_processors), so that no template compares a role's string: each rule
# is a role set above, or a single role.
ROLE_RULES: dict[str, frozenset[Role]] = {
    "coordinator": COORDINATOR_ROLES,
    "agent": frozenset({Role.AGENT}),
    "partner": frozenset({Role.PARTNER}),
    "viewer": frozenset({Role.VIEWER}),
    "staff": STAFF_ROLES,
    "planning_reader": PLANNING_READER_ROLES,
    "presence_writer": PRESENCE_WRITER_ROLES,
    "booking_reader": BOOKING_READER_ROLES,
    "opening_writer": OPENING_WRITER_ROLES,
    "figure_reader": FIGURE_READER_ROLES,
    "second_factor": SECOND_FACTOR_ROLES,
}


def role_rules(role: str | None) -> dict[str, bool]:
    """Each rule of `ROLE_RULES`, answered for `role` (every rule false without a role)."""
    return {name: role in roles for name, roles in ROLE_RULES.items()}
