from __future__ import annotations

from typing import Any, cast

from django import forms


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
