from __future__ import annotations

from django.urls import path

from rvr import views

app_name = "rvr"

urlpatterns = [
    path("", views.console_view, name="console"),
    path("waiting/", views.waiting_list_view, name="waiting"),
    path("figures/", views.figures_view, name="figures"),
    path("incidents/<str:reference>/check/", views.check_view, name="check"),
    path("incidents/<str:reference>/panel/", views.incident_panel_view, name="incident_panel"),
    path("checks/<int:assessment_id>/consent/", views.consent_view, name="consent"),
    path("checks/<int:assessment_id>/send/", views.link_send_view, name="link_send"),
    path("sessions/<int:session_id>/revoke/", views.link_revoke_view, name="link_revoke"),
    path("sessions/<int:session_id>/accept/", views.accept_view, name="accept"),
    path("sessions/<int:session_id>/call/", views.call_view, name="call"),
    path("sessions/<int:session_id>/dash/", views.dash_view, name="dash"),
    path("sessions/<int:session_id>/notes/", views.notes_view, name="notes"),
    path("sessions/<int:session_id>/stills/", views.still_view, name="still"),
    path("sessions/<int:session_id>/outcome/", views.outcome_view, name="outcome"),
    path("stills/<int:still_id>/", views.still_image_view, name="still_image"),
]
