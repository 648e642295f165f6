from __future__ import annotations

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

    def has_role(self, *roles: str) -> bool:
        return self.is_active and self.role in roles

    @property
    def may_reveal_identifiers(self) -> bool:
        return self.role in settings.HUB_REVEAL_ROLES


class AccessEvent(models.Model):
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
    flagged = models.BooleanField(default=False, help_text="no current assignment to this person")

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["person", "-at"]), models.Index(fields=["actor", "-at"])]


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
