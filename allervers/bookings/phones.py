"""Phone numbers of bookings: parsed with libphonenumber's rules (French numbers by default),
stored in E.164, shown in the French way."""

import phonenumbers
from django.core.exceptions import ValidationError

INVALID = (
    "Ce numéro de téléphone n'est pas valide. Écrivez-le par exemple 06 12 34 56 78 "
    "ou +33 6 12 34 56 78."
)


def normalise_phone(raw: str) -> str:
    """'06 12 34 56 78', '+33612345678', '0033 6…' → '+33612345678'; '' stays ''.

    Raises a French `ValidationError` for anything that is not a valid number."""
    text = (raw or "").strip()
    if not text:
        return ""
    if len(text) > 30:
        raise ValidationError(INVALID, code="invalid_phone")
    try:
        number = phonenumbers.parse(text, "FR")
    except phonenumbers.NumberParseException as error:
        raise ValidationError(INVALID, code="invalid_phone") from error
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(INVALID, code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def can_receive_sms(phone: str) -> bool:
    """Whether a normalised number is a mobile (French 06/07, or a mobile abroad)."""
    if not phone:
        return False
    number = phonenumbers.parse(phone, "FR")
    return phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def shown_phone(phone: str) -> str:
    """'+33612345678' → '06 12 34 56 78' (French numbers), international format otherwise."""
    if not phone:
        return ""
    try:
        number = phonenumbers.parse(phone, "FR")
    except phonenumbers.NumberParseException:
        return phone
    if number.country_code == 33:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
