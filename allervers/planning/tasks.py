"""Background work of the planning: telling partners and agents that a stop changed (cancelled,
moved or restored)."""

from django.core.mail import EmailMessage, mailers
from django.tasks import task
from django.template.loader import render_to_string

from allervers.core.roles import Role
from allervers.operators.models import Membership
from allervers.partners.models import email_lines

from .enums import StopEventKind
from .models import RotaLine, Stop


def stop_change_recipients(stop: Stop) -> list[str]:
    """The e-mail addresses concerned by a stop: every contact address of the organisations
    present (and their users), the agents on duty. Sorted, without duplicates or blanks. (Those
    it cannot reach: `queries.partners_without_address`.)"""
    partner_ids = list(stop.presences.values_list("partner_id", flat=True))
    addresses = {
        address
        for text in stop.presences.values_list("partner__notice_emails", flat=True)
        for address in email_lines(text)
    }
    addresses |= set(
        Membership.objects.filter(
            operator_id=stop.operator_id,
            role=Role.PARTNER,
            partner_id__in=partner_ids,
            is_active=True,
        ).values_list("user__email", flat=True)
    )
    addresses |= set(stop.staff_assignments.values_list("user__email", flat=True))
    return sorted(address for address in addresses if address)


@task()
def stop_change_email(stop_id: int, kind: str, previous: str) -> int:
    """One message per recipient (nobody sees the others' addresses); returns how many."""
    stop = Stop.objects.select_related("site", "operator").get(pk=stop_id)
    context = {
        "stop": stop,
        "previous": previous,
        "cancelled": kind == StopEventKind.CANCELLED,
        "restored": kind == StopEventKind.RESTORED,
    }
    # One line: a header cannot hold a line break (a site name might).
    subject = " ".join(render_to_string("planning/email/stop_change_subject.txt", context).split())
    body = render_to_string("planning/email/stop_change_body.txt", context)
    messages = [
        EmailMessage(subject=subject, body=body, to=[address])
        for address in stop_change_recipients(stop)
    ]
    if not messages:
        return 0
    return mailers.default.send_messages(messages) or 0


@task()
def rota_declared_email(line_id: int) -> int:
    """Tell the structure's coordinators that a partner declared its weekly presence on a
    pattern (to accept, or applied already); one message each. Returns how many."""
    line = (
        RotaLine.objects.select_related("partner", "pattern__site", "declared_by")
        .filter(pk=line_id)
        .first()
    )
    if line is None:  # withdrawn before the task ran
        return 0
    pattern = line.pattern
    subject = f"{line.partner.name} déclare venir chaque {pattern.get_weekday_display()}"
    body = render_to_string("planning/email/rota_declared_body.txt", {"line": line})
    addresses = sorted(
        set(
            Membership.objects.filter(
                operator_id=line.operator_id, role=Role.COORDINATOR, is_active=True
            ).values_list("user__email", flat=True)
        )
    )
    messages = [EmailMessage(subject=subject, body=body, to=[a]) for a in addresses if a]
    if not messages:
        return 0
    return mailers.default.send_messages(messages) or 0
