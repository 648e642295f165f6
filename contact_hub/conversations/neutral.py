"""The check that keeps texts to victims neutral: nothing that says police, names or cases.

A text can be read on a lock screen by the person the victim is afraid of. The words are in
contact_hub/neutral_words.py; a force adds its own with HUB_NEUTRAL_FORBIDDEN_WORDS.
"""

from __future__ import annotations

import re

from django.conf import settings

from contact_hub.neutral_words import REFERENCE, forbidden_words_in

NAME_PLACEHOLDERS = re.compile(r"\{\{?\s*(first_?name|last_?name|name|victim|officer|suspect)"
                               r"\s*\}?\}", re.I)
# A capital letter inside a sentence is most likely a name; these are not.
NOT_NAMES = {"I", "I'm", "I'll", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
             "Saturday", "Sunday", "OK", "Wi-Fi", "WiFi"}


def neutral_text_problems(text: str) -> list[str]:
    """Everything in `text` that could give the victim away; empty if it is neutral."""
    problems = []
    for word in forbidden_words_in(text, extra=settings.HUB_NEUTRAL_FORBIDDEN_WORDS):
        problems.append(f"mentions '{word}'")
    if NAME_PLACEHOLDERS.search(text):
        problems.append("puts a person's name in the text")
    if REFERENCE.search(text):
        problems.append("contains a case or reference number")
    problems += [f"'{name}' looks like a name" for name in _capitalised_mid_sentence(text)]
    return problems


def _capitalised_mid_sentence(text: str) -> list[str]:
    found = []
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", text):
        for word in re.findall(r"[A-Za-z'-]+", sentence)[1:]:
            name_like = word[0].isupper() and (len(word) == 1 or not word[1:].isupper())
            if name_like and word not in NOT_NAMES and word not in found:
                found.append(word)
    return found
