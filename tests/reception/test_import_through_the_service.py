"""The import records its visits through the visit's one service (`visits_record`, the same
rules as the form's `visit_record`), in one transaction and a bounded number of queries
(issue 25, point 4)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from allervers.reception.importing import ImportRefused
from allervers.reception.models import Visit, VisitChange
from allervers.reception.services import visits as visit_services
from allervers.reception.services.checks import refuse
from allervers.reception.services.imports import visits_import
from tests.planning.factories import SiteFactory, StopFactory
from tests.reception.test_import_export import _csv, _line

pytestmark = pytest.mark.django_db


@pytest.fixture
def stops(operator):
    site = SiteFactory(operator=operator, name="Place du Regain", slug="place-du-regain")
    first = datetime.date(2025, 3, 3)
    return [
        StopFactory(operator=operator, site=site, date=first + datetime.timedelta(weeks=week))
        for week in range(4)
    ]


def _file(stops, count: int, **on_line_3) -> bytes:
    return _csv(
        [
            _line(stops[index % len(stops)], index, **(on_line_3 if index == 1 else {}))
            for index in range(count)
        ]
    )


def test_a_rule_added_to_the_visit_s_checks_applies_to_imported_lines(
    monkeypatch, operator, agent, topics, stops
):
    checked = visit_services._check_answers

    def with_a_new_rule(answers: dict) -> None:
        checked(answers)
        if answers.get("note") == "interdit":
            refuse("Une règle nouvelle de la visite refuse cette note.", "new_rule")

    monkeypatch.setattr(visit_services, "_check_answers", with_a_new_rule)
    content = _file(stops, 5, note="interdit")
    with pytest.raises(ImportRefused) as refused:
        visits_import(operator=operator, user=agent, name="v.csv", content=content)
    assert refused.value.report.line_errors == [
        (3, "Une règle nouvelle de la visite refuse cette note.")
    ]
    assert not Visit.objects.filter(operator=operator).exists()
    assert not VisitChange.objects.filter(operator=operator).exists()


def test_the_import_calls_the_visit_service_once_for_the_whole_file(
    monkeypatch, operator, agent, topics, stops
):
    calls = []
    record = visit_services.visits_record

    def counted(**arguments):
        calls.append(len(arguments["visits"]))
        return record(**arguments)

    monkeypatch.setattr("allervers.reception.services.imports.visits_record", counted)
    assert visits_import(operator=operator, user=agent, name="v.csv", content=_file(stops, 7)) == 7
    assert calls == [7]


def test_the_import_s_queries_do_not_grow_with_its_lines(operator, agent, topics, stops):
    def queries(count: int, name: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            visits_import(operator=operator, user=agent, name=name, content=_file(stops, count))
        return len(captured)

    few = queries(8, "a.csv")
    Visit.objects.filter(operator=operator).delete()
    many = queries(80, "b.csv")
    assert Visit.objects.filter(operator=operator).count() == 80
    # bulk_create batches by the database's limit: a few more for ten times the lines, at most.
    assert many <= few + 4, (few, many)
