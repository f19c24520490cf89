import factory
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User

from lifecycle.models import Customer, CustomerEmail, Organization

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = make_password(PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@helpdesk.test")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = _PASSWORD_HASH

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*(Group.objects.get_or_create(name=name)[0] for name in extracted))


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        skip_postgeneration_save = True

    display_name = factory.Faker("name")

    @factory.post_generation
    def email(self, create, extracted, **kwargs):
        if create:
            address = extracted or f"customer{self.pk}@example.test"
            CustomerEmail.objects.create(customer=self, address=address.lower(), is_primary=True)


def staff_user(*role_names: str, **fields) -> User:
    return UserFactory(roles=list(role_names), **fields)


def portal_user(**fields) -> User:
    user = UserFactory(**fields)
    CustomerFactory(user=user, email=user.email)
    return user


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tickets.Team"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Team {n}")

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.add(*extracted)


class TicketFactory(factory.Factory):
    """A ticket opened through tickets.services.ticket_create, with all its events."""

    class Meta:
        model = "tickets.Ticket"

    subject = factory.Sequence(lambda n: f"Ticket {n}")
    body = "Hello, I need some help with my order."
    customer_email = factory.Sequence(lambda n: f"requester{n}@example.test")

    @classmethod
    def _create(cls, model_class, **kwargs):
        from tickets.services import ticket_create

        return ticket_create(**kwargs)

    @classmethod
    def _build(cls, model_class, **kwargs):
        raise TypeError("TicketFactory only creates tickets through the services.")


class SLAPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tickets.SLAPolicy"
        django_get_or_create = ("priority",)

    priority = "normal"
    first_response_minutes = 240
    resolution_minutes = 24 * 60


class CannedReplyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tickets.CannedReply"

    title = factory.Sequence(lambda n: f"Canned reply {n}")
    body = (
        "Hi {{ customer.first_name }}, thanks for writing about {{ ticket.reference }}.\n\n"
        "{{ agent.first_name }}"
    )
