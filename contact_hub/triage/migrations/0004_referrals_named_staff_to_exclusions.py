"""Referrals opened before steps, exclusions and countdowns: the one member of staff each named
becomes a named exclusion from its message, its receipt (and any closing) becomes a step, and
an open one gets its countdown to assessment."""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.db import migrations


def _how(staff, text: str) -> str:
    collar = (staff.collar_number or "").strip()
    if collar and re.search(rf"(?<![\w@]){re.escape(collar)}(?!\w)", text, re.IGNORECASE):
        return f"collar number {collar}"
    return "name"


def forwards(apps, schema_editor) -> None:
    Referral = apps.get_model("triage", "MisconductReferral")
    Step = apps.get_model("triage", "ReferralStep")
    Timer = apps.get_model("triage", "ReferralTimer")
    Exclusion = apps.get_model("conversations", "MessageExclusion")
    hours = settings.HUB_ACCESS["referral_assessment_hours"]
    points = sorted(set(settings.HUB_ESCALATION["points"]) | {1.0})
    for referral in Referral.objects.select_related("message", "named_staff").order_by("pk"):
        due = referral.opened_at + timedelta(hours=hours)
        if referral.named_staff_id is not None and referral.message_id is not None:
            Exclusion.objects.get_or_create(
                message_id=referral.message_id, staff_id=referral.named_staff_id,
                defaults={"basis": "named",
                          "how": _how(referral.named_staff, referral.message.text)})
        Step.objects.create(
            referral=referral, step="received", actor_id=referral.opened_by_id,
            at=referral.opened_at,
            reason=("misconduct flag added by staff" if referral.opened_by_id else
                    "raised by the risk rules: " + ", ".join(referral.words or ["misconduct"])
                    )[:300])
        if referral.closed_at is not None:
            # Closing kept no actor then: the step says so rather than inventing one.
            Step.objects.create(referral=referral, step="closed", actor_id=None,
                                at=referral.closed_at,
                                reason=(referral.outcome or "closed")[:300])
            Referral.objects.filter(pk=referral.pk).update(assessment_due_at=due,
                                                           stage="closed")
            continue
        Referral.objects.filter(pk=referral.pk).update(assessment_due_at=due)
        span = due - referral.opened_at
        Timer.objects.bulk_create([
            Timer(referral=referral, point=f"{round(f * 100)}%",
                  due_at=referral.opened_at + span * f) for f in points])


def backwards(apps, schema_editor) -> None:
    """Back to one named member of staff and a closing outcome (the first of each kept)."""
    Referral = apps.get_model("triage", "MisconductReferral")
    Step = apps.get_model("triage", "ReferralStep")
    Exclusion = apps.get_model("conversations", "MessageExclusion")
    for referral in Referral.objects.order_by("pk"):
        named = (Exclusion.objects.filter(message_id=referral.message_id, basis="named")
                 .order_by("pk").values_list("staff_id", flat=True).first())
        ending = (Step.objects.filter(referral=referral).exclude(step__in=["received",
                                                                          "assessed"])
                  .values_list("reason", flat=True).first())
        Referral.objects.filter(pk=referral.pk).update(named_staff_id=named,
                                                       outcome=(ending or "")[:300])
    Step.objects.all().delete()
    apps.get_model("triage", "ReferralTimer").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("conversations", "0005_access_assignments"),
        ("triage", "0003_referral_steps_and_countdown"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
