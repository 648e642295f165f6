"""The safe-contact plan's form: which of the person's channels are safe, and when."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from contact_hub.conversations.models import Channel
from contact_hub.people.models import SafeContactPlan


class SafeContactPlanForm(forms.Form):
    channels = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked if any channel is safe.")
    safe_from = forms.TimeField(required=False, label="Safe from (local time)",
                                widget=forms.TimeInput(attrs={"type": "time"}))
    safe_until = forms.TimeField(required=False, label="Safe until",
                                 widget=forms.TimeInput(attrs={"type": "time"}))
    voicemail_ok = forms.BooleanField(required=False, label="A voicemail may be left")
    code_word = forms.CharField(required=False, max_length=60, strip=True,
                                widget=forms.PasswordInput(render_value=False),
                                help_text="Stored only as a hash. Leave blank to keep it.")

    def __init__(self, *args: Any, channels: list[str],
                 instance_plan: SafeContactPlan | None = None, **kwargs: Any) -> None:
        if instance_plan is not None and not args:
            kwargs["initial"] = {"channels": instance_plan.channels,
                                 "safe_from": instance_plan.safe_from,
                                 "safe_until": instance_plan.safe_until,
                                 "voicemail_ok": instance_plan.voicemail_ok}
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["channels"]).choices = [
            (c, Channel(c).label) for c in channels]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if bool(data.get("safe_from")) != bool(data.get("safe_until")):
            raise forms.ValidationError("Give both ends of the safe hours, or neither.")
        return data
