from django.contrib import admin

from .help_cache import help_center_changed
from .models import Article, ArticleRevision, ArticleTranslation, Category, Keyword, Section


class HelpCenterAdmin(admin.ModelAdmin):
    """Changes made here show in the public help center at once (see kb/help_cache.py)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        help_center_changed()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        help_center_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        help_center_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        help_center_changed()


@admin.register(Category)
class CategoryAdmin(HelpCenterAdmin):
    list_display = ("name", "slug", "position")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Section)
class SectionAdmin(HelpCenterAdmin):
    list_display = ("name", "category", "slug", "position")
    list_filter = ("category",)
    list_select_related = ("category",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Keyword)
class KeywordAdmin(HelpCenterAdmin):
    search_fields = ("name",)


class TranslationInline(admin.TabularInline):
    model = ArticleTranslation
    fields = ("language", "title", "slug", "updated_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False  # translations are written through the knowledge-base editor (renders and indexes)


@admin.register(Article)
class ArticleAdmin(HelpCenterAdmin):
    list_display = ("pk", "section", "state", "is_internal", "popularity", "updated_at")
    list_filter = ("state", "is_internal", "section__category")
    list_select_related = ("section__category",)
    fields = ("section", "state", "is_internal", "position", "keywords")
    autocomplete_fields = ("keywords",)
    inlines = [TranslationInline]

    def has_add_permission(self, request):
        return False


@admin.register(ArticleRevision)
class ArticleRevisionAdmin(admin.ModelAdmin):
    list_display = ("article", "language", "title", "author", "created_at")
    list_select_related = ("author",)
    readonly_fields = [f.name for f in ArticleRevision._meta.fields]

    def has_add_permission(self, request):
        return False
