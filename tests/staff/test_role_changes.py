"""Role, activation, password and authenticator changes: each a security event, and raising
anyone to supervisor, professional standards or administrator only with a second
administrator's approval."""

from __future__ import annotations

import pytest

from contact_hub.staff.models import Role, RoleChangeRequest, SecurityEvent, StaffUser
from contact_hub.staff.role_changes import (
    RoleChangeRefused,
    device_changed_record,
    password_changed_record,
    role_change_approve,
    role_change_refuse,
    staff_account_change,
    staff_created_record,
)
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

REASON = "moving to the supervisors' rota from Monday"


@pytest.fixture
def second_administrator(db: None) -> StaffUser:
    return StaffFactory(username="ash", role=Role.ADMINISTRATOR, is_staff=True,
                        is_superuser=True)


def _fresh(user: StaffUser) -> StaffUser:
    return StaffUser.objects.get(pk=user.pk)


def _events(kind: str) -> list[dict]:
    return list(SecurityEvent.objects.filter(kind=kind).order_by("pk")
                .values_list("detail", flat=True))


def _raise(administrator: StaffUser, user: StaffUser, role: str = Role.SUPERVISOR,
           reason: str = REASON) -> RoleChangeRequest:
    change = staff_account_change(actor=administrator, user=user, role=role, active=True,
                                  reason=reason)
    assert change is not None
    return change


def test_lowering_a_role_takes_effect_at_once_and_is_a_security_event(administrator,
                                                                     supervisor):
    staff_account_change(actor=administrator, user=supervisor, role=Role.COORDINATOR,
                         active=True)

    assert _fresh(supervisor).role == Role.COORDINATOR
    event = SecurityEvent.objects.get(kind="staff_role_changed")
    assert event.actor == administrator
    assert event.detail == {"user_id": supervisor.pk, "old_role": "supervisor",
                            "new_role": "coordinator"}


def test_a_lowered_administrator_loses_the_admin_with_the_role(administrator,
                                                              second_administrator):
    staff_account_change(actor=administrator, user=second_administrator, role=Role.COORDINATOR,
                         active=True)

    lowered = _fresh(second_administrator)
    assert (lowered.role, lowered.is_staff, lowered.is_superuser) == ("coordinator", False,
                                                                      False)


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.PROFESSIONAL_STANDARDS,
                                  Role.ADMINISTRATOR])
def test_raising_a_role_only_asks_for_it(administrator, coordinator, role):
    change = _raise(administrator, coordinator, role)

    assert _fresh(coordinator).role == Role.COORDINATOR
    assert (change.user, change.role, change.from_role, change.requested_by, change.decision) == (
        coordinator, role, "coordinator", administrator, "pending")
    assert _events("staff_role_change_requested") == [{
        "user_id": coordinator.pk, "old_role": "coordinator", "new_role": role,
        "reactivate": False, "request_id": change.pk}]
    assert not _events("staff_role_changed")


def test_a_raise_needs_a_reason(administrator, coordinator):
    with pytest.raises(RoleChangeRefused, match="give a reason of at least 10 characters"):
        _raise(administrator, coordinator, reason="because")

    assert not RoleChangeRequest.objects.exists()


def test_only_one_raise_waits_for_an_account_at_a_time(administrator, coordinator):
    _raise(administrator, coordinator)

    with pytest.raises(RoleChangeRefused, match="already waiting"):
        _raise(administrator, coordinator, Role.ADMINISTRATOR)


def test_a_second_administrator_approves_and_the_role_takes_effect(
        administrator, second_administrator, coordinator):
    change = _raise(administrator, coordinator, Role.ADMINISTRATOR)

    role_change_approve(actor=second_administrator, change=change)

    raised = _fresh(coordinator)
    assert (raised.role, raised.is_staff, raised.is_superuser) == ("administrator", True, True)
    change.refresh_from_db()
    assert (change.decision, change.decided_by) == ("approved", second_administrator)
    event = SecurityEvent.objects.get(kind="staff_role_changed")
    assert event.actor == second_administrator
    assert event.detail == {"user_id": coordinator.pk, "old_role": "coordinator",
                            "new_role": "administrator", "request_id": change.pk,
                            "requested_by_id": administrator.pk,
                            "approved_by_id": second_administrator.pk}


def test_the_administrator_who_asked_cannot_approve(administrator, coordinator):
    change = _raise(administrator, coordinator)

    with pytest.raises(RoleChangeRefused, match="a second administrator must approve"):
        role_change_approve(actor=administrator, change=change)

    assert _fresh(coordinator).role == Role.COORDINATOR
    assert _events("staff_role_approval_refused")[0]["user_id"] == coordinator.pk


def test_nobody_approves_a_raise_of_their_own_account(administrator, second_administrator):
    change = _raise(administrator, second_administrator, Role.PROFESSIONAL_STANDARDS)

    with pytest.raises(RoleChangeRefused, match="your own account"):
        role_change_approve(actor=second_administrator, change=change)

    assert _fresh(second_administrator).role == Role.ADMINISTRATOR


