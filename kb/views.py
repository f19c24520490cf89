"""Staff pages: authoring, history, the composer's article search and the help-center insights."""

import difflib

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from helpdesk.roles import STAFF_ROLES, role_required
from tickets.models import Ticket

from . import insights as figures
from . import selectors, services
from .forms import ArticleForm, DateRangeForm, StaffArticleFilterForm
from .languages import is_rtl, normalise, offered
from .markdown import render_markdown
from .models import Article


@role_required(*STAFF_ROLES)
@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    form = StaffArticleFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    articles = selectors.article_list_for_staff(
        state=filters.get("state", ""),
        category_id=filters["category"].pk if filters.get("category") else None,
        query=filters.get("q", ""),
    )
    page = Paginator(articles, 50).get_page(request.GET.get("page"))
    page.object_list = selectors.with_display(page.object_list, language=settings.KB_DEFAULT_LANGUAGE)
    return render(request, "kb/article_list.html", {"nav": "kb", "form": form, "page": page})


@role_required(*STAFF_ROLES)
def article_create(request: HttpRequest) -> HttpResponse:
    initial, ticket = _from_ticket(request)
    form = ArticleForm(request.POST or None, initial=initial, preview_url=reverse("kb:preview"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            article = services.article_create(
                section=data["section"],
                title=data["title"],
                body_markdown=data["body_markdown"],
                state=data["state"],
                is_internal=data["is_internal"],
                keywords=data["keywords"],
                language=data["language"],
                source_ticket_id=ticket.pk if ticket else None,
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Article created.")
            return redirect("kb:article_detail", pk=article.pk)
    return render(request, "kb/article_form.html", {"nav": "kb", "form": form, "ticket": ticket})


def _from_ticket(request: HttpRequest) -> tuple[dict, Ticket | None]:
    """Initial values from ?from_ticket=<id>: the subject and the last public agent reply."""
    raw = request.GET.get("from_ticket") or request.POST.get("from_ticket")
    if not raw:
        return {}, None
    try:
        ticket, reply = selectors.ticket_answer_for_article(user=request.user, ticket_id=int(raw))
    except (ValueError, Ticket.DoesNotExist) as missing:
        raise Http404("No such ticket.") from missing
    if not ticket.is_solved:
        messages.warning(request, f"{ticket.reference} is not solved yet; check that the answer is final.")
    return {"title": ticket.subject, "body_markdown": reply.body_text if reply else ""}, ticket


@role_required(*STAFF_ROLES)
def article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    article = _staff_article(pk)
    language = normalise(request.GET.get("lang")) or settings.KB_DEFAULT_LANGUAGE
    form = ArticleForm(
        request.POST or None, initial=_edit_initial(article, language), preview_url=reverse("kb:preview")
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.article_update(article=article, by=request.user, **data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Article saved.")
            return redirect(f"{reverse('kb:article_detail', args=[article.pk])}?lang={data['language']}")
    context = {"nav": "kb", "form": form, "article": article, "language": language}
    return render(request, "kb/article_form.html", context)


def _edit_initial(article: Article, language: str) -> dict:
    translations = {t.language: t for t in article.translations.all()}
    shown = translations.get(language) or translations.get(settings.KB_DEFAULT_LANGUAGE)
    return {
        "language": language,
        "title": shown.title if shown else "",
        "body_markdown": shown.body_markdown if shown else "",
        "section": article.section_id,
        "state": article.state,
        "is_internal": article.is_internal,
        "keywords": ", ".join(k.name for k in article.keywords.all()),
    }


def _staff_article(pk: int) -> Article:
    try:
        return selectors.article_for_staff(pk=pk)
    except Article.DoesNotExist as missing:
        raise Http404("No such article.") from missing


@role_required(*STAFF_ROLES)
@require_GET
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = _staff_article(pk)
    translations = list(article.translations.all())
    language = normalise(request.GET.get("lang")) or settings.KB_DEFAULT_LANGUAGE
    by_language = {t.language: t for t in translations}
    shown = by_language.get(language) or by_language.get(settings.KB_DEFAULT_LANGUAGE) or translations[0]
    context = {
        "nav": "kb",
        "article": article,
        "translation": shown,
        "translations": translations,
        "missing_languages": [(c, n) for c, n in offered().items() if c not in by_language],
        "article_dir": "rtl" if shown.is_rtl else "ltr",
        "votes": selectors.article_votes(article=article),
    }
    return render(request, "kb/article_detail.html", context)


@role_required(*STAFF_ROLES)
@require_GET
def article_history(request: HttpRequest, pk: int) -> HttpResponse:
    article = _staff_article(pk)
    language = normalise(request.GET.get("lang")) or settings.KB_DEFAULT_LANGUAGE
    revisions = list(selectors.article_revisions(article=article, language=language)[:50])
    for newer, older in zip(revisions, [*revisions[1:], None], strict=True):
        newer.diff = _diff(older, newer)
    context = {"nav": "kb", "article": article, "language": language, "revisions": revisions}
    return render(request, "kb/article_history.html", context)


def _diff(older, newer) -> list[tuple[str, str]]:
    """Changed lines between two revisions as (kind, text): kind is 'add', 'del' or 'hunk'."""
    before = [f"# {older.title}", *older.body_markdown.splitlines()] if older else []
    after = [f"# {newer.title}", *newer.body_markdown.splitlines()]
    lines = []
    for line in difflib.unified_diff(before, after, lineterm="", n=1):
        if line.startswith(("---", "+++")):
            continue
        kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "same")
        if kind == "hunk" and older is None:
            continue
        lines.append((kind, line[1:] if kind in ("add", "del", "same") else "…"))
    return lines


@role_required(*STAFF_ROLES)
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """The Markdown editor's live preview: sanitised HTML rendered on the server (htmx)."""
    source = request.POST.get("body_markdown", "")[:100_000]
    rtl = is_rtl(request.POST.get("language", ""))
    return render(request, "kb/_preview.html", {"html": render_markdown(source), "rtl": rtl})


@role_required(*STAFF_ROLES)
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """The ticket composer's article search: results with "insert link" and "insert text" (htmx)."""
    query = request.GET.get("q", "").strip()[:200]
    language = normalise(request.GET.get("lang")) or settings.KB_DEFAULT_LANGUAGE
    results = selectors.article_search(
        query=query, language=language, limit=8, include_internal=True, with_source=True
    )
    context = {"results": results, "query": query, "site_url": settings.SITE_URL}
    return render(request, "kb/_staff_search.html", context)


@role_required(*STAFF_ROLES)
@require_GET
def insights(request: HttpRequest) -> HttpResponse:
    form = DateRangeForm.for_request(request.GET)
    context = {"nav": "kb", "form": form}
    if form.is_valid():
        span = {"date_from": form.cleaned_data["date_from"], "date_to": form.cleaned_data["date_to"]}
        context.update(
            views=figures.kb_article_views(**span),
            top_articles=figures.kb_top_articles(**span),
            helpful=figures.kb_helpful_ratio(**span),
            searches=figures.kb_searches(**span),
            failed_searches=figures.kb_failed_searches(**span),
            deflection=figures.kb_deflection_rate(**span),
        )
    return render(request, "kb/insights.html", context)
