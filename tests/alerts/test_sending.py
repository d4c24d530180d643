"""The alerts: the day before at the structure's hour, a cancellation or a move at once, quiet
hours, never twice, never past their moment, within the provider's rate limit."""

import datetime
import io

import pytest
from django.core.management import call_command

from allervers.alerts import queueing, sending
from allervers.alerts.enums import AlertKind, AlertStatus, EndReason
from allervers.alerts.models import AlertMessage, AlertSitePause, Subscription, UnsubscriptionCount
from allervers.bookings.texts import gsm7_length
from allervers.planning.enums import CancelReason
from allervers.planning.services import stop_cancel, stop_move, stop_restore
from tests.alerts.factories import SubscriptionFactory, subscribers_make
from tests.conftest import PARIS
from tests.planning.factories import SiteFactory, StopFactory

pytestmark = pytest.mark.django_db

# The clock's day is Wednesday 10 June 2026; tomorrow is Thursday 11 June.
TOMORROW = datetime.date(2026, 6, 11)


def at(hour: int, minute: int = 0, day: int = 10) -> datetime.datetime:
    return datetime.datetime(2026, 6, day, hour, minute, tzinfo=PARIS)


@pytest.fixture
def site(operator):
    operator.name = "Barlin"
    operator.reminder_time = datetime.time(17, 0)
    operator.save()
    return SiteFactory(operator=operator, name="l'école Jules Ferry", slug="ecole")


@pytest.fixture
def stop(site):
    return StopFactory(
        operator=site.operator,
        site=site,
        date=TOMORROW,
        start_time=datetime.time(14, 0),
        end_time=datetime.time(17, 0),
    )


@pytest.fixture
def subscribers(site):
    return [SubscriptionFactory(operator=site.operator, sites=[site]) for _ in range(3)]


def day_before_queue(stop) -> int:
    """Tomorrow's alerts of `stop` queued now (10:00), due at once, until its start."""
    return queueing.alerts_queue(
        stop=stop,
        kind=AlertKind.DAY_BEFORE,
        not_before=at(10),
        not_after=at(14, day=11),
        now=at(10),
    )


def run_command() -> str:
    out = io.StringIO()
    call_command("send_alerts", stdout=out)
    return out.getvalue()


def test_the_day_before_at_the_reminder_time_once(clock, stop, subscribers, fake_provider):
    clock.move_to(at(16, 59))
    run_command()
    assert not fake_provider.SENT
    clock.move_to(at(17, 0))
    run_command()
    run_command()
    assert sorted(sms.to for sms in fake_provider.SENT) == sorted(s.phone for s in subscribers)
    text = fake_provider.SENT[0].text
    assert text.startswith("Le bus de Barlin sera demain jeudi 14h-17h à l'école Jules Ferry.")
    assert "/alertes/" in text and gsm7_length(text) <= 160
    assert AlertMessage.objects.filter(status=AlertStatus.SENT).count() == 3


def test_a_long_site_name_is_shortened_to_one_sms(clock, stop, subscribers, fake_provider):
    stop.site.name = "Salle polyvalente des fêtes et de la culture Marie Curie " * 3
    stop.site.save()
    clock.move_to(at(17, 0))
    run_command()
    text = fake_provider.SENT[0].text
    assert gsm7_length(text) <= 160 and "fetes" in text and text.endswith("/")


def test_no_day_before_alert_after_the_stop_began(clock, stop, subscribers, fake_provider):
    clock.move_to(at(17, 0))
    queueing.alerts_day_before_queue(at(17, 0))
    clock.move_to(at(14, 1, day=11))
    sending.alert_messages_send()
    assert not fake_provider.SENT
    assert AlertMessage.objects.filter(status=AlertStatus.EXPIRED).count() == 3


def test_quiet_hours_queue_until_eight(clock, stop, subscribers, fake_provider, operator):
    operator.reminder_time = datetime.time(21, 0)
    operator.save()
    clock.move_to(at(21, 0))
    run_command()
    assert not fake_provider.SENT
    assert AlertMessage.objects.filter(not_before=at(8, 0, day=11)).count() == 3
    clock.move_to(at(7, 59, day=11))
    run_command()
    assert not fake_provider.SENT
    clock.move_to(at(8, 0, day=11))
    run_command()
    assert len(fake_provider.SENT) == 3


