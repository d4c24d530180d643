"""The token mechanism itself (`allervers/submissions/tokens.py`), on a view of the test's own
and on the visit form: races, tokens in progress, failures, other users, bad tokens, expiry."""

import datetime
import threading

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError, connection
from django.http import HttpResponse, HttpResponseRedirect
from django.test import RequestFactory
from django.urls import reverse

from allervers.reception.models import Visit
from allervers.submissions import tokens
from allervers.submissions.models import SubmissionToken
from allervers.submissions.tokens import FIELD, IN_PROGRESS, MALFORMED, new_token, once_per_token
from tests.html import text_of
from tests.operators.factories import UserFactory
from tests.reception.conftest import visit_answers
from tests.submissions.conftest import token_in


def _post(user, token: str, path: str = "/formulaire/"):
    request = RequestFactory().post(path, {FIELD: token})
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


class CountingView:
    """A create view: answers `response` (a redirect by default) and counts its runs."""

    def __init__(self, response=None):
        self.runs = 0
        self.response = response or HttpResponseRedirect("/resultat/")
        self.view = once_per_token(self)

    def __call__(self, request):
        self.runs += 1
        if isinstance(self.response, Exception):
            raise self.response
        return self.response


@pytest.mark.django_db(transaction=True)
def test_two_requests_racing_with_one_token_run_the_view_once(monkeypatch):
    """Both requests start together; the loser must wait for the winner's result, never run.
    Each thread has its own database connection, so the unique constraint decides (on
    PostgreSQL the loser's insert waits for the winner's commit, then fails)."""
    user = UserFactory()
    token = new_token()
    loser_waiting = threading.Event()
    real_pause = tokens._pause

    def pause(seconds):
        loser_waiting.set()
        real_pause(seconds)

    monkeypatch.setattr(tokens, "_pause", pause)
    runs = []

    @once_per_token
    def view(request):
        runs.append(threading.get_ident())
        # The other request is in: it found the token taken and waits for this result.
        assert loser_waiting.wait(timeout=5)
        return HttpResponseRedirect("/resultat/")

    start = threading.Barrier(2)
    responses, errors = [], []

    def send():
        try:
            start.wait()
            responses.append(view(_post(user, token)))
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=15)
    assert not errors
    assert len(runs) == 1
    assert sorted(r.status_code for r in responses) == [302, 303]
    assert {r["Location"] for r in responses} == {"/resultat/"}
    assert SubmissionToken.objects.get().result_url == "/resultat/"


@pytest.mark.django_db
def test_a_token_in_progress_is_waited_for_then_its_result_given(monkeypatch):
    user = UserFactory()
    token = new_token()
    first = SubmissionToken.objects.create(user=user, token=token)  # the first request runs
    pauses = []

    def first_request_finishes(seconds):
        pauses.append(seconds)
        SubmissionToken.objects.filter(pk=first.pk).update(result_url="/premier/")

    monkeypatch.setattr(tokens, "_pause", first_request_finishes)
    counting = CountingView()
    response = counting.view(_post(user, token))
    assert response.status_code == 303 and response["Location"] == "/premier/"
    assert counting.runs == 0 and len(pauses) == 1


@pytest.mark.django_db
def test_a_token_still_in_progress_after_the_wait_is_refused_in_french(monkeypatch):
    user = UserFactory()
    token = new_token()
    SubmissionToken.objects.create(user=user, token=token)
    pauses = []
    monkeypatch.setattr(tokens, "_pause", pauses.append)
    counting = CountingView()
    response = counting.view(_post(user, token))
    assert response.status_code == 409
    assert IN_PROGRESS in text_of(response)
    assert counting.runs == 0
    assert sum(pauses) == pytest.approx(tokens.WAIT_POLLS * tokens.POLL_SECONDS)  # bounded: 5 s


@pytest.mark.django_db
def test_a_token_given_back_during_the_wait_is_taken_and_the_view_runs(monkeypatch):
    user = UserFactory()
    token = new_token()
    first = SubmissionToken.objects.create(user=user, token=token)
    # The first request ends with form errors meanwhile: the token is free again.
    monkeypatch.setattr(tokens, "_pause", lambda seconds: first.delete())
    counting = CountingView()
    response = counting.view(_post(user, token))
    assert response.status_code == 302 and counting.runs == 1
    assert SubmissionToken.objects.get().result_url == "/resultat/"


@pytest.mark.django_db
def test_a_failing_view_gives_the_token_back():
    user = UserFactory()
    token = new_token()
    failing = CountingView(RuntimeError("panne"))
    with pytest.raises(RuntimeError):
        failing.view(_post(user, token))
    assert not SubmissionToken.objects.exists()
    refusing = CountingView(HttpResponse("erreurs", status=400))
    assert refusing.view(_post(user, token)).status_code == 400
    assert not SubmissionToken.objects.exists()
    succeeding = CountingView()
    assert succeeding.view(_post(user, token)).status_code == 302
    assert SubmissionToken.objects.get().result_url == "/resultat/"


