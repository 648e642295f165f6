"""Signing in: password plus authenticator code, lockout, and the second-factor gate."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from contact_hub.staff.models import AccessEvent, SecurityEvent
from tests.factories import PASSWORD, totp_code

pytestmark = pytest.mark.django_db
LOGIN = reverse("staff:login")


def _sign_in(user, *, password=PASSWORD, code=None, ip="203.0.113.5", client=None):
    client = client or Client(REMOTE_ADDR=ip)
    response = client.post(LOGIN, {"username": user.username, "password": password,
                                   "code": code or totp_code(user)}, REMOTE_ADDR=ip)
    return client, response


def test_password_and_code_sign_in_and_reach_the_dashboard(coordinator):
    client, response = _sign_in(coordinator)

    assert response.status_code == 302
    assert client.get("/triage/").status_code == 200


def test_the_next_page_is_followed_only_within_the_site(coordinator):
    client = Client()
    response = client.post(f"{LOGIN}?next=https://evil.example/", {
        "username": coordinator.username, "password": PASSWORD,
        "code": totp_code(coordinator)})

    assert response["Location"] == "/"


def test_a_wrong_code_is_refused_with_one_message_for_every_failure(coordinator):
    _, response = _sign_in(coordinator, code="000000" if totp_code(coordinator) != "000000"
                           else "111111")

    assert response.status_code == 200
    assert b"Those details are not right" in response.content
    assert SecurityEvent.objects.filter(kind="login_failed").count() == 1


def test_a_wrong_password_is_refused_the_same_way(coordinator):
    _, response = _sign_in(coordinator, password="not the password")

    assert b"Those details are not right" in response.content
    assert SecurityEvent.objects.get().detail == {"username": "casey"}


def test_a_name_that_is_no_account_is_recorded_only_as_a_keyed_hash(coordinator):
    Client(REMOTE_ADDR="203.0.113.5").post(LOGIN, {
        "username": "Hunter2-my-password", "password": "guess", "code": "123456"})

    attempt = AccessAttempt.objects.get()
    assert attempt.username.startswith("unknown:")
    assert "Hunter2" not in attempt.username + attempt.post_data
    assert SecurityEvent.objects.get().detail == {"username": attempt.username}


def test_five_failures_with_one_unknown_name_lock_that_name_out_from_that_address(coordinator):
    def sign_in_as_unknown(ip: str = "203.0.113.5"):
        return Client(REMOTE_ADDR=ip).post(LOGIN, {
            "username": "Hunter2-my-password", "password": "guess", "code": "123456"})

    for _ in range(5):
        sign_in_as_unknown()

    assert sign_in_as_unknown().status_code == 429
    assert sign_in_as_unknown(ip="198.51.100.66").status_code == 200
    assert AccessAttempt.objects.get(ip_address="203.0.113.5").failures_since_start == 6


def test_a_real_usernames_failures_are_recorded_under_the_username(coordinator):
    for _ in range(2):
        _sign_in(coordinator, password="guess")

    assert AccessAttempt.objects.get().username == "casey"
    assert AccessAttempt.objects.get().failures_since_start == 2
    assert SecurityEvent.objects.get(kind="login_failed").detail == {"username": "casey"}


def test_the_code_typed_is_not_kept_with_a_failed_attempt(coordinator):
    _sign_in(coordinator, password="guess", code="654321")

    assert "654321" not in AccessAttempt.objects.get().post_data


def test_an_account_without_an_authenticator_cannot_sign_in(coordinator):
    code = totp_code(coordinator)
    coordinator.totpdevice_set.all().delete()

    client, response = _sign_in(coordinator, code=code)

    assert b"Those details are not right" in response.content
    assert client.get("/triage/").status_code == 302


def test_five_failures_lock_that_account_from_that_address(coordinator):
    for _ in range(5):
        _sign_in(coordinator, password="guess")

    client, response = _sign_in(coordinator)

    assert response.status_code == 429  # even the right code is refused while locked out
    assert "_auth_user_id" not in client.session
    assert b"Sign-in paused" in response.content
    assert SecurityEvent.objects.filter(kind="login_locked_out").exists()


def test_wrong_codes_count_towards_the_lockout(coordinator):
    wrong = "000000" if totp_code(coordinator) != "000000" else "111111"
    for _ in range(5):
        _sign_in(coordinator, code=wrong)

    _, response = _sign_in(coordinator)

    assert response.status_code == 429


def test_an_attacker_cannot_lock_out_a_coordinator_working_from_elsewhere(coordinator):
    for _ in range(6):
        _sign_in(coordinator, password="guess", ip="198.51.100.66")

    client, response = _sign_in(coordinator, ip="203.0.113.5")

    assert response.status_code == 302
    assert client.get("/triage/").status_code == 200


@pytest.mark.parametrize("path", ["/triage/", "/people/1/", "/incidents/", "/admin/",
                                  "/staff/access-log/"])
def test_a_password_alone_does_not_open_a_staff_page(administrator, coordinator, path):
    client = Client()
    client.force_login(coordinator if path != "/admin/" else administrator)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")
    assert SecurityEvent.objects.filter(kind="second_factor_missing").exists()


def test_a_post_without_a_second_factor_is_refused(coordinator):
    client = Client()
    client.force_login(coordinator)

    response = client.post("/people/1/reply/", {"body": "hello"})

    assert response.status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in():
    response = Client().get("/triage/")

    assert response.status_code == 302
    assert not SecurityEvent.objects.exists()


def test_the_admin_opens_for_an_administrator_with_a_second_factor(administrator, staff_client):
    assert staff_client(administrator).get("/admin/").status_code == 200


def test_the_admin_sign_in_page_is_the_staff_sign_in():
    response = Client().get("/admin/login/")

    assert response["Location"] == f"{LOGIN}?next=/admin/"


def test_a_role_that_does_not_need_a_page_is_refused_and_recorded(officer, staff_client):
    response = staff_client(officer).get("/staff/access-log/")

    assert response.status_code == 403
    event = SecurityEvent.objects.get(kind="wrong_role")
    assert event.actor == officer


def test_signing_out_ends_the_session(coordinator, staff_client):
    client = staff_client(coordinator)

    client.post(reverse("staff:logout"))

    response = client.get("/triage/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")
    assert "_auth_user_id" not in client.session


def test_health_needs_no_sign_in():
    assert Client().get("/health/").json() == {"status": "ok"}


def test_administrators_can_view_but_never_edit_the_access_log(administrator, staff_client):
    client = staff_client(administrator)

    assert client.get("/admin/staff/accessevent/").status_code == 200
    assert client.get("/admin/staff/accessevent/add/").status_code == 403
    assert client.post("/admin/staff/accessevent/add/", {"what": "forged"}).status_code == 403
    assert not AccessEvent.objects.filter(what="forged").exists()
