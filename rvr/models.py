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
    # The key word agreed with the victim that means "he's back" (rvr/suspect_present.py): only
    # a hash, like the code word; nobody can read it back.
    key_word_hash = models.CharField(max_length=128, blank=True)
    # What the coordinator was shown of officers on hand when video was offered, or could not
    # be for want of an officer (rvr/availability.py): the supervisor's figures count both.
    officers_available = models.PositiveSmallIntegerField(null=True, blank=True)
    wait_minutes = models.PositiveIntegerField(null=True, blank=True,
                                               help_text="the expected wait; empty if not known")
    wait_told = models.BooleanField(default=False,
                                    help_text="the coordinator told the victim the wait")
    no_officer = models.BooleanField(default=False,
                                     help_text="video not offered: no officer was available")

    class Meta:
        indexes = [models.Index(fields=["incident", "-started_at"])]

    def __str__(self) -> str:
        return f"RVR check {self.pk}"

    @property
    def checks_passed(self) -> bool:
        return all(self.answers.get(key) is True for key in SAFETY_CHECKS)


class OfficerAvailability(models.Model):
    """Whether an RVR officer is on hand for a video call now (rvr/availability.py). `chosen` is
    what they set themselves; a call they take makes them busy and gives `chosen` back at its
    end."""

    class Status(models.TextChoices):
        AVAILABLE = "available", "Available"
        BUSY = "busy", "Busy"
        OFF = "off", "Off"

    officer = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="rvr_availability")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFF)
    chosen = models.CharField(max_length=10, choices=Status.choices, default=Status.OFF)
    session = models.ForeignKey("VideoSession", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", help_text="the call keeping them busy")
    since = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.officer_id}: {self.status}"


class AvailabilityChange(models.Model):
    """One change of an officer's availability: who, from what, to what, when, and why."""

    class Cause(models.TextChoices):
        CHOSEN = "chosen", "Set by the officer"
        CALL_STARTED = "call_started", "Took a video call"
        CALL_ENDED = "call_ended", "The video call ended"
        SIGNED_OUT = "signed_out", "Signed out"

    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="+")
    from_status = models.CharField(max_length=10, choices=OfficerAvailability.Status.choices)
    to_status = models.CharField(max_length=10, choices=OfficerAvailability.Status.choices)
    cause = models.CharField(max_length=12, choices=Cause.choices)
    session = models.ForeignKey("VideoSession", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["officer", "at"], name="availability_change_idx")]


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

    class Mode(models.TextChoices):
        """How the call is carried (rvr/connection.py): a poor connection degrades, not drops."""

        VIDEO = "video", "Video"
        AUDIO = "audio", "Audio only"
        CHAT = "chat", "Text chat only"

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
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.VIDEO)
    ended_by = models.CharField(max_length=12, blank=True)
    safeguarding_advice = models.TextField(blank=True)
    crime_details = models.TextField(blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    outcome_reason = models.CharField(max_length=500, blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    # When the victim signalled that the suspect is back (rvr/suspect_present.py), and how:
    # the button or the key word.
    suspect_present_at = models.DateTimeField(null=True, blank=True)
    suspect_present_by = models.CharField(max_length=12, blank=True)

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


class CallRecording(models.Model):
    """The victim's answer when asked whether her call may be recorded, and, if she said yes,
    the recording the officer's console uploads in chunks (RecordingChunk)."""

    session = models.OneToOneField(VideoSession, on_delete=models.PROTECT,
                                   related_name="recording")
    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT,
                                 related_name="call_recordings")
    consent = models.BooleanField(help_text="her answer: no means nothing is recorded")
    answered_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True, help_text="the first chunk")
    # Set by the retention sweep when the chunks are deleted; their hashes stay in the log.
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["started_at"], condition=models.Q(deleted_at=None),
                                name="call_recording_kept_idx")]

    def __str__(self) -> str:
        return f"Recording of video session {self.session_id}"


class RecordingChunk(models.Model):
    """A few seconds of one side of a recorded call, as the console's MediaRecorder made it.
    Each side's chunks form a chain: every chunk names the SHA-256 of the one before, and each
    is in the incident log with its hash (rvr/recording.py verifies both)."""

    recording = models.ForeignKey(CallRecording, on_delete=models.PROTECT,
                                  related_name="chunks")
    track = models.CharField(max_length=8, help_text="victim or officer: whose camera")
    seq = models.PositiveIntegerField()
    # In the database, like stills, so a chunk and its log entry commit together or not at all.
    data = models.BinaryField()
    content_type = models.CharField(max_length=40)
    sha256 = models.CharField(max_length=64)
    prev_sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    received_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["recording", "track", "seq"],
                                               name="recording_chunk_unique_seq")]


class VictimLocation(models.Model):
    """A position the victim chose to share from her browser, as her phone reported it."""

    session = models.ForeignKey(VideoSession, on_delete=models.PROTECT,
                                related_name="locations")
    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT,
                                 related_name="victim_locations")
    latitude = models.FloatField()
    longitude = models.FloatField()
    accuracy_m = models.FloatField(help_text="the radius, in metres, her phone is sure within")
    # Her phone's time for the fix, which may differ from the hub's clock.
    taken_at = models.DateTimeField()
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["received_at", "pk"]


class VictimUpload(models.Model):
    """A photo or file the victim sent from the call. The bytes she sent are kept unchanged as
    evidence; an image also has a copy re-encoded for display, stripped of its metadata."""

    session = models.ForeignKey(VideoSession, on_delete=models.PROTECT,
                                related_name="uploads")
    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT,
                                 related_name="victim_uploads")
    # In the database, like stills, so the bytes and their log entry commit together.
    original = models.BinaryField()
    content_type = models.CharField(max_length=40, help_text="decided from the bytes")
    sha256 = models.CharField(max_length=64, help_text="of the original bytes")
    size = models.PositiveIntegerField()
    display = models.BinaryField(null=True, blank=True)
    display_type = models.CharField(max_length=40, blank=True)
    display_sha256 = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["received_at", "pk"]

    @property
    def is_image(self) -> bool:
        return bool(self.display_type)


class InterpreterInvite(models.Model):
    """An interpreter invited to a video call by a link of their own (rvr/interpreter.py). Its
    token, and the secret in the cookie of the one browser that joined with it, are stored only
    as hashes; it works only while the call is on."""

    session = models.ForeignKey(VideoSession, on_delete=models.PROTECT,
                                related_name="interpreter_invites")
    token_hash = models.CharField(max_length=64, unique=True)
    browser_hash = models.CharField(max_length=64, blank=True, db_index=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    invited_at = models.DateTimeField()
    expires_at = models.DateTimeField(help_text="an unused link cannot be joined after this")
    joined_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Interpreter invite {self.pk}"
