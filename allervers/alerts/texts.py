"""The words of the alerts: one SMS each, in the GSM alphabet, at most 160 units.

An alert names the bus, the day, the hours and the place, and carries one short link: the
subscription's page (`links.alert_short_url`), which leads to the site's public page and
unsubscribes in one click. A place's name that would make the SMS longer than one part is
shortened (« … » written « . »), never the link."""

import datetime

from allervers.bookings.texts import bus_words, gsm7_length, hour_words, in_gsm7, short_date

from .enums import AlertKind

SMS_UNITS = 160
LINK_WORDS = "Infos et désinscription : {link}"
TEXTS = {
    AlertKind.DAY_BEFORE: "Le {bus} sera demain {weekday} {hours} à {site}. " + LINK_WORDS,
    AlertKind.CANCELLED: (
        "Annulé : le {bus} ne viendra pas {when} {hours} à {site}. " + LINK_WORDS
    ),
    AlertKind.MOVED: "Changement : le {bus} sera {when} {hours} à {site}. " + LINK_WORDS,
    AlertKind.RESTORED: "Le {bus} viendra finalement {when} {hours} à {site}. " + LINK_WORDS,
    AlertKind.FAREWELL: (
        "Vos alertes du {bus} s'arrêtent après un an. Pour les garder, réinscrivez-vous : {link}"
    ),
}
CODE_TEXT = "Votre code pour les alertes du {bus} : {code}. Il sert 30 minutes."
WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


def hours_words(start: datetime.time, end: datetime.time) -> str:
    """14:00, 17:00 → '14h-17h'."""
    return f"{hour_words(start)}-{hour_words(end)}"


def when_words(date: datetime.date, today: datetime.date) -> str:
    """'aujourd'hui', 'demain', else 'jeudi 18/06'."""
    if date == today:
        return "aujourd'hui"
    if date == today + datetime.timedelta(days=1):
        return "demain"
    return f"le {short_date(date)}"


def sms_fitted(template: str, *, site: str = "", **parts) -> str:
    """`template` filled, in GSM letters, shortening the place's name until it fits one SMS."""
    site = in_gsm7(" ".join(site.split()))
    text = in_gsm7(template.format(site=site, **parts))
    while (gsm7_length(text) or SMS_UNITS + 1) > SMS_UNITS and len(site) > 8:
        site = site[: len(site) - 2].rstrip() + "."
        text = in_gsm7(template.format(site=site, **parts))
    return text


def alert_text(
    kind: str,
    *,
    operator_name: str,
    site_name: str = "",
    date: datetime.date | None = None,
    start: datetime.time | None = None,
    end: datetime.time | None = None,
    today: datetime.date | None = None,
    link: str,
) -> str:
    parts = {"bus": bus_words(operator_name), "link": link}
    if date is not None:
        parts.update(
            weekday=WEEKDAYS[date.weekday()],
            when=when_words(date, today or date),
            hours=hours_words(start, end),
        )
    return sms_fitted(TEXTS[kind], site=site_name, **parts)


def code_text(*, operator_name: str, code: str) -> str:
    return in_gsm7(CODE_TEXT.format(bus=bus_words(operator_name), code=code))
