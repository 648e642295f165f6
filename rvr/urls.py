from __future__ import annotations

from django.urls import path

from rvr import (
    availability_views,
    connect_views,
    interpreter_views,
    recording_views,
    share_views,
    views,
)

app_name = "rvr"

urlpatterns = [
    path("", views.console_view, name="console"),
    path("waiting/", views.waiting_list_view, name="waiting"),
    path("connect/", connect_views.connect_settings_view, name="connect"),
    path("figures/", views.figures_view, name="figures"),
    path("availability/", availability_views.availability_panel_view, name="availability"),
    path("availability/set/", availability_views.availability_set_view,
         name="availability_set"),
    path("on-hand/", availability_views.on_hand_view, name="on_hand"),
    path("checks/<int:assessment_id>/not-offered/", availability_views.not_offered_view,
         name="not_offered"),
    path("incidents/<str:reference>/check/", views.check_view, name="check"),
    path("incidents/<str:reference>/panel/", views.incident_panel_view, name="incident_panel"),
    path("checks/<int:assessment_id>/consent/", views.consent_view, name="consent"),
    path("checks/<int:assessment_id>/send/", views.link_send_view, name="link_send"),
    path("checks/<int:assessment_id>/key-word/", views.key_word_view, name="key_word"),
    path("sessions/<int:session_id>/revoke/", views.link_revoke_view, name="link_revoke"),
    path("sessions/<int:session_id>/accept/", views.accept_view, name="accept"),
    path("sessions/<int:session_id>/accept/prepared/", connect_views.prepared_accept_view,
         name="accept_prepared"),
    path("sessions/<int:session_id>/call/", views.call_view, name="call"),
    path("sessions/<int:session_id>/dash/", views.dash_view, name="dash"),
    path("sessions/<int:session_id>/notes/", views.notes_view, name="notes"),
    path("sessions/<int:session_id>/stills/", views.still_view, name="still"),
    path("sessions/<int:session_id>/outcome/", views.outcome_view, name="outcome"),
    path("sessions/<int:session_id>/interpreter/", interpreter_views.interpreter_invite_view,
         name="interpreter_invite"),
    path("sessions/<int:session_id>/interpreter/revoke/",
         interpreter_views.interpreter_revoke_view, name="interpreter_revoke"),
    path("stills/<int:still_id>/", views.still_image_view, name="still_image"),
    path("sessions/<int:session_id>/recording/", recording_views.recording_view,
         name="recording"),
    path("sessions/<int:session_id>/recording/chunks/", recording_views.chunk_upload_view,
         name="recording_chunk"),
    path("sessions/<int:session_id>/recording/stop/", recording_views.recording_stop_view,
         name="recording_stop"),
    path("sessions/<int:session_id>/recording/<str:track>/",
         recording_views.recording_track_view, name="recording_track"),
    path("sessions/<int:session_id>/shared/", share_views.call_shared_view, name="call_shared"),
    path("uploads/<int:upload_id>/", share_views.upload_view, name="upload"),
    path("uploads/<int:upload_id>/original/", share_views.upload_original_view,
         name="upload_original"),
]
