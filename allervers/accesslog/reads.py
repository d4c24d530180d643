"""The registry of the pages and downloads that show a person (a name or contact details): each
app declares its views with `@shows_person`, under `operator_view`, and each of them writes an
access-log entry for every person it shows (`record`, or `record_people` for a list):

    @operator_view(*STAFF_ROLES)
    @shows_person
    def person_detail(request, person_id): ...

`tests/accesslog/test_person_reads.py` renders every back-office page, as every role, for a
structure whose people carry a marker in their names: a page showing the marker must be declared
here and must have written an entry in that request."""

from collections.abc import Callable, Iterable

from .enums import Action
from .services import record_each

PERSON_READS: set[str] = set()


def _key(view: Callable) -> str:
    while hasattr(view, "__wrapped__"):
        view = view.__wrapped__
    return f"{view.__module__}.{view.__qualname__}"


def shows_person[V: Callable](view: V) -> V:
    """Declare `view` as showing a person's name or contacts."""
    PERSON_READS.add(_key(view))
    return view


def is_person_read(view: Callable) -> bool:
    """Whether `view` (or the view it wraps) is declared with `shows_person`."""
    return _key(view) in PERSON_READS


def record_people(request, shown: Iterable, *, detail: str) -> None:
    """One PERSON_VIEWED entry per person a list shows: `shown` are people, or objects naming
    one (a booking); a person shown twice is logged once, a booking without a person's record is
    logged as itself (it shows a contact). The same few queries whatever the number."""
    seen, targets = set(), []
    for target in shown:
        person_id = target.pk if target._meta.model_name == "person" else target.person_id
        if person_id is not None:
            if person_id in seen:
                continue
            seen.add(person_id)
        targets.append(target)
    record_each(request, Action.PERSON_VIEWED, targets, detail=detail)
