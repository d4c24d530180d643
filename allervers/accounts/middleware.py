"""Session guards: the session limits (idle, absolute) and the second factor."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from .second_factor import second_factor_missing, second_factor_step
from .sessions import LOGGED_IN_AT, SEEN_AT, mark_login

# The last activity is written at most this often: not one session write per request.
SEEN_RESOLUTION_SECONDS = 60

IDLE_MESSAGE = (
    "Votre session a expiré après une période d'inactivité. Reconnectez-vous pour continuer."
)
MAX_MESSAGE = "Votre session a atteint sa durée maximale. Reconnectez-vous pour continuer."


class SessionLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            expired = self._expired(request.session)
            if expired:
                # This session only (the person's other browsers keep theirs).
                request.session.flush()
                request.user = AnonymousUser()
                messages.info(request, expired)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)

    @staticmethod
    def _expired(session) -> str | None:
        now = time.time()
        logged_in_at = session.get(LOGGED_IN_AT)
        seen_at = session.get(SEEN_AT)
        if logged_in_at is None or seen_at is None:
            mark_login(session)  # a session opened before this middleware existed
            return None
        if now - logged_in_at > settings.ALLERVERS_SESSION_MAX_HOURS * 3600:
            return MAX_MESSAGE
        if now - seen_at > settings.ALLERVERS_SESSION_IDLE_MINUTES * 60:
            return IDLE_MESSAGE
        if now - seen_at > SEEN_RESOLUTION_SECONDS:
            session[SEEN_AT] = now
        return None


# Set on a view (`second_factor_not_required`) that a logged-in person may reach before giving
# the second factor: the code step, enrolment, logout.
SECOND_FACTOR_EXEMPT = "second_factor_not_required"


def second_factor_not_required(view):
    setattr(view, SECOND_FACTOR_EXEMPT, True)
    return view


class SecondFactorMiddleware:
    """The one guard of the second factor: a logged-in person who needs one and has not given it
    in this session reaches nothing but the login steps, logout and the public pages (views open
    to anonymous visitors); every other address — the back office, the platform admin, the
    account pages — sends them to the code step (or to enrolment, without a device yet)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "login_required", True) is False:
            return None  # open to anonymous visitors anyway (login, public pages)
        if getattr(view_func, SECOND_FACTOR_EXEMPT, False):
            return None
        if not second_factor_missing(request.user):
            return None
        step = reverse(second_factor_step(request.user))
        return redirect_to_login(request.get_full_path(), login_url=step)
