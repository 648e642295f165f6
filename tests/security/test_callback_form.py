"""The public callback form from the abuser's side: he knows her number and can post anything
from anywhere. What he gets back may not differ because she asked for a callback, and what
he posts may not undo when and how she said we may contact her."""

from __future__ import annotations

import re
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from callback.forms import form_token
from callback.models import CallbackRequest, PreferenceChange, WebFormAsk
from contact_hub.followups.models import FollowUp
from contact_hub.people.models import Identity
from contact_hub.staff.models import SecurityEvent

pytestmark = pytest.mark.django_db
FORM = "/callback/request/"
HERS = "07700 900801"
NEVER_ASKED = "07700 900802"
LOOSEST = {"window": "any", "voicemail_ok": "yes", "texts_ok": "yes"}
_addresses = iter(range(1, 250))
TOKENS = re.compile(rb'(name="(?:csrfmiddlewaretoken|started)" value=")[^"]*"')


def _post(number: str, **choices: str):
    """One post from its own address, so the per-address limit never comes into it."""
    data = {"number": number, "window": "evening", "voicemail_ok": "no", "texts_ok": "no",
            "website": "", "started": form_token(now=time.time() - 20), **choices}
    return Client(REMOTE_ADDR=f"203.0.113.{next(_addresses)}").post(FORM, data)


def _page(response) -> bytes:
    """The body with the per-page tokens taken out: everything else must match byte for
    byte."""
    return TOKENS.sub(rb'\1-"', response.content)


def _headers(response) -> dict[str, str]:
    """The headers but Expires, which is the time of the answer (never_cache), whoever asks."""
    return {name: value for name, value in response.headers.items() if name != "Expires"}


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """Post the form, then run its follow-up (the merge) as a worker would, after the answer."""

    def posted(number: str, **choices: str):
        with django_capture_on_commit_callbacks(execute=True):
            return _post(number, **choices)

    return posted


@pytest.fixture
def her_request(post) -> CallbackRequest:
    """She asked to be called only in the evening, with no voicemail and no texts."""
    post(HERS)
    return CallbackRequest.objects.get(identity__value="+447700900801")


def test_probing_her_number_answers_exactly_as_a_number_that_never_asked(her_request,
                                                                        post):
    probe = post(HERS, **LOOSEST)
    control = post(NEVER_ASKED, **LOOSEST)

    assert probe.status_code == control.status_code == 200
    assert _page(probe) == _page(control)
    assert _headers(probe) == _headers(control)
    assert not probe.cookies and not control.cookies


def test_the_answer_gives_no_place_wait_or_earlier_choice(her_request, post):
    page = post(HERS, window="morning").content.decode()

    assert "You asked us to call only in the mornings" in page
    for leak in ("number 1", "queue position", "minutes", "already", "17:00", "5pm", "evening"):
        assert leak not in page.lower()


def test_her_number_cannot_widen_her_window_or_turn_on_voicemail_and_texts(her_request,
                                                                          post):
    post(HERS, **LOOSEST)

    her_request.refresh_from_db()
    assert (her_request.safe_window_label, her_request.voicemail_ok, her_request.texts_ok) == (
        "17:00 to 21:00", False, False)
    event = SecurityEvent.objects.get(kind="callback_change_held")
    assert event.detail == {"source": "web", "callback_request_id": her_request.pk,
                            "asked": ["allow_texts", "allow_voicemail", "window"]}
    assert "900801" not in str(event.detail)


def test_what_he_asked_for_waits_for_her_on_the_call_and_the_coordinator_sees_it(
        her_request, post, coordinator, staff_client):
    post(HERS, **LOOSEST)

    change = PreferenceChange.objects.get(request=her_request)
    assert (change.status, change.window, change.allow_voicemail, change.allow_texts) == (
        "pending", "any", True, True)
    page = staff_client(coordinator).get("/callback/list/").content.decode()
    assert ("Someone asked to change the safe time to any time and allow voicemail and allow "
            "texts (web form") in page
    assert "not applied until the caller confirms it on the call" in page
    detail = staff_client(coordinator).get(f"/callback/{her_request.pk}/").content.decode()
    assert "Discard it" in detail