@pytest.mark.django_db
def test_a_post_without_a_token_or_a_get_is_not_protected():
    user = UserFactory()
    counting = CountingView()
    for _ in range(2):
        request = RequestFactory().post("/formulaire/", {"name": "x"})
        request.user = user
        counting.view(request)
        get = RequestFactory().get("/formulaire/", {FIELD: new_token()})
        get.user = user
        counting.view(get)
    assert counting.runs == 4 and not SubmissionToken.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["", "abc", "1' OR '1'='1", "0" * 5000, "\x00" + "a" * 31])
def test_a_malformed_token_is_refused_in_french_and_nothing_runs(bad):
    user = UserFactory()
    counting = CountingView()
    response = counting.view(_post(user, bad))
    assert response.status_code == 400 and MALFORMED in text_of(response)
    assert counting.runs == 0 and not SubmissionToken.objects.exists()


@pytest.mark.django_db
def test_a_malformed_token_on_the_visit_form_saves_nothing(client, agent, today_stop):
    client.force_login(agent)
    data = {"stop": today_stop.pk, "arrival_time": "09:30", **visit_answers(), FIELD: "zzz"}
    response = client.post(reverse("reception:visit_create"), data)
    assert response.status_code == 400 and MALFORMED in text_of(response)
    assert not Visit.objects.exists()


@pytest.mark.django_db
def test_another_users_token_is_their_own(client, operator, agent, make_member, today_stop):
    colleague = make_member(operator, agent.memberships.get().role)
    url = reverse("reception:visit_create")
    client.force_login(agent)
    data = {"stop": today_stop.pk, "arrival_time": "09:30", **visit_answers()}
    data[FIELD] = token_in(client.get(url))
    assert client.post(url, data).status_code == 302
    client.force_login(colleague)
    # The same value sent by someone else is not the agent's submission: it is recorded.
    assert client.post(url, data).status_code == 302
    assert Visit.objects.count() == 2
    assert SubmissionToken.objects.filter(token=data[FIELD]).count() == 2


@pytest.mark.django_db
def test_expired_tokens_are_removed_a_bounded_batch_at_a_time(clock, monkeypatch):
    user = UserFactory()
    monkeypatch.setattr(tokens, "EXPIRED_BATCH", 3)
    old = [SubmissionToken.objects.create(user=user, token=new_token()) for _ in range(5)]
    clock.shift(datetime.timedelta(hours=23))
    recent = SubmissionToken.objects.create(user=user, token=new_token())
    clock.shift(datetime.timedelta(hours=2))  # the first five are now older than a day
    CountingView().view(_post(user, new_token()))
    assert SubmissionToken.objects.filter(pk__in=[t.pk for t in old]).count() == 2
    CountingView().view(_post(user, new_token()))
    assert not SubmissionToken.objects.filter(pk__in=[t.pk for t in old]).exists()
    assert SubmissionToken.objects.filter(pk=recent.pk).exists()
    assert SubmissionToken.objects.count() == 3


def _busy_updates(monkeypatch, failures: int | None):
    """The token table refuses `failures` updates as a busy SQLite does (None: all of them)."""
    real_update = tokens.SubmissionToken.objects.filter(pk=0).update.__func__
    refused = []

    def update(queryset, **values):
        if failures is None or len(refused) < failures:
            refused.append(values)
            raise OperationalError("database is locked")
        return real_update(queryset, **values)

    monkeypatch.setattr(type(tokens.SubmissionToken.objects.filter(pk=0)), "update", update)
    monkeypatch.setattr(tokens, "_pause", lambda seconds: None)
    return refused


@pytest.mark.django_db
def test_a_busy_database_after_the_view_succeeded_keeps_the_success(monkeypatch):
    user, token = UserFactory(), new_token()
    refused = _busy_updates(monkeypatch, failures=3)
    view = CountingView()
    assert view.view(_post(user, token)).status_code == 302
    assert len(refused) == 3
    assert SubmissionToken.objects.get().result_url == "/resultat/"


@pytest.mark.django_db
def test_a_database_busy_for_long_still_answers_the_success_and_never_runs_twice(monkeypatch):
    user, token = UserFactory(), new_token()
    _busy_updates(monkeypatch, failures=None)
    view = CountingView()
    assert view.view(_post(user, token)).status_code == 302
    assert SubmissionToken.objects.get().result_url == ""  # left « in progress »
    assert view.view(_post(user, token)).status_code == 409
    assert view.runs == 1
