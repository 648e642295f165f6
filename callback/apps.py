from __future__ import annotations

from django.apps import AppConfig


class CallbackConfig(AppConfig):
    name = "callback"
    label = "callback"

    def ready(self) -> None:
        # Registers the entries' follow-up tasks in every process, workers included: Celery
        # only finds callback.tasks, which cannot import them (they use the services, which
        # use the tasks).
        from callback import entries  # noqa: F401
        from callback.incident_asks import callback_incident_ask
        from callback.look_reasons import callback_look_reasons_register
        from callback.queue import callbacks_waiting
        from callback.staff_contacts import CALLBACK_CALLS
        from contact_hub.conversations.conduct import contact_source_register
        from contact_hub.incidents.callback_asks import callback_asker_register
        from contact_hub.triage.queue import queue_source_register

        # The dashboard lists callback requests through triage's registry of queue sources.
        queue_source_register(callbacks_waiting)
        # A caller in the queue is a reason for call handlers to open her record.
        callback_look_reasons_register()
        # Supervisors' dip samples include callback calls.
        contact_source_register(CALLBACK_CALLS)
        # A victim who asks from a video call to be called back instead joins the queue.
        callback_asker_register(callback_incident_ask)