def test_the_form_does_the_same_work_whether_or_not_she_asked(her_request):
    """Same statements in the same order: nothing about the number is looked up before the
    answer, so its timing cannot tell him either."""
    with CaptureQueriesContext(connection) as probe:
        _post(HERS, **LOOSEST)
    with CaptureQueriesContext(connection) as control:
        _post(NEVER_ASKED, **LOOSEST)

    assert _statements(probe) == _statements(control)
    assert not any("callback_callbackrequest" in sql for sql in _statements(probe))


def _statements(queries: CaptureQueriesContext) -> list[str]:
    """The SQL with its values (numbers, ids, times, savepoint names) taken out."""
    literal = re.compile(r"'(?:[^']|'')*'|\"s\d+_x\d+\"|\b\d+(?:\.\d+)?\b")
    return [literal.sub("?", query["sql"]) for query in queries.captured_queries]


def test_a_safer_change_from_the_form_is_applied(post):
    post(HERS, window="any", voicemail_ok="yes", texts_ok="yes")

    post(HERS, window="any", voicemail_ok="no", texts_ok="no")

    request = CallbackRequest.objects.get()
    assert (request.safe_window_label, request.voicemail_ok, request.texts_ok) == (
        "any time", False, False)
    assert not PreferenceChange.objects.exists()


def test_the_form_page_leaves_no_cookie_on_her_phone(client):
    assert not client.get("/callback/request/").cookies


def test_a_form_posted_from_another_site_is_refused_and_stores_nothing(client):
    response = client.post("/callback/request/", {"number": "07700900999"},
                           HTTP_SEC_FETCH_SITE="cross-site")

    assert response.status_code == 403
    assert not CallbackRequest.objects.exists()
    assert SecurityEvent.objects.get().kind == "cross_origin_post"


def test_a_flood_on_her_number_answers_as_success_and_is_recorded_once(settings, her_request,
                                                                       post):
    settings.HUB_CALLBACK_NUMBER_LIMIT = 2
    control = post(NEVER_ASKED)

    flood = [post(HERS) for _ in range(4)]

    assert [r.status_code for r in flood] == [200] * 4
    assert {_page(r) for r in flood} == {_page(control)}
    assert her_request.entries.count() == 2
    event = SecurityEvent.objects.get(kind="callback_flood")
    assert (event.detail, event.count) == ({"source": "web", "by": "number"}, 1)
    assert not WebFormAsk.objects.exists()


@pytest.mark.parametrize("number", ["09098 790000", "+1 202 555 0123", "not a number", ""])
def test_a_number_we_cannot_call_is_refused_stores_nothing_and_is_recorded(number, post):
    response = post(number)

    assert response.status_code == 400
    assert not (CallbackRequest.objects.exists() or Identity.objects.exists()
                or WebFormAsk.objects.exists() or FollowUp.objects.exists())
    event = SecurityEvent.objects.get()
    assert (event.kind, event.detail) == ("callback_form_refused",
                                          {"source": "web", "fields": ["number"]})


@pytest.mark.parametrize("tampered", [
    lambda: {"website": "http://spam.example"},
    lambda: {"started": form_token(now=time.time())},  # faster than anyone fills it in
    lambda: {"started": "forged"},
])
def test_an_automated_post_is_refused_stores_nothing_and_is_recorded(tampered, post):
    response = post(HERS, **tampered())

    assert response.status_code == 400
    assert not (CallbackRequest.objects.exists() or Identity.objects.exists()
                or WebFormAsk.objects.exists() or FollowUp.objects.exists())
    event = SecurityEvent.objects.get()
    assert (event.kind, event.detail) == ("callback_spam", {"source": "web"})
