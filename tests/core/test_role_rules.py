"""Role rules are asked of one place (core/roles.py `ROLE_RULES`, in the context as `roles`): a
template never compares a role's string."""

import re
from pathlib import Path

import pytest

import allervers
from allervers.core.roles import ROLE_RULES, Role, role_rules

TEMPLATES = sorted(Path(allervers.__file__).parent.rglob("*.html"))
ROLE_NAMES = "|".join(role.value for role in Role)
# `x.role == "agent"`, `role != 'partner'`, `"viewer" == x.role`, `role in "..."`, a `with role=`.
ROLE_STRING_TEST = re.compile(
    rf"""\brole\s*(==|!=|\bin\b|\bnot in\b)|["']({ROLE_NAMES})["']\s*(==|!=)|with\b[^%]*\brole="""
)


def test_the_templates_are_found():
    assert len(TEMPLATES) > 100


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.name))
def test_no_template_compares_a_role_string(template):
    found = [
        f"{template}:{number}: {line.strip()}"
        for number, line in enumerate(template.read_text().splitlines(), start=1)
        if ROLE_STRING_TEST.search(line)
    ]
    assert not found, "ask `roles.<rule>` (core/roles.py, ROLE_RULES) instead:\n" + "\n".join(found)


@pytest.mark.parametrize("role", [*Role, None])
def test_each_rule_answers_its_role_set(role):
    rules = role_rules(role)
    assert rules == {name: role in roles for name, roles in ROLE_RULES.items()}
    assert rules[role.value if role else "coordinator"] is (role is not None)
