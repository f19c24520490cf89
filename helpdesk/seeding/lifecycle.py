"""Demo organizations and customers (with their addresses), spread over two years."""

from lifecycle.models import Customer, CustomerEmail, Organization

from . import Seeder
from .texts import LANGUAGES

ORGANIZATIONS = (
    "Acme Ltd",
    "Globex",
    "Initech",
    "Umbrella Co",
    "Hooli",
    "Stark Industries",
    "Wayne Enterprises",
    "Soylent",
    "Tyrell",
    "Cyberdyne",
)


def seed(seeder: Seeder) -> None:
    orgs = [
        Organization.objects.get_or_create(name=name, defaults={"domain": _domain(name)})[0].pk
        for name in ORGANIZATIONS
    ]
    first_id = seeder.next_id(Customer)
    rng = seeder.rng
    rows, emails = [], []
    for i in range(seeder.customers):
        pk = first_id + i
        lang = seeder.language()
        names = LANGUAGES[lang]
        name = f"{rng.choice(names.first_names)} {rng.choice(names.last_names)}"
        created = seeder.random_instant()
        org = rng.choice(orgs) if rng.random() < 0.3 else None
        user_id = seeder.ids["portal_user"][0] if i == 0 else None
        if i == 0:
            name, lang = "Carmen Customer", "en"
        rows.append((pk, name, org, lang, "", 0.0, [], rng.random() < 0.4, user_id, created, created))
        emails.append((pk, "customer@example.com" if i == 0 else f"customer{pk}@example.com", True, created))
    seeder.insert(
        Customer,
        [
            "id",
            "display_name",
            "organization",
            "preferred_language",
            "time_zone",
            "churn_risk_score",
            "churn_risk_reasons",
            "marketing_consent",
            "user",
            "created_at",
            "updated_at",
        ],
        rows,
    )
    seeder.insert(CustomerEmail, ["customer", "address", "is_primary", "created_at"], emails)
    seeder.reset_sequence(Customer)
    seeder.reset_sequence(CustomerEmail)
    seeder.ids["customers"] = list(range(first_id, first_id + seeder.customers))
    seeder.log(f"customers: {seeder.customers} in {len(orgs)} organizations")


def _domain(name: str) -> str:
    return name.lower().replace(" ", "") + ".example"
