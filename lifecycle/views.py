from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from helpdesk.roles import ADMIN, AGENT, MANAGER, OVERSIGHT_ROLES, WORKSPACE_ROLES, has_role, role_required

from . import selectors, services
from .forms import (
    CustomerEditForm,
    CustomerEraseForm,
    CustomerFilterForm,
    CustomerMergeForm,
    ExitSurveyForm,
    FunnelForm,
    LifecycleSettingsForm,
    StageCorrectionForm,
)
from .models import Customer, LifecycleSettings

PAGE_SIZE = 50
# Who may change a customer's name, addresses, ids and preferences (QA reviewers only read).
EDIT_ROLES = (AGENT, MANAGER, ADMIN)


@role_required(*WORKSPACE_ROLES)
def customer_list(request: HttpRequest) -> HttpResponse:
    form = CustomerFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    customers = selectors.customer_list_for_staff(user=request.user, filters=filters)
    if filters.get("before"):
        customers = customers.filter(pk__lt=filters["before"])
    page = list(customers[: PAGE_SIZE + 1])
    next_query = None
    if len(page) > PAGE_SIZE:
        page = page[:PAGE_SIZE]
        params = request.GET.copy()
        params["before"] = page[-1].pk
        next_query = params.urlencode()
    languages = (
        Customer.objects.active().exclude(preferred_language="").values_list("preferred_language", flat=True)
    )
    context = {
        "nav": "customers",
        "form": form,
        "customers": page,
        "next_query": next_query,
        "is_later_page": bool(filters.get("before")),
        "languages": sorted(set(languages.distinct())),
    }
    return render(request, "lifecycle/customer_list.html", context)


@role_required(*WORKSPACE_ROLES)
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = selectors.customer_page(user=request.user, customer_id=customer_id)
    if customer.merged_into_id:
        messages.info(request, f"{customer} was merged into this customer.")
        return redirect("lifecycle:customer_detail", customer.merged_into_id)
    return render(request, "lifecycle/customer_detail.html", _detail_context(request, customer))


def _detail_context(request, customer, correction_form=None, merge_form=None) -> dict:
    return {
        "nav": "customers",
        "customer": customer,
        "timeline": selectors.customer_timeline(customer=customer),
        "correction_form": correction_form or StageCorrectionForm(initial={"to_stage": customer.stage}),
        "merge_form": merge_form or CustomerMergeForm(),
        "high_risk": customer.churn_risk_score >= selectors.HIGH_RISK,
        "can_edit": has_role(request.user, *EDIT_ROLES),
    }


