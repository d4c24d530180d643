"""The personal-data registry: what each app holds about a person, and how it exports, erases
and sweeps it (pretix's "data shredders" were the model; docs/privacy.md, « The registry »).

An app that holds data about a resident declares one `PersonDataHolder` in its own `privacy.py`
module, registered when that module is imported:

    # allervers/<app>/privacy.py
    from allervers.core.privacy import PersonDataHolder, register

    register(PersonDataHolder(
        app_label="<app>",
        position=40,                      # order of the export's sections and the sweep's lines
        models=("<app>.Thing",),          # the models whose rows it answers for
        export=things_of_person,          # (operator, person) -> {"things": [...]}
        erase=things_of_person_erase,     # (operator_id=, person_id=) -> {"things": n}
        sweep=things_expire,              # (now) -> SweepPart
    ))

The registry finds those modules itself (`privacy` in every installed app, the first time it is
read), so an app joins it without anyone importing it: the person's export, erasure and the
daily `privacy_sweep` (in `reception`) iterate `holders()` and never import the apps.

Which models must be covered (`personal_models`, checked by `tests/core/test_privacy_registry.py`)
is read from `_meta`: a model holds personal data when a field refers to a person (a foreign key
to `reception.Person`, or a bare `person_id`) or is a name or a way to reach someone
(`PERSONAL_FIELD_NAMES`, or any `EmailField`). `NOT_ABOUT_RESIDENTS` lists the models that match
but are about the team or an organisation, with the reason.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models
from django.utils.module_loading import autodiscover_modules

# A field of one of these names is a name or a contact of whoever the row is about.
PERSONAL_FIELD_NAMES = frozenset({"first_name", "last_name", "phone", "email", "person_id"})
# Models that match the rule but hold no resident's data, and why.
NOT_ABOUT_RESIDENTS = {
    "accounts.User": "the team's accounts: their owners manage them (docs/privacy.md, accounts)",
    "operators.Operator": "the structure's own public contact",
    "partners.Partner": "a partner organisation's public contact",
}
PERSON_MODEL = "reception.Person"


@dataclass(frozen=True)
class SweepPart:
    """What one holder's share of the daily sweep did: counts by name, and its French lines."""

    counts: dict[str, int]
    lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PersonDataHolder:
    """One app's declaration of the personal data it holds (see the module's docstring).

    - `export(operator, person)` returns the sections it adds to the person's export;
    - `erase(operator_id=, person_id=)` removes or detaches what points at the person, inside
      the transaction of their anonymisation (the person's row is locked and deleted by the
      reception, after every holder ran); it returns counts by name;
    - `sweep(now)` is its part of the daily run (retention of what it keeps without a person).
    """

    app_label: str
    position: int
    models: tuple[str, ...]
    export: Callable[..., dict] | None = None
    erase: Callable[..., dict[str, int]] | None = None
    sweep: Callable[[datetime.datetime], SweepPart] | None = None


_holders: dict[str, PersonDataHolder] = {}
_discovered = False


def register(holder: PersonDataHolder) -> PersonDataHolder:
    """Add (or replace, on a module's re-import) an app's declaration."""
    _holders[holder.app_label] = holder
    return holder


def holders() -> list[PersonDataHolder]:
    """Every declaration, in their `position` order (imports each app's `privacy` once)."""
    global _discovered
    if not _discovered:
        autodiscover_modules("privacy")
        _discovered = True
    return sorted(_holders.values(), key=lambda holder: holder.position)


def person_export(operator, person) -> dict:
    """Every holder's sections about `person`, in the holders' order."""
    sections: dict = {}
    for holder in holders():
        if holder.export is not None:
            sections |= holder.export(operator, person)
    return sections


def person_erase_everywhere(*, operator_id: int, person_id: int) -> dict[str, int]:
    """Run every holder's erasure for the person (inside the caller's transaction); their counts."""
    counts: dict[str, int] = {}
    for holder in holders():
        if holder.erase is not None:
            counts |= holder.erase(operator_id=operator_id, person_id=person_id)
    return counts


def sweep(now: datetime.datetime) -> list[SweepPart]:
    """Every holder's part of the daily run, in the holders' order."""
    return [holder.sweep(now) for holder in holders() if holder.sweep is not None]


def is_personal(model_field) -> bool:
    """Whether a concrete field names, reaches or points at a person (the module's rule)."""
    if model_field.is_relation:
        related = model_field.related_model
        return related is not None and related._meta.label == PERSON_MODEL
    return model_field.attname in PERSONAL_FIELD_NAMES or isinstance(model_field, models.EmailField)


def personal_models() -> set[str]:
    """The labels of the installed models that hold personal data by the rule, minus
    `NOT_ABOUT_RESIDENTS`."""
    return {
        model._meta.label
        for model in apps.get_models()
        if model._meta.label not in NOT_ABOUT_RESIDENTS
        and any(is_personal(f) for f in model._meta.concrete_fields)
    }


def covered_models() -> set[str]:
    return {label for holder in holders() for label in holder.models}
