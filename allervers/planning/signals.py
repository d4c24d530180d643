"""What the planning tells other apps: a stop was cancelled, moved or restored.

Two ways, for two needs:

- **Hooks, inside the change's transaction** (`stop_change_hooks`). An app whose rows must follow
  the stop (bookings: a cancelled stop's bookings are cancelled, a moved stop's are shifted)
  registers a hook in its `AppConfig.ready()`; the planning calls every hook after saving the
  stop and its history line, with the stop still locked. A hook that raises rolls back the whole
  change: the stop and the other app's rows never disagree. A hook does only database work; its
  messages go with `transaction.on_commit`. The planning never imports the apps that register:

      from allervers.planning.signals import stop_change_hook_register

      class BookingsConfig(AppConfig):
          def ready(self):
              stop_change_hook_register(stop_changes.stop_bookings_follow)

  A hook is called with keyword arguments `stop` (the `Stop`, saved, locked) and `event` (its
  `StopEvent`: `kind`, `at`, `by`, and for a move the `previous_*` slot).

- **`stop_changed`, a Django signal sent once per change, after the commit** (never when it rolls
  back), for readers that only need to know (the tests' listener, a cache):

      from django.dispatch import receiver
      from allervers.planning.signals import stop_changed

      @receiver(stop_changed)
      def heard(sender, *, kind, operator_id, stop_id, previous, at, **kwargs): ...

  Keyword arguments: `kind` (a `StopEventKind`: cancelled, moved, restored), `operator_id`,
  `stop_id`, `previous` (the slot before the change in words, "12/03/2026 de 09:00 à 12:00,
  Place du Regain"; for a cancellation or a restoration, the stop's slot, which does not
  change), `at` (when the change was made). The sender is the `Stop` model. Sent with
  `send_robust`: the change is already saved and cannot be undone, so a receiver that fails
  must neither stop the other receivers (nor the other after-commit work of the request, such
  as the planning's own e-mails) nor turn a done cancellation into an error page. Django logs a
  failing receiver's exception (logger `django.dispatch`).
"""

import datetime
from collections.abc import Callable

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from .enums import StopEventKind
from .models import Stop, StopEvent

stop_changed = Signal()

type StopChangeHook = Callable[..., None]

# The hooks called inside every stop change's transaction, in the order they were registered.
stop_change_hooks: list[StopChangeHook] = []


def stop_change_hook_register(hook: StopChangeHook) -> StopChangeHook:
    """Call `hook(stop=..., event=...)` inside each stop change's transaction (once, even if
    registered again)."""
    if hook not in stop_change_hooks:
        stop_change_hooks.append(hook)
    return hook


def stop_change_hooks_run(stop: Stop, event: StopEvent) -> None:
    """Every registered hook, in the caller's transaction: an exception rolls the change back."""
    for hook in stop_change_hooks:
        hook(stop=stop, event=event)


def stop_changed_on_commit(
    stop: Stop, kind: StopEventKind, previous: str, at: datetime.datetime | None = None
) -> None:
    """Send `stop_changed` for `stop` once the current transaction commits."""
    arguments = {
        "kind": kind,
        "operator_id": stop.operator_id,
        "stop_id": stop.pk,
        "previous": previous,
        "at": at or timezone.now(),
    }
    transaction.on_commit(lambda: stop_changed.send_robust(sender=Stop, **arguments))


# Sent by the rota's writes (`rota_apply`, generation) INSIDE their transaction, with
# `send` (not robust): a receiver that refuses (a ValidationError) undoes the whole change, so
# that nothing the rota promised is half made. Keyword arguments: `operator_id`, `presence_ids`
# (the presences made or kept by the pattern's rota whose line says « reçoit sur rendez-vous »),
# `by` (who applied the rota, or None). The bookings app opens the partner's appointments there
# (`bookings/receivers.py`), with its usual length and desks; the planning never imports it.
rota_presences_with_appointments = Signal()
