"""The public web form for asking for a callback."""

from __future__ import annotations

import time

from django import forms
from django.core import signing

from callback.numbers import NumberRefused, callback_number_check
from callback.windows import WINDOWS

YES_NO = [("no", "No"), ("yes", "Yes")]
# People take seconds to fill the form in; scripts take milliseconds. Old pages are refused so
# a harvested form token cannot be replayed for ever.
MIN_FILL_SECONDS = 3
MAX_FORM_AGE_SECONDS = 2 * 60 * 60
SALT = "callback.web-form"


def form_token(*, now: float | None = None) -> str:
    """A signed note of when the form was served."""
    return signing.dumps({"served": now if now is not None else time.time()}, salt=SALT)


class CallbackWebForm(forms.Form):
    number = forms.CharField(label="Phone number to call", max_length=32,
                             widget=forms.TextInput(attrs={
                                 "type": "tel", "autocomplete": "tel", "inputmode": "tel"}))
    window = forms.ChoiceField(label="When is it safe to call?", initial="any",
                               choices=[(w.code, w.label) for w in WINDOWS.values()],
                               widget=forms.RadioSelect)
    voicemail_ok = forms.ChoiceField(
        label="If you don't answer, may we leave a voicemail? It won't say who we are.",
        choices=YES_NO, initial="no", widget=forms.RadioSelect)
    texts_ok = forms.ChoiceField(
        label="May we send you texts about your call back? They won't say who we are.",
        choices=YES_NO, initial="no", widget=forms.RadioSelect)
    # Spam resistance without third parties: a field people never see, and a signed time.
    website = forms.CharField(required=False, label="Leave this empty",
                              widget=forms.TextInput(attrs={"tabindex": "-1",
                                                            "autocomplete": "off"}))
    started = forms.CharField(widget=forms.HiddenInput)

    def clean_number(self) -> str:
        try:
            return callback_number_check(self.cleaned_data["number"])
        except NumberRefused as refusal:
            raise forms.ValidationError(str(refusal)) from refusal

    def looks_automated(self) -> bool:
        """A filled-in hidden field, a missing or forged token, or a form sent too fast or
        long after it was served."""
        if self.data.get("website"):
            return True
        try:
            served = signing.loads(self.data.get("started", ""), salt=SALT)["served"]
        except (signing.BadSignature, KeyError, TypeError):
            return True
        age = time.time() - float(served)
        return not MIN_FILL_SECONDS <= age <= MAX_FORM_AGE_SECONDS
