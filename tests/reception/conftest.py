import pytest

from allervers.reception.questions import QUESTIONS
from allervers.reception.services.topics import topics_seed_defaults


@pytest.fixture
def topics(operator):
    topics_seed_defaults(operator=operator)
    return {topic.slug: topic for topic in operator.topics.all()}


def visit_answers(**answers: str) -> dict[str, str]:
    """The visit form's closed questions as posted: the form's defaults, then `answers`.

    Built from the registry, so a new question needs no change in the tests that post visits.
    """
    unknown = set(answers) - {question.field for question in QUESTIONS}
    assert not unknown, f"not questions of the visit: {unknown}"
    return {question.field: question.initial for question in QUESTIONS} | answers
