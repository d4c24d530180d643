import pytest

from allervers.reception.services.topics import topics_seed_defaults


@pytest.fixture
def topics(operator):
    topics_seed_defaults(operator=operator)
    return {topic.slug: topic for topic in operator.topics.all()}
