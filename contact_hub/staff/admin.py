"""The admin of staff accounts, their authenticators and the audit records.

An administrator cannot take an account over silently: a role, activation, password or
authenticator change is a security event professional standards see (role_changes.py), a
device's key is never shown after it is enrolled (OTP_ADMIN_HIDE_SENSITIVE_DATA) and a device
stays with the account it was enrolled for. Giving anyone a role that needs a second
administrator only asks for it; another administrator approves it under "Role change requests".
Who may use the admin follows from the role alone (administrators), so there is no separate
staff or superuser switch to flip.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from contact_hub.staff.models import AccessEvent, RoleChangeRequest, SecurityEvent, StaffUser
from contact_hub.staff.role_changes import (
    RoleChangeRefused,
    device_changed_record,
    password_changed_record,
    role_change_approve,
    role_change_refusal,
    role_change_refuse,
    staff_account_change,
    staff_created_record,
)
from contact_hub.staff.roles import MAY_ADMINISTER

ROLE_REASON_HELP = ("Needed to give someone the supervisor, professional standards or "
                    "administrator role, or to re-activate an account that holds one: the "
                    "change waits until a second administrator reads this and approves it.")


def _role_reason_field() -> forms.CharField:
    return forms.CharField(label="Reason for the role", required=False, max_length=300,
                           widget=forms.Textarea(attrs={"rows": 2}), help_text=ROLE_REASON_HELP)


class StaffUserChangeForm(UserChangeForm):
    role_reason = _role_reason_field()

    class Meta(UserChangeForm.Meta):  # type: ignore[name-defined]
        model = StaffUser
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # The instance still holds the stored account here: the form's values reach it later.
        refusal = role_change_refusal(user=self.instance, role=cleaned.get("role", ""),
                                      active=bool(cleaned.get("is_active")),
                                      reason=cleaned.get("role_reason", ""))
        if refusal:
            self.add_error("role_reason", refusal)
        return cleaned


class StaffUserCreationForm(AdminUserCreationForm):
    role_reason = _role_reason_field()

    class Meta(AdminUserCreationForm.Meta):  # type: ignore[name-defined]
        model = StaffUser
        fields = ("username", "role")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        refusal = role_change_refusal(user=None, role=cleaned.get("role", ""), active=True,
                                      reason=cleaned.get("role_reason", ""))
        if refusal:
            self.add_error("role_reason", refusal)
        return cleaned


class AdministratorsChange(admin.ModelAdmin):
    """Only staff with the administrator role change accounts and authenticators (a superuser
    made some other way may look, and nothing more)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _administers(request) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _administers(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _administers(request) and super().has_delete_permission(request, obj)


def _administers(request: HttpRequest) -> bool:
    user: Any = request.user
    return bool(user.is_authenticated and user.has_role(*MAY_ADMINISTER))


@admin.register(StaffUser)
class StaffUserAdmin(AdministratorsChange, UserAdmin):
    """Accounts are deactivated, never deleted: their access events and log entries name them."""

    form = StaffUserChangeForm
    add_form = StaffUserCreationForm
    list_display = ("username", "get_full_name", "role", "collar_number", "is_active",
                    "last_login")
    list_filter = ("role", "is_active")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Role", {"fields": ("role", "role_reason", "role_change_pending", "is_active",
                             "collar_number", "desk_phone", "handles")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (*UserAdmin.add_fieldsets,
                     ("Role", {"fields": ("role", "role_reason")}))
    readonly_fields = ("role_change_pending", "last_login", "date_joined")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Waiting for approval")
    def role_change_pending(self, user: StaffUser) -> str:
        pending = user.role_change_requests.filter(
            decision=RoleChangeRequest.Decision.PENDING).first() if user.pk else None
        if pending is None:
            return "—"
        return (f"{pending.get_role_display()}, asked by {pending.requested_by} on "
                f"{pending.requested_at:%d %b %Y %H:%M}")

    def save_model(self, request: HttpRequest, obj: StaffUser, form: forms.ModelForm,
                   change: bool) -> None:
        actor: Any = request.user
        reason = form.cleaned_data.get("role_reason", "")
        wanted_role, wanted_active = obj.role, obj.is_active
        if not change:
            # Saved with no role first: staff_created_record gives the role, or asks for it.
            obj.role, obj.is_staff, obj.is_superuser = "", False, False
            super().save_model(request, obj, form, change)
            pending = staff_created_record(actor=actor, user=obj, role=wanted_role,
                                           reason=reason, request=request)
            self._tell_pending(request, pending)
            return
        stored = StaffUser.objects.get(pk=obj.pk)
        # Only role_changes.py changes who the account is allowed to be.
        obj.role, obj.is_active = stored.role, stored.is_active
        obj.is_staff, obj.is_superuser = stored.is_staff, stored.is_superuser
        super().save_model(request, obj, form, change)
        try:
            pending = staff_account_change(actor=actor, user=obj, role=wanted_role,
                                           active=wanted_active, reason=reason,
                                           request=request)
        except RoleChangeRefused as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return
        self._tell_pending(request, pending)

    def _tell_pending(self, request: HttpRequest, pending: RoleChangeRequest | None) -> None:
        if pending is not None:
            self.message_user(
                request, f"{pending.user} is not {pending.get_role_display()} yet: the change "
                "waits for a second administrator to approve it under Role change requests.",
                messages.WARNING)

    def user_change_password(self, request: HttpRequest, id: str,
                             form_url: str = "") -> HttpResponse:
        user = self.get_object(request, unquote(id))
        before = user.password if user is not None else None
        response = super().user_change_password(request, id, form_url)
        if user is not None and request.method == "POST":
            after = StaffUser.objects.filter(pk=user.pk).values_list("password", flat=True)
            if after.first() != before:
                user.refresh_from_db(fields=["password"])
                password_changed_record(actor=request.user,  # type: ignore[arg-type]
                                        user=user, request=request)
        return response


