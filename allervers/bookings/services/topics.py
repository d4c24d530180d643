"""The partners offered for each theme on the residents' booking pages."""

from django.core.exceptions import ValidationError
from django.db import transaction

from ..locks import lock_row
from ..models import TopicPartner


def topic_partners_set(*, operator, mapping: dict) -> None:
    """Set the partners of each theme of `mapping` (theme → partners; none: every partner
    with openings is offered for it). Themes and partners of `operator` only. The operator's
    row is locked: two coordinators at once apply one after the other."""
    with transaction.atomic():
        lock_row(type(operator), operator.pk)
        for topic, partners in mapping.items():
            if topic.operator_id != operator.pk or any(
                partner.operator_id != operator.pk for partner in partners
            ):
                raise ValidationError("Cette thématique ou ce partenaire n'existe pas.")
            wanted = {partner.pk for partner in partners}
            rows = TopicPartner.objects.filter(topic=topic)
            rows.exclude(partner_id__in=wanted).delete()
            kept = set(rows.values_list("partner_id", flat=True))
            TopicPartner.objects.bulk_create(
                TopicPartner(operator_id=operator.pk, topic=topic, partner_id=partner_id)
                for partner_id in sorted(wanted - kept)
            )
