from __future__ import annotations

from django.db import models

from contact_hub.people.identifiers import identifier_mask


class Person(models.Model):
    """Someone who contacted the hub, however many channels they used."""

    created_at = models.DateTimeField(auto_now_add=True)
    last_contact_at = models.DateTimeField(null=True, blank=True, db_index=True)

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

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="identity_unique_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.masked}"

    @property
    def masked(self) -> str:
        return identifier_mask(self.kind, self.value)
