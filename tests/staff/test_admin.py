"""The admin of staff accounts and authenticators, as an administrator uses it: every role,
password and authenticator change is a security event professional standards see, and a
raised role waits for a second administrator."""

from __future__ import annotations

import json

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from contact_hub.staff.models import Role, RoleChangeRequest, SecurityEvent, StaffUser
from tests.factories import PASSWORD, StaffFactory

pytestmark = pytest.mark.django_db

REASON = "joins professional standards from Monday"
USERS = "/admin/staff/staffuser/"
REQUESTS = "/admin/staff/rolechangerequest/"
DEVICES = "/admin/otp_totp/totpdevice/"


@pytest.fixture
def second_administrator(db: None) -> StaffUser:
    return StaffFactory(username="ash", role=Role.ADMINISTRATOR, is_staff=True,
                        is_superuser=True)


@pytest.fixture
def admin_client(administrator, staff_client):
    return staff_client(administrator)


def change_form(user: StaffUser, **changes: object) -> dict[str, object]:
    """What the account's change page posts when an administrator changes `changes`."""
    data: dict[str, object] = {
        "username": user.username, "first_name": user.first_name, "last_name": user.last_name,
        "email": user.email, "role": user.role, "role_reason": "",
        "collar_number": user.collar_number, "desk_phone": user.desk_phone,
        "handles": json.dumps(user.handles), "is_active": "on" if user.is_active else "",
    }
    data |= changes
    return {key: value for key, value in data.items() if value != ""}


def _fresh(user: StaffUser) -> StaffUser:
    return StaffUser.objects.get(pk=user.pk)


def _kinds() -> list[str]:
    return list(SecurityEvent.objects.order_by("pk").values_list("kind", flat=True))


def test_lowering_a_role_in_the_admin_takes_effect_and_is_recorded(admin_client, supervisor):
    response = admin_client.post(f"{USERS}{supervisor.pk}/change/",
                                 change_form(supervisor, role=Role.RVR_OFFICER))

    assert response.status_code == 302
    assert _fresh(supervisor).role == Role.RVR_OFFICER
    assert SecurityEvent.objects.get(kind="staff_role_changed").detail == {
        "user_id": supervisor.pk, "old_role": "supervisor", "new_role": "rvr_officer"}


def test_raising_a_role_in_the_admin_leaves_it_waiting(admin_client, coordinator):
    response = admin_client.post(f"{USERS}{coordinator.pk}/change/", change_form(
        coordinator, role=Role.PROFESSIONAL_STANDARDS, role_reason=REASON), follow=True)

    assert _fresh(coordinator).role == Role.COORDINATOR
    change = RoleChangeRequest.objects.get()
    assert (change.user, change.role, change.reason) == (coordinator,
                                                         Role.PROFESSIONAL_STANDARDS, REASON)
    assert "waits for a second administrator" in response.content.decode()
    page = admin_client.get(f"{USERS}{coordinator.pk}/change/").content.decode()
    assert "Professional standards, asked by alex" in page


def test_a_raise_without_a_reason_is_sent_back_with_nothing_saved(admin_client, coordinator):
    response = admin_client.post(f"{USERS}{coordinator.pk}/change/",
                                 change_form(coordinator, role=Role.SUPERVISOR,
                                             first_name="Casey"))

    assert response.status_code == 200
    assert "give a reason of at least 10 characters" in response.content.decode()
    assert _fresh(coordinator).first_name == ""
    assert not RoleChangeRequest.objects.exists()


def test_other_details_save_without_touching_the_role(admin_client, officer):
    admin_client.post(f"{USERS}{officer.pk}/change/", change_form(officer, collar_number="4021"))

    assert (_fresh(officer).collar_number, _fresh(officer).role) == ("4021", Role.RVR_OFFICER)
    assert not SecurityEvent.objects.filter(kind__startswith="staff_role").exists()


def test_a_second_administrator_approves_a_raise_in_the_admin(
        admin_client, second_administrator, staff_client, coordinator):
    admin_client.post(f"{USERS}{coordinator.pk}/change/",
                      change_form(coordinator, role=Role.SUPERVISOR, role_reason=REASON))
    change = RoleChangeRequest.objects.get()

    response = staff_client(second_administrator).post(
        REQUESTS, {"action": "approve", "_selected_action": [change.pk]}, follow=True)

    assert "Supervisor approved" in response.content.decode()
    assert _fresh(coordinator).role == Role.SUPERVISOR
    assert SecurityEvent.objects.get(kind="staff_role_changed").detail["approved_by_id"] == (
        second_administrator.pk)


def test_a_second_administrator_refuses_a_raise_in_the_admin(
        admin_client, second_administrator, staff_client, coordinator):
    admin_client.post(f"{USERS}{coordinator.pk}/change/",
                      change_form(coordinator, role=Role.SUPERVISOR, role_reason=REASON))

    staff_client(second_administrator).post(
        REQUESTS, {"action": "refuse",
                   "_selected_action": [RoleChangeRequest.objects.get().pk]})

    assert RoleChangeRequest.objects.get().decision == "refused"
    assert _fresh(coordinator).role == Role.COORDINATOR


