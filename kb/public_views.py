"""The public help center (/help/): no login; only published, non-internal articles."""

import uuid

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services
from .languages import LANGUAGE_COOKIE, is_rtl, normalise, offered, visitor_language
from .models import Article, Category

VISITOR_COOKIE = "kb_visitor"
VISITOR_SALT = "kb.visitor"
YEAR = 365 * 24 * 3600
SUGGEST_MIN_CHARS = 3
CATEGORY_PAGE_SIZE = 30


def _context(request: HttpRequest, language: str, **extra) -> dict:
    return {
        "language": language,
        "language_dir": "rtl" if is_rtl(language) else "ltr",
        "languages": offered(),
        **extra,
    }


def _remember_language(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    patch_vary_headers(response, ["Accept-Language", "Cookie"])  # the language comes from both
    chosen = normalise(request.GET.get("lang"))
    if chosen and chosen != request.COOKIES.get(LANGUAGE_COOKIE):
        response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=YEAR, samesite="Lax", httponly=True)
    return response


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    language = visitor_language(request)
    categories, popular = selectors.help_home(language=language)
    context = _context(request, language, categories=categories, popular=popular)
    return _remember_language(request, render(request, "kb/help_home.html", context))


@require_GET
def category(request: HttpRequest, slug: str) -> HttpResponse:
    language = visitor_language(request)
    try:
        pages = selectors.help_category(slug=slug, language=language)
    except Category.DoesNotExist as missing:
        raise Http404("No such category.") from missing
    page = Paginator(range(pages.count), CATEGORY_PAGE_SIZE).get_page(request.GET.get("page"))
    articles = pages.page(number=page.number, size=CATEGORY_PAGE_SIZE)
    if not articles and page.number == 1:
        raise Http404("No public articles in this category.")
    context = _context(request, language, category=pages.category, page=page, articles=articles)
    return _remember_language(request, render(request, "kb/help_category.html", context))


@require_GET
def article(request: HttpRequest, pk: int, slug: str = "") -> HttpResponse:
    language = visitor_language(request)
    try:
        article, translation, languages = selectors.public_article(pk=pk, language=language)
    except Article.DoesNotExist as missing:
        raise Http404("No such article.") from missing
    if slug != translation.slug:
        canonical = reverse("help:article", args=[article.pk, translation.slug])
        query = request.GET.urlencode()
        return redirect(f"{canonical}?{query}" if query else canonical)
    from_suggestion = request.GET.get("from") == "suggest"
    services.article_view_record(article_id=article.pk, from_suggestion=from_suggestion)
    if from_suggestion and request.session.session_key:
        services.deflection_article_opened(session_key=request.session.session_key, article_id=article.pk)
    context = _context(
        request,
        language,
        article=article,
        translation=translation,
        article_dir="rtl" if translation.is_rtl else "ltr",
        shown_language_name=offered().get(translation.language, translation.language),
        article_languages=[(code, offered().get(code, code)) for code in languages],
        related=selectors.related_articles(article=article, language=language),
        voted=selectors.visitor_has_voted(article=article, visitor=_visitor_id(request)),
    )
    return _remember_language(request, render(request, "kb/help_article.html", context))


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    language = visitor_language(request)
    query = request.GET.get("q", "").strip()[:200]
    results = selectors.article_search(query=query, language=language) if query else []
    if query and not results:  # nothing has every word: offer what has some of them
        results = selectors.article_search(query=query, language=language, match="any")
    if query:
        services.search_record(query=query, language=language, found=bool(results))
    context = _context(request, language, query=query, results=results)
    return _remember_language(request, render(request, "kb/help_search.html", context))


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """Suggestions for the portal's new-ticket form while the customer types the subject (htmx)."""
    language = visitor_language(request)
    query = request.GET.get("q", "").strip()[:200]
    results = []
    if len(query) >= SUGGEST_MIN_CHARS:
        results = selectors.article_search(query=query, language=language, limit=5, match="any")
    if results:
        if not request.session.session_key:
            request.session.save()
        services.deflection_suggestions_shown(session_key=request.session.session_key, count=len(results))
    return render(request, "kb/_suggestions.html", {"results": results, "query": query})


@require_POST
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article.objects.public(), pk=pk)
    helpful = request.POST.get("helpful")
    if helpful not in ("yes", "no"):
        return HttpResponse("Say whether the article helped: helpful=yes or helpful=no.", status=400)
    if not _ballot_allowed(request):
        return HttpResponse("Too many votes from your network; please try again later.", status=429)
    visitor = _visitor_id(request) or uuid.uuid4().hex
    try:
        counted = services.article_vote(article=article, visitor=visitor, helpful=helpful == "yes")
    except ValidationError as error:
        return HttpResponse(error.messages[0], status=400)
    if request.htmx:
        response = render(request, "kb/_vote_thanks.html", {"counted": counted, "helpful": helpful == "yes"})
    else:
        response = redirect(reverse("help:article_by_id", args=[article.pk]))
    response.set_signed_cookie(
        VISITOR_COOKIE, visitor, salt=VISITOR_SALT, max_age=YEAR, samesite="Lax", httponly=True
    )
    return response


def _visitor_id(request: HttpRequest) -> str | None:
    try:
        value = request.get_signed_cookie(VISITOR_COOKIE, salt=VISITOR_SALT, max_age=YEAR)
    except (KeyError, signing.BadSignature):
        return None
    return value if len(value) == 32 and value.isalnum() else None


def _ballot_allowed(request: HttpRequest) -> bool:
    """At most KB_VOTES_PER_IP_PER_HOUR ballots per IP address and clock hour."""
    key = f"kb:votes:{request.META.get('REMOTE_ADDR', '')}:{timezone.now():%Y%m%d%H}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    return count <= settings.KB_VOTES_PER_IP_PER_HOUR
