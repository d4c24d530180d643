"""The journal shows tampering (issue 23 point 4): each entry chains the previous one's digest;
`chain_verify`, `manage.py accesslog_verify` and the journal page say whether the chain is whole
since the last purge, which leaves a signed checkpoint."""

import contextlib
import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from allervers.accesslog.chain import chain_verify, entry_digest
from allervers.accesslog.enums import Action
from allervers.accesslog.models import AccessLogChain, AccessLogEntry
from allervers.accesslog.services import purge, record
from tests.concurrency import all_at_once
from tests.html import text_of

pytestmark = pytest.mark.django_db

TABLE = "accesslog_accesslogentry"


@contextlib.contextmanager
def tampering():
    """What someone holding the database could do: the append-only triggers set aside (within
    the test's transaction, so that they come back after it)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS accesslog_append_only")
    yield AccessLogEntry.objects
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")


def _entries(operator, count=4):
    return [
        record(None, Action.PERSON_VIEWED, operator=operator, target_type="person", target_id=n)
        for n in range(1, count + 1)
    ]


def test_each_entry_chains_the_previous_one_of_its_structure(operator, other_operator):
    first, second = _entries(operator, 2)
    elsewhere = record(None, Action.PERSON_VIEWED, operator=other_operator)
    assert first.previous_digest == "" and second.previous_digest == first.digest
    assert elsewhere.previous_digest == ""  # another structure, another chain
    for entry in (first, second, elsewhere):
        entry.refresh_from_db()
        assert entry_digest(entry) == entry.digest
    state = chain_verify(operator)
    assert state.whole and state.entries == 2
    head = AccessLogChain.objects.get(operator=operator)
    assert (head.head_entry_id, head.head_digest, head.entry_count) == (second.pk, second.digest, 2)


def test_an_empty_journal_is_whole(operator):
    assert chain_verify(operator).whole


def test_a_deleted_entry_breaks_the_chain_at_the_next_one(operator):
    entries = _entries(operator)
    with tampering() as rows:
        rows.filter(pk=entries[1].pk).delete()
    state = chain_verify(operator)
    assert not state.whole and state.entry_id == entries[2].pk
    assert state.problem == "Une entrée manque ou a été déplacée juste avant celle-ci."


def test_a_deleted_last_entry_is_seen_from_the_chain_head(operator):
    entries = _entries(operator)
    with tampering() as rows:
        rows.filter(pk=entries[-1].pk).delete()
    state = chain_verify(operator)
    assert not state.whole
    assert state.problem == "Les dernières entrées du journal ont été supprimées."


def test_a_changed_entry_breaks_the_chain(operator):
    entries = _entries(operator)
    with tampering() as rows:
        rows.filter(pk=entries[1].pk).update(user_email="quelquun@example.org")
    state = chain_verify(operator)
    assert not state.whole and state.entry_id == entries[1].pk
    assert state.problem == "Cette entrée a été modifiée."


def test_a_changed_entry_whose_digest_was_recomputed_breaks_the_next_link(operator):
    entries = _entries(operator)
    changed = entries[1]
    changed.detail = "autre chose"
    with tampering() as rows:
        rows.filter(pk=changed.pk).update(detail=changed.detail, digest=entry_digest(changed))
    state = chain_verify(operator)
    assert not state.whole and state.entry_id == entries[2].pk


def test_a_reordered_entry_breaks_the_chain(operator):
    entries = _entries(operator)
    last_id = AccessLogEntry.objects.order_by("-pk").first().pk
    with tampering() as rows:
        rows.filter(pk=entries[1].pk).update(id=last_id + 1)  # moved after the others
    state = chain_verify(operator)
    assert not state.whole and state.entry_id == entries[2].pk


def test_the_purge_leaves_a_signed_checkpoint_and_the_rest_stays_whole(clock, operator):
    clock.move_to(datetime.datetime(2025, 1, 10, 10, tzinfo=datetime.UTC))
    _entries(operator, 3)
    clock.move_to(datetime.datetime(2026, 6, 1, 10, tzinfo=datetime.UTC))
    kept = _entries(operator, 2)
    assert purge() == 3
    state = chain_verify(operator)
    assert state.whole and state.entries == 3  # the two kept and the purge's own entry
    assert state.purged_at.startswith("2026-06-01")
    assert AccessLogEntry.objects.filter(operator=operator).order_by("pk").first() == kept[0]


def test_a_forged_checkpoint_breaks_the_chain(clock, operator):
    clock.move_to(datetime.datetime(2025, 1, 10, 10, tzinfo=datetime.UTC))
    _entries(operator, 2)
    clock.move_to(datetime.datetime(2026, 6, 1, 10, tzinfo=datetime.UTC))
    kept = _entries(operator, 2)
    purge()
    # Someone removes a kept entry and points the checkpoint past it, without the secret key.
    head = AccessLogChain.objects.get(operator=operator)
    value, signature = head.checkpoint.rsplit(":", 1)
    AccessLogChain.objects.filter(pk=head.pk).update(checkpoint=f"{value}:{signature[::-1]}")
    with tampering() as rows:
        rows.filter(pk=kept[0].pk).delete()
    state = chain_verify(operator)
    assert not state.whole
    assert state.problem == "Le point de départ laissé par la dernière purge n'est pas authentique."


def test_entries_deleted_as_if_purged_without_a_checkpoint_break_the_chain(operator):
    entries = _entries(operator)
    with tampering() as rows:
        rows.filter(pk__in=[entry.pk for entry in entries[:2]]).delete()
    state = chain_verify(operator)
    assert not state.whole and state.entry_id == entries[2].pk


def test_the_command_says_whether_each_chain_is_whole(operator, other_operator):
    _entries(operator)
    broken = _entries(other_operator)
    out = io.StringIO()
    call_command("accesslog_verify", f"--structure={operator.slug}", stdout=out)
    assert "chaîne intacte" in out.getvalue() and operator.name in out.getvalue()
    with tampering() as rows:
        rows.filter(pk=broken[1].pk).delete()
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("accesslog_verify", stdout=out)
    assert "1 chaîne rompue" in str(error.value)
    assert f"entrée n° {broken[2].pk}" in out.getvalue()
    assert "Une entrée manque" in out.getvalue()


def test_the_command_refuses_an_unknown_structure(operator):
    with pytest.raises(CommandError) as error:
        call_command("accesslog_verify", "--structure=nulle-part")
    assert "Aucune structure" in str(error.value)


def test_the_journal_page_says_whether_the_chain_is_whole(client, coordinator, operator):
    entries = _entries(operator)
    client.force_login(coordinator)
    page = text_of(client.get(reverse("accesslog:journal")))
    assert "Journal intègre" in page
    with tampering() as rows:
        rows.filter(pk=entries[1].pk).update(detail="effacé")
    response = client.get(reverse("accesslog:journal"))
    page = text_of(response)
    assert response.status_code == 200
    assert "Journal altéré" in page and f"entrée n° {entries[1].pk}" in page
    assert "Cette entrée a été modifiée." in page


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain(operator):
    outcomes = all_at_once(
        [
            lambda n=n: record(None, Action.PERSON_VIEWED, operator=operator, target_id=n)
            for n in range(6)
        ]
    )
    assert not [outcome.error for outcome in outcomes if outcome.refused]
    assert chain_verify(operator).whole
    previous = list(
        AccessLogEntry.objects.filter(operator=operator).values_list("previous_digest", flat=True)
    )
    assert len(set(previous)) == 6