def test_a_new_account_asked_for_as_an_administrator_has_no_role_until_approved(
        admin_client, second_administrator, staff_client):
    response = admin_client.post(f"{USERS}add/", {
        "username": "newadmin", "usable_password": "true", "password1": PASSWORD,
        "password2": PASSWORD, "role": Role.ADMINISTRATOR, "role_reason": REASON})

    assert response.status_code == 302
    created = StaffUser.objects.get(username="newadmin")
    assert (created.role, created.is_staff, created.is_superuser) == ("", False, False)
    staff_client(second_administrator).post(REQUESTS, {
        "action": "approve", "_selected_action": [RoleChangeRequest.objects.get().pk]})
    approved = _fresh(created)
    assert (approved.role, approved.is_staff, approved.is_superuser) == (
        "administrator", True, True)
    assert _kinds() == ["staff_created", "staff_role_change_requested", "staff_role_changed"]


def test_a_new_front_line_account_has_its_role_at_once(admin_client):
    admin_client.post(f"{USERS}add/", {
        "username": "newcasey", "usable_password": "true", "password1": PASSWORD,
        "password2": PASSWORD, "role": Role.COORDINATOR})

    assert StaffUser.objects.get(username="newcasey").role == Role.COORDINATOR
    assert _kinds() == ["staff_created"]


def test_a_password_change_in_the_admin_is_recorded_without_the_password(admin_client,
                                                                        coordinator):
    new_password = "another horse battery staple"

    response = admin_client.post(f"{USERS}{coordinator.pk}/password/", {
        "password1": new_password, "password2": new_password, "usable_password": "true"})

    assert response.status_code == 302
    assert _fresh(coordinator).check_password(new_password)
    event = SecurityEvent.objects.get(kind="staff_password_changed")
    assert event.detail == {"user_id": coordinator.pk, "usable": True}
    assert new_password not in str(event.detail)


def test_a_refused_password_change_is_no_event(admin_client, coordinator):
    admin_client.post(f"{USERS}{coordinator.pk}/password/", {
        "password1": "short", "password2": "short", "usable_password": "true"})

    assert not SecurityEvent.objects.filter(kind="staff_password_changed").exists()


def test_adding_changing_and_removing_an_authenticator_are_recorded(admin_client,
                                                                    coordinator):
    admin_client.post(f"{DEVICES}add/", {
        "user": coordinator.pk, "name": "spare phone", "confirmed": "on",
        "key": "3132333435363738393031323334353637383930", "step": 30, "t0": 0, "digits": 6,
        "tolerance": 1, "drift": 0, "throttling_failure_count": 0})
    spare = TOTPDevice.objects.get(name="spare phone")
    admin_client.post(f"{DEVICES}{spare.pk}/change/", {
        "name": "spare phone 2", "confirmed": "on", "step": 30, "t0": 0, "digits": 6,
        "tolerance": 1, "drift": 0, "throttling_failure_count": 0})
    admin_client.post(f"{DEVICES}{spare.pk}/delete/", {"post": "yes"})

    details = list(SecurityEvent.objects.filter(kind="staff_device_changed").order_by("pk")
                   .values_list("detail", flat=True))
    assert [(d["user_id"], d["device_id"], d["change"]) for d in details] == [
        (coordinator.pk, spare.pk, "added"), (coordinator.pk, spare.pk, "changed"),
        (coordinator.pk, spare.pk, "removed")]
    assert details[1]["fields"] == ["name"]
    assert "3132333435363738393031323334353637383930" not in str(details)


def test_removing_authenticators_in_bulk_records_each(admin_client, coordinator, officer):
    devices = [coordinator.totpdevice_set.get().pk, officer.totpdevice_set.get().pk]

    admin_client.post(DEVICES, {"action": "delete_selected", "_selected_action": devices,
                                "post": "yes"})

    assert not TOTPDevice.objects.filter(pk__in=devices).exists()
    assert sorted(d["user_id"] for d in SecurityEvent.objects.filter(
        kind="staff_device_changed").values_list("detail", flat=True)) == sorted(
        [coordinator.pk, officer.pk])


def test_professional_standards_see_and_filter_the_administrators_changes(
        admin_client, staff_client, standards, supervisor):
    admin_client.post(f"{USERS}{supervisor.pk}/change/",
                      change_form(supervisor, role=Role.COORDINATOR))
    admin_client.post(f"{USERS}{supervisor.pk}/password/", {
        "password1": "a new horse battery", "password2": "a new horse battery",
        "usable_password": "true"})

    page = staff_client(standards).get("/staff/access-log/",
                                       {"kind": "staff_role_changed"}).content.decode()

    table = page.split('id="security-events"', 1)[1]
    assert "staff_role_changed" in table
    assert f"&#x27;user_id&#x27;: {supervisor.pk}" in table
    assert "&#x27;old_role&#x27;: &#x27;supervisor&#x27;" in table
    assert "staff_password_changed</td>" not in table
    assert '<option value="staff_password_changed">' in table
