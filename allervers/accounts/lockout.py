"""The limits of the login, the second-factor step and the password reset.

The bus is one address: every tablet and phone of the team goes out through the same 4G router.
So failures lock the *account* — django-axes counts the failed logins per typed e-mail address
(`AXES_LOCKOUT_PARAMETERS`), this module the wrong codes per account — and an address is only
counted as a coarse flood guard (`ALLERVERS_ADDRESS_FAILURE_LIMIT` failed logins and codes from
one address within `ALLERVERS_ADDRESS_FAILURE_MINUTES`), far above what a team types. A locked
account unlocks itself through the e-mailed reset link (`account_unlock`): the reset form
answers while the account is locked, so a stranger who knows the address cannot keep its owner
out. The counts are atomic database counters (`counters.py`), shared by every worker process."""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from axes.utils import reset as axes_reset
from django.conf import settings

from allervers.core.client_address import client_network

from .counters import counter_delete, counter_increment, counter_value
from .models import UserManager

ADDRESS_FAILURES_KEY = "allervers:failures:address:{network}"
RESET_CLIENT_KEY = "allervers:password-reset:address:{network}"
RESET_EMAIL_KEY = "allervers:password-reset:email:{email}"
RESET_EMAIL_SECONDS = 60 * 60
SECOND_FACTOR_KEY = "allervers:second-factor:user:{user}"


def typed_email(request, credentials: dict | None) -> str:
    """The address as the login compares it (trimmed, lower-case): « A@x.fr » and « a@x.fr » are
    one account, so they share one failure count."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials and credentials.get(field) is not None:
        typed = credentials[field]
    else:
        typed = request.POST.get(field, "")
    return UserManager.normalize_email(typed)


# The flood guard ---------------------------------------------------------------------------------


def _address_key(request) -> str:
    return ADDRESS_FAILURES_KEY.format(network=client_network(request))


def address_failed(request) -> None:
    """Count one failed login or wrong code from the client's address."""
    counter_increment(
        _address_key(request), seconds=settings.ALLERVERS_ADDRESS_FAILURE_MINUTES * 60
    )


def address_flooded(request) -> bool:
    """Whether the client's address is past the flood guard's limit."""
    return counter_value(_address_key(request)) >= settings.ALLERVERS_ADDRESS_FAILURE_LIMIT


class LockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler (failed logins per account, `AXES_LOCKOUT_PARAMETERS`), with
    the address's flood guard: a flooded address is refused as a locked account is, and every
    failed login counts for its address."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        return address_flooded(request) or super().is_locked(request, credentials)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if request is None:
            return super().user_login_failed(sender, credentials, request, **kwargs)
        flooded = address_flooded(request)  # then the backend refused, whatever the password
        address_failed(request)
        if flooded and not super().is_locked(request, credentials):
            # Refused for the address's flood only: not a failure of the account.
            request.axes_locked_out = True
            return None
        super().user_login_failed(sender, credentials, request, **kwargs)
        if address_flooded(request):
            request.axes_locked_out = True
        return None


# The password reset ------------------------------------------------------------------------------


def password_reset_allowed(request) -> bool:
    """Count one password-reset request from the client's address; False past
    `ALLERVERS_PASSWORD_RESET_LIMIT` requests within the cool-off period."""
    key = RESET_CLIENT_KEY.format(network=client_network(request))
    seconds = int(get_cool_off(request).total_seconds())
    return counter_increment(key, seconds=seconds) <= settings.ALLERVERS_PASSWORD_RESET_LIMIT


def reset_email_allowed(email: str) -> bool:
    """Count one reset e-mail asked for `email` (known or not); False past
    `ALLERVERS_PASSWORD_RESET_PER_EMAIL_LIMIT` within an hour."""
    key = RESET_EMAIL_KEY.format(email=UserManager.normalize_email(email))
    count = counter_increment(key, seconds=RESET_EMAIL_SECONDS)
    return count <= settings.ALLERVERS_PASSWORD_RESET_PER_EMAIL_LIMIT


def account_unlock(user) -> None:
    """Lift the account's lockout and its wrong-code count: its owner has just chosen a new
    password through the link e-mailed to its address."""
    axes_reset(username=UserManager.normalize_email(user.email))
    counter_delete(SECOND_FACTOR_KEY.format(user=user.pk))


# The second-factor step --------------------------------------------------------------------------
# Wrong codes are counted per account (and for the address's flood guard), with the login's limit
# and cool-off (AXES_FAILURE_LIMIT, AXES_COOLOFF_TIME). A right password does not reset the
# account's count (it would give anyone holding the password endless tries at the code); a right
# code does.


def _second_factor_key(request) -> str:
    return SECOND_FACTOR_KEY.format(user=request.user.pk)


def second_factor_locked(request) -> bool:
    """Whether the code step is locked for this account, or for the client's address."""
    return counter_value(
        _second_factor_key(request)
    ) >= settings.AXES_FAILURE_LIMIT or address_flooded(request)


def second_factor_failed(request) -> None:
    """Count one wrong code (or one attempt during the lockout, which starts the cool-off
    again, as for the login)."""
    seconds = int(get_cool_off(request).total_seconds())
    counter_increment(_second_factor_key(request), seconds=seconds, restart=True)
    address_failed(request)


def second_factor_passed(request) -> None:
    counter_delete(_second_factor_key(request))