def test_only_an_administrator_approves(administrator, supervisor, coordinator):
    change = _raise(administrator, coordinator)

    with pytest.raises(RoleChangeRefused, match="Only an administrator"):
        role_change_approve(actor=supervisor, change=change)

    assert _fresh(coordinator).role == Role.COORDINATOR


def test_a_decided_request_cannot_be_approved_again(administrator, second_administrator,
                                                   coordinator):
    change = _raise(administrator, coordinator)
    role_change_refuse(actor=second_administrator, change=change)

    with pytest.raises(RoleChangeRefused, match="already been decided"):
        role_change_approve(actor=second_administrator, change=change)

    assert _fresh(coordinator).role == Role.COORDINATOR


def test_a_refused_raise_leaves_the_role_and_is_recorded(administrator, second_administrator,
                                                        coordinator):
    change = _raise(administrator, coordinator)

    role_change_refuse(actor=second_administrator, change=change)

    change.refresh_from_db()
    assert (change.decision, change.decided_by) == ("refused", second_administrator)
    assert _fresh(coordinator).role == Role.COORDINATOR
    assert _events("staff_role_change_refused") == [
        {"user_id": coordinator.pk, "role": "supervisor", "request_id": change.pk}]


def test_the_one_who_asked_may_withdraw_by_refusing(administrator, coordinator):
    change = _raise(administrator, coordinator)

    role_change_refuse(actor=administrator, change=change)

    assert RoleChangeRequest.objects.get().decision == "refused"


def test_deactivating_takes_effect_at_once(administrator, supervisor):
    staff_account_change(actor=administrator, user=supervisor, role=supervisor.role,
                         active=False)

    assert not _fresh(supervisor).is_active
    assert _events("staff_active_changed") == [
        {"user_id": supervisor.pk, "active": False, "role": "supervisor"}]


def test_reactivating_an_account_with_a_raised_role_waits_for_approval(
        administrator, second_administrator, supervisor):
    staff_account_change(actor=administrator, user=supervisor, role=supervisor.role,
                         active=False)
    stored = _fresh(supervisor)

    change = staff_account_change(actor=administrator, user=stored, role=Role.SUPERVISOR,
                                  active=True, reason=REASON)

    assert not _fresh(supervisor).is_active
    assert change.reactivate
    role_change_approve(actor=second_administrator, change=change)
    assert _fresh(supervisor).is_active


def test_reactivating_an_account_with_a_front_line_role_takes_effect_at_once(administrator,
                                                                            coordinator):
    staff_account_change(actor=administrator, user=coordinator, role=coordinator.role,
                         active=False)

    staff_account_change(actor=administrator, user=_fresh(coordinator), role=Role.COORDINATOR,
                         active=True)

    assert _fresh(coordinator).is_active


def test_a_new_account_with_a_raised_role_has_no_role_until_approved(administrator,
                                                                    second_administrator):
    user = StaffUser.objects.create(username="newpat")

    change = staff_created_record(actor=administrator, user=user,
                                  role=Role.PROFESSIONAL_STANDARDS, reason=REASON)

    created = _fresh(user)
    assert (created.role, created.is_staff, created.is_superuser) == ("", False, False)
    assert not created.has_role(*Role.values)
    assert _events("staff_created") == [{"user_id": user.pk, "role": ""}]
    role_change_approve(actor=second_administrator, change=change)
    assert _fresh(user).role == Role.PROFESSIONAL_STANDARDS


def test_a_new_front_line_account_has_its_role_at_once(administrator):
    user = StaffUser.objects.create(username="newcasey")

    assert staff_created_record(actor=administrator, user=user, role=Role.COORDINATOR) is None

    assert _fresh(user).role == Role.COORDINATOR
    assert _events("staff_created") == [{"user_id": user.pk, "role": "coordinator"}]


def test_each_change_is_its_own_event_even_within_one_minute(administrator, coordinator,
                                                             officer, clock):
    """Refusals of one kind are counted a minute at a time; changes never are."""
    staff_account_change(actor=administrator, user=coordinator, role=Role.RVR_OFFICER,
                         active=True)
    staff_account_change(actor=administrator, user=officer, role=Role.COORDINATOR, active=True)

    assert sorted((e["user_id"], e["new_role"]) for e in _events("staff_role_changed")) == (
        sorted([(coordinator.pk, "rvr_officer"), (officer.pk, "coordinator")]))


def test_password_and_authenticator_changes_name_the_account_never_the_secret(
        administrator, coordinator):
    device = coordinator.totpdevice_set.get()

    password_changed_record(actor=administrator, user=coordinator)
    device_changed_record(actor=administrator, user_id=coordinator.pk, device_id=device.pk,
                          change="changed", fields=["key", "name"])

    assert _events("staff_password_changed") == [{"user_id": coordinator.pk, "usable": True}]
    assert _events("staff_device_changed") == [{"user_id": coordinator.pk,
                                                "device_id": device.pk, "change": "changed",
                                                "fields": ["key", "name"]}]
    everything = str(list(SecurityEvent.objects.values_list("detail", "path")))
    assert device.key not in everything
    assert coordinator.password not in everything
