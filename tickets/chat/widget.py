"""The embeddable web chat widget's same-origin endpoints (static/js/chat-widget.js).

The browser never holds an API token: these views call the same service as the webhook, with the
session's customer (or the name and email the visitor gives) as the sender. Each browser session
is one conversation.
"""

import secrets

from django import forms
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from helpdesk.roles import is_staff_member

from ..models import ConversationLink, Message
from .services import ConversationBusy, InboundChatMessage, chat_message_receive

SESSION_KEY = "chat_widget_conversation"
POSTS_PER_WINDOW = 30
WINDOW_SECONDS = 15 * 60
MAX_HISTORY = 100


class ChatPostForm(forms.Form):
    text = forms.CharField(max_length=5000)
    name = forms.CharField(max_length=200, required=False)
    email = forms.EmailField(max_length=254, required=False)
    key = forms.CharField(max_length=64, required=False)

    def __init__(self, *args, customer_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if customer_user is None:
            self.fields["name"].required = True
            self.fields["email"].required = True


def _conversation_id(request: HttpRequest, *, create: bool) -> str | None:
    token = request.session.get(SESSION_KEY)
    if token is None and create:
        token = request.session[SESSION_KEY] = secrets.token_urlsafe(18)
    return f"web-{token}" if token else None


def _error(message: str, status: int, errors: dict | None = None) -> JsonResponse:
    return JsonResponse(
        {"code": "invalid" if status == 400 else "error", "message": message, "errors": errors or {}},
        status=status,
    )


def _visitor(request: HttpRequest):
    if not request.user.is_authenticated:
        return None
    if is_staff_member(request.user) or getattr(request.user, "customer", None) is None:
        raise PermissionDenied("The chat is for customers.")
    return request.user


def _inbound(request: HttpRequest, form: ChatPostForm, user, conversation_id: str) -> InboundChatMessage:
    data = form.cleaned_data
    if user is not None:
        emails = user.customer.emails.order_by("-is_primary", "pk").values_list("address", flat=True)
        name, email, sender = (
            user.customer.display_name or user.get_full_name(),
            emails.first() or user.email,
            f"user-{user.pk}",
        )
    else:
        name, email, sender = data["name"], data["email"], conversation_id
    return InboundChatMessage(
        channel=ConversationLink.Channel.CHAT,
        conversation_id=conversation_id,
        sender_id=sender,
        sender_name=name,
        sender_email=email,
        email_verified=user is not None,
        text=data["text"],
        idempotency_key=f"{conversation_id}:{data['key'] or secrets.token_hex(8)}",
    )


def _throttled(request: HttpRequest) -> bool:
    key = f"chat-widget:{request.user.pk or request.META.get('REMOTE_ADDR', '')}"
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        return cache.incr(key) > POSTS_PER_WINDOW
    except ValueError:
        return False


def _message_json(message: Message) -> dict:
    return {
        "id": message.pk,
        "from": "you" if message.sender == Message.Sender.CUSTOMER else "agent",
        "text": message.body_text,
        "at": message.created_at.isoformat(),
    }


@require_http_methods(["GET", "POST"])
def chat_messages(request: HttpRequest) -> JsonResponse:
    """GET: this conversation's public messages after ?after=<id>. POST: send one (text, name, email)."""
    try:
        user = _visitor(request)
    except PermissionDenied as exc:
        return _error(str(exc), 403)
    if request.method == "GET":
        return JsonResponse({"messages": _history(request)})
    form = ChatPostForm(request.POST, customer_user=user)
    if not form.is_valid():
        errors = {field: [str(e) for e in messages] for field, messages in form.errors.items()}
        return _error("Check the highlighted fields.", 400, errors)
    if _throttled(request):
        return _error("You are sending messages too fast; wait a few minutes.", 429)
    inbound = _inbound(request, form, user, _conversation_id(request, create=True))
    try:
        message, _ = chat_message_receive(message=inbound)
    except (ValidationError, ConversationBusy):
        return _error("The message could not be stored; please try again.", 409)
    return JsonResponse({"message": _message_json(message)}, status=201)


def _history(request: HttpRequest) -> list[dict]:
    conversation_id = _conversation_id(request, create=False)
    link = ConversationLink.objects.filter(channel="chat", conversation_id=conversation_id or "").first()
    if link is None:
        return []
    after = request.GET.get("after", "")
    messages = Message.objects.filter(
        ticket_id=link.ticket_id, kind=Message.Kind.PUBLIC, created_at__gte=link.created_at
    ).order_by("pk")
    if after.isdigit() and len(after) < 19:
        messages = messages.filter(pk__gt=int(after))
    return [_message_json(m) for m in messages[:MAX_HISTORY]]


@require_GET
def chat_demo(request: HttpRequest):
    return render(request, "portal/chat_demo.html", {"nav": "portal"})
