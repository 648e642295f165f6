from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


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


class ReferralStage(models.TextChoices):
    """Where a misconduct referral is: received, assessed, then referred on or closed."""

    RECEIVED = "received", "Received"
    ASSESSED = "assessed", "Assessed"
    REFERRED_ANTI_CORRUPTION = "referred_acu", "Referred to anti-corruption"
    REFERRED_IOPC = "referred_iopc", "Referred to the IOPC"
    CLOSED = "closed", "Closed"


class MisconductReferral(models.Model):
    """A restricted item for professional standards: an allegation against officers or staff
    raised in a contact. The staff it names, and the candidates for one it does not name, are
    excluded from its message (conversations.MessageExclusion), so it never reaches them."""

    message = models.OneToOneField("conversations.Message", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="misconduct_referral")
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    words = models.JSONField(default=list, blank=True)
    # Words that speak of a member of staff without naming them ("the officer who came").
    unnamed_words = models.JSONField(default=list, blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(max_length=16, choices=ReferralStage.choices,
                             default=ReferralStage.RECEIVED)
    assessment_due_at = models.DateTimeField(help_text="the force's countdown to assessment")
    assessed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True,
                                     help_text="when it was referred on or closed")

    class Meta:
        indexes = [models.Index(fields=["assessment_due_at"], name="referral_open_due_idx",
                                condition=Q(closed_at__isnull=True))]

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def waits_for_assessment(self) -> bool:
        return self.stage == ReferralStage.RECEIVED

    @property
    def overdue(self) -> bool:
        return self.waits_for_assessment and self.assessment_due_at <= timezone.now()


class ReferralStep(models.Model):
    """One step of a referral's life, with who took it and why. The services require an actor
    for every step staff take; only the receipt of a referral the risk rules opened has none
    (and closures recorded before steps were, which kept no actor)."""

    referral = models.ForeignKey(MisconductReferral, on_delete=models.PROTECT,
                                 related_name="steps")
    step = models.CharField(max_length=16, choices=ReferralStage.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=300)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["referral", "step"], name="referral_step_once"),
            models.CheckConstraint(condition=~Q(reason=""), name="referral_step_has_reason"),
        ]


class ReferralTimer(models.Model):
    """One point of a referral's countdown to assessment (part-way, the deadline): a row the
    sweeper claims and fires exactly once, however many sweepers run, as incidents' are."""

    referral = models.ForeignKey(MisconductReferral, on_delete=models.CASCADE,
                                 related_name="timers")
    point = models.CharField(max_length=20, help_text="e.g. 50%, 100%")
    due_at = models.DateTimeField()
    fired_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["referral", "point"],
                                               name="referral_timer_once")]
        indexes = [models.Index(fields=["due_at"], name="referral_timer_due_idx",
                                condition=Q(fired_at__isnull=True, cancelled_at__isnull=True))]
