from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings

from contact_hub.incidents.services import THRIVE_FIELDS
from contact_hub.staff.models import StaffUser
from contact_hub.staff.roles import MAY_OWN_MARKERS

THRIVE_LABELS = {
    "threat": "Threat", "harm": "Harm", "risk": "Risk", "investigation": "Investigation",
    "vulnerability": "Vulnerability", "engagement": "Engagement",
}


def grade_choices() -> list[tuple[str, str]]:
    return [(key, grade["label"] + (f" ({grade['target_minutes']} min)"
                                    if grade["target_minutes"] else ""))
            for key, grade in settings.HUB_GRADES.items()]


def opening_code_choices() -> list[tuple[str, str]]:
    return [(code, f"{code}: {c['label']}") for code, c in settings.HUB_OPENING_CODES.items()]


class ThriveForm(forms.Form):
    """THRIVE on a contact: the assessment that sets the grade and opens the incident."""

    opening_code = forms.ChoiceField(label="Opening code")
    grade = forms.ChoiceField(label="Grade")
    confirm_not_domestic = forms.BooleanField(
        required=False, label="I have considered domestic abuse; this code is right")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["opening_code"]).choices = opening_code_choices()
        cast(forms.ChoiceField, self.fields["grade"]).choices = grade_choices()
        for name in THRIVE_FIELDS:
            self.fields[name] = forms.CharField(label=THRIVE_LABELS[name], required=False,
                                                max_length=2000,
                                                widget=forms.Textarea(attrs={"rows": 2}))

    def thrive(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name, "") for name in THRIVE_FIELDS
                if self.cleaned_data.get(name)}


class MarkerForm(forms.Form):
    kind = forms.ChoiceField(label="Marker")
    expires_on = forms.DateField(label="Ends on", widget=forms.DateInput(attrs={"type": "date"}))
    officer: forms.ModelChoiceField[StaffUser] = forms.ModelChoiceField(
        queryset=None, label="Officer responsible")
    address = forms.CharField(label="Address (for an address marker)", required=False,
                              max_length=200)
    note = forms.CharField(label="Why", required=False, max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            (k, v.get("label", k)) for k, v in settings.HUB_MARKER_KINDS.items()]
        cast(forms.ModelChoiceField, self.fields["officer"]).queryset = StaffUser.objects.filter(
            is_active=True, role__in=MAY_OWN_MARKERS
        ).order_by("last_name", "username")
