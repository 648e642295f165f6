from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from contact_hub.staff.models import AccessEvent, SecurityEvent, StaffUser


@admin.register(StaffUser)
class StaffUserAdmin(UserAdmin):
    list_display = ("username", "get_full_name", "role", "collar_number", "is_active",
                    "last_login")
    list_filter = ("role", "is_active")
    fieldsets = (*(UserAdmin.fieldsets or ()),
                 ("Role", {"fields": ("role", "collar_number", "desk_phone")}))
    add_fieldsets = (*UserAdmin.add_fieldsets, ("Role", {"fields": ("role",)}))


class ReadOnlyAdmin(admin.ModelAdmin):
    """Audit records are evidence: nobody edits or deletes them, administrators included."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "what", "person_id", "why", "flagged")
    list_filter = ("action", "flagged")


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "count", "actor", "source_ip", "path")
    list_filter = ("kind",)
