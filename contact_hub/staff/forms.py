from __future__ import annotations

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
