from __future__ import annotations

from typing import Any, cast

from django import forms

from contact_hub.staff.models import AccessEvent, StaffUser


class StaffLoginForm(forms.Form):
    username = forms.CharField(max_length=150, widget=forms.TextInput(
        attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(strip=False, widget=forms.PasswordInput(
        attrs={"autocomplete": "current-password"}))
    code = forms.RegexField(label="Authenticator code", regex=r"^\d{6}$",
                            error_messages={"invalid": "Enter the 6-digit code from your "
                                                       "authenticator app."},
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code",
                                                          "inputmode": "numeric"}))


class SecurityEventFilterForm(forms.Form):
    """Which security events professional standards are looking at: a kind and a time range."""

    kind = forms.ChoiceField(required=False)
    since = forms.DateTimeField(label="From", required=False, widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}))
    until = forms.DateTimeField(label="To", required=False, widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}))

    def __init__(self, *args: Any, kinds: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            ("", "Every kind"), *((k, k) for k in kinds)]


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name()
        return f"{obj.username}{f' · {name}' if name else ''} ({obj.get_role_display()})"


def _staff_choices() -> Any:
    return StaffUser.objects.order_by("username")


def _time_field(label: str) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=False, widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}))


class AccessLogFilterForm(forms.Form):
    """Which looks professional standards are reading: by whom, at whom, what kind, flagged
    only, and when. Named apart from the security events' filter, which shares the page."""

    actor = StaffChoiceField(queryset=_staff_choices(), required=False, label="Who",
                             empty_label="Anyone")
    person = forms.IntegerField(required=False, min_value=1, label="Person number")
    action = forms.ChoiceField(required=False, label="Action",
                               choices=[("", "Any action"), *AccessEvent.Action.choices])
    flagged = forms.BooleanField(required=False, label="Flagged only")
    after = _time_field("From")
    before = _time_field("To")


class StaffLooksForm(forms.Form):
    """A member of staff, and optionally a time range, for the view of whom they looked at."""

    staff = StaffChoiceField(queryset=_staff_choices(), label="Member of staff",
                             empty_label="Choose…")
    after = _time_field("From")
    before = _time_field("To")
