"""The administrator (THREATS.md, 4): runs the system, and must be unable to take over another
account silently or read victims' data through the admin without it being in the access log.
"""

from __future__ import annotations

import base64
import json
from collections import deque

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import models
from django.test import RequestFactory

import contact_hub.urls  # noqa: F401 - the URL conf loads every app's admin
from contact_hub.conversations.admin import VictimDataAdmin
from contact_hub.people.models import Person
from contact_hub.staff.models import Role, RoleChangeRequest, SecurityEvent, StaffUser
from tests.factories import PASSWORD, StaffFactory
from tests.staff.test_admin import change_form

pytestmark = pytest.mark.django_db

USERS = "/admin/staff/staffuser/"
REQUESTS = "/admin/staff/rolechangerequest/"
DEVICES = "/admin/otp_totp/totpdevice/"
REASON = "covering the supervisors' rota this month"

# What every model in the admin without VictimDataAdmin holds, and why that is no victim's data.
NOT_VICTIM_DATA = {
    "auth.Group": "permission groups (unused: the role decides)",
    "otp_totp.TOTPDevice": "staff authenticators, their keys hidden after enrolment",
    "axes.AccessAttempt": "staff sign-in attempts",
    "axes.AccessLog": "staff sign-ins",
    "axes.AccessFailureLog": "staff sign-in failures",
    "staff.StaffUser": "staff accounts",
    "staff.RoleChangeRequest": "requests for staff roles",
    "staff.AccessEvent": "the access log: who looked at which person, by id, and why; read-only",
    "staff.SecurityEvent": "refusals, never holding message text, numbers or tokens",
    "conversations.MessageTemplate": "the neutral texts staff may send: no victim's words",
}


@pytest.fixture
def admin_client(administrator, staff_client):
    return staff_client(administrator)


def _reaches_a_person(model: type[models.Model], depth: int = 4) -> bool:
    """Whether the model's rows are tied to a person through their relations."""
    seen, todo = set(), deque([(model, 0)])
    while todo:
        current, level = todo.popleft()
        if current is Person:
            return True
        if current in seen or level == depth:
            continue
        seen.add(current)
        todo.extend((field.related_model, level + 1) for field in current._meta.get_fields()
                    if field.is_relation and field.concrete and field.related_model
                    and field.related_model is not StaffUser)
    return False


def test_every_model_in_the_admin_logs_each_look_or_is_known_to_hold_no_victims_data():
    unknown = [model._meta.label for model, model_admin in admin.site._registry.items()
               if not isinstance(model_admin, VictimDataAdmin)
               and model._meta.label not in NOT_VICTIM_DATA]

    assert not unknown, (f"{unknown} are in the admin without VictimDataAdmin "
                         "(contact_hub/conversations/admin.py): register a model holding "
                         "victims' data with it, or add it here with what it holds")


def test_no_model_tied_to_a_person_is_in_the_admin_unless_its_looks_are_logged():
    """A backstop for the list above: whatever it says, a model whose rows belong to a person
    is victim data; only the access log itself, which nobody can change, is shown plainly."""
    tied = {model._meta.label: model_admin for model, model_admin in admin.site._registry.items()
            if _reaches_a_person(model) and not isinstance(model_admin, VictimDataAdmin)}

    assert set(tied) <= {"staff.AccessEvent"}
    request = RequestFactory().get("/")
    for model_admin in tied.values():
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)


def test_the_victims_records_of_the_hub_are_not_in_the_admin_at_all():
    holding = {model._meta.label for model in apps.get_models() if _reaches_a_person(model)}
    registered = {model._meta.label for model in admin.site._registry}

    assert {"people.Person", "conversations.Message", "incidents.Incident"} <= holding
    assert holding & registered <= {"staff.AccessEvent"}


def test_an_authenticators_key_is_never_shown_after_enrolment(admin_client, coordinator):
    device = coordinator.totpdevice_set.get()
    secrets = (device.key, base64.b32encode(device.bin_key).decode().rstrip("="))

    pages = [admin_client.get(path) for path in (
        DEVICES, f"{DEVICES}{device.pk}/change/", f"{USERS}{coordinator.pk}/change/")]

    for page in pages:
        assert page.status_code == 200
        assert not any(secret in page.content.decode() for secret in secrets)
    assert "qrcode" not in pages[0].content.decode().lower()
    assert admin_client.get(f"{DEVICES}{device.pk}/config/").status_code == 403
    assert admin_client.get(f"{DEVICES}{device.pk}/qrcode/").status_code == 403


def test_a_key_cannot_be_changed_to_one_the_administrator_knows(admin_client, coordinator):
    device = coordinator.totpdevice_set.get()
    key = device.key

    admin_client.post(f"{DEVICES}{device.pk}/change/", {
        "name": "authenticator", "confirmed": "on", "key": "00" * 20, "step": 30, "t0": 0,
        "digits": 6, "tolerance": 1, "drift": 0, "throttling_failure_count": 0})

    assert coordinator.totpdevice_set.get().key == key


def test_a_device_cannot_be_moved_to_another_account(admin_client, administrator, coordinator):
    """Moving the administrator's own authenticator onto an account would hand them its codes."""
    own = administrator.totpdevice_set.get()

    admin_client.post(f"{DEVICES}{own.pk}/change/", {
        "user": coordinator.pk, "name": "authenticator", "confirmed": "on", "step": 30,
        "t0": 0, "digits": 6, "tolerance": 1, "drift": 0, "throttling_failure_count": 0})

    own.refresh_from_db()
    assert own.user == administrator
    assert coordinator.totpdevice_set.count() == 1


