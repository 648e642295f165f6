"""Opt-out keywords: a person who texts STOP gets no more texts until they text START."""

from __future__ import annotations

from django.utils import timezone

from contact_hub.people.models import Identity

# The standard keywords carriers and Twilio honour for opting out and back in.
OPT_OUT = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
OPT_IN = {"START", "YES", "UNSTOP", "OPTIN"}


def opt_out_keywords_apply(identity: Identity, text: str) -> None:
    word = text.strip().upper().rstrip(".!")
    if word in OPT_OUT and identity.opted_out_at is None:
        Identity.objects.filter(pk=identity.pk).update(opted_out_at=timezone.now())
    elif word in OPT_IN and identity.opted_out_at is not None:
        Identity.objects.filter(pk=identity.pk).update(opted_out_at=None)
