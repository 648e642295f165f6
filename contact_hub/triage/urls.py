from __future__ import annotations

from django.urls import path

from contact_hub.triage import referral_views, views

app_name = "triage"
urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("queue/", views.queue_view, name="queue"),
    path("claim/", views.claim_view, name="claim"),
    path("contacts/<int:message_id>/", views.contact_view, name="contact"),
    path("contacts/<int:message_id>/grade/", views.contact_grade_view, name="grade"),
    path("contacts/<int:message_id>/link/", views.contact_link_view, name="link"),
    path("contacts/<int:message_id>/close/", views.contact_close_view, name="close"),
    path("contacts/<int:message_id>/flags/", views.flag_change_view, name="flag_change"),
    path("alerts/<int:alert_id>/acknowledge/", views.alert_acknowledge_view,
         name="alert_acknowledge"),
    path("people/<int:person_id>/markers/", views.marker_set_view, name="marker_set"),
    path("markers/<int:marker_id>/decide/", views.marker_decide_view, name="marker_decide"),
    path("referrals/", referral_views.referral_list_view, name="referrals"),
    path("referrals/live/", referral_views.referral_list_live_view, name="referrals_live"),
    path("referrals/<int:referral_id>/", referral_views.referral_view, name="referral"),
    path("referrals/<int:referral_id>/steps/", referral_views.referral_step_view,
         name="referral_step"),
    path("referrals/<int:referral_id>/clear/", referral_views.candidate_clear_view,
         name="candidate_clear"),
    path("referrals/alerts/<int:alert_id>/acknowledge/",
         referral_views.referral_alert_acknowledge_view, name="referral_alert_acknowledge"),
]
