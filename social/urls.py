from __future__ import annotations

from django.urls import path

from social.meta import views as meta_views
from social.x import views as x_views

app_name = "social"
urlpatterns = [
    path("meta/webhook/", meta_views.webhook_view, name="meta_webhook"),
    path("x/webhook/", x_views.webhook_view, name="x_webhook"),
]
