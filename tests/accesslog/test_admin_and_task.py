"""Team changes made by the platform's staff in the admin are logged; the purge task purges."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from allervers.accesslog.enums import Action
from allervers.accesslog.models import AccessLogEntry
from allervers.accesslog.services import record
from allervers.accesslog.tasks import access_log_purge
from allervers.core.roles import Role
from allervers.operators.models import Membership

pytestmark = pytest.mark.django_db


def _form_data(form) -> dict:
    """What a browser would send back for `form` unchanged."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[form.add_prefix(name)] = "on" if value is True else value
    return data


def test_a_membership_changed_in_the_admin_is_logged(client, operator, make_member):
    agent = make_member(operator, Role.AGENT)
    membership = Membership.objects.get(user=agent)
    staff = get_user_model().objects.create_superuser("plateforme@example.org", password="x")
    client.force_login(staff)
    url = reverse("admin:operators_operator_change", args=[operator.pk])
    page = client.get(url)
    data = _form_data(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_form_data(formset.management_form))
        for form in formset.forms:
            data.update(_form_data(form))
            if form.instance.pk == membership.pk:
                data.pop(form.add_prefix("is_active"), None)  # access withdrawn
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    membership.refresh_from_db()
    assert membership.is_active is False
    entry = AccessLogEntry.objects.for_operator(operator).get()
    assert (entry.action, entry.target_id, entry.user_id, entry.detail) == (
        Action.MEMBERSHIP_ENDED,
        membership.pk,
        staff.pk,
        "rôle : agent, accès retiré",
    )


def test_the_purge_task_removes_old_entries(clock, operator):
    record(None, Action.PERSON_VIEWED, operator=operator)
    clock.shift(datetime.timedelta(days=370))
    result = access_log_purge.enqueue()
    assert result.return_value >= 1  # all structures: other tests' entries may be due too
    remaining = AccessLogEntry.objects.for_operator(operator)
    assert list(remaining.values_list("action", flat=True)) == [Action.LOG_PURGED]
