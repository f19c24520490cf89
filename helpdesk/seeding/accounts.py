"""Demo staff and the portal customer's login. Every demo user's password is `demo`."""

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User

from helpdesk import roles

from . import Seeder

DEMO_PASSWORD = "demo"  # noqa: S105 - demo data only; seed_demo refuses to run in production mode  # nosec B105
EXTRA_AGENTS = 11


def seed(seeder: Seeder) -> None:
    password = make_password(DEMO_PASSWORD)
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in roles.STAFF_ROLES}
    people = [
        ("agent", "Ada", "Agent", [roles.AGENT]),
        ("manager", "Max", "Manager", [roles.MANAGER]),
        ("admin", "Ari", "Admin", [roles.ADMIN]),
        ("qa", "Quinn", "Reviewer", [roles.QA_REVIEWER, roles.AGENT]),
    ]
    names = seeder.rng.sample(
        ["Noah", "Mia", "Liam", "Zoe", "Omar", "Yuki", "Ravi", "Lena", "Tomas", "Ines", "Kofi", "Sara"],
        EXTRA_AGENTS,
    )
    people += [(f"agent{i}", name, "Support", [roles.AGENT]) for i, name in enumerate(names, start=2)]
    staff = []
    for username, first, last, role_names in people:
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@helpdesk.localhost",
                "password": password,
                "is_staff": roles.ADMIN in role_names,
                "is_superuser": roles.ADMIN in role_names,
            },
        )
        user.groups.add(*(groups[r] for r in role_names))
        staff.append(user.pk)
    customer_user, _ = User.objects.get_or_create(
        username="customer",
        defaults={
            "first_name": "Carmen",
            "last_name": "Customer",
            "email": "customer@example.com",
            "password": password,
        },
    )
    seeder.ids["staff"] = staff
    seeder.ids["agents"] = [pk for pk, p in zip(staff, people, strict=True) if roles.AGENT in p[3]]
    seeder.ids["portal_user"] = [customer_user.pk]
    seeder.log(f"users: {len(staff)} staff and 1 portal customer")
