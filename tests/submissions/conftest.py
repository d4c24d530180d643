import re

import pytest

from allervers.reception.services.topics import topics_seed_defaults

TOKEN_INPUT = re.compile(r'<input type="hidden" name="submission_token" value="([^"]+)">')


def token_in(response) -> str:
    """The one-time token the page's form carries (the test fails when it has none)."""
    found = TOKEN_INPUT.findall(response.content.decode())
    assert len(found) == 1, f"expected one submission token in the page, found {found}"
    return found[0]


@pytest.fixture
def seeded_topics(operator):
    topics_seed_defaults(operator=operator)