def test_a_cancellation_is_told_at_once_and_the_day_before_not(
    clock, stop, subscribers, fake_provider, coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        stop_cancel(stop=stop, reason=CancelReason.BREAKDOWN, note="", by=coordinator)
    assert len(fake_provider.SENT) == 3
    assert fake_provider.SENT[0].text.startswith("Annulé : le bus de Barlin ne viendra pas demain")
    clock.move_to(at(17, 0))
    run_command()
    assert len(fake_provider.SENT) == 3


def test_a_move_is_told_once_per_move(
    clock, stop, subscribers, fake_provider, coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        stop_move(
            stop=stop,
            site=stop.site,
            date=TOMORROW,
            start_time=datetime.time(15, 0),
            end_time=datetime.time(18, 0),
            by=coordinator,
        )
    assert len(fake_provider.SENT) == 3
    assert "sera demain 15h-18h" in fake_provider.SENT[0].text
    sending.alert_messages_send()
    assert len(fake_provider.SENT) == 3


def test_a_move_to_another_site_is_told_at_both_sites_once_each(
    clock, stop, subscribers, fake_provider, coordinator, django_capture_on_commit_callbacks
):
    other = SiteFactory(operator=stop.operator, name="la mairie", slug="mairie")
    there = [SubscriptionFactory(operator=stop.operator, sites=[other]) for _ in range(2)]
    both = SubscriptionFactory(operator=stop.operator, sites=[stop.site, other])
    with django_capture_on_commit_callbacks(execute=True):
        stop_move(
            stop=stop,
            site=other,
            date=TOMORROW,
            start_time=datetime.time(14, 0),
            end_time=datetime.time(17, 0),
            by=coordinator,
        )
    told = {sms.to for sms in fake_provider.SENT}
    assert told == {s.phone for s in [*subscribers, *there, both]}
    assert len(fake_provider.SENT) == 6  # the subscriber of both sites told once
    assert all("à la mairie" in sms.text for sms in fake_provider.SENT)
    # The subscriber of both sites was told with the new site's alerts, not again.
    assert AlertMessage.objects.filter(kind=AlertKind.MOVED, site=other).count() == 3
    left = AlertMessage.objects.filter(kind=AlertKind.MOVED).exclude(site=other).count()
    assert left == len(subscribers)
    sending.alert_messages_send()
    assert len(fake_provider.SENT) == 6


def test_a_cancellation_far_ahead_waits_for_the_week_before(
    clock, site, subscribers, fake_provider, coordinator, django_capture_on_commit_callbacks
):
    far = StopFactory(operator=site.operator, site=site, date=datetime.date(2026, 7, 1))
    with django_capture_on_commit_callbacks(execute=True):
        stop_cancel(stop=far, reason=CancelReason.WEATHER, note="", by=coordinator)
    assert not fake_provider.SENT
    clock.move_to(datetime.datetime(2026, 6, 24, 9, 0, tzinfo=PARIS))
    run_command()
    assert len(fake_provider.SENT) == 3
    assert "le mercredi 01/07" in fake_provider.SENT[0].text


def test_a_stop_restored_before_the_cancellation_left_is_not_told(
    clock, site, subscribers, fake_provider, coordinator, django_capture_on_commit_callbacks
):
    far = StopFactory(operator=site.operator, site=site, date=datetime.date(2026, 7, 1))
    with django_capture_on_commit_callbacks(execute=True):
        stop_cancel(stop=far, reason=CancelReason.WEATHER, note="", by=coordinator)
    assert AlertMessage.objects.filter(status=AlertStatus.PENDING).count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        stop_restore(stop=far, by=coordinator)
    clock.move_to(datetime.datetime(2026, 6, 24, 9, 0, tzinfo=PARIS))
    run_command()
    assert not fake_provider.SENT
    assert AlertMessage.objects.filter(status=AlertStatus.SKIPPED).count() == 3
    # Nobody heard of the cancellation: nobody is told of the restoration either.
    assert not AlertMessage.objects.filter(kind=AlertKind.RESTORED).exists()


def cancel_then_restore(stop, coordinator, capture, *, restore_at=None, clock=None):
    """The stop cancelled (its subscribers told at once), then restored (at `restore_at`)."""
    with capture(execute=True):
        stop_cancel(stop=stop, reason=CancelReason.BREAKDOWN, note="", by=coordinator)
    if restore_at is not None:
        clock.move_to(restore_at)
    with capture(execute=True):
        stop_restore(stop=stop, by=coordinator)


def test_a_restored_stop_is_told_once_to_those_told_of_its_cancellation(
    clock, stop, subscribers, fake_provider, coordinator, django_capture_on_commit_callbacks
):
    cancel_then_restore(stop, coordinator, django_capture_on_commit_callbacks)
    texts = [sms.text for sms in fake_provider.SENT]
    assert len(texts) == 6
    assert all(text.startswith("Annulé : ") for text in texts[:3])
    assert all(
        text.startswith("Le bus de Barlin viendra finalement demain 14h-17h à l'école Jules Ferry.")
        for text in texts[3:]
    ), texts[3:]
    assert all(gsm7_length(text) <= 160 for text in texts)
    assert {sms.to for sms in fake_provider.SENT[3:]} == {s.phone for s in subscribers}
    # Told once: the same restoration heard again, a later run, tomorrow's reminders too.
    assert queueing.stop_change_queue(stop_id=stop.pk, kind="restored", now=at(10, 5)) == 0
    sending.alert_messages_send()
    assert len(fake_provider.SENT) == 6
    clock.move_to(at(17, 0))
    run_command()
    assert len(fake_provider.SENT) == 9  # the day-before alert of the stop, held again
    assert all("sera demain" in sms.text for sms in fake_provider.SENT[6:])


def test_a_restoration_waits_for_the_end_of_the_quiet_hours(
    clock, stop, subscribers, fake_provider, coordinator, django_capture_on_commit_callbacks
):
    cancel_then_restore(
        stop, coordinator, django_capture_on_commit_callbacks, restore_at=at(21, 30), clock=clock
    )
    assert len(fake_provider.SENT) == 3  # the cancellation, at 10:00
    restored = AlertMessage.objects.filter(kind=AlertKind.RESTORED)
    assert set(restored.values_list("not_before", flat=True)) == {at(8, 0, day=11)}
    clock.move_to(at(7, 59, day=11))
    run_command()
    assert len(fake_provider.SENT) == 3
    clock.move_to(at(8, 0, day=11))
    run_command()
    assert len(fake_provider.SENT) == 6
    assert "viendra finalement aujourd'hui 14h-17h" in fake_provider.SENT[-1].text


def test_a_paused_site_is_not_told_of_a_restoration(
    clock, stop, subscribers, fake_provider, coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        stop_cancel(stop=stop, reason=CancelReason.BREAKDOWN, note="", by=coordinator)
    AlertSitePause.objects.create(operator=stop.operator, site=stop.site)
    with django_capture_on_commit_callbacks(execute=True):
        stop_restore(stop=stop, by=coordinator)
    sending.alert_messages_send()
    assert len(fake_provider.SENT) == 3
    assert not AlertMessage.objects.filter(kind=AlertKind.RESTORED).exists()


def test_a_restoration_paused_before_it_left_is_skipped(
    clock, stop, subscribers, fake_provider, coordinator, django_capture_on_commit_callbacks
):
    cancel_then_restore(
        stop, coordinator, django_capture_on_commit_callbacks, restore_at=at(21, 30), clock=clock
    )
    AlertSitePause.objects.create(operator=stop.operator, site=stop.site)
    clock.move_to(at(8, 0, day=11))
    run_command()
    assert len(fake_provider.SENT) == 3
    restored = AlertMessage.objects.filter(kind=AlertKind.RESTORED)
    assert set(restored.values_list("status", flat=True)) == {AlertStatus.SKIPPED}


def test_a_subscriber_who_never_heard_of_the_cancellation_is_not_told_of_the_restoration(
    clock, stop, subscribers, fake_provider, coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        stop_cancel(stop=stop, reason=CancelReason.BREAKDOWN, note="", by=coordinator)
    newcomer = SubscriptionFactory(operator=stop.operator, sites=[stop.site])
    with django_capture_on_commit_callbacks(execute=True):
        stop_restore(stop=stop, by=coordinator)
    assert len(fake_provider.SENT) == 6
    assert newcomer.phone not in {sms.to for sms in fake_provider.SENT}


def test_a_restoration_cancelled_again_before_it_left_is_skipped(
    clock, stop, subscribers, fake_provider, coordinator, django_capture_on_commit_callbacks
):
    cancel_then_restore(
        stop, coordinator, django_capture_on_commit_callbacks, restore_at=at(21, 30), clock=clock
    )
    with django_capture_on_commit_callbacks(execute=True):
        stop_cancel(stop=stop, reason=CancelReason.WEATHER, note="", by=coordinator)
    clock.move_to(at(8, 0, day=11))
    run_command()
    assert len(fake_provider.SENT) == 3
    restored = AlertMessage.objects.filter(kind=AlertKind.RESTORED)
    assert set(restored.values_list("status", flat=True)) == {AlertStatus.SKIPPED}


def test_a_paused_site_gets_nothing(clock, stop, subscribers, fake_provider):
    AlertSitePause.objects.create(operator=stop.operator, site=stop.site)
    clock.move_to(at(17, 0))
    run_command()
    assert not fake_provider.SENT and not AlertMessage.objects.exists()


def test_never_two_for_the_same_stop_and_event(stop, subscribers):
    for _ in range(2):
        day_before_queue(stop)
    assert AlertMessage.objects.count() == 3
    from tests.conftest import refused_by

    with refused_by("alert_message_once"):
        AlertMessage.objects.create(
            operator=stop.operator,
            subscription=subscribers[0],
            site=stop.site,
            stop=stop,
            kind=AlertKind.DAY_BEFORE,
            not_after=at(14, day=11),
        )


def test_a_failure_is_retried_then_failed(clock, stop, subscribers, fake_provider):
    day_before_queue(stop)
    fake_provider.OUTAGE.set()
    assert sending.alert_messages_send() == {AlertStatus.PENDING: 3}
    for retry_at in AlertMessage.objects.values_list("not_before", flat=True):
        assert at(10, 2) <= retry_at < at(10, 2) + datetime.timedelta(seconds=5)
    fake_provider.OUTAGE.clear()
    clock.move_to(at(10, 3))
    assert sending.alert_messages_send() == {AlertStatus.SENT: 3}
    assert len(fake_provider.SENT) == 3


def test_an_outage_past_the_moment_sends_nothing_late(clock, stop, subscribers, fake_provider):
    day_before_queue(stop)
    fake_provider.OUTAGE.set()
    for minutes in (0, 3, 8, 20):
        clock.move_to(at(10, minutes))
        sending.alert_messages_send()
    assert set(AlertMessage.objects.values_list("status", flat=True)) == {AlertStatus.FAILED}
    assert AlertMessage.objects.first().attempts == sending.MAX_ATTEMPTS


def test_unsubscribed_meanwhile_is_skipped(stop, subscribers, fake_provider):
    day_before_queue(stop)
    subscribers[0].delete()
    sending.alert_messages_send()
    assert len(fake_provider.SENT) == 2


def test_the_delivery_reports_are_recorded(stop, subscribers, fake_provider):
    day_before_queue(stop)
    sending.alert_messages_send()
    first, second = fake_provider.SENT[:2]
    assert sending.alert_delivery_record(first.message_id, "delivered", at(10, 1))
    assert sending.alert_delivery_record(second.message_id, "undelivered", at(10, 1))
    # An older report arriving late changes nothing.
    assert sending.alert_delivery_record(first.message_id, "sent", at(10, 0))
    assert not sending.alert_delivery_record("unknown-id", "delivered", at(10, 1))
    delivered = AlertMessage.objects.get(provider_message_id=first.message_id)
    assert delivered.status == AlertStatus.DELIVERED and delivered.delivery_status == "delivered"
    lost = AlertMessage.objects.get(provider_message_id=second.message_id)
    assert lost.status == AlertStatus.FAILED and "undelivered" in lost.error


def test_unused_for_a_year_ends_with_a_last_message(clock, site, fake_provider):
    old = SubscriptionFactory(operator=site.operator, sites=[site])
    clock.move_to(at(10) + datetime.timedelta(days=366))
    recent = SubscriptionFactory(operator=site.operator, sites=[site])
    run_command()
    assert [sms.to for sms in fake_provider.SENT] == [old.phone]
    assert "s'arretent après un an" in fake_provider.SENT[0].text
    assert list(Subscription.objects.all()) == [recent]
    count = UnsubscriptionCount.objects.get()
    assert (count.reason, count.count) == (EndReason.UNUSED, 1)


def test_five_thousand_subscribers_within_the_rate_limit(
    site, stop, settings, fake_provider, coordinator
):
    """A cancellation at a site with 5,000 subscribers: 5,000 alerts, none twice, in batches
    of at most the rate per second; a worker killed mid-way, then run again: the rest once."""
    settings.ALLERVERS_SMS_RATE_PER_SECOND = 500
    subscribers_make(site, 5000)
    stop_cancel(stop=stop, reason=CancelReason.BREAKDOWN, note="", by=coordinator)
    queued = queueing.stop_change_queue(stop_id=stop.pk, kind="cancelled", now=at(10))
    assert queued == 5000

    seconds = [0.0]
    batches = []

    def monotonic():
        return seconds[0]

    def sleep(duration):
        seconds[0] += duration

    class Killed(BaseException):
        """The worker's process killed while it sends."""

    real_send = fake_provider.SmsBackend.send

    def send_then_die(self, to, text):
        if len(fake_provider.SENT) == 2345:
            raise Killed
        batches.append(seconds[0])
        return real_send(self, to, text)

    fake_provider.SmsBackend.send = send_then_die
    try:
        with pytest.raises(Killed):
            sending.alert_messages_send(monotonic=monotonic, sleep=sleep)
    finally:
        fake_provider.SmsBackend.send = real_send
    assert len(fake_provider.SENT) == 2345
    assert AlertMessage.objects.filter(status=AlertStatus.SENDING).count() == 1
    # The worker's recovery: the one being sent is failed (maybe received), never sent again.
    sending.interrupted_alerts_fail(before=at(11), reason="Envoi interrompu")
    seconds[0] += 1  # the worker takes a while to start again

    def counted_send(self, to, text):
        batches.append(seconds[0])
        return real_send(self, to, text)

    fake_provider.SmsBackend.send = counted_send
    try:
        done = sending.alert_messages_send(monotonic=monotonic, sleep=sleep)
    finally:
        fake_provider.SmsBackend.send = real_send
    assert done == {AlertStatus.SENT: 5000 - 2345 - 1}
    numbers = [sms.to for sms in fake_provider.SENT]
    assert len(numbers) == len(set(numbers)) == 4999
    per_second: dict[int, int] = {}
    for moment in batches:
        per_second[int(moment)] = per_second.get(int(moment), 0) + 1
    assert max(per_second.values()) <= 500
    # Within any sliding second too (what a provider counts): each send a second after the
    # one 500 places before it.
    assert all(later - earlier >= 1 for earlier, later in zip(batches, batches[500:], strict=False))
    assert AlertMessage.objects.filter(status=AlertStatus.SENT).count() == 4999


def test_a_subscription_never_confirmed_goes_after_a_day(clock, site, fake_provider):
    pending = SubscriptionFactory(operator=site.operator, sites=[site], confirmed_at=None)
    clock.move_to(at(9, day=11))
    run_command()
    assert Subscription.objects.filter(pk=pending.pk).exists()
    clock.move_to(at(11, day=11))
    run_command()
    assert not Subscription.objects.filter(pk=pending.pk).exists()
    assert not UnsubscriptionCount.objects.exists() and not fake_provider.SENT


def test_one_sender_at_a_time(stop, subscribers, fake_provider):
    """The provider's rate limit is the account's: a second sender leaves the work to the one
    sending; the lease goes when it ends (or after a while when it was killed)."""
    from allervers.accounts.counters import counter_delete, counter_increment

    day_before_queue(stop)
    counter_increment(sending.SENDER_LEASE_KEY, seconds=sending.SENDER_LEASE_SECONDS)
    assert sending.alert_messages_send() == {}
    assert not fake_provider.SENT
    counter_delete(sending.SENDER_LEASE_KEY)
    assert sending.alert_messages_send() == {AlertStatus.SENT: 3}
    assert sending.alert_messages_send() == {}  # the lease was given back: nothing left
