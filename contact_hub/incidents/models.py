from __future__ import annotations

from django.conf import settings
from django.db import models

from contact_hub.people.models import Person
from contact_hub.staff.models import AppendOnlyModel


class Incident(models.Model):
    """An incident as the force records it. Every change is also an entry in its log."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ASSIGNED = "assigned", "Assigned"
        DIVERTED = "diverted", "Unit diverted"
        CLOSED = "closed", "Closed"

    reference = models.CharField(max_length=32, unique=True)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="incidents")
    opening_code = models.CharField(max_length=40, help_text="the incident type, e.g. DOMESTIC")
    grade = models.CharField(max_length=20)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    threat = models.TextField(blank=True)
    harm = models.TextField(blank=True)
    risk = models.TextField(blank=True)
    investigation = models.TextField(blank=True)
    vulnerability = models.TextField(blank=True)
    engagement = models.TextField(blank=True)
    target_at = models.DateTimeField(null=True, blank=True,
                                     help_text="target response deadline from the grade")
    flags = models.JSONField(default=list, blank=True)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="incidents_assigned")
    assigned_unit = models.CharField(max_length=40, blank=True,
                                     help_text="the call sign of the unit sent, e.g. ALPHA-21")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The head of the log, kept in step in the same transaction as each entry, so that removing
    # the newest entries is detected as surely as editing an old one.
    log_length = models.PositiveIntegerField(default=0)
    log_head = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["target_at"], condition=models.Q(closed_at__isnull=True),
                         name="incident_open_target_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def grade_label(self) -> str:
        return settings.HUB_GRADES.get(self.grade, {}).get("label", self.grade)

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class IncidentContact(models.Model):
    """A message (and later a callback request or video session) linked to an incident."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="contacts")
    message = models.ForeignKey("conversations.Message", on_delete=models.PROTECT,
                                related_name="incident_links")
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "message"],
                                    name="incident_contact_unique"),
        ]


class LogEntry(AppendOnlyModel):
    """One entry in an incident's append-only log, chained to the one before by its hash."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="log")
    seq = models.PositiveIntegerField()
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(max_length=150, help_text="who, as written into the hash")
    kind = models.CharField(max_length=60)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # How `hash` was made (contact_hub.incidents.log): 1, plain SHA-256, for entries written
    # before the chain was keyed; 2, HMAC-SHA256 with HUB_LOG_CHAIN_KEY over the actor's id too.
    chain_version = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["incident_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "seq"], name="log_entry_unique_seq"),
        ]
        verbose_name_plural = "log entries"


class EscalationTimer(models.Model):
    """One escalation point of an incident (half-way, the deadline, each repeat after it): a row
    with a deadline that the sweeper claims and fires exactly once, however many sweepers run."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE,
                                 related_name="escalation_timers")
    point = models.CharField(max_length=20, help_text="e.g. 50%, 100%, +15m, +30m")
    target_at = models.DateTimeField(help_text="the target this point belongs to")
    due_at = models.DateTimeField()
    fired_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "target_at", "point"],
                                    name="escalation_timer_unique_point"),
        ]
        indexes = [
            models.Index(fields=["due_at"], name="escalation_timer_due_idx",
                         condition=models.Q(fired_at__isnull=True, cancelled_at__isnull=True)),
        ]


class Alert(models.Model):
    """Something a supervisor (or one named officer) must see: an escalation, a diverted unit,
    a marker to review. Shown on the dashboard until acknowledged."""

    class Kind(models.TextChoices):
        ESCALATION = "escalation", "Target time"
        DIVERTED = "diverted", "Unit diverted"
        MARKER_REVIEW = "marker_review", "Marker review due"
        MARKER_LAPSED = "marker_lapsed", "Marker lapsed without a decision"
        CONDUCT_HOLD = "conduct_hold", "Staff words held for review"
        DIP_REFERRAL = "dip_referral", "Dip sample referred to professional standards"
        # For professional standards: a misconduct referral's countdown to assessment.
        REFERRAL_ASSESSMENT = "referral_due", "Misconduct referral assessment due"
        # From a video call: the victim signalled that the suspect is back.
        SUSPECT_PRESENT = "suspect_present", "Suspect back with the victim"
        # From a video call: its officer was kept from her incident (an allegation names
        # them) and taken off the call; another officer must take it up with her.
        VIDEO_OFFICER_KEPT = "video_officer_kept", "Video call's officer taken off it"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    for_role = models.CharField(max_length=32, blank=True)
    for_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="alerts")
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="alerts")
    # By name: a marker review's alert points at triage's marker without this layer importing
    # triage.
    marker = models.ForeignKey("triage.Marker", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="alerts")
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")

    class Meta:
        # The table keeps the name it had when alerts lived in triage.
        db_table = "triage_alert"
        indexes = [
            models.Index(fields=["for_role", "-created_at"],
                         condition=models.Q(acknowledged_at__isnull=True),
                         name="alert_open_idx"),
        ]
