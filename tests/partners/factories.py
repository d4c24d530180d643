import factory

from allervers.partners.enums import Network
from allervers.partners.models import Partner
from tests.operators.factories import OperatorFactory


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    operator = factory.SubFactory(OperatorFactory)
    name = factory.Sequence(lambda n: f"Partenaire {n}")
    slug = factory.Sequence(lambda n: f"partenaire-{n}")
    network = Network.FRANCE_TRAVAIL
