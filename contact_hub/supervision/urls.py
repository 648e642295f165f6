from __future__ import annotations

from django.urls import path

from contact_hub.supervision import views

app_name = "supervision"
urlpatterns = [
    path("sample/", views.sample_view, name="sample"),
    path("sample/<int:item_id>/verdict/", views.verdict_view, name="verdict"),
    path("held/", views.held_view, name="held"),
    path("held/live/", views.held_live_view, name="held_live"),
    path("held/<int:hold_id>/decide/", views.decide_view, name="decide"),
    path("verdicts/", views.verdicts_view, name="verdicts"),
    path("verdicts/live/", views.verdicts_live_view, name="verdicts_live"),
    path("alerts/<int:alert_id>/seen/", views.alert_seen_view, name="alert_seen"),
]
