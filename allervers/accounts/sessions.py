"""A user's sessions: when they started, when they were last used, and ending all of them.

Sessions live in the database (Django's default engine), so every session of a user can be found
and deleted, from any worker process."""

import time

from django.contrib.auth import SESSION_KEY
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.contrib.sessions.models import Session
from django.dispatch import receiver
from django.utils import timezone

LOGGED_IN_AT = "allervers_logged_in_at"
SEEN_AT = "allervers_seen_at"


def mark_login(session) -> None:
    now = time.time()
    session[LOGGED_IN_AT] = now
    session[SEEN_AT] = now


def end_all_sessions(user) -> int:
    """Delete every live session of `user`; the number deleted."""
    user_key = str(user.pk)
    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get(SESSION_KEY) == user_key
    ]
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


@receiver(user_logged_in, dispatch_uid="allervers_session_login_time")
def _remember_login_time(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        mark_login(request.session)


@receiver(user_logged_out, dispatch_uid="allervers_end_sessions_on_logout")
def _end_sessions_on_logout(sender, request, user, **kwargs):
    """Logging out in one browser logs out every browser of that person."""
    if user is not None:
        end_all_sessions(user)
