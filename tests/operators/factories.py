import factory
from django.contrib.auth import get_user_model

from allervers.core.roles import Role
from allervers.operators.models import Membership, Operator


class OperatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Operator

    name = factory.Sequence(lambda n: f"CCAS numéro {n}")
    slug = factory.Sequence(lambda n: f"ccas-{n}")
    phone = "03 21 00 00 00"
    neighbourhood_name = "Quartier du Regain"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"utilisateur{n}@example.org")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Agent{n}")
    password = factory.PostGenerationMethodCall("set_password", "mot-de-passe-test")

    @factory.post_generation
    def save_password(self, create, extracted, **kwargs):
        if create:
            self.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    operator = factory.SubFactory(OperatorFactory)
    role = Role.AGENT
    partner = None
