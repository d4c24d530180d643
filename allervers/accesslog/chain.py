"""The journal shows tampering: each structure's entries form a chain of digests.

Each entry carries the SHA-256 digest of its own content and of the previous entry's digest (of
the same structure). Deleting, changing or reordering an entry breaks the chain from there on,
and `chain_verify` says where. The chain's head (`AccessLogChain`: the last entry's id and
digest) is the row every writer of the structure's log locks before appending, so that two
concurrent writers never take the same previous digest (the chain cannot fork), and it tells a
removed last entry.

The purge removes the oldest entries: it writes a checkpoint, signed with the application's
secret key (`django.core.signing`, which also accepts the keys of `SECRET_KEY_FALLBACKS`), that
says from which entry and digest the remaining chain starts. Someone who can write to the
database but does not hold the secret key cannot move that starting point.

The digests are plain SHA-256 (anyone can recompute them from the rows): they show a change, they
do not hide anything. Only the checkpoint needs the key."""

import datetime
import hashlib
import json
from dataclasses import dataclass

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F

from .models import AccessLogChain, AccessLogEntry

CHECKPOINT_SALT = "allervers.accesslog.checkpoint"
DIGEST_VERSION = "v1"
# The fields a digest covers, in this order (never the id: reordering shows by the links).
CHAINED_FIELDS = (
    "operator_id",
    "at",
    "user_id",
    "user_email",
    "action",
    "target_type",
    "target_id",
    "person_id",
    "ip",
    "detail",
    "previous_digest",
)
VERIFY_CHUNK = 2000


def _value(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    if value is None or isinstance(value, int | str):
        return value
    return str(value)  # an address the database driver gives as an object


def entry_digest(entry: AccessLogEntry) -> str:
    """The digest of `entry`'s content and of its `previous_digest`."""
    content = [DIGEST_VERSION] + [_value(getattr(entry, name)) for name in CHAINED_FIELDS]
    text = json.dumps(content, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _locked_head(operator_id: int) -> AccessLogChain:
    """The structure's chain head, locked until the transaction ends.

    The lock is taken by an UPDATE before the row is read: on PostgreSQL it is the row lock a
    `select_for_update()` would take, and on SQLite it also takes the database's write lock at
    once (a read first would let two writers read the same head)."""
    for _ in range(2):
        if AccessLogChain.objects.filter(operator_id=operator_id).update(
            entry_count=F("entry_count")
        ):
            return AccessLogChain.objects.get(operator_id=operator_id)
        try:
            with transaction.atomic():
                AccessLogChain.objects.create(operator_id=operator_id)
        except IntegrityError:  # another writer created it meanwhile: lock theirs
            pass
    raise RuntimeError("The access log's chain head cannot be locked.")


def chain_append(entry: AccessLogEntry) -> AccessLogEntry:
    """Link `entry` (not saved yet) to its structure's chain and save it."""
    return chain_extend([entry])[0]


@transaction.atomic
def chain_extend(entries: list[AccessLogEntry]) -> list[AccessLogEntry]:
    """Link `entries` (not saved yet, all of one structure), in this order, to the structure's
    chain and save them: one lock, one insert, whatever their number."""
    [operator_id] = {entry.operator_id for entry in entries}
    head = _locked_head(operator_id)
    previous = head.head_digest
    for entry in entries:
        entry.previous_digest = previous
        entry.digest = previous = entry_digest(entry)
    if len(entries) == 1:
        entries[0].save(force_insert=True)
    else:
        AccessLogEntry.objects.bulk_create(entries)
    last = entries[-1]
    if last.pk is None:  # a database that does not return the ids of a bulk insert
        last.pk = (
            AccessLogEntry.objects.filter(operator_id=operator_id, digest=last.digest)
            .values_list("pk", flat=True)
            .get()
        )
    AccessLogChain.objects.filter(pk=head.pk).update(
        head_entry_id=last.pk, head_digest=last.digest, entry_count=F("entry_count") + len(entries)
    )
    return entries


def checkpoint_write(*, operator_id: int, last_removed: AccessLogEntry, removed: int, at) -> None:
    """After a purge: the remaining chain starts after `last_removed` (signed, see module)."""
    _locked_head(operator_id)
    checkpoint = signing.dumps(
        {
            "operator": operator_id,
            "after": last_removed.pk,
            "digest": last_removed.digest,
            "removed": removed,
            "at": _value(at),
        },
        salt=CHECKPOINT_SALT,
    )
    AccessLogChain.objects.filter(operator_id=operator_id).update(checkpoint=checkpoint)


@dataclass(frozen=True)
class ChainState:
    """What `chain_verify` found: whether the chain is whole, and if not, where and why."""

    whole: bool
    entries: int
    purged_at: str = ""  # the last purge's date (ISO), when there was one
    problem: str = ""  # in French, for the journal page and the command
    entry_id: int | None = None  # the first entry where the chain breaks


def _checkpoint(chain: AccessLogChain | None, operator_id: int) -> tuple[dict | None, str]:
    if chain is None or not chain.checkpoint:
        return None, ""
    try:
        data = signing.loads(chain.checkpoint, salt=CHECKPOINT_SALT)
    except signing.BadSignature:
        return None, "Le point de départ laissé par la dernière purge n'est pas authentique."
    if data.get("operator") != operator_id:
        return None, "Le point de départ laissé par la dernière purge est d'une autre structure."
    return data, ""


def chain_verify(operator) -> ChainState:
    """Walk the structure's entries in the order they were written and check every link, from
    the last purge's signed checkpoint (or the first entry) to the chain's head."""
    chain = AccessLogChain.objects.filter(operator_id=operator.pk).first()
    checkpoint, problem = _checkpoint(chain, operator.pk)
    if problem:
        return ChainState(False, 0, problem=problem)
    entries = AccessLogEntry.objects.filter(operator_id=operator.pk).order_by("pk")
    previous, after, purged_at = "", 0, ""
    if checkpoint:
        previous, after, purged_at = checkpoint["digest"], checkpoint["after"], checkpoint["at"]
        if entries.filter(pk__lte=after).exists():
            return ChainState(
                False,
                0,
                purged_at,
                "Des entrées antérieures à la dernière purge sont réapparues.",
                entries.filter(pk__lte=after).first().pk,
            )
    count, last_id = 0, None
    for entry in entries.iterator(chunk_size=VERIFY_CHUNK):
        if entry.previous_digest != previous:
            problem = (
                "Une entrée manque ou a été déplacée juste avant celle-ci."
                if count or checkpoint
                else "La première entrée du journal n'est pas celle par laquelle il commençait."
            )
            return ChainState(False, count, purged_at, problem, entry.pk)
        if entry_digest(entry) != entry.digest:
            return ChainState(False, count, purged_at, "Cette entrée a été modifiée.", entry.pk)
        previous, last_id, count = entry.digest, entry.pk, count + 1
    head_digest = chain.head_digest if chain else ""
    if previous != head_digest or (chain and last_id != chain.head_entry_id and count):
        return ChainState(
            False, count, purged_at, "Les dernières entrées du journal ont été supprimées."
        )
    return ChainState(True, count, purged_at)
