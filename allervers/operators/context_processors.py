from allervers.core.roles import role_rules
from allervers.core.tenancy import current_membership


def current_membership_context(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    membership = current_membership(request)
    return {
        "current_membership": membership,
        "current_operator": membership.operator if membership else None,
        # What the member's role allows (`{% if roles.coordinator %}`): templates ask it, never
        # compare a role's string.
        "roles": role_rules(membership.role if membership else None),
        "user_memberships": getattr(request, "_allervers_memberships", []),
        "pending_invitations": getattr(request, "_allervers_invitations", []),
    }
