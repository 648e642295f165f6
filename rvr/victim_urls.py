"""The victim's addresses: /v/<token>/ (the log filter redacts tokens in this shape)."""

from __future__ import annotations

from django.urls import path

from rvr import victim

app_name = "rvr_victim"

urlpatterns = [
    path("<str:token>/", victim.victim_page_view, name="page"),
    path("<str:token>/opened/", victim.victim_opened_view, name="opened"),
    path("<str:token>/join/", victim.victim_join_view, name="join"),
]
