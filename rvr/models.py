"""Rapid Video Response: the eligibility check, video sessions, and what an officer records."""

from __future__ import annotations

from django.conf import settings
from django.db import models

# The coordinator's safety check, in the order it is asked. Every answer must be yes.
SAFETY_CHECKS = {
    "safe_place": "The victim is in a safe and private place",
    "offender_absent": "The offender is absent and unlikely to return",
    "no_crisis": "The victim is not in a mental-health crisis",
    "talk_freely": "The victim is able to talk freely",
    "device": "The victim has a phone or computer with a camera and a usable connection",
}


# The longest chat message either side may send (a victim typing because they cannot speak).
CHAT_MAX_CHARS = 1000


class RvrAssessment(models.Model):
    """A coordinator's RVR eligibility and safety check of an incident, and the victim's choice."""

    class Decision(models.TextChoices):
        PENDING = "pending", "Checks under way"
        RVR = "rvr", "Rapid Video Response"
        IN_PERSON = "in_person", "In-person response"

    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT,
                                 related_name="rvr_assessments")
    coordinator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    started_at = models.DateTimeField()
    answers = models.JSONField(default=dict, help_text="safety check key -> true or false")
    consent = models.BooleanField(null=True, help_text="the victim's choice; empty until asked")
    decision = models.CharField(max_length=12, choices=Decision.choices,
                                default=Decision.PENDING)
    decision_reason = models.CharField(max_length=300, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["incident", "-started_at"])]

    def __str__(self) -> str:
        return f"RVR check {self.pk}"

    @property
    def checks_passed(self) -> bool:
        return all(self.answers.get(key) is True for key in SAFETY_CHECKS)


class VideoSession(models.Model):
    """One video link and the call it leads to. The link's token is stored only as a hash."""

    class Status(models.TextChoices):
        LINK_SENT = "link_sent", "Link sent"
        JOINED = "joined", "Joined: checking the connection"
        WAITING = "waiting", "Waiting for an officer"
        IN_CALL = "in_call", "In the call"
        ENDED = "ended", "Call ended"
        REVOKED = "revoked", "Link revoked"
        EXPIRED = "expired", "Link expired"

    class Verdict(models.TextChoices):
        GOOD = "good", "Good for video"
        AUDIO_ONLY = "audio_only", "Weak: audio only advised"
        POOR = "poor", "Too poor for a call"

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", "Resolved by video"
        ATTENDANCE = "attendance", "In-person attendance still needed"
        REFERRED = "referred", "Referred elsewhere"

    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT,
                                 related_name="video_sessions")
    assessment = models.ForeignKey(RvrAssessment, on_delete=models.PROTECT,
                                   related_name="video_sessions")
    token_hash = models.CharField(max_length=64, unique=True)
    # The random value the link's token is derived from with the hub's secret key
    # (rvr.links.link_token): the sending task rebuilds the link from it, so neither the token
    # nor the link is ever stored. Empty on sessions sent before tokens were derived.
    link_nonce = models.CharField(max_length=64, blank=True)
    # The hash of the random secret in the cookie of the browser that joined.
    browser_hash = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.LINK_SENT)
    expires_at = models.DateTimeField(help_text="the link cannot be joined after this")
    message = models.ForeignKey("conversations.Message", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=16)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="+")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.PROTECT, related_name="video_sessions")
    # The times the supervisor's figures come from.
    link_sent_at = models.DateTimeField()
    opened_at = models.DateTimeField(null=True, blank=True)
    joined_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    officer_connected_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The connection check the server's peer ran with the victim's browser.
    check_rtt_ms = models.FloatField(null=True, blank=True)
    check_loss_pct = models.FloatField(null=True, blank=True)
    check_bitrate_kbps = models.FloatField(null=True, blank=True)
    check_verdict = models.CharField(max_length=12, choices=Verdict.choices, blank=True)
    audio_only = models.BooleanField(default=False)
    ended_by = models.CharField(max_length=12, blank=True)
    safeguarding_advice = models.TextField(blank=True)
    crime_details = models.TextField(blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    outcome_reason = models.CharField(max_length=500, blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "checked_at"], name="video_session_status_idx"),
            models.Index(fields=["expires_at"], condition=models.Q(status="link_sent"),
                         name="video_session_unjoined_idx"),
        ]

    def __str__(self) -> str:
        return f"Video session {self.pk}"

    @property
    def group(self) -> str:
        """The channel-layer group both sides' websockets join."""
        return f"rvr.session.{self.pk}"


class CallMessage(models.Model):
    """A line of text chat in the call, for a victim who cannot speak aloud."""

    session = models.ForeignKey(VideoSession, on_delete=models.PROTECT, related_name="chat")
    sender = models.CharField(max_length=8, help_text="victim or officer")
    text = models.TextField()
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]


class RiskAssessment(models.Model):
    """The risk assessment the officer completes in the call, on the force's form (DASH, DARA or
    its own: rvr/risk_forms); saving again replaces it."""

    class Level(models.TextChoices):
        STANDARD = "standard", "Standard"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    session = models.OneToOneField(VideoSession, on_delete=models.PROTECT,
                                   related_name="risk_assessment")
    # Which form, and which version of it, the answers are to: a form's wording and scoring
    # change over time, and a force may move from DASH to DARA.
    form_key = models.CharField(max_length=40)
    form_version = models.CharField(max_length=40)
    answers = models.JSONField(default=dict, help_text="question key -> the answer's value")
    # The form's score of the answers (DASH: the number of "yes"); empty for a form the officer
    # grades (DARA).
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    judgement_level = models.CharField(max_length=10, choices=Level.choices, blank=True)
    judgement_reason = models.TextField(blank=True)
    level = models.CharField(max_length=10, choices=Level.choices)
    marac_referral = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField()


class EvidenceStill(models.Model):
    """A still image captured from the victim's video (an injury, a damaged door)."""

    session = models.ForeignKey(VideoSession, on_delete=models.PROTECT, related_name="stills")
    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT,
                                 related_name="evidence_stills")
    # Stored in the database so the image and its log entry commit together or not at all.
    image = models.BinaryField()
    content_type = models.CharField(max_length=40)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    captured_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    captured_at = models.DateTimeField()
