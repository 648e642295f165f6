from __future__ import annotations

from django.db import models

from contact_hub.people.identifiers import identifier_mask


class Person(models.Model):
    """Someone who contacted the hub, however many channels they used."""

    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Person {self.pk}"


class Identity(models.Model):
    """One way of reaching a person: an E.164 number or a platform's user id."""

    class Kind(models.TextChoices):
        PHONE = "phone", "Phone number"
        MESSENGER = "messenger", "Facebook Messenger id"
        INSTAGRAM = "instagram", "Instagram id"
        X = "x", "X user id"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    value = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the person texted an opt-out keyword (STOP); no SMS goes to them until START.
    opted_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="identity_unique_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.masked}"

    @property
    def masked(self) -> str:
        return identifier_mask(self.kind, self.value)


class SafeContactPlan(models.Model):
    """How and when the hub may contact a person without putting them at risk."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE,
                                  related_name="safe_contact_plan")
    channels = models.JSONField(default=list, blank=True,
                                help_text="channels we may use; empty means any")
    safe_from = models.TimeField(null=True, blank=True, help_text="local time")
    safe_until = models.TimeField(null=True, blank=True, help_text="local time; may pass midnight")
    voicemail_ok = models.BooleanField(default=False)
    # Only a hash: staff check the word a caller gives, nobody can read it back.
    code_word_hash = models.CharField(max_length=128, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey("staff.StaffUser", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"Safe-contact plan for person {self.person_id}"
