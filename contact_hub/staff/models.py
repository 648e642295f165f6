from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    COORDINATOR = "coordinator", "Coordinator"
    RVR_OFFICER = "rvr_officer", "RVR officer"
    SUPERVISOR = "supervisor", "Supervisor"
    PROFESSIONAL_STANDARDS = "professional_standards", "Professional standards"
    ADMINISTRATOR = "administrator", "Administrator"


class StaffUser(AbstractUser):
    """A member of staff. Every staff account has exactly one role."""

    role = models.CharField(max_length=32, choices=Role.choices)
    collar_number = models.CharField(max_length=20, blank=True)
    # Where a call handler takes 101 call-backs: their desk or headset line (E.164). Without
    # one, calls go to their Twilio Client softphone identity.
    desk_phone = models.CharField(max_length=20, blank=True)
    # Handles the member of staff is known by on social media: a victim may name them by one.
    handles = models.JSONField(default=list, blank=True,
                               help_text="social media handles, e.g. [\"@dave_k\"]")

    def has_role(self, *roles: str) -> bool:
        return self.is_active and self.role in roles

    @property
    def may_reveal_identifiers(self) -> bool:
        return self.role in settings.HUB_REVEAL_ROLES


class AppendOnlyQuerySet(models.QuerySet):
    """Rows that are evidence (the access log, incident log entries): added, never changed.

    The application's guard, the only one on SQLite; on PostgreSQL a trigger refuses UPDATE
    and DELETE in the database as well (staff and incidents migrations)."""

    def update(self, **kwargs: object) -> int:
        raise PermissionError(f"{self.model._meta.label} rows are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError(f"{self.model._meta.label} rows are append-only")


class AppendOnlyModel(models.Model):
    """A row that is written once: saving it again or deleting it is refused."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError(f"{self._meta.label} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError(f"{self._meta.label} rows are append-only")


class AccessEvent(AppendOnlyModel):
    """One view, change, export or disclosure of a person's data by staff.

    Holds who, when, what and why; never message text or phone numbers.
    """

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CHANGE = "change", "Changed"
        EXPORT = "export", "Exported"
        DISCLOSE = "disclose", "Disclosed identifier"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="access_events")
    action = models.CharField(max_length=16, choices=Action.choices)
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="access_events")
    what = models.CharField(max_length=120, help_text="the record or page, e.g. 'person', "
                            "'incident INC-20261123-000001'")
    why = models.CharField(max_length=300)
    flagged = models.BooleanField(default=False, help_text="no current assignment to this "
                                  "person, or the reader is named in an allegation they made")
    # A list page shows many people at once: one event names them all.
    people: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "people.Person", through="AccessEventPerson", related_name="list_access_events",
        blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["person", "-at"]), models.Index(fields=["actor", "-at"]),
                   models.Index(fields=["-at"], condition=models.Q(flagged=True),
                                name="access_event_flagged_idx")]


class AccessEventPerson(AppendOnlyModel):
    """One person shown on a list page an access event records."""

    event = models.ForeignKey(AccessEvent, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "person"],
                                               name="access_event_person_once")]


class Assignment(models.Model):
    """Why a member of staff is working a person now: it is the reason their looks at the
    person's record are logged with, and a look without one is asked for a reason and flagged.

    `subject` names what they work ("message:12", "incident:INC-…", "callback:3", "video:9",
    "referral:4"); `ends_at` is when the reason lapses (open while the work goes on).
    """

    class Kind(models.TextChoices):
        CONTACT = "contact", "Handling the contact"
        INCIDENT = "incident", "Holding the incident"
        CALLBACK = "callback", "Taking the callback"
        VIDEO = "video", "Taking the video call"
        REFERRAL = "referral", "Working the misconduct referral"
        BREAK_GLASS = "break_glass", "No assignment: reason given"

    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="assignments")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT,
                               related_name="assignments")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    subject = models.CharField(max_length=60)
    why = models.CharField(max_length=300)
    started_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "staff", "-started_at"]),
                   models.Index(fields=["kind", "subject"])]
        constraints = [models.UniqueConstraint(
            fields=["staff", "kind", "subject"], condition=models.Q(ends_at__isnull=True),
            name="assignment_open_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.subject})"


class SecurityEvent(models.Model):
    """A refusal worth a second look: a forged signature, a lockout, a wrong role.

    One row counts the refusals of one kind from one source (and staff member) in one minute,
    so a flood adds to a count instead of burying other events; `at`, `path` and `detail` are
    the first refusal's.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=60, db_index=True)
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="security_events")
    path = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    minute = models.DateTimeField(help_text="the minute this row counts refusals in")
    repeat_key = models.CharField(max_length=160, help_text="kind, source and staff member: "
                                  "the refusals this row counts")
    count = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["repeat_key", "minute"],
                                               name="security_event_one_row_a_minute")]
        indexes = [models.Index(fields=["kind", "-at"])]


class RoleChangeRequest(models.Model):
    """An administrator's request to give someone a role that needs a second administrator
    (supervisor, professional standards, administrator), or to re-activate an account that
    holds one. Until a different administrator approves it the account keeps the role it had
    (a new account has none); contact_hub/staff/role_changes.py applies it."""

    class Decision(models.TextChoices):
        PENDING = "pending", "Waiting for a second administrator"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="role_change_requests")
    role = models.CharField(max_length=32, choices=Role.choices)
    from_role = models.CharField(max_length=32, blank=True,
                                 help_text="the role when it was asked for (blank: none)")
    reactivate = models.BooleanField(default=False,
                                     help_text="approving it also re-activates the account")
    reason = models.CharField(max_length=300)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decision = models.CharField(max_length=16, choices=Decision.choices,
                                default=Decision.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [models.UniqueConstraint(
            fields=["user"], condition=models.Q(decision="pending"),
            name="role_change_one_pending_per_user")]

    def __str__(self) -> str:
        return f"{self.user} to {self.get_role_display()} ({self.get_decision_display()})"
