"""The words of the messages to people who booked: subjects, SMS texts, dates and hours.

An SMS names neither the partner nor the theme nor the workshop (someone else may read the
phone): only the bus, the day, the hour, the place and the link. It is written in the GSM
alphabet where the names allow it, so that it fits one SMS of 160 characters when they are
short (`gsm7_length`)."""

import datetime

from django.utils import formats

from allervers.core.french import elided

# The two kinds of booking, each with its own messages: an appointment is a time with a
# partner or the team, a workshop seat a place in a group (never « rendez-vous »).
APPOINTMENT, WORKSHOP = "appointment", "workshop"

# What each message is, by kind and by the name of its template
# (`bookings/email/<kind>/<name>.txt`). `{day}`: « mercredi 17 juin 2026 ».
SUBJECTS = {
    APPOINTMENT: {
        "booked": "Votre rendez-vous au bus le {day}",
        "moved": "Votre rendez-vous est changé : le {day}",
        "reminder": "Rappel : rendez-vous demain au bus",
        "cancelled": "Votre rendez-vous du {day} est annulé",
        "cancelled_by_team": "Le bus annule votre rendez-vous du {day}",
        "stop_cancelled": "Le bus ne viendra pas le {day} : rendez-vous annulé",
        "stop_moved": "Le bus change d'heure ou de lieu : rendez-vous le {day}",
    },
    WORKSHOP: {
        "booked": "Votre place à l'atelier du {day}",
        "waiting": "Vous êtes sur la liste d'attente de l'atelier du {day}",
        "promoted": "Une place s'est libérée pour vous à l'atelier du {day}",
        "reminder": "Rappel : atelier demain au bus",
        "cancelled": "Votre inscription à l'atelier du {day} est annulée",
        "cancelled_by_team": "Le bus annule l'atelier du {day}",
        "stop_cancelled": "Le bus ne viendra pas le {day} : atelier annulé",
        "stop_moved": "Le bus change d'heure ou de lieu : atelier le {day}",
    },
}

# `{bus}`: « bus de Barlin », « bus d'Avion » (`bus_words`).
SMS = {
    APPOINTMENT: {
        "booked": "Rendez-vous au {bus} le {date} à {time}, {site}. Pour annuler : {link}",
        "moved": "Rendez-vous changé : {bus} le {date} à {time}, {site}. Pour annuler : {link}",
        "reminder": "Rappel : rendez-vous demain au {bus} à {time}, {site}. Pour annuler : {link}",
        "cancelled": "Votre rendez-vous au {bus} le {date} à {time} est annulé.{phone}",
        "cancelled_by_team": (
            "Le {bus} annule votre rendez-vous du {date} à {time}. Désolés.{phone}"
        ),
        "stop_cancelled": (
            "Le {bus} ne viendra pas le {date} à {site}. Votre rendez-vous de {time} "
            "est annulé.{phone}"
        ),
        "stop_moved": (
            "Le {bus} change : rendez-vous le {date} à {time}, {site}. Pour annuler : {link}"
        ),
    },
    # Neither « atelier » nor its title: someone else may read the phone (the e-mail says it).
    WORKSHOP: {
        "booked": "Place réservée au {bus} le {date} à {time}, {site}. Pour annuler : {link}",
        "waiting": (
            "Liste d'attente du {bus} le {date} à {time}, {site}. Nous vous prévenons si une "
            "place se libère. Pour annuler : {link}"
        ),
        "promoted": (
            "Une place s'est libérée pour vous au {bus} le {date} à {time}, {site}. "
            "Pour annuler : {link}"
        ),
        "reminder": "Rappel : votre place demain au {bus} à {time}, {site}. Pour annuler : {link}",
        "cancelled": "Votre place au {bus} le {date} à {time} est annulée.{phone}",
        "cancelled_by_team": "Le {bus} annule la séance du {date} à {time}. Désolés.{phone}",
        "stop_cancelled": (
            "Le {bus} ne viendra pas le {date} à {site}. Votre place de {time} est annulée.{phone}"
        ),
        "stop_moved": (
            "Le {bus} change : votre place le {date} à {time}, {site}. Pour annuler : {link}"
        ),
    },
}


def bus_words(operator_name: str) -> str:
    """« bus de Barlin », « bus d'Avion »: the bus of the structure, elided."""
    return "bus " + elided("de", operator_name)


# GSM 03.38: one unit per character of the basic set, two for the extension's.
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = "^{}\\[~]|€\f"


def gsm7_length(text: str) -> int | None:
    """How many GSM units `text` takes, or None when a character is outside the alphabet."""
    units = 0
    for character in text:
        if character in GSM7_BASIC:
            units += 1
        elif character in GSM7_EXTENSION:
            units += 2
        else:
            return None
    return units


def is_gsm7(text: str) -> bool:
    return gsm7_length(text) is not None


# What names commonly hold outside the GSM alphabet, written with its letters (« Salle des
# fêtes » → « Salle des fetes »; a dash, curly quotes, non-breaking spaces): one character out of
# the alphabet would make the whole SMS Unicode, 70 characters a part instead of 160.
GSM7_SPELLING = str.maketrans(
    {
        "â": "a",
        "ê": "e",
        "ë": "e",
        "î": "i",
        "ï": "i",
        "ô": "o",
        "û": "u",
        "ç": "c",
        "À": "A",
        "Â": "A",
        "È": "E",
        "Ê": "E",
        "Ë": "E",
        "Î": "I",
        "Ï": "I",
        "Ô": "O",
        "Ù": "U",
        "Û": "U",
        "œ": "oe",
        "Œ": "OE",
        "—": "-",
        "–": "-",
        "’": "'",
        "‘": "'",
        "«": '"',
        "»": '"',
        "“": '"',
        "”": '"',
        "…": "...",
        "\u00a0": " ",
        "\u202f": " ",
    }
)


def in_gsm7(text: str) -> str:
    """`text` with the characters `GSM7_SPELLING` knows written in the GSM alphabet."""
    return text.translate(GSM7_SPELLING)


def hour_words(time: datetime.time) -> str:
    """09:30 → '9h30', 14:00 → '14h'."""
    return f"{time.hour}h{time.minute:02d}" if time.minute else f"{time.hour}h"


def day_words(date: datetime.date) -> str:
    """'mercredi 17 juin 2026'."""
    return formats.date_format(date, "l j F Y")


def short_date(date: datetime.date) -> str:
    """'mercredi 17/06' (an SMS)."""
    return formats.date_format(date, "l d/m")