@require_http_methods(["GET", "POST"])
@role_required(*EDIT_ROLES)
def customer_edit(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = selectors.customer_page(user=request.user, customer_id=customer_id)
    if customer.merged_into_id:
        messages.info(request, f"{customer} was merged into this customer.")
        return redirect("lifecycle:customer_edit", customer.merged_into_id)
    form = CustomerEditForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_profile_update(customer=customer, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Customer saved.")
            return redirect("lifecycle:customer_detail", customer.pk)
    context = {
        "nav": "customers",
        "customer": customer,
        "form": form,
        "organization_names": selectors.organization_names(),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "lifecycle/customer_edit.html", context, status=status)


@require_POST
@role_required(*WORKSPACE_ROLES)
def customer_stage_correct(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = selectors.customer_page(user=request.user, customer_id=customer_id)
    form = StageCorrectionForm(request.POST)
    if form.is_valid():
        try:
            services.stage_correct(customer=customer, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Stage corrected.")
            return redirect("lifecycle:customer_detail", customer.pk)
    context = _detail_context(request, customer, correction_form=form)
    return render(request, "lifecycle/customer_detail.html", context, status=400)


@require_POST
@role_required(*WORKSPACE_ROLES)
def customer_merge(request: HttpRequest, customer_id: int) -> HttpResponse:
    target = selectors.customer_page(user=request.user, customer_id=customer_id)
    form = CustomerMergeForm(request.POST)
    if form.is_valid():
        source = selectors.customer_lookup(value=form.cleaned_data["other"])
        try:
            if source is None:
                raise ValidationError({"other": "No customer has that address or id."})
            services.customer_merge(source=source, target=target, by=request.user)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"{source} (#{source.pk}) was merged into this customer.")
            return redirect("lifecycle:customer_detail", target.pk)
    context = _detail_context(request, target, merge_form=form)
    return render(request, "lifecycle/customer_detail.html", context, status=400)


@require_http_methods(["GET"])
@role_required(*OVERSIGHT_ROLES)
def customer_export(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Everything about the customer as one JSON file (a data-access request); audited."""
    customer = selectors.customer_page(user=request.user, customer_id=customer_id)
    try:
        document = services.customer_export(customer=customer, by=request.user, ip_address=_ip(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("lifecycle:customer_detail", customer.pk)
    response = JsonResponse(document, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="customer-{customer.pk}.json"'
    return response


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def customer_erase(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Ask for a reason and a confirmation, then erase the customer's personal data."""
    customer = selectors.customer_page(user=request.user, customer_id=customer_id)
    if customer.merged_into_id or customer.erased_at:
        return redirect("lifecycle:customer_detail", customer.pk)
    form = CustomerEraseForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.customer_erase(
                customer=customer,
                by=request.user,
                reason=form.cleaned_data["reason"],
                ip_address=_ip(request),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"The personal data of customer #{customer.pk} was erased.")
            return redirect("lifecycle:customer_detail", customer.pk)
    status = 400 if request.method == "POST" else 200
    context = {"nav": "customers", "customer": customer, "form": form}
    return render(request, "lifecycle/customer_erase.html", context, status=status)


@role_required(*WORKSPACE_ROLES)
def funnel(request: HttpRequest) -> HttpResponse:
    form = FunnelForm(request.GET) if request.GET else FunnelForm.default()
    rows = None
    if form.is_valid():
        rows = selectors.stage_funnel(
            date_from=form.cleaned_data["date_from"], date_to=form.cleaned_data["date_to"]
        )
    status = 200 if rows is not None else 400
    return render(
        request, "lifecycle/funnel.html", {"nav": "customers", "form": form, "rows": rows}, status=status
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def lifecycle_settings(request: HttpRequest) -> HttpResponse:
    form = LifecycleSettingsForm(request.POST or None, instance=LifecycleSettings.load())
    if request.method == "POST" and form.is_valid():
        services.lifecycle_settings_update(by=request.user, **form.cleaned_data)
        messages.success(request, "Lifecycle settings saved.")
        return redirect("lifecycle:settings")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "lifecycle/lifecycle_settings.html", {"nav": "customers", "form": form}, status=status
    )


@role_required(*WORKSPACE_ROLES)
def exit_survey_report(request: HttpRequest) -> HttpResponse:
    answers, counts = selectors.exit_survey_report(user=request.user)
    total = sum(row["count"] for row in counts)
    context = {"nav": "customers", "answers": answers[:200], "counts": counts, "total": total}
    return render(request, "lifecycle/exitsurvey_report.html", context)


@require_http_methods(["GET", "POST"])
def exit_survey(request: HttpRequest, token: str) -> HttpResponse:
    survey = services.exit_survey_from_token(token)
    if survey is None:
        return render(request, "lifecycle/exitsurvey_closed.html", {"why": "unknown"}, status=404)
    if survey.answered_at is not None:
        return render(request, "lifecycle/exitsurvey_closed.html", {"why": "answered"}, status=410)
    form = ExitSurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.exit_survey_answer(survey=survey, **form.cleaned_data)
        except ValidationError:
            return render(request, "lifecycle/exitsurvey_closed.html", {"why": "expired"}, status=410)
        return render(request, "lifecycle/exitsurvey_closed.html", {"why": "thanks"})
    if survey.expires_at <= timezone.now():
        return render(request, "lifecycle/exitsurvey_closed.html", {"why": "expired"}, status=410)
    status = 400 if request.method == "POST" else 200
    return render(request, "lifecycle/exitsurvey_form.html", {"form": form, "survey": survey}, status=status)


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
