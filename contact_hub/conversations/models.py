from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from contact_hub.conversations.neutral import neutral_text_problems
from contact_hub.people.identifiers import identifier_mask
from contact_hub.people.models import Identity, Person


class Channel(models.TextChoices):
    SMS = "sms", "SMS"
    WHATSAPP = "whatsapp", "WhatsApp"
    MESSENGER = "messenger", "Messenger"
    INSTAGRAM = "instagram", "Instagram"
    X = "x", "X"
    VOICE = "voice", "101 call"
    WEB = "web", "Web form"


# The identity kind each channel's sender id is.
CHANNEL_IDENTITY_KIND: dict[str, Identity.Kind] = {
    Channel.SMS: Identity.Kind.PHONE,
    Channel.WHATSAPP: Identity.Kind.PHONE,
    Channel.VOICE: Identity.Kind.PHONE,
    Channel.WEB: Identity.Kind.PHONE,
    Channel.MESSENGER: Identity.Kind.MESSENGER,
    Channel.INSTAGRAM: Identity.Kind.INSTAGRAM,
    Channel.X: Identity.Kind.X,
}
# A 101 call and the web form only come in; every other channel carries texts both ways.
TEXT_CHANNELS = tuple(c for c in Channel if c not in (Channel.VOICE, Channel.WEB))


class DeliveryStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    READ = "read", "Read"
    UNDELIVERED = "undelivered", "Undelivered"
    FAILED = "failed", "Failed"
    UNKNOWN = "unknown", "Unknown: check before resending"
    HELD = "held", "Held: outside the safe-contact plan"
    CANCELLED = "cancelled", "Cancelled"


# A status may only replace one of lower rank: late or repeated callbacks never move it back.
STATUS_RANK: dict[str, int] = {
    DeliveryStatus.HELD: -1,
    DeliveryStatus.QUEUED: 0,
    DeliveryStatus.SENDING: 1,
    DeliveryStatus.UNKNOWN: 2,
    DeliveryStatus.SENT: 2,
    DeliveryStatus.DELIVERED: 3,
    DeliveryStatus.UNDELIVERED: 4,
    DeliveryStatus.FAILED: 4,
    DeliveryStatus.READ: 4,
    DeliveryStatus.CANCELLED: 4,
}


class Conversation(models.Model):
    """The messages exchanged with one of a person's identities on one channel."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="conversations")
    identity = models.ForeignKey(Identity, on_delete=models.CASCADE,
                                 related_name="conversations")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    started_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["identity", "channel"],
                                    name="conversation_unique_per_identity_channel"),
        ]


class Message(models.Model):
    class Direction(models.TextChoices):
        INBOUND = "in", "Inbound"
        OUTBOUND = "out", "Outbound"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE,
                                     related_name="messages")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    provider = models.CharField(max_length=20)
    provider_message_id = models.CharField(max_length=128, null=True, blank=True)
    text = models.TextField(blank=True)
    media = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices)
    status_changed_at = models.DateTimeField(auto_now_add=True)
    error_code = models.CharField(max_length=40, blank=True)
    template = models.CharField(max_length=80, blank=True,
                                help_text="the approved template this text was sent as")
    hold_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_by = models.ForeignKey("staff.StaffUser", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="messages_sent")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_message_id"],
                                    name="message_unique_provider_id"),
        ]
        indexes = [models.Index(fields=["conversation", "-created_at"])]

    @property
    def person_id(self) -> int:
        return self.conversation.person_id


class MessageExclusion(models.Model):
    """A member of staff who must never see this message or learn that it exists: one named in
    the allegation it carries, or a candidate for it until professional standards clear them.
    Every read of message text asks `conversations.visibility`, which reads these rows."""

    class Basis(models.TextChoices):
        NAMED = "named", "Named in the allegation"
        CANDIDATE = "candidate", "Candidate: may be the one the allegation is about"

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="exclusions")
    staff = models.ForeignKey("staff.StaffUser", on_delete=models.PROTECT, related_name="+")
    basis = models.CharField(max_length=12, choices=Basis.choices)
    how = models.CharField(max_length=200, help_text="what named them, or the assignment that "
                           "makes them a candidate")
    since = models.DateTimeField(auto_now_add=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_by = models.ForeignKey("staff.StaffUser", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    cleared_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "staff"],
                                               name="message_exclusion_once")]
        indexes = [models.Index(fields=["staff"], condition=models.Q(cleared_at__isnull=True),
                                name="message_exclusion_current_idx")]


class OutboxEntry(models.Model):
    """A text the demo outbox backend 'sent': the hub's visible stand-in for a provider."""

    created_at = models.DateTimeField(auto_now_add=True)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    to = models.CharField(max_length=64)
    body = models.TextField()

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "outbox entries"

    @property
    def to_masked(self) -> str:
        return identifier_mask(CHANNEL_IDENTITY_KIND[self.channel], self.to)


class MessageTemplate(models.Model):
    """A neutral text staff can send, e.g. asking whether now is a good time to talk.

    Templates must be safe on a lock screen: see conversations/neutral.py, checked on save.
    """

    name = models.CharField(max_length=80, unique=True)
    body = models.TextField()
    whatsapp_name = models.CharField(
        max_length=80, blank=True,
        help_text="the name of the matching template approved by Meta, for WhatsApp outside "
                  "the 24-hour window")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        problems = neutral_text_problems(self.body)
        if problems:
            raise ValidationError({"body": problems})


class ConductHold(models.Model):
    """A text or in-call chat line written by staff that matched a conduct rule
    (conversations/conduct_rules.toml): held, never sent or relayed, until a supervisor other
    than its author decides. Professional standards see every one, and what was decided."""

    class Source(models.TextChoices):
        TEXT = "text", "Text to the person"
        CHAT = "chat", "In-call chat line"

    class Decision(models.TextChoices):
        PENDING = "", "Waiting for a supervisor"
        SEND = "send", "Sent after review"
        REFUSE = "refuse", "Refused: never sent"

    source = models.CharField(max_length=8, choices=Source.choices)
    message = models.OneToOneField(Message, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="conduct_hold")
    # The video session a chat line was written in, by id: this layer does not know rvr.
    video_session_id = models.PositiveIntegerField(null=True, blank=True)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="conduct_holds")
    author = models.ForeignKey("staff.StaffUser", on_delete=models.PROTECT, related_name="+")
    # A chat line has no message of its own to keep its words; a text's are on its message.
    chat_text = models.TextField(blank=True)
    matched = models.JSONField(default=list, help_text="[{kind, label, words}] per rule matched")
    held_at = models.DateTimeField(auto_now_add=True)
    decision = models.CharField(max_length=8, choices=Decision.choices, blank=True, default="")
    decided_by = models.ForeignKey("staff.StaffUser", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-held_at"]
        indexes = [models.Index(fields=["-held_at"], condition=models.Q(decided_at__isnull=True),
                                name="conduct_hold_pending_idx")]

    def __str__(self) -> str:
        return f"Held {self.get_source_display().lower()} {self.pk}"

    @property
    def text(self) -> str:
        return self.message.text if self.message is not None else self.chat_text

    @property
    def rule_labels(self) -> list[str]:
        return [rule["label"] for rule in self.matched]

    @property
    def words(self) -> list[str]:
        return [word for rule in self.matched for word in rule["words"]]
