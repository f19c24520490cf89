from lifecycle.models import Customer, Stage
from lifecycle.services import customer_external_id_add
from tests.factories import CustomerFactory, OrganizationFactory


def _names(response):
    return [c.display_name for c in response.context["customers"]]


def test_customer_list_filters_by_stage_organization_risk_and_language(client, agent):
    org = OrganizationFactory()
    match = CustomerFactory(display_name="Match", organization=org, preferred_language="yi")
    Customer.objects.filter(pk=match.pk).update(stage=Stage.LOYALTY, churn_risk_score=0.8)
    CustomerFactory(display_name="Other stage", organization=org, preferred_language="yi")
    other_org = CustomerFactory(display_name="Other org", preferred_language="yi")
    Customer.objects.filter(pk=other_org.pk).update(stage=Stage.LOYALTY, churn_risk_score=0.8)
    client.force_login(agent)
    response = client.get(
        "/customers/", {"stage": "loyalty", "organization": org.pk, "risk": "high", "language": "yi"}
    )
    assert _names(response) == ["Match"]
    assert _names(client.get("/customers/", {"stage": "none"})) == ["Other stage"]
    assert _names(client.get("/customers/", {"risk": "low"})) == ["Other stage"]


def test_customer_list_search_by_name_email_and_external_id(client, agent):
    ada = CustomerFactory(display_name="Ada Lovelace", email="ada@engine.example")
    customer_external_id_add(customer=ada, source="shop", external_id="C-77")
    CustomerFactory(display_name="Charles Babbage")
    client.force_login(agent)
    for q in ["lovelace", "ADA@engine", "C-77", "shop:C-77", f"#{ada.pk}"]:
        assert _names(client.get("/customers/", {"q": q})) == ["Ada Lovelace"], q


def test_customer_list_hides_merged_customers(client, agent):
    survivor = CustomerFactory(display_name="Survivor")
    CustomerFactory(display_name="Merged", merged_into=survivor)
    client.force_login(agent)
    assert _names(client.get("/customers/")) == ["Survivor"]


def test_customer_list_pages_by_keyset(client, agent):
    for index in range(55):
        CustomerFactory(display_name=f"C{index:02d}")
    client.force_login(agent)
    first = client.get("/customers/")
    assert len(first.context["customers"]) == 50 and first.context["next_query"]
    second = client.get("/customers/?" + first.context["next_query"])
    assert _names(second) == [f"C{index:02d}" for index in range(4, -1, -1)]
    assert second.context["next_query"] is None


def test_customer_list_bad_filters_are_ignored_not_errors(client, agent):
    CustomerFactory(display_name="Kept")
    client.force_login(agent)
    response = client.get("/customers/", {"organization": "abc", "before": "-4", "stage": "bogus"})
    assert response.status_code == 200


def test_customer_list_query_count(client, agent, django_assert_max_num_queries):
    orgs = [OrganizationFactory() for _ in range(3)]
    for index in range(15):
        CustomerFactory(organization=orgs[index % 3], preferred_language="en")
    client.force_login(agent)
    with django_assert_max_num_queries(8):
        response = client.get("/customers/", {"q": "example"})
    assert len(response.context["customers"]) == 15


def test_customer_list_renders_names_with_auto_direction(client, agent):
    CustomerFactory(display_name="<script>alert(1)</script> שלום")
    client.force_login(agent)
    content = client.get("/customers/").content.decode()
    assert "<script>alert(1)</script>" not in content
    assert 'dir="auto"' in content
