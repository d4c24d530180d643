"""`{% submission_token %}`: the one-time token of a create form (see `submissions/tokens.py`)."""

from django import template
from django.utils.html import format_html

from ..tokens import FIELD, is_protected, new_token

register = template.Library()


@register.simple_tag(takes_context=True)
def submission_token(context) -> str:
    """A hidden input holding a fresh token, on the pages of a view declared `@once_per_token`
    (nothing elsewhere: a template shared with an edit form can hold the tag)."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is None or not is_protected(match.func):
        return ""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_token())
