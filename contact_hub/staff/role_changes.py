"""Changes to staff accounts that could let one person take over the hub or someone's account:
roles, activation, passwords and authenticators.

Each is a security event professional standards see on their access-log page (kinds below;
the detail names the account and the roles, never a password or a key). Giving anyone a role
in NEEDS_SECOND_ADMINISTRATOR, or re-activating an account that holds one, only records a
request: it takes effect when a second administrator, neither the one who asked nor the account
itself, approves it. Any other change takes effect at once.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from contact_hub.staff.audit import security_event_record
from contact_hub.staff.models import Role, RoleChangeRequest, StaffUser
from contact_hub.staff.reasons import REASON_MIN_CHARS, reason_too_short
from contact_hub.staff.roles import MAY_ADMINISTER, NEEDS_SECOND_ADMINISTRATOR

ROLE_CHANGED = "staff_role_changed"
ROLE_CHANGE_REQUESTED = "staff_role_change_requested"
ROLE_CHANGE_REFUSED = "staff_role_change_refused"
ROLE_APPROVAL_REFUSED = "staff_role_approval_refused"
ACCOUNT_CREATED = "staff_created"
ACTIVE_CHANGED = "staff_active_changed"
PASSWORD_CHANGED = "staff_password_changed"
DEVICE_CHANGED = "staff_device_changed"


class RoleChangeRefused(ValueError):
    """The change cannot be made (or approved); the message is safe to show to staff."""


def needs_second_administrator(role: str) -> bool:
    return role in NEEDS_SECOND_ADMINISTRATOR


def role_change_refusal(*, user: StaffUser | None, role: str, active: bool,
                        reason: str) -> str | None:
    """Why a change of `user` (None: a new account) to `role` (and `active`) cannot be asked
    for as it stands, or None. Forms show it; the services refuse with it."""
    if not _waits_for_approval(user, role, active):
        return None
    if reason_too_short(reason):
        return (f"Giving someone the {Role(role).label} role needs a second administrator: "
                f"give a reason of at least {REASON_MIN_CHARS} characters for them to read.")
    if user is not None and user.pk and _pending(user).exists():
        return ("A role change for this account is already waiting for a second "
                "administrator: approve or refuse it first.")
    return None


def _waits_for_approval(user: StaffUser | None, role: str, active: bool) -> bool:
    if not needs_second_administrator(role):
        return False
    if user is None or not user.pk:
        return True
    return role != user.role or (active and not user.is_active)


def _pending(user: StaffUser) -> QuerySet[RoleChangeRequest]:
    return RoleChangeRequest.objects.filter(user=user, decision=RoleChangeRequest.Decision.PENDING)


def staff_created_record(*, actor: StaffUser, user: StaffUser, role: str, reason: str = "",
                         request: HttpRequest | None = None) -> RoleChangeRequest | None:
    """Record a new account made in the admin with the role asked for. A role that needs a
    second administrator is not given yet: the account has no role until one approves."""
    _refuse_if(_not_an_administrator(actor)
               or role_change_refusal(user=None, role=role, active=True, reason=reason))
    given = "" if needs_second_administrator(role) else role
    with transaction.atomic():
        _role_set(user, given)
        security_event_record(ACCOUNT_CREATED, request=request, actor=actor, each=True,
                              detail={"user_id": user.pk, "role": given})
        if given == role:
            return None
        return _request_record(actor=actor, user=user, role=role, reactivate=False,
                               reason=reason, request=request)


def staff_account_change(*, actor: StaffUser, user: StaffUser, role: str, active: bool,
                         reason: str = "", request: HttpRequest | None = None
                         ) -> RoleChangeRequest | None:
    """Make `user` hold `role` and be active or not, as `actor` asks.

    Deactivating, and moving to a role that needs no second administrator, take effect now.
    Moving to one that does, or re-activating an account that holds one, leaves the account as
    it is and returns the request waiting for approval. `user` is the account as stored."""
    _refuse_if(_not_an_administrator(actor)
               or role_change_refusal(user=user, role=role, active=active, reason=reason))
    with transaction.atomic():
        if not active and user.is_active:
            _active_set(actor, user, False, request)
        if _waits_for_approval(user, role, active):
            return _request_record(actor=actor, user=user, role=role,
                                   reactivate=active and not user.is_active, reason=reason,
                                   request=request)
        if role != user.role:
            old = user.role
            _role_set(user, role)
            security_event_record(ROLE_CHANGED, request=request, actor=actor, each=True,
                                  detail={"user_id": user.pk, "old_role": old, "new_role": role})
        if active and not user.is_active:
            _active_set(actor, user, True, request)
    return None


def role_change_approve(*, actor: StaffUser, change: RoleChangeRequest,
                        request: HttpRequest | None = None) -> RoleChangeRequest:
    """A second administrator approves a request: the account takes the role now."""
    with transaction.atomic():
        change = (RoleChangeRequest.objects.select_for_update().select_related("user")
                  .get(pk=change.pk))
        refusal = _approval_refusal(actor, change)
        if refusal is None:
            user = StaffUser.objects.select_for_update().get(pk=change.user_id)
            old = user.role
            _role_set(user, change.role)
            if change.reactivate and not user.is_active:
                _active_set(actor, user, True, request)
            _decide(change, actor, RoleChangeRequest.Decision.APPROVED)
            security_event_record(ROLE_CHANGED, request=request, actor=actor, each=True, detail={
                "user_id": user.pk, "old_role": old, "new_role": change.role,
                "request_id": change.pk, "requested_by_id": change.requested_by_id,
                "approved_by_id": actor.pk})
            return change
    security_event_record(ROLE_APPROVAL_REFUSED, request=request, actor=actor, each=True,
                          detail={"request_id": change.pk, "user_id": change.user_id,
                                  "role": change.role, "why": refusal})
    raise RoleChangeRefused(refusal)


def role_change_refuse(*, actor: StaffUser, change: RoleChangeRequest,
                       request: HttpRequest | None = None) -> RoleChangeRequest:
    """Any administrator may refuse a request (the one who asked withdraws it that way): the
    account keeps the role it has."""
    _refuse_if(_not_an_administrator(actor))
    with transaction.atomic():
        change = RoleChangeRequest.objects.select_for_update().get(pk=change.pk)
        if change.decision != RoleChangeRequest.Decision.PENDING:
            raise RoleChangeRefused("That request has already been decided.")
        _decide(change, actor, RoleChangeRequest.Decision.REFUSED)
        security_event_record(ROLE_CHANGE_REFUSED, request=request, actor=actor, each=True,
                              detail={"user_id": change.user_id, "role": change.role,
                                      "request_id": change.pk})
    return change


def _not_an_administrator(actor: StaffUser) -> str | None:
    if actor.has_role(*MAY_ADMINISTER):
        return None
    return "Only an administrator changes staff accounts and their roles."


def _approval_refusal(actor: StaffUser, change: RoleChangeRequest) -> str | None:
    if not actor.has_role(*MAY_ADMINISTER):
        return "Only an administrator approves role changes."
    if change.decision != RoleChangeRequest.Decision.PENDING:
        return "That request has already been decided."
    if change.requested_by_id == actor.pk:
        return "You asked for this change: a second administrator must approve it."
    if change.user_id == actor.pk:
        return "This change is to your own account: another administrator must approve it."
    return None


def _request_record(*, actor: StaffUser, user: StaffUser, role: str, reactivate: bool,
                    reason: str, request: HttpRequest | None) -> RoleChangeRequest:
    change = RoleChangeRequest.objects.create(user=user, role=role, from_role=user.role,
                                              reactivate=reactivate, reason=reason.strip(),
                                              requested_by=actor)
    security_event_record(ROLE_CHANGE_REQUESTED, request=request, actor=actor, each=True,
                          detail={"user_id": user.pk, "old_role": user.role, "new_role": role,
                                  "reactivate": reactivate, "request_id": change.pk})
    return change


def _refuse_if(refusal: str | None) -> None:
    """A request without its reason is a form to correct, not an event: the forms show the
    same refusal before anything is saved (and the admin lets only administrators in)."""
    if refusal is not None:
        raise RoleChangeRefused(refusal)


def _decide(change: RoleChangeRequest, actor: StaffUser, decision: str) -> None:
    change.decision, change.decided_by, change.decided_at = decision, actor, timezone.now()
    change.save(update_fields=["decision", "decided_by", "decided_at"])


def _role_set(user: StaffUser, role: str) -> None:
    """The role decides whether the account may use the admin: only administrators may, so
    giving the admin is never a change apart from giving the role."""
    user.role = role
    user.is_staff = user.is_superuser = role == Role.ADMINISTRATOR
    user.save(update_fields=["role", "is_staff", "is_superuser"])


def _active_set(actor: StaffUser, user: StaffUser, active: bool,
                request: HttpRequest | None) -> None:
    user.is_active = active
    user.save(update_fields=["is_active"])
    security_event_record(ACTIVE_CHANGED, request=request, actor=actor, each=True,
                          detail={"user_id": user.pk, "active": active, "role": user.role})


def password_changed_record(*, actor: StaffUser, user: StaffUser,
                            request: HttpRequest | None = None) -> None:
    security_event_record(PASSWORD_CHANGED, request=request, actor=actor, each=True,
                          detail={"user_id": user.pk, "usable": user.has_usable_password()})


def device_changed_record(*, actor: StaffUser, user_id: int, device_id: int | None,
                          change: str, fields: list[str] | None = None,
                          request: HttpRequest | None = None) -> None:
    """An authenticator added, changed or removed: which account and which settings, never
    the device's key."""
    security_event_record(DEVICE_CHANGED, request=request, actor=actor, each=True,
                          detail={"user_id": user_id, "device_id": device_id, "change": change,
                                  "fields": sorted(fields or [])})
