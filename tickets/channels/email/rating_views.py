"""/rate/<token>/: the public page behind the follow-up's rating link (no sign-in; CSRF-protected).

Opening the link records nothing (mail scanners open links); the score from the email is
preselected and one click on "Send rating" records it. A new rating replaces the old one.
"""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from ...services import ticket_rate
from .followup import rating_ticket
from .forms import RatingForm


@require_http_methods(["GET", "POST"])
def rating(request: HttpRequest, token: str) -> HttpResponse:
    ticket = rating_ticket(token)
    if ticket is None:
        return render(request, "tickets/rating_invalid.html", status=404)
    if request.method == "POST":
        form = RatingForm(request.POST)
        if form.is_valid():
            try:
                ticket_rate(
                    ticket=ticket, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"]
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return render(request, "tickets/rating_thanks.html", {"ticket": ticket})
        status = 400
    else:
        score = request.GET.get("score", "")
        form = RatingForm(initial={"score": int(score)} if score in {"1", "2", "3", "4", "5"} else None)
        status = 200
    return render(request, "tickets/rating_form.html", {"form": form, "ticket": ticket}, status=status)
