"""Dip sampling: each shift every supervisor checks a random few of the texts, callback calls
and video calls other staff had with victims, and records a verdict for professional
standards."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DipSample(models.Model):
    """The staff contacts with victims offered to one supervisor in one shift: drawn the first
    time they open the page in the shift, the same on every visit after."""

    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="dip_samples")
    drawn_at = models.DateTimeField()
    # The contacts it was drawn from: those in the shift before it was drawn.
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["supervisor", "-drawn_at"])]

    def __str__(self) -> str:
        return f"Dip sample {self.pk}"


class DipSampleItem(models.Model):
    """One contact in a sample: who had it with whom, and the supervisor's verdict."""

    class Verdict(models.TextChoices):
        PENDING = "", "Not checked yet"
        FINE = "fine", "Fine"
        ADVICE = "advice", "Advice given"
        REFER = "refer", "Refer to professional standards"

    sample = models.ForeignKey(DipSample, on_delete=models.PROTECT, related_name="items")
    # The kind of contact, as conversations.conduct's contact sources name it (text, callback,
    # video), and its record there.
    kind = models.CharField(max_length=16)
    record_id = models.PositiveBigIntegerField()
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(help_text="when the contact was")
    verdict = models.CharField(max_length=8, choices=Verdict.choices, blank=True, default="")
    notes = models.TextField(blank=True)
    verdict_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [models.UniqueConstraint(fields=["sample", "kind", "record_id"],
                                               name="dip_sample_item_once")]
        indexes = [models.Index(fields=["kind", "at"]),
                   models.Index(fields=["-verdict_at"], condition=~models.Q(verdict=""),
                                name="dip_sample_verdict_idx")]

    def __str__(self) -> str:
        return f"Dip sample item {self.pk}"
