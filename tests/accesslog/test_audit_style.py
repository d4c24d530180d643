"""One audit style (issue 25, point 4; docs/privacy.md « Access log »): a change is journaled
by the service that makes it (`accesslog.services.journal`, for the request it acts for); a view
writes only the entries of its reads. Read from the views' source, so a new view that wraps a
service in `logged()` or records a change itself fails here."""

import ast
from pathlib import Path

from django.conf import settings

# What a view may journal: what it shows or hands over (a read changes nothing).
READ_ACTIONS = {"PERSON_VIEWED", "PERSON_EXPORTED", "EXPORT_DOWNLOADED"}
# The change entries views still write, each with its reason (docs/privacy.md).
LEFT_IN_VIEWS = {
    # A refused reset: the service's refusal rolls its transaction back, entry included.
    ("operators/views.py", "record", "SECOND_FACTOR_RESET"),
}
WRITERS = {"record", "record_each", "journal"}


def _view_modules() -> list[Path]:
    root = Path(settings.BASE_DIR) / "allervers"
    return sorted(
        path
        for path in root.rglob("*.py")
        if path.name == "views.py" or path.name.endswith("_views.py") or path.parent.name == "views"
    )


def _journal_writes(path: Path):
    """(function called, action) of every access-log write in the module."""
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in WRITERS or len(node.args) < 2:
            continue
        action = node.args[1]
        yield name, action.attr if isinstance(action, ast.Attribute) else ast.unparse(action)


def test_views_journal_only_their_reads():
    root = Path(settings.BASE_DIR) / "allervers"
    found = set()
    for path in _view_modules():
        module = str(path.relative_to(root))
        for name, action in _journal_writes(path):
            if name in ("record", "record_each") and action in READ_ACTIONS:
                continue
            found.add((module, name, action))
    assert found <= LEFT_IN_VIEWS, (
        f"views journaling a change: {sorted(found - LEFT_IN_VIEWS)}. Pass `request=` to the "
        "service and let it call `journal(request, ...)` inside its transaction."
    )


def test_the_list_of_exceptions_is_not_stale():
    root = Path(settings.BASE_DIR) / "allervers"
    found = {
        (str(path.relative_to(root)), name, action)
        for path in _view_modules()
        for name, action in _journal_writes(path)
    }
    assert found >= LEFT_IN_VIEWS, sorted(LEFT_IN_VIEWS - found)
