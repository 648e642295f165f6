from __future__ import annotations

from django.conf import settings
from django.db import models

from callback.windows import window_for
from contact_hub.people.models import Identity, Person

# The statuses in which a request is still someone's to deal with. One number has at most one of
# these at a time: a second request from it merges into the first and keeps the first's place.
ACTIVE_STATUSES = ("queued", "calling", "coordinator")


class CallbackRequest(models.Model):
    """Someone asked to be called back (or a call needs a coordinator's welfare check)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting in the queue"
        CALLING = "calling", "With a call handler"
        COORDINATOR = "coordinator", "Needs a coordinator"
        CLOSED = "closed", "Closed"

    class Source(models.TextChoices):
        VOICE = "voice", "101 call"
        WEB = "web", "Web form"
        TEXT = "text", "Text keyword"
        # Asked for from a video call she could not continue (callback/incident_asks.py).
        VIDEO = "video", "Video call"

    class Flag(models.TextChoices):
        NONE = "", "None"
        SILENT_CALL = "silent_call", "Silent call"
        HUNG_UP = "hung_up", "Hung up during the menu"
        UNABLE_TO_CONTACT = "unable_to_contact", "Unable to contact"

    class Priority(models.IntegerChoices):
        URGENT = 1, "Urgent"
        HIGH = 2, "High"
        NORMAL = 3, "Normal"

    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="callback_requests")
    identity = models.ForeignKey(Identity, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="callback_requests",
                                 help_text="the number to call back; none for a withheld number")
    source = models.CharField(max_length=8, choices=Source.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    flag = models.CharField(max_length=20, choices=Flag.choices, blank=True, default="")
    priority = models.PositiveSmallIntegerField(choices=Priority.choices,
                                                default=Priority.NORMAL)
    joined_at = models.DateTimeField(help_text="when the caller first joined: their place")
    # The safe window, as local wall-clock times; both empty means any time.
    safe_from = models.TimeField(null=True, blank=True)
    safe_until = models.TimeField(null=True, blank=True)
    voicemail_ok = models.BooleanField(default=False)
    texts_ok = models.BooleanField(default=False)
    next_attempt_at = models.DateTimeField(null=True, blank=True,
                                           help_text="not to be called before this time")
    attempts_made = models.PositiveSmallIntegerField(default=0,
                                                     help_text="since it last joined the queue")
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="callbacks_claimed")
    claimed_at = models.DateTimeField(null=True, blank=True)
    incident = models.ForeignKey("incidents.Incident", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="callback_requests")
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["identity"], name="callback_one_active_per_number",
                                    condition=models.Q(status__in=ACTIVE_STATUSES)),
        ]
        indexes = [
            models.Index(fields=["priority", "joined_at", "id"],
                         condition=models.Q(status="queued"), name="callback_queue_order_idx"),
        ]

    def __str__(self) -> str:
        return f"Callback request {self.pk}"

    @property
    def masked_number(self) -> str:
        return self.identity.masked if self.identity is not None else "withheld"

    @property
    def pending_change(self) -> PreferenceChange | None:
        """The unconfirmed change asked for, if any; selectors prefetch it for lists."""
        prefetched = getattr(self, "pending_changes", None)
        if prefetched is None:
            prefetched = list(self.preference_changes.filter(
                status=PreferenceChange.Status.PENDING))
        return prefetched[0] if prefetched else None

    @property
    def safe_window_label(self) -> str:
        if self.safe_from is None or self.safe_until is None:
            return "any time"
        return f"{self.safe_from:%H:%M} to {self.safe_until:%H:%M}"


class CallbackEntry(models.Model):
    """One way a caller asked: a 101 call, a web form or a text. Several entries from one
    number are one request; the unique provider keys make redelivered webhooks harmless."""

    request = models.ForeignKey(CallbackRequest, on_delete=models.CASCADE,
                                related_name="entries")
    source = models.CharField(max_length=8, choices=CallbackRequest.Source.choices)
    created_at = models.DateTimeField()
    call_sid = models.CharField(max_length=64, null=True, blank=True, unique=True)
    message = models.OneToOneField("conversations.Message", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="callback_entry")

    class Meta:
        verbose_name_plural = "callback entries"


class CallbackAttempt(models.Model):
    """One call placed to the caller, with its result, time and handler."""

    class Result(models.TextChoices):
        PENDING = "", "Not known yet"
        ANSWERED = "answered", "Answered"
        BUSY = "busy", "Busy"
        NO_ANSWER = "no_answer", "No answer"
        VOICEMAIL = "voicemail", "Voicemail"
        FAILED = "failed", "Failed"

    request = models.ForeignKey(CallbackRequest, on_delete=models.CASCADE,
                                related_name="attempts")
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="callback_attempts")
    started_at = models.DateTimeField()
    placed_at = models.DateTimeField(null=True, blank=True)
    provider = models.CharField(max_length=20, blank=True)
    call_sid = models.CharField(max_length=64, null=True, blank=True, unique=True)
    call_status = models.CharField(max_length=16, default="placing",
                                   help_text="the provider's latest call status")
    answered_by = models.CharField(max_length=24, blank=True)
    result = models.CharField(max_length=12, choices=Result.choices, blank=True, default="")
    result_at = models.DateTimeField(null=True, blank=True)
    result_source = models.CharField(max_length=12, blank=True,
                                     help_text="provider, handler or sweep")

    class Meta:
        ordering = ["started_at"]
        indexes = [models.Index(fields=["started_at"])]


class VoiceCall(models.Model):
    """A call to the 101 line while it is in the callback menu: what the caller has chosen so
    far, so a hang-up or silence part-way through still reaches a coordinator."""

    class Stage(models.TextChoices):
        MENU = "menu", "Main menu"
        NUMBER = "number", "Confirming the number"
        KEYED = "keyed", "Keying a number"
        WINDOW = "window", "Choosing a safe time"
        VOICEMAIL = "voicemail", "Voicemail choice"
        TEXTS = "texts", "Text choice"
        DONE = "done", "Callback requested"
        HOLDING = "holding", "Holding for an operator"
        WELFARE = "welfare", "Passed to a coordinator"

    call_sid = models.CharField(max_length=64, unique=True)
    caller = models.ForeignKey(Identity, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", help_text="none when the number is withheld")
    callback_to = models.ForeignKey(Identity, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.MENU)
    silences = models.PositiveSmallIntegerField(default=0, help_text="in a row, this stage")
    refused_numbers = models.PositiveSmallIntegerField(default=0)
    window = models.CharField(max_length=12, blank=True)
    voicemail_ok = models.BooleanField(default=False)
    texts_ok = models.BooleanField(default=False)
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    @property
    def in_menu(self) -> bool:
        return self.stage not in (self.Stage.DONE, self.Stage.HOLDING, self.Stage.WELFARE)


class PreferenceChange(models.Model):
    """A change to when or how we may contact a caller that an entry asked for on a request
    that already exists, and that would make contact less safe (more times, voicemail, texts).

    No entry proves who is asking (caller ID and SMS senders can be spoofed, the form is
    public), so it is held until the handler confirms it with the caller on the call, or
    discarded. Only the less safe parts are held: safer ones are applied at once."""

    class Status(models.TextChoices):
        PENDING = "pending", "Not confirmed"
        CONFIRMED = "confirmed", "Confirmed with the caller"
        DISCARDED = "discarded", "Discarded"

    request = models.ForeignKey(CallbackRequest, on_delete=models.CASCADE,
                                related_name="preference_changes")
    source = models.CharField(max_length=8, choices=CallbackRequest.Source.choices,
                              help_text="how it was last asked for")
    asked_at = models.DateTimeField()
    window = models.CharField(max_length=12, blank=True,
                              help_text="the safe window asked for; empty if not asked")
    allow_voicemail = models.BooleanField(default=False)
    allow_texts = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request"], name="callback_one_pending_change",
                                    condition=models.Q(status="pending")),
        ]

    @property
    def asked_for(self) -> str:
        """What was asked, in words for staff: 'allow voicemail and allow texts'."""
        parts = []
        if self.window:
            parts.append(f"change the safe time to {window_for(self.window).label.lower()}")
        if self.allow_voicemail:
            parts.append("allow voicemail")
        if self.allow_texts:
            parts.append("allow texts")
        return " and ".join(parts)


class WebFormAsk(models.Model):
    """A web form request between the page's answer and the follow-up that acts on it, deleted
    once acted on. The page answers before anything about the number is looked up, so it
    reads and takes the same whether or not the number already has a request."""

    number = models.CharField(max_length=20, help_text="E.164, checked against policy")
    window = models.CharField(max_length=12)
    voicemail_ok = models.BooleanField()
    texts_ok = models.BooleanField()
    source_ip = models.GenericIPAddressField(null=True, blank=True,
                                             help_text="for the security events it may cause")
    created_at = models.DateTimeField()


class EntryCount(models.Model):
    """How many entries one source (a number or an address, stored only as a keyed hash) made
    in one fixed window: the flood limit, shared by every web and worker process."""

    key = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="entry_count_unique"),
        ]