@admin.register(RoleChangeRequest)
class RoleChangeRequestAdmin(admin.ModelAdmin):
    """Requests for roles that need a second administrator. They are made on the account's own
    page and decided here; nobody edits or deletes one."""

    list_display = ("requested_at", "user", "from_role", "role", "reactivate", "reason",
                    "requested_by", "decision", "decided_by", "decided_at")
    list_filter = ("decision", "role")
    actions = ("approve", "refuse")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description="Approve the selected role changes (as the second administrator)")
    def approve(self, request: HttpRequest, queryset: QuerySet[RoleChangeRequest]) -> None:
        self._decide(request, queryset, role_change_approve, "approved")

    @admin.action(description="Refuse the selected role changes")
    def refuse(self, request: HttpRequest, queryset: QuerySet[RoleChangeRequest]) -> None:
        self._decide(request, queryset, role_change_refuse, "refused")

    def _decide(self, request: HttpRequest, queryset: QuerySet[RoleChangeRequest],
                decide: Any, done: str) -> None:
        for change in queryset.select_related("user"):
            try:
                decide(actor=request.user, change=change, request=request)
            except RoleChangeRefused as refusal:
                self.message_user(request, f"{change.user}: {refusal}", messages.ERROR)
            else:
                self.message_user(request, f"{change.user}: {change.get_role_display()} "
                                  f"{done}.", messages.SUCCESS)


admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class StaffAuthenticatorAdmin(AdministratorsChange, TOTPDeviceAdmin):
    """django-otp's device admin, with every change a security event and a device kept with
    the account it was enrolled for (moving one would hand its codes to another account)."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = [*super().get_readonly_fields(request, obj)]
        return [*fields, "user"] if obj is not None else fields

    def save_model(self, request: HttpRequest, obj: TOTPDevice, form: forms.ModelForm,
                   change: bool) -> None:
        super().save_model(request, obj, form, change)
        device_changed_record(actor=request.user,  # type: ignore[arg-type]
                              user_id=obj.user_id, device_id=obj.pk,
                              change="changed" if change else "added",
                              fields=list(form.changed_data), request=request)

    def delete_model(self, request: HttpRequest, obj: TOTPDevice) -> None:
        user_id, device_id = obj.user_id, obj.pk
        super().delete_model(request, obj)
        device_changed_record(actor=request.user,  # type: ignore[arg-type]
                              user_id=user_id, device_id=device_id, change="removed",
                              request=request)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[TOTPDevice]) -> None:
        removed = list(queryset.values_list("user_id", "pk"))
        super().delete_queryset(request, queryset)
        for user_id, device_id in removed:
            device_changed_record(actor=request.user,  # type: ignore[arg-type]
                                  user_id=user_id, device_id=device_id, change="removed",
                                  request=request)


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
