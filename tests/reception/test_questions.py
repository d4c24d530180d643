"""The registry of the visit's questions (reception/questions.py) reaches every place.

Each entry must have its model field, its form field, its import column, its export column, its
indicator (a breakdown in the report, a table, a sheet of details and a definition), and the
export of every answer must read back through the import to the same answer.
"""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from allervers.reception import exporting, importing
from allervers.reception.forms import VisitForm
from allervers.reception.models import Visit
from allervers.reception.questions import QUESTIONS, SECTIONS
from allervers.reporting.definitions import INDICATORS
from allervers.reporting.periods import Period
from allervers.reporting.presentation.details import detail_tables
from allervers.reporting.presentation.summary import report_tables
from allervers.reporting.presentation.values import Formatter
from allervers.reporting.queries import Scope, report_compute
from tests.conftest import refused_by
from tests.html import text_of
from tests.planning.factories import StopFactory
from tests.reception.factories import VisitFactory

pytestmark = pytest.mark.django_db

QUESTION_IDS = [question.field for question in QUESTIONS]


def test_the_registry_names_each_field_column_and_report_key_once():
    for attribute in ("field", "column", "report_key", "caption", "sheet"):
        values = [getattr(question, attribute) for question in QUESTIONS]
        assert len(values) == len(set(values)), attribute
    assert {question.section for question in QUESTIONS} <= set(SECTIONS)


@pytest.mark.parametrize("question", QUESTIONS, ids=QUESTION_IDS)
def test_each_question_is_a_visit_field_with_its_closed_list(question):
    field = Visit._meta.get_field(question.field)
    assert list(field.choices) == list(question.choices.choices)
    assert "unknown" in question.choices.values  # « non renseigné » is an explicit answer
    assert question.initial in question.choices.values
    assert {value for value, _share in question.demo_shares} <= set(question.choices.values)
    assert field.default == question.initial
    names = {constraint.name for constraint in Visit._meta.constraints}
    assert f"visit_{question.report_key}_known_value" in names


@pytest.mark.parametrize("question", QUESTIONS, ids=QUESTION_IDS)
def test_the_database_refuses_an_answer_outside_the_list(question, operator):
    visit = VisitFactory(operator=operator)
    with refused_by(f"visit_{question.report_key}_known_value"):
        Visit.objects.filter(pk=visit.pk).update(**{question.field: "hors-liste"})


@pytest.mark.parametrize("question", QUESTIONS, ids=QUESTION_IDS)
def test_each_question_is_in_the_form(question, operator):
    form = VisitForm(operator=operator, now=timezone.now())
    field = form.fields[question.field]
    assert {value for value, _label in field.choices} == set(question.choices.values)
    assert field.initial == question.initial
    shown = [bound.name for section in form.questions.values() for bound in section]
    assert question.field in shown  # the template renders the form's `questions`


@pytest.mark.parametrize("question", QUESTIONS, ids=QUESTION_IDS)
def test_each_question_has_its_import_and_export_column(question):
    assert question.column in importing.COLUMN_NAMES
    assert question.column in exporting.EXPORT_COLUMNS


@pytest.mark.parametrize("question", QUESTIONS, ids=QUESTION_IDS)
def test_each_question_has_its_indicator_tables_and_definition(question, operator):
    today = timezone.localdate()
    report = report_compute(Scope(operator.pk, Period.year(today.year), today))
    key = question.report_key
    answers = report["breakdowns"][key]
    assert [value for value, _label, _count in answers] == list(question.choices.values)
    assert INDICATORS[key].definition == question.definition
    if question.share is not None:
        assert question.share.key in INDICATORS
        assert question.share.part in report["visits"]
        assert question.share.known in report["visits"]
    fmt = Formatter("full")
    captions = {table.caption for table in report_tables(report, fmt)}
    assert question.caption in captions
    sheets = {table.sheet_title for table in detail_tables(report, fmt)}
    assert f"{question.sheet} par lieu"[:31] in sheets


def test_every_answer_of_every_question_reads_back_from_the_export(operator):
    """Visits covering every answer of every question, exported then checked by the import."""
    stop = StopFactory(operator=operator, date=timezone.localdate() - datetime.timedelta(days=7))
    count = max(len(question.choices.values) for question in QUESTIONS)
    visits = [
        VisitFactory(
            operator=operator,
            stop=stop,
            arrived_at=timezone.make_aware(
                datetime.datetime.combine(stop.date, stop.start_time)
                + datetime.timedelta(minutes=index)
            ),
            **{
                question.field: question.choices.values[index % len(question.choices.values)]
                for question in QUESTIONS
            },
        )
        for index in range(count)
    ]
    stream = io.StringIO()
    exporting.visits_write_csv(stream, operator=operator)
    report = importing.visits_check(
        operator=operator, name="export.csv", content=stream.getvalue().encode("utf-8")
    )
    # Read back whole: every line is understood, and known as a visit already recorded.
    assert not report.line_errors, report.line_errors
    assert len(report.duplicates) == count and not report.rows
    for visit, row in zip(visits, report.duplicates, strict=True):
        for question in QUESTIONS:
            assert row.answers[question.field] == getattr(visit, question.field), question.field


@pytest.mark.parametrize("question", QUESTIONS, ids=QUESTION_IDS)
def test_each_answer_shows_on_the_visits_page(question, client, agent, operator):
    value = next(v for v in question.choices.values if v != question.initial)
    visit = VisitFactory(operator=operator, **{question.field: value})
    client.force_login(agent)
    page = text_of(client.get(reverse("reception:visit_detail", kwargs={"visit_id": visit.pk})))
    assert f"<dt>{question.label}</dt><dd>{question.choices(value).label}</dd>" in page
