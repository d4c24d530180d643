"""Writes of the partners app. A partner's name and description show on the public page, and
its presences on every stop: each write is declared `@stamps_public_revision`, so the public
pages of its operator refresh after the commit (allervers/core/revision.py)."""

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from allervers.core.names import free_slug, name_taken, unique_name_saving
from allervers.core.revision import stamps_public_revision
from allervers.core.roles import Role
from allervers.operators.models import Membership
from allervers.operators.services import member_invite

from .models import Partner, email_lines


@stamps_public_revision
def partner_save(*, partner: Partner) -> Partner:
    """Create or update a partner. Refused, nothing saved: an empty name, a name already used in
    the structure (whatever its case), a wrong contact address."""
    partner.name = " ".join(partner.name.split())
    if not partner.name:
        raise ValidationError("Indiquez le nom du partenaire.")
    if partner.pk:
        Partner.objects.select_for_update().filter(pk=partner.pk).first()
    others = Partner.objects.filter(operator_id=partner.operator_id).exclude(pk=partner.pk)
    taken = (
        f"Un partenaire s'appelle déjà « {partner.name} » (archivé peut-être) : "
        "choisissez un autre nom ou modifiez celui-là."
    )
    if name_taken(others.values_list("name", flat=True), partner.name):
        raise ValidationError(taken, code="duplicate_partner")
    partner.notice_emails = "\n".join(email_lines(partner.notice_emails))
    if not partner.slug:
        siblings = Partner.objects.filter(operator_id=partner.operator_id).exclude(pk=partner.pk)
        partner.slug = free_slug(siblings, slugify(partner.name)[:70] or "partenaire")
    partner.full_clean(exclude=["operator"], validate_constraints=False)
    with unique_name_saving(taken, code="duplicate_partner"):
        partner.save()
    return partner


@stamps_public_revision
def partner_archive(*, partner: Partner, archived: bool = True) -> Partner:
    """Archive a partner (or bring it back): it leaves the forms and the public page; its
    history (presences, visits, referrals, logins) stays. A partner is never deleted here."""
    partner.is_archived = archived
    partner.save(update_fields=["is_archived"])
    return partner


def partner_member_invite(
    *, partner: Partner, email: str, first_name: str, last_name: str, invited_by, request=None
) -> Membership:
    """Give a person of the partner a login with the `partner` role, tied to this partner: the
    team screen's invitation (a new account gets a link to choose its password). An existing
    account (another structure's) is only invited: it joins once its owner accepts."""
    if partner.is_archived:
        raise ValidationError("Ce partenaire est archivé : remettez-le en service d'abord.")
    if not partner.staff_have_logins:
        raise ValidationError(
            "Les personnes de ce partenaire n'ont pas d'accès : cochez d'abord cette case "
            "dans la fiche du partenaire."
        )
    return member_invite(
        operator=partner.operator,
        email=email,
        first_name=first_name,
        last_name=last_name,
        role=Role.PARTNER,
        partner=partner,
        invited_by=invited_by,
        request=request,
    )
