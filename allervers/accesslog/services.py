"""Writing and purging the access log (the only two ways entries come and go).

    from allervers.accesslog.enums import Action
    from allervers.accesslog.services import record

    record(request, Action.PERSON_VIEWED, person)            # the person a page shows
    record(request, Action.EXPORT_DOWNLOADED, detail="visites 2026 (CSV)")
    record(None, Action.PERSON_ANONYMISED, operator=op, target_type="person", target_id=7,
           person_id=7)                                      # a task: no request, no user

`target` may be any model instance: its kind and id are kept, and when it is a `Person` (or
carries `person_id`, like a visit, or a visit, like a referral) the person it is about too.
Never pass a value read or typed (a name, an answer) in `detail`.

A change is journaled by the service that makes it, in its own transaction (like pretix's
`log_action`): the service takes the `request` it acts for and ends with

    journal(request, Action.VISIT_CREATED, visit)   # nothing without a request

(`reception/services/visits.py`). A read (a page showing a person) is recorded by its view
(`reads.py`; docs/privacy.md, « One audit style »).
"""

import datetime
import ipaddress

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from allervers.core.client_address import client_ip
from allervers.core.dates import months_before

from .chain import chain_append, chain_extend, checkpoint_write
from .enums import Action
from .models import AccessLogEntry

# Set for the purge's transaction only; the PostgreSQL trigger refuses UPDATE and DELETE without it.
PURGE_SETTING = "allervers.accesslog_purge"


def record(
    request,
    action: Action,
    target=None,
    *,
    operator=None,
    user=None,
    target_type: str = "",
    target_id: int | None = None,
    person_id: int | None = None,
    detail: str = "",
) -> AccessLogEntry:
    """Write one entry. The operator, the user and the IP come from the request when there is one
    (`request.operator`, `request.user`); a background task passes `operator=` (and no request)."""
    return chain_append(
        _entry(
            request,
            action,
            target,
            operator=operator,
            user=user,
            target_type=target_type,
            target_id=target_id,
            person_id=person_id,
            detail=detail,
        )
    )


def journal(request, action: Action, target=None, *, detail: str = "") -> AccessLogEntry | None:
    """A service's entry for the change it just made (call it inside the service's transaction),
    for the `request` it acts for; none without one (the demo, a test, or a service that another
    composes and that logs the whole)."""
    if request is None:
        return None
    return record(request, action, target, detail=detail)


def record_each(request, action: Action, targets, *, detail: str = "") -> list[AccessLogEntry]:
    """One entry per object of `targets` (a list page: the people it shows), written together:
    the same few queries whatever their number."""
    entries = [_entry(request, action, target, detail=detail) for target in targets]
    return chain_extend(entries) if entries else []


def _entry(
    request,
    action: Action,
    target=None,
    *,
    operator=None,
    user=None,
    target_type: str = "",
    target_id: int | None = None,
    person_id: int | None = None,
    detail: str = "",
) -> AccessLogEntry:
    if request is not None:
        operator = operator or getattr(request, "operator", None)
        if user is None and getattr(request, "user", None) is not None:
            user = request.user if request.user.is_authenticated else None
    if operator is None and target is not None:
        operator = getattr(target, "operator", None)
    if operator is None:
        raise ValueError("An access-log entry needs its operator.")
    if target is not None:
        target_type = target_type or target._meta.model_name
        target_id = target_id if target_id is not None else target.pk
        if person_id is None:
            person_id = _person_of(target)
    return AccessLogEntry(
        operator=operator,
        at=timezone.now(),
        user=user,
        user_email=user.email if user is not None else "",
        action=action,
        target_type=target_type,
        target_id=target_id,
        person_id=person_id,
        ip=_address(client_ip(request)) if request is not None else None,
        detail=detail[:200],
    )


def _address(ip: str) -> str | None:
    """The address as the database gives it back (`::1`, not `0:0::1`): the chain's digest is
    computed before the row is saved and checked after it is read."""
    try:
        return ipaddress.ip_address(ip).compressed if ip else None
    except ValueError:
        return None


def _person_of(target) -> int | None:
    """The person an object is about: itself, its `person`, or its visit's person (a referral)."""
    if target._meta.model_name == "person":
        return target.pk
    if hasattr(target, "person_id"):
        return target.person_id
    if getattr(target, "visit_id", None) is not None:
        return target.visit.person_id
    return None


def membership_action(membership, *, is_active: bool) -> Action:
    """What a change of a member's rights is: an access withdrawn, or another change."""
    return (
        Action.MEMBERSHIP_ENDED
        if membership.is_active and not is_active
        else Action.MEMBERSHIP_CHANGED
    )


def membership_detail(membership) -> str:
    """A membership entry's detail: the role (and access) after the change, never a name."""
    state = "" if membership.is_active else ", accès retiré"
    return f"rôle : {membership.get_role_display().lower()}{state}"


def retention_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    """Entries written before this instant are due for removal."""
    return months_before(now or timezone.now(), settings.ALLERVERS_ACCESS_LOG_MONTHS)


def purge(now: datetime.datetime | None = None) -> int:
    """Remove the entries older than `ALLERVERS_ACCESS_LOG_MONTHS` months, for every structure;
    for each structure that lost entries, a signed checkpoint (where its chain now starts) and
    one LOG_PURGED entry. Returns the number removed.

    A structure's chain loses a beginning, never a middle: the entries removed are those up to
    the last one written before the cutoff (`chain.py`)."""
    cutoff = retention_cutoff(now)
    removed = 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'on', true)", [PURGE_SETTING])
        old = AccessLogEntry.objects.filter(at__lt=cutoff)
        for operator_id in old.values_list("operator_id", flat=True).distinct().order_by():
            last = old.filter(operator_id=operator_id).order_by("-pk").first()
            count, _ = AccessLogEntry.objects.filter(
                operator_id=operator_id, pk__lte=last.pk
            ).delete()
            checkpoint_write(
                operator_id=operator_id, last_removed=last, removed=count, at=timezone.now()
            )
            chain_append(
                AccessLogEntry(
                    operator_id=operator_id,
                    at=timezone.now(),
                    action=Action.LOG_PURGED,
                    detail=_purged_detail(count, timezone.localdate(cutoff)),
                )
            )
            removed += count
    return removed


def _purged_detail(count: int, cutoff: datetime.date) -> str:
    plural = "s" if count > 1 else ""
    return f"{count} entrée{plural} antérieure{plural} au {cutoff:%d/%m/%Y}"


def period_text(start: datetime.date | None, end: datetime.date | None) -> str:
    """A period for an entry's detail: « du 01/01/2026 au 31/03/2026 », « toutes dates »."""
    if not start and not end:
        return "toutes dates"
    since = f"du {start:%d/%m/%Y}" if start else "depuis le début"
    until = f"au {end:%d/%m/%Y}" if end else "à ce jour"
    return f"{since} {until}"
