from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from contact_hub.conversations.models import MessageTemplate
from contact_hub.conversations.neutral import neutral_text_problems


@pytest.mark.parametrize("text", [
    "Hello, is now a good time to talk? Reply YES or NO.",
    "Thanks for getting in touch. We will call you on Monday.",
    "You are number 3 in the queue. We expect to call you within 20 minutes.",
])
def test_neutral_texts_pass(text):
    assert neutral_text_problems(text) == []


@pytest.mark.parametrize("text, problem", [
    ("The police will call you soon.", "mentions 'police'"),
    ("An officer is on the way.", "mentions 'officer'"),
    ("About your domestic abuse report", "mentions 'abuse'"),
    ("Your reference is INC-20261123-000001.", "contains a case or reference number"),
    ("Hi {first_name}, please call back.", "puts a person's name in the text"),
    ("Please call Sarah back when you can.", "'Sarah' looks like a name"),
])
def test_texts_that_could_give_the_victim_away_are_refused(text, problem):
    assert problem in neutral_text_problems(text)


def test_a_force_can_add_its_own_words(settings):
    settings.HUB_NEUTRAL_FORBIDDEN_WORDS = ["Kent"]

    assert "mentions 'kent'" in neutral_text_problems("a message from kent")


@pytest.mark.django_db
def test_a_template_that_is_not_neutral_cannot_be_saved():
    template = MessageTemplate(name="bad", body="The police need to speak to you.")

    with pytest.raises(ValidationError, match="police"):
        template.full_clean()
