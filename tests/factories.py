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


# Knowledge base


class KbCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "kb.Category"

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class KbSectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "kb.Section"

    category = factory.SubFactory(KbCategoryFactory)
    name = factory.Sequence(lambda n: f"Section {n}")
    slug = factory.Sequence(lambda n: f"section-{n}")


def kb_article(
    *,
    title: str = "How to reset your password",
    body: str = "Open **Settings** and choose *Reset password*.",
    state: str = "published",
    section=None,
    by=None,
    **fields,
):
    """An article written through the service, so it is rendered, indexed and has a revision."""
    from kb.services import article_create

    return article_create(
        section=section or KbSectionFactory(),
        title=title,
        body_markdown=body,
        state=state,
        by=by,
        **fields,
    )