def test_ticking_staff_or_superuser_does_not_give_the_admin(admin_client, coordinator):
    admin_client.post(f"{USERS}{coordinator.pk}/change/",
                      change_form(coordinator, is_staff="on", is_superuser="on"))

    stored = StaffUser.objects.get(pk=coordinator.pk)
    assert (stored.is_staff, stored.is_superuser, stored.role) == (False, False, "coordinator")


def test_an_administrator_cannot_raise_anyone_alone(admin_client, coordinator):
    admin_client.post(f"{USERS}{coordinator.pk}/change/",
                      change_form(coordinator, role=Role.ADMINISTRATOR, role_reason=REASON))
    change = RoleChangeRequest.objects.get()

    response = admin_client.post(REQUESTS, {"action": "approve",
                                            "_selected_action": [change.pk]}, follow=True)

    assert "a second administrator must approve it" in response.content.decode()
    stored = StaffUser.objects.get(pk=coordinator.pk)
    assert (stored.role, stored.is_staff, stored.is_superuser) == ("coordinator", False, False)
    assert SecurityEvent.objects.get(kind="staff_role_approval_refused").actor.username == "alex"


def test_an_account_made_by_one_administrator_cannot_be_raised_by_them(admin_client):
    admin_client.post(f"{USERS}add/", {
        "username": "puppet", "usable_password": "true", "password1": PASSWORD,
        "password2": PASSWORD, "role": Role.ADMINISTRATOR, "role_reason": REASON})
    puppet = StaffUser.objects.get(username="puppet")

    admin_client.post(REQUESTS, {"action": "approve",
                                 "_selected_action": [RoleChangeRequest.objects.get().pk]})

    puppet.refresh_from_db()
    assert (puppet.role, puppet.is_staff, puppet.is_superuser) == ("", False, False)


def test_a_raised_account_cannot_approve_its_own_raise(administrator, staff_client):
    """An administrator asked to become professional standards cannot say yes for themselves."""
    other = StaffFactory(username="ash", role=Role.ADMINISTRATOR, is_staff=True,
                         is_superuser=True)
    staff_client(administrator).post(f"{USERS}{other.pk}/change/", change_form(
        other, role=Role.PROFESSIONAL_STANDARDS, role_reason=REASON))

    staff_client(other).post(REQUESTS, {"action": "approve",
                                        "_selected_action": [RoleChangeRequest.objects.get().pk]})

    assert StaffUser.objects.get(pk=other.pk).role == Role.ADMINISTRATOR


def test_requests_are_evidence_nobody_edits_or_deletes(admin_client, coordinator):
    admin_client.post(f"{USERS}{coordinator.pk}/change/",
                      change_form(coordinator, role=Role.SUPERVISOR, role_reason=REASON))
    change = RoleChangeRequest.objects.get()

    assert admin_client.get(f"{REQUESTS}add/").status_code == 403
    admin_client.post(f"{REQUESTS}{change.pk}/change/", {"decision": "approved"})
    admin_client.post(f"{REQUESTS}{change.pk}/delete/", {"post": "yes"})

    assert RoleChangeRequest.objects.get().decision == "pending"


def test_re_activating_a_deactivated_supervisor_needs_a_second_administrator(admin_client,
                                                                           supervisor):
    admin_client.post(f"{USERS}{supervisor.pk}/change/", change_form(supervisor, is_active=""))
    stored = StaffUser.objects.get(pk=supervisor.pk)
    assert not stored.is_active

    admin_client.post(f"{USERS}{supervisor.pk}/change/",
                      change_form(stored, is_active="on", role_reason=REASON))

    assert not StaffUser.objects.get(pk=supervisor.pk).is_active
    assert RoleChangeRequest.objects.get().reactivate


def test_role_and_password_events_hold_no_secret(admin_client, coordinator):
    password = "a brand new horse battery"
    admin_client.post(f"{USERS}{coordinator.pk}/password/", {
        "password1": password, "password2": password, "usable_password": "true"})
    admin_client.post(f"{USERS}{coordinator.pk}/change/",
                      change_form(coordinator, role=Role.RVR_OFFICER))

    recorded = json.dumps(list(SecurityEvent.objects.values("detail", "path")), default=str)
    stored = StaffUser.objects.get(pk=coordinator.pk)
    assert password not in recorded
    assert stored.password not in recorded
    assert coordinator.totpdevice_set.get().key not in recorded


def test_a_superuser_without_the_administrator_role_may_look_but_change_nothing(
        staff_client, coordinator):
    """A superuser made outside the hub (createsuperuser) has no role: no staff changes."""
    outsider = StaffFactory(username="root", role="", is_staff=True, is_superuser=True)
    client = staff_client(outsider)

    assert client.get(USERS).status_code == 200
    client.post(f"{USERS}{coordinator.pk}/change/", change_form(coordinator,
                                                                role=Role.RVR_OFFICER))
    assert client.get(f"{USERS}add/").status_code == 403
    assert client.post(f"{DEVICES}{coordinator.totpdevice_set.get().pk}/delete/",
                       {"post": "yes"}).status_code == 403

    assert StaffUser.objects.get(pk=coordinator.pk).role == Role.COORDINATOR
    assert coordinator.totpdevice_set.exists()


def test_staff_accounts_are_deactivated_never_deleted(admin_client, coordinator):
    response = admin_client.post(f"{USERS}{coordinator.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert StaffUser.objects.filter(pk=coordinator.pk).exists()
