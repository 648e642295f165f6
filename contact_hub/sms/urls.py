from __future__ import annotations

from django.urls import path

from contact_hub.sms import views

app_name = "sms"
urlpatterns = [
    path("twilio/inbound/", views.inbound_view, name="inbound"),
    path("twilio/status/", views.status_view, name="status"),
]
