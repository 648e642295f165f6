"""Referrals from before steps and exclusions: the member of staff each named is kept from its
message, its receipt and closing are steps, and an open one counts down to assessment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from contact_hub.conversations.models import MessageExclusion
from contact_hub.conversations.visibility import message_visible_to
from contact_hub.triage.models import MisconductReferral, ReferralStage
from tests.factories import StaffFactory, received_message

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("triage", "0003_referral_steps_and_countdown")]


def _migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor


def test_a_referral_naming_one_member_of_staff_becomes_an_exclusion_and_steps():
    after = MigrationExecutor(connection).loader.graph.leaf_nodes("triage")
    old = _migrate(BEFORE).loader.project_state(BEFORE).apps.get_model(
        "triage", "MisconductReferral")
    named = StaffFactory(username="dave", collar_number="4471")
    opener = StaffFactory(username="casey")
    opened = timezone.now() - timedelta(hours=2)
    open_message = received_message(text="PC 4471 keeps texting me")
    closed_message = received_message(text="PC 4471 asked me out")
    open_one = old.objects.create(message_id=open_message.pk,
                                  person_id=open_message.conversation.person_id,
                                  words=["PC 4471 keeps texting"], named_staff_id=named.pk,
                                  opened_at=opened)
    closed_one = old.objects.create(message_id=closed_message.pk,
                                    person_id=closed_message.conversation.person_id, words=[],
                                    opened_by_id=opener.pk, named_staff_id=named.pk,
                                    opened_at=opened, closed_at=opened + timedelta(hours=1),
                                    outcome="words of advice given")

    _migrate(after)

    assert not message_visible_to(open_message.pk, named)
    assert MessageExclusion.objects.get(message_id=open_message.pk).how == "collar number 4471"
    migrated = MisconductReferral.objects.get(pk=open_one.pk)
    assert migrated.assessment_due_at == opened + timedelta(hours=24)
    assert [(s.step, s.actor_id) for s in migrated.steps.all()] == [("received", None)]
    assert migrated.timers.count() == 2
    ended = MisconductReferral.objects.get(pk=closed_one.pk)
    assert ended.stage == ReferralStage.CLOSED and not ended.timers.exists()
    assert [(s.step, s.actor_id, s.reason) for s in ended.steps.all()] == [
        ("received", opener.pk, "misconduct flag added by staff"),
        ("closed", None, "words of advice given")]
