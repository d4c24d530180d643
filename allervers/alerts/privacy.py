"""What « Prévenez-moi » holds about a resident, declared to the personal-data registry
(`core/privacy.py`, docs/privacy.md « The registry »): a subscription's mobile number or e-mail
address. It is tied to no `Person` (nobody is named), so a person's export and erasure have
nothing of it to show or detach; the number goes at once when its owner unsubscribes, and its
retention runs every 15 minutes with the alerts themselves (`manage.py send_alerts`: never
confirmed a day after, deleted; unused 12 months, a last message then deleted —
`queueing.py`), not in the daily sweep."""

from allervers.core.privacy import PersonDataHolder, register

HOLDER = register(
    PersonDataHolder(
        app_label="alerts",
        position=50,
        models=("alerts.Subscription",),
    )
)
