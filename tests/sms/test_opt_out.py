"""Opt-out keywords, applied by the received-message hook: a sender's newest keyword decides,
however often or in whatever order the hook sees their texts."""

from __future__ import annotations

import pytest

from contact_hub.people.models import Identity
from contact_hub.sms.opt_out import opt_out_keywords_apply
from tests.factories import received_message

pytestmark = pytest.mark.django_db
SENDER = "+447700900531"


def opted_out() -> bool:
    return Identity.objects.get(value=SENDER).opted_out_at is not None


def test_stop_opts_the_sender_out():
    stop = received_message(sender=SENDER, text="Stop!")

    opt_out_keywords_apply([stop.pk])

    assert opted_out()


def test_a_text_that_only_contains_the_word_is_not_a_keyword():
    text = received_message(sender=SENDER, text="please stop calling my mum")

    opt_out_keywords_apply([text.pk])

    assert not opted_out()


def test_stop_on_whatsapp_is_a_message_not_an_sms_opt_out():
    stop = received_message(channel="whatsapp", sender=SENDER, text="STOP")

    opt_out_keywords_apply([stop.pk])

    assert not opted_out()


def test_a_second_run_over_the_same_stop_keeps_the_time_she_opted_out():
    stop = received_message(sender=SENDER, text="STOP")
    opt_out_keywords_apply([stop.pk])
    first = Identity.objects.get(value=SENDER).opted_out_at

    opt_out_keywords_apply([stop.pk])

    assert Identity.objects.get(value=SENDER).opted_out_at == first


def test_an_older_stop_seen_again_never_undoes_a_later_start():
    stop = received_message(sender=SENDER, text="STOP")
    start = received_message(sender=SENDER, text="START")
    opt_out_keywords_apply([stop.pk])
    opt_out_keywords_apply([start.pk])

    opt_out_keywords_apply([stop.pk])

    assert not opted_out()


def test_in_one_batch_the_last_keyword_counts():
    stop = received_message(sender=SENDER, text="STOP")
    start = received_message(sender=SENDER, text="START")
    again = received_message(sender=SENDER, text="stop")

    opt_out_keywords_apply([again.pk, start.pk, stop.pk])

    assert opted_out()
