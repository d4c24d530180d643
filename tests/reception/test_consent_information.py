"""The consent screen shows the information text that docs/privacy.md gives to residents."""

import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.html import text_of

pytestmark = pytest.mark.django_db


def test_the_consent_screen_shows_the_residents_information_word_for_word(client, agent):
    doc = (Path(settings.BASE_DIR) / "docs" / "privacy.md").read_text(encoding="utf-8")
    quoted = doc.split("## Information for residents")[1]
    text = " ".join(
        line.removeprefix(">").strip() for line in quoted.splitlines() if line.startswith(">")
    )
    client.force_login(agent)
    page = text_of(client.get(reverse("reception:person_create")))
    shown = re.search(r"<h2 id=\"information-title\">.*?<p>(.*?)</p>", page, re.S).group(1)
    assert " ".join(html.unescape(shown).split()) == text
