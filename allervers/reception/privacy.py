"""What the reception holds about a person, declared to the personal-data registry
(`core/privacy.py`, docs/privacy.md « The registry »): the person's record and consents, her
visits and, through them, their history, referrals and the referrals' steps, and the requests
to erase her. Exported first (`person_export.reception_sections`), detached when she is erased
(`services.privacy.person_visits_detach`; her row goes after every holder ran), and the
retention rule anonymises the people without contact (`services.privacy.retention_sweep`)."""

from allervers.core.privacy import PersonDataHolder, register

from .person_export import reception_sections
from .services.privacy import person_visits_detach, retention_sweep_everywhere

HOLDER = register(
    PersonDataHolder(
        app_label="reception",
        position=10,
        models=(
            "reception.Person",
            "reception.PersonConsent",
            "reception.Visit",
            "reception.VisitChange",
            "reception.Referral",
            "reception.ReferralEvent",
            "reception.ErasureRequest",
        ),
        export=reception_sections,
        erase=person_visits_detach,
        sweep=retention_sweep_everywhere,
    )
)
