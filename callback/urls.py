from __future__ import annotations

from django.urls import path

from callback import views

app_name = "callback"

urlpatterns = [
    path("", views.queue_view, name="queue"),
    path("list/", views.queue_list_view, name="queue_list"),
    path("next/", views.next_view, name="next"),
    path("<int:callback_request_id>/", views.detail_view, name="detail"),
    path("<int:callback_request_id>/attempt/", views.attempt_result_view, name="attempt_result"),
    path("<int:callback_request_id>/outcome/", views.outcome_view, name="outcome"),
    path("<int:callback_request_id>/requeue/", views.requeue_view, name="requeue"),
    path("<int:callback_request_id>/priority/", views.priority_view, name="priority"),
    path("<int:callback_request_id>/preferences/", views.preferences_view, name="preferences"),
    path("request/", views.web_request_view, name="web_request"),
    path("voice/", views.voice_incoming_view, name="voice_incoming"),
    path("voice/status/", views.voice_status_view, name="voice_status"),
    path("voice/step/<str:stage>/", views.voice_step_view, name="voice_step"),
    path("voice/silence/<str:stage>/", views.voice_silence_view, name="voice_silence"),
    path("voice/attempt/<int:attempt_id>/answer/", views.voice_attempt_answer_view,
         name="voice_attempt_answer"),
    path("voice/attempt/<int:attempt_id>/status/", views.voice_attempt_status_view,
         name="voice_attempt_status"),
]
