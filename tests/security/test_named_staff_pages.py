"""The insider named in an allegation: whatever page or endpoint they ask for, by any id, they
never read the allegation or learn that it exists, although they hold work on her case.

Every staff URL in the URL conf is asked for, so a page added later cannot be forgotten: a new
URL parameter fails this test until it is given a value below."""

from __future__ import annotations

import pytest

from contact_hub.conversations.models import Message, MessageExclusion
from contact_hub.staff.models import AccessEvent, Assignment, StaffUser
from tests.factories import StaffFactory, assigned, received_message, triaged_message
from tests.security.staff_urls import body_of, staff_url_patterns, url_parameters, url_with

pytestmark = pytest.mark.django_db

SECRET = "zanzibar"


@pytest.fixture
def case(in_call_session, coordinator, officer):
    """Her case as the named member of staff knows it: an incident, a video call, and a later
    text alleging misconduct by a member of staff (by collar number)."""
    incident = in_call_session.incident
    number = incident.person.identities.get().value
    return {"incident": incident, "session": in_call_session, "number": number}


def allegation_about(named: StaffUser, case: dict) -> Message:
    named.collar_number = "4471"
    named.save()
    return triaged_message(channel="sms", sender=case["number"],
                           text=f"PC 4471 came round after and asked me out for a drink. "
                                f"I don't want him near me. {SECRET}")


def url_values(case: dict, allegation: Message) -> dict[str, str]:
    """A value for every URL parameter: the allegation itself wherever a message is asked for
    (the most direct way to reach it), her case's records everywhere else."""
    session = case["session"]
    from contact_hub.triage.models import MisconductReferral

    referral = MisconductReferral.objects.filter(message=allegation).first()
    return {
        "person_id": str(case["incident"].person_id),
        "message_id": str(allegation.pk),
        "index": "0",
        "reference": case["incident"].reference,
        "session_id": str(session.pk),
        "assessment_id": str(session.assessment_id),
        "still_id": "1",
        "upload_id": "1",
        "callback_request_id": "1",
        "referral_id": str(referral.pk if referral else 1),
        "alert_id": "1",
        "marker_id": "1",
        "item_id": "1",
        "hold_id": "1",
        "track": "victim",
    }


@pytest.mark.parametrize("role", ["coordinator", "officer", "supervisor",
                                  "professional_standards"])
def test_the_named_member_of_staff_never_reads_the_allegation_on_any_page(
        role, case, coordinator, officer, staff_client):
    named = {"coordinator": coordinator, "officer": officer}.get(role) or StaffFactory(
        role=role)
    assigned(named, case["incident"].person, kind=Assignment.Kind.INCIDENT,
             subject=f"incident:{case['incident'].reference}")
    allegation = allegation_about(named, case)
    assert MessageExclusion.objects.filter(message=allegation, staff=named).exists()
    client = staff_client(named)
    values = url_values(case, allegation)

    missing = url_parameters() - set(values)
    assert not missing, f"URL parameters with no value in this test: {sorted(missing)}"
    seen = []
    for pattern in staff_url_patterns():
        url = url_with(pattern, values)
        for method in ("get", "post"):
            status, body = body_of(client, url, method=method)
            assert status != 500, url
            assert SECRET not in body, f"{method.upper()} {url} shows it"
            assert "4471 came round" not in body, url
        seen.append(url)

    assert "/people/{}/".format(case["incident"].person_id) in seen
    assert f"/triage/contacts/{allegation.pk}/" in seen
    # Still signed in, and still shown the rest of her record: the pages were really read.
    page = client.get("/people/{}/".format(case["incident"].person_id))
    assert page.status_code == 200 and "gone out, I need to talk" in page.content.decode()
    # Their looks at her record while named in her allegation reach professional standards.
    assert AccessEvent.objects.filter(actor=named, person=case["incident"].person,
                                      flagged=True).exists()


def test_another_member_of_staff_on_the_case_reads_it(case, coordinator, officer, staff_client):
    allegation = allegation_about(officer, case)

    page = staff_client(coordinator).get(f"/people/{case['incident'].person_id}/")

    assert SECRET in page.content.decode()
    assert not MessageExclusion.objects.filter(message=allegation, staff=coordinator).exists()


def test_what_staff_wrote_to_her_since_is_kept_from_them_too(case, coordinator, officer,
                                                              staff_client):
    from contact_hub.conversations.reply import reply_send

    assigned(officer, case["incident"].person)
    allegation_about(officer, case)
    reply_send(person=case["incident"].person, channel="sms", actor=coordinator,
               body="Thank you for telling us. We have passed what you said to our "
                    "professional standards team.")

    named = staff_client(officer).get(f"/people/{case['incident'].person_id}/")
    colleague = staff_client(coordinator).get(f"/people/{case['incident'].person_id}/")

    assert "professional standards team" not in named.content.decode()
    assert "professional standards team" in colleague.content.decode()


def test_a_message_id_never_says_whose_it_is(case, coordinator, officer, staff_client):
    allegation = allegation_about(coordinator, case)
    client = staff_client(coordinator)

    hidden = client.post(f"/contacts/messages/{allegation.pk}/cancel/")
    missing = client.post("/contacts/messages/999999/cancel/")

    assert hidden.status_code == missing.status_code == 404


def test_the_live_event_for_new_messages_never_names_the_allegation(
        case, officer, django_capture_on_commit_callbacks, monkeypatch):
    from contact_hub.conversations import tasks
    from contact_hub.live import LiveEvent

    told: list[int] = []
    monkeypatch.setattr(tasks, "live_event_send", lambda kind, **ids: told.extend(
        ids["message_ids"]) if kind == LiveEvent.MESSAGES_RECEIVED else None)
    officer.collar_number = "4471"
    officer.save()
    with django_capture_on_commit_callbacks(execute=True):
        allegation = received_message(channel="sms", sender=case["number"],
                                      text=f"PC 4471 asked me out for a drink. {SECRET}")
    with django_capture_on_commit_callbacks(execute=True):
        ordinary = received_message(channel="sms", sender=case["number"],
                                    text="is anyone there")

    assert MessageExclusion.objects.filter(message=allegation, staff=officer).exists()
    assert ordinary.pk in told and allegation.pk not in told
