import datetime

import pytest
from django.utils import timezone

from allervers.reception.services.topics import topics_seed_defaults
from tests.planning.factories import StopFactory


@pytest.fixture
def topics(operator):
    topics_seed_defaults(operator=operator)
    return {topic.slug: topic for topic in operator.topics.all()}


@pytest.fixture
def today_stop(operator):
    """Today's held stop, running all day so that "now" always falls inside it."""
    return StopFactory(
        operator=operator,
        date=timezone.localdate(),
        start_time=datetime.time(0, 0),
        end_time=datetime.time(23, 59),
        site__name="Place du Regain",
        site__slug="place-du-regain",
    )
