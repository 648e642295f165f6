from __future__ import annotations

from django.apps import AppConfig


class RvrConfig(AppConfig):
    name = "rvr"
    label = "rvr"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from contact_hub.conversations.conduct import (
            conduct_chat_release_register,
            contact_source_register,
        )
        from contact_hub.conversations.sending import sent_text_register
        from contact_hub.conversations.visibility import staff_kept_from
        from contact_hub.triage.queue import queue_source_register
        from rvr import checks  # noqa: F401  (registers the configuration checks)
        from rvr.availability import officer_signed_out
        from rvr.consumers import chat_line_release
        from rvr.kept_from import officers_withdraw
        from rvr.links import link_text_as_sent
        from rvr.look_reasons import rvr_look_reasons_register
        from rvr.queue import video_victims_waiting
        from rvr.staff_contacts import VIDEO_CALLS

        # The dashboard lists victims waiting for video through triage's registry of sources.
        queue_source_register(video_victims_waiting)
        # A victim waiting for video, or an RVR check under way, is a reason to open her record.
        rvr_look_reasons_register()
        # A link's text is stored without its token; the transport alone is handed the link.
        sent_text_register(link_text_as_sent)
        # Supervisors' dip samples include video calls; an officer's chat line held for what
        # it says reaches the call if a supervisor lets it through while the call is on.
        contact_source_register(VIDEO_CALLS)
        conduct_chat_release_register(chat_line_release)
        # An officer who signs out is no longer on hand for video calls.
        user_logged_out.connect(officer_signed_out, dispatch_uid="rvr.availability")
        # An officer kept from a victim's incident is taken off her call at once.
        staff_kept_from.connect(officers_withdraw, dispatch_uid="rvr.kept_from")
