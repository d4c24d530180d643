"""What the access log holds about a person, declared to the personal-data registry
(`core/privacy.py`, docs/privacy.md « The registry »): its entries name a person only by her
record's id (`person_id`, never a value). They are listed in her export; an erasure keeps them
(the journal is append-only: the id identifies nobody once the record is gone); the daily sweep
removes those older than `ALLERVERS_ACCESS_LOG_MONTHS` months (`services.purge`)."""

import datetime

from django.conf import settings
from django.utils import timezone

from allervers.core.french import plural
from allervers.core.privacy import PersonDataHolder, SweepPart, register

from .models import AccessLogEntry
from .services import purge


def _export(operator, person) -> dict:
    log = AccessLogEntry.objects.for_operator(operator).about_person(person.pk).order_by("at", "pk")
    return {
        "access_log": [
            {
                "at": timezone.localtime(entry.at),
                "account": entry.user_email or "traitement automatique",
                "action": entry.get_action_display(),
            }
            for entry in log
        ]
    }


def _sweep(now: datetime.datetime) -> SweepPart:
    count = purge(now)
    removed = f"{count} {plural(count, 'entrée supprimée', 'entrées supprimées')}"
    months = settings.ALLERVERS_ACCESS_LOG_MONTHS
    return SweepPart(
        counts={"log_entries_removed": count},
        lines=[f"Journal des accès : {removed} (plus de {months} mois)."],
    )


HOLDER = register(
    PersonDataHolder(
        app_label="accesslog",
        # Last: its export closes the document, its sweep runs after the others logged theirs.
        position=90,
        models=("accesslog.AccessLogEntry",),
        export=_export,
        sweep=_sweep,
    )
)
