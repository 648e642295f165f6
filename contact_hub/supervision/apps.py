from __future__ import annotations

from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "contact_hub.supervision"
    label = "supervision"
    verbose_name = "Supervision of staff conduct"

    def ready(self) -> None:
        from contact_hub.conversations.conduct import conduct_held_register
        from contact_hub.supervision.look_reasons import supervision_look_reasons_register
        from contact_hub.supervision.services import conduct_hold_alerts_raise

        # A held staff text or chat line alerts supervisors (to decide) and professional
        # standards (with the words that matched).
        conduct_held_register(conduct_hold_alerts_raise)
        # A supervisor may open the people in their dip sample and in held staff texts they
        # decide on; professional standards those whose staff contact they review.
        supervision_look_reasons_register()
