from django.contrib import admin

from .models import Cursor, Delivery, Endpoint


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    list_display = ("url", "is_active", "created_at")
    exclude = ("secret",)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("id", "endpoint", "event_type", "state", "attempts", "last_status_code", "created_at")
    list_filter = ("state", "event_type")
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Cursor)
class CursorAdmin(admin.ModelAdmin):
    list_display = ("stream", "last_id", "updated_at")
