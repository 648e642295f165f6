from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class ContactTriage(models.Model):
    """A contact's place in the triage queue: its risk, the grade the rules suggest, and
    whether a person has dealt with it yet."""

    class Outcome(models.TextChoices):
        INCIDENT = "incident", "Incident opened"
        LINKED = "linked", "Linked to an incident"
        NO_ACTION = "no_action", "No action needed"

    message = models.OneToOneField("conversations.Message", on_delete=models.CASCADE,
                                   related_name="triage")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE,
                               related_name="triaged_contacts")
    received_at = models.DateTimeField()
    risk = models.PositiveSmallIntegerField(default=0)
    suggested_grade = models.CharField(max_length=20, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    outcome_reason = models.CharField(max_length=300, blank=True)
    incident = models.ForeignKey("incidents.Incident", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="triaged_contacts")

    class Meta:
        indexes = [
            models.Index(fields=["-risk", "received_at"], condition=Q(handled_at__isnull=True),
                         name="triage_waiting_idx"),
        ]


class RiskFlag(models.Model):
    """A risk flag on a contact, with the words that raised it (none when staff added it)."""

    class Source(models.TextChoices):
        RULE = "rule", "Risk rules"
        STAFF = "staff", "Added by staff"

    message = models.ForeignKey("conversations.Message", on_delete=models.CASCADE,
                                related_name="risk_flags")
    kind = models.CharField(max_length=40)
    words = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices)
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    removed_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "kind"], name="risk_flag_unique_kind"),
        ]

    @property
    def label(self) -> str:
        from contact_hub.triage.rules import flag_label

        return flag_label(self.kind)


class Claim(models.Model):
    """Who is working a queue item. The key names the item ("message:12", "incident:3"), so
    any queue source (callbacks, video sessions) can be claimed the same way."""

    item_key = models.CharField(max_length=60, unique=True)
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                   related_name="claims")
    claimed_at = models.DateTimeField(auto_now_add=True)


class Marker(models.Model):
    """A marker on a person (or their address): MARAC, a special scheme, a warning.

    It raises the suggested grade of any contact from them until it expires. Before then, the
    officer responsible is prompted to contact the victim and decide: extend or withdraw.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        WITHDRAWN = "withdrawn", "Withdrawn"
        LAPSED = "lapsed", "Lapsed"

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT,
                               related_name="markers")
    address = models.CharField(max_length=200, blank=True,
                               help_text="the address it covers, if it is an address marker")
    kind = models.CharField(max_length=30)
    note = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    starts_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    review_at = models.DateTimeField(help_text="when the officer responsible is prompted")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="markers_responsible")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    review_prompted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True,
                                     help_text="contact with the victim: attempts and outcome")
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["review_at"], condition=Q(status="active",
                                                           review_prompted_at__isnull=True),
                         name="marker_review_due_idx"),
            models.Index(fields=["expires_at"], condition=Q(status="active"),
                         name="marker_expiry_idx"),
        ]

    @property
    def label(self) -> str:
        return settings.HUB_MARKER_KINDS.get(self.kind, {}).get("label", self.kind)

    @property
    def raises_grade_to(self) -> str | None:
        return settings.HUB_MARKER_KINDS.get(self.kind, {}).get("raises_grade_to")


class MisconductReferral(models.Model):
    """A restricted item for professional standards: an allegation against officers or staff
    raised in a contact. Never shown to the member of staff it names."""

    message = models.OneToOneField("conversations.Message", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="misconduct_referral")
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    words = models.JSONField(default=list, blank=True)
    named_staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=300, blank=True)
