from __future__ import annotations

from functools import cache

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from contact_hub.conversations.intake import conversation_open_for, identity_for
from contact_hub.conversations.models import DeliveryStatus, Message
from contact_hub.staff.access import public_view

TWIML = "<Response/>"


@cache
def _conversation_id() -> int:
    return conversation_open_for(identity_for("phone", "+447700900999"), "sms").pk


@public_view
@csrf_exempt
def bare_insert_view(request: HttpRequest) -> HttpResponse:
    """The baseline the aim names: a bare Django view doing the same insert as intake (the
    message row), with no signature check, lookups or follow-up work."""
    Message.objects.create(conversation_id=_conversation_id(), direction=Message.Direction.INBOUND,
                           channel="sms", provider="bench",
                           provider_message_id=request.POST.get("MessageSid"),
                           text=request.POST.get("Body"), status=DeliveryStatus.RECEIVED)
    return HttpResponse(TWIML, content_type="text/xml")


@public_view
@csrf_exempt
def raw_insert_view(request: HttpRequest) -> HttpResponse:
    """A floor for reference: one raw-SQL INSERT into a three-column table."""
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_bare (sid, body) VALUES (%s, %s)",
                       [request.POST.get("MessageSid"), request.POST.get("Body")])
    return HttpResponse(TWIML, content_type="text/xml")


urlpatterns = [
    path("bench/bare/", bare_insert_view),
    path("bench/raw/", raw_insert_view),
    path("", include("contact_hub.urls")),
]
