from django.contrib import admin

from .models import ApiToken, IdempotencyRecord


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "key_hint", "created_at", "last_used_at", "expires_at", "revoked_at")
    search_fields = ("name", "user__username", "key_hint")
    readonly_fields = ("key_hash", "key_hint", "created_at", "last_used_at", "created_by")

    def has_add_permission(self, request):
        return False  # created on the API tokens page, which shows the token once


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ("principal", "key", "status_code", "created_at")
    readonly_fields = [f.name for f in IdempotencyRecord._meta.fields]

    def has_add_permission(self, request):
        return False
